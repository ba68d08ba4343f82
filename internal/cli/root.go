// Package cli is the warden command line: cobra commands that wire the
// runner (inputs, engine, outputs) together. Exit codes: 0 clean, 1 a
// failing finding at or above --fail-on, 2 bad input or usage.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitBadInput = 2
)

// ExitError carries an exit code; its message (if any) is printed as one line.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

func badInput(err error) error { return &ExitError{Code: ExitBadInput, Err: err} }

// IO is where commands read and write.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// NewRoot builds the warden command tree.
func NewRoot(stdio IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "warden",
		Short: "Secret Warden: governance and incident response for AWS Secrets Manager",
		Long: `Secret Warden evaluates AWS Secrets Manager secrets across an AWS Organization
against Rego policies (rotation, customer-managed KMS keys, resource policies,
replication, tags, ...) and decides how to respond to CloudTrail events.

Offline, it works on a snapshot of an organization (see 'warden scan --help'
and the sample in testdata/org). Start with 'warden demo'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	root.AddCommand(newScan(stdio), newReplay(stdio), newEval(stdio), newPolicies(stdio), newDemo(stdio))
	root.AddCommand(newSnapshot(stdio))
	root.AddCommand(newRotate(stdio), newRestorePolicy(stdio))
	root.AddCommand(newFindings(stdio), newReport(stdio))
	return root
}

// Execute runs the CLI with args and returns the exit code. Errors are
// printed to stdio.Err as one line.
func Execute(ctx context.Context, stdio IO, args []string) int {
	root := NewRoot(stdio)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(stdio.Err, "warden: %v\n", ee.Err)
		}
		return ee.Code
	}
	// Cobra's own errors (unknown command, bad args) are usage errors.
	fmt.Fprintf(stdio.Err, "warden: %v\n", err)
	return ExitBadInput
}
