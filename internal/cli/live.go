package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// liveFlags select what a live read of AWS covers.
type liveFlags struct {
	accounts   []string
	regions    []string
	roleName   string
	externalID string
}

func (f *liveFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.accounts, "accounts", nil, "live: only these account ids (comma-separated or repeated; default every active account of the organization)")
	cmd.Flags().StringSliceVar(&f.regions, "regions", nil, "live: regions to read (comma-separated or repeated; default AWS_REGION or the profile's region)")
	cmd.Flags().StringVar(&f.roleName, "role-name", awsinv.DefaultRoleName, "live: role assumed in member accounts")
	cmd.Flags().StringVar(&f.externalID, "external-id", "", "live: ExternalId passed when assuming the role")
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// check rejects malformed account ids, and live flags next to --snapshot.
func (f *liveFlags) check(cmd *cobra.Command, fromSnapshot bool) error {
	for _, a := range f.accounts {
		if !accountID.MatchString(a) {
			return badInput(fmt.Errorf("--accounts: %q is not a 12-digit account id", a))
		}
	}
	if fromSnapshot {
		for _, name := range []string{"accounts", "regions", "role-name", "external-id"} {
			if cmd.Flags().Changed(name) {
				return badInput(fmt.Errorf("--%s applies to live AWS only: drop it or drop --snapshot", name))
			}
		}
	}
	return nil
}

// openLive returns the AWS inventory; tests replace it. Credentials, region
// and endpoint come from the default chain (AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL, ...).
var openLive = func(ctx context.Context, f *liveFlags, log *slog.Logger, progress func(done, total int)) (inventory.Inventory, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	inv, err := awsinv.New(cfg, awsinv.Options{
		Regions:    f.regions,
		Accounts:   f.accounts,
		RoleName:   f.roleName,
		ExternalID: f.externalID,
		Logger:     log,
		Progress:   progress,
	})
	if err != nil {
		return nil, badInput(err)
	}
	return inv, nil
}

// unreadable counts the entries a live read could not read and prints the
// first few on w.
type unreadable struct {
	n     int
	lines []string
}

const maxUnreadableLines = 20

func (u *unreadable) add(e *snapshot.SecretEntry) {
	var msg string
	switch {
	case e.Error != "":
		msg = fmt.Sprintf("warden: not evaluated: %s: %s", e.Secret.ARN, e.Error)
	case e.ResourcePolicyError != "":
		msg = fmt.Sprintf("warden: resource policy not read (the checks that read it are error): %s: %s", e.Secret.ARN, e.ResourcePolicyError)
	default:
		return
	}
	u.n++
	if len(u.lines) < maxUnreadableLines {
		u.lines = append(u.lines, msg)
	}
}

// print prints the lines.
func (u *unreadable) print(w io.Writer) {
	for _, l := range u.lines {
		fmt.Fprintln(w, l)
	}
	if more := u.n - len(u.lines); more > 0 {
		fmt.Fprintf(w, "warden: ... and %d more\n", more)
	}
}

// report prints the lines and returns the exit error, or nil.
func (u *unreadable) report(w io.Writer) error {
	if u.n == 0 {
		return nil
	}
	u.print(w)
	return &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d secret(s) or account-region(s) could not be read from AWS (error findings, see above); the rest was evaluated", u.n)}
}

// countingInventory notes unreadable entries as they stream by.
type countingInventory struct {
	inventory.Inventory
	u *unreadable
}

func (c countingInventory) Secrets(ctx context.Context, fn func(*snapshot.SecretEntry) error) error {
	return c.Inventory.Secrets(ctx, func(e *snapshot.SecretEntry) error {
		c.u.add(e)
		return fn(e)
	})
}
