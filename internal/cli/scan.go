package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/snapshot"
)

type scanOpts struct {
	policyFlags
	live     liveFlags
	tmpl     templateFlags
	snapshot string
	output   string
	failOn   string
	now      string
}

func newScan(stdio IO) *cobra.Command {
	o := &scanOpts{}
	cmd := &cobra.Command{
		Use:   "scan [--snapshot PATH] [--template PATH...]",
		Short: "Evaluate every secret of an organization snapshot, of live AWS, or of templates before deploy, against the policies",
		Long: `Evaluate every secret in a snapshot (a warden.snapshot/v1 JSON file, or a
directory of them that are merged) against every posture check, and print the
findings.

Without --snapshot, read live AWS with the default credential chain
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...): every active account of the
organization when run from its management or delegated-administrator account
(assuming --role-name in each member account), or the accounts --accounts
names; an account in no organization alone. An organization whose accounts
cannot be listed is an error naming the missing permission, never a quiet
scan of fewer accounts. Every region of --regions. See docs/live.md for the
IAM permissions.
A progress line is drawn on stderr when it is a terminal.

With --template, evaluate the secrets that CloudFormation templates (JSON or
YAML), CDK cloud assemblies (cdk.out) or Terraform plans (terraform show
-json) declare, before they exist: the same checks, parameters, overrides and
exceptions, each finding pointing at the file, line and logical id. A value
that cannot be resolved statically makes the checks that read it error;
checks that judge runtime state are not_applicable. --snapshot then only
gives context: the organization, accounts and existing keys. See
docs/predeploy.md.

Exit codes (the highest that applies):
  2  bad input: a snapshot file, entry or field that could not be read (one
     line each on stderr; the rest is still evaluated and printed), nothing to
     evaluate (no secrets), or an error finding (a check that could not be
     evaluated: part of live AWS or of the snapshot unreadable). With
     --fail-on SEVERITY only error findings of checks at or above SEVERITY
     count: the gate says which checks matter.
  1  a fail or error finding at or above --fail-on.
  0  otherwise.
See docs/bad-input.md for what each kind of bad input gets.`,
		Example: `  warden scan --snapshot testdata/org
  warden scan --snapshot testdata/org --data testdata/org/data.json --output json
  warden scan --snapshot org.json --fail-on high --policies ./our-checks
  AWS_PROFILE=audit warden scan --regions us-east-1,eu-west-1
  warden scan --accounts 111122223333 --role-name SecretWardenAudit --external-id ext-123
  cdk synth && warden scan --template cdk.out --fail-on high
  warden scan --template stack.yaml --account 111122223333 --region eu-west-1 --data org-data.json
  terraform show -json plan.out > plan.json && warden scan --template plan.json --output json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && !cmd.Flags().Changed("template") {
				return badInput(fmt.Errorf("unexpected argument %q (templates follow --template)", args[0]))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.tmpl.paths = append(o.tmpl.paths, args...)
			return o.run(cmd.Context(), cmd, stdio)
		},
	}
	cmd.Flags().StringVar(&o.snapshot, "snapshot", "", "snapshot file or directory (default: read live AWS)")
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table|json|jsonl|csv|sarif|asff|ocsf")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "", "exit 1 when a fail or error finding is at or above this severity: critical|high|medium|low|info")
	cmd.Flags().StringVar(&o.now, "now", "", "evaluate as of this RFC 3339 time (default: the snapshot's taken_at)")
	o.register(cmd)
	o.live.register(cmd)
	o.tmpl.register(cmd)
	return cmd
}

func validSeverity(s string) error {
	if s != "" && finding.SeverityRank(s) < 0 {
		return badInput(fmt.Errorf("--fail-on: unknown severity %q (want critical|high|medium|low|info)", s))
	}
	return nil
}

func (o *scanOpts) run(ctx context.Context, cmd *cobra.Command, stdio IO) error {
	format, err := output.ParseFormat(o.output, findingFormats...)
	if err != nil {
		return badInput(fmt.Errorf("--output: %w", err))
	}
	if err := validSeverity(o.failOn); err != nil {
		return err
	}
	if err := o.parseLimits(); err != nil {
		return err
	}
	if err := o.live.check(cmd, o.snapshot != "" || len(o.tmpl.paths) > 0); err != nil {
		return err
	}
	params, err := o.tmpl.check(cmd)
	if err != nil {
		return err
	}
	if len(o.tmpl.paths) > 0 {
		return o.runTemplates(ctx, stdio, format, params)
	}
	if o.snapshot == "" {
		return o.runLive(ctx, stdio, format)
	}
	// A scan holds the whole snapshot: let the heap grow to 4x its live size
	// (fewer collections) but not past a soft limit that keeps RSS well under
	// 500 MB for 100,000 secrets (≈ 330 MB measured; 400 MB gave ≈ 430–480).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(300 << 20))
	snap, bad, err := readSnapshot(stdio, o.snapshot, o.limits)
	if err != nil {
		return err
	}
	l, err := o.load(ctx)
	if err != nil {
		return badInput(err)
	}
	now, err := evalTime(o.now, snap)
	if err != nil {
		return err
	}
	return runScan(ctx, stdio, l, snap, now, format, o.failOn, bad, o.snapshot)
}

// readSnapshot reads a snapshot, printing its problems one line each; bad
// is their number.
func readSnapshot(stdio IO, path string, lim boundedio.Limits) (*snapshot.Snapshot, int, error) {
	snap, problems, err := snapshot.Read(path, lim)
	for _, p := range problems {
		fmt.Fprintf(stdio.Err, "warden: %v\n", p)
	}
	if err != nil {
		if len(problems) > 0 {
			return nil, 0, &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%s: nothing could be read (see above)", path)}
		}
		return nil, 0, badInput(err)
	}
	return snap, len(problems), nil
}

// evalTime picks the evaluation instant: --now, else taken_at, else now.
func evalTime(flag string, snap *snapshot.Snapshot) (time.Time, error) {
	if flag != "" {
		t, err := snapshot.ParseTime(flag)
		if err != nil {
			return time.Time{}, badInput(fmt.Errorf("--now: %w", err))
		}
		return t, nil
	}
	if !snap.TakenAt.IsZero() {
		return snap.TakenAt.Time, nil
	}
	return time.Now().UTC(), nil
}

// problems reports snapshot entries that cannot be evaluated, one line each.
func problems(w io.Writer, snap *snapshot.Snapshot) int {
	n := 0
	for i := range snap.Secrets {
		e := &snap.Secrets[i]
		var msg string
		switch {
		case e.Secret.ARN == "":
			msg = "Secret.ARN: missing"
		case e.AccountID == "":
			msg = "AccountId: missing"
		case e.Region == "":
			msg = "Region: missing"
		}
		if msg != "" {
			n++
			fmt.Fprintf(w, "warden: %s: %s (secret %q gets error findings)\n", e.Source, msg, e.Secret.Name)
		}
	}
	return n
}

func runScan(ctx context.Context, stdio IO, l *loaded, snap *snapshot.Snapshot, now time.Time, format output.Format, failOn string, inputProblems int, path string) error {
	bad := problems(stdio.Err, snap) + inputProblems
	sum, errs, err := scanInventory(ctx, stdio, l, inventory.NewState(snap), now, format, scan.Options{}, locateIn(snap))
	if err != nil {
		return err
	}
	v := verdict{sum: sum, errs: errs, failOn: failOn, bad: bad}
	if sum.Secrets == 0 {
		v.empty = fmt.Sprintf("%s: no secrets to evaluate (the snapshot has no \"secrets\" entries): nothing was scanned", path)
	}
	return v.exit("in the snapshot")
}

// errorCounts counts error findings per severity.
type errorCounts map[string]int

// atLeast counts the error findings at or above severity t ("" = all).
func (c errorCounts) atLeast(t string) int {
	n := 0
	for sev, k := range c {
		if t == "" || finding.AtLeast(sev, t) {
			n += k
		}
	}
	return n
}

// verdict is the outcome of a scan, turned into its exit code by exit.
type verdict struct {
	sum    *finding.Summary
	errs   errorCounts
	failOn string
	// bad counts the input problems printed (snapshot files, entries,
	// fields; live reads): each is bad input.
	bad int
	// empty, when set, says that nothing was evaluated.
	empty string
}

// exit applies the exit-code rules (the highest that applies):
//   - 2 when the input had problems, when nothing was evaluated, or when
//     a finding is error — a check could not be evaluated; with --fail-on
//     SEVERITY only error findings of checks at or above SEVERITY count;
//   - 1 when a fail or error finding is at or above --fail-on;
//   - else 0.
//
// where says where the problems were ("in the snapshot", "in live AWS").
func (v verdict) exit(where string) error {
	errs := v.errs.atLeast(v.failOn)
	switch {
	case v.empty != "":
		return badInput(errors.New(v.empty))
	case v.bad == 1:
		return &ExitError{Code: ExitBadInput} // its one line is printed
	case v.bad > 1:
		return &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d problem(s) %s (see above); the rest was evaluated", v.bad, where)}
	case errs > 0:
		scope := ""
		if v.failOn != "" {
			scope = " at or above " + v.failOn
		}
		return &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d error finding(s)%s: checks that could not be evaluated (see their messages); the rest was evaluated", errs, scope)}
	}
	return failGate(v.sum, v.failOn)
}

// scanInventory evaluates every secret of inv and writes the findings; it
// returns their summary and the error findings per severity.
func scanInventory(ctx context.Context, stdio IO, l *loaded, inv inventory.Inventory, now time.Time, format output.Format, opts scan.Options, locate func(string) (string, int)) (*finding.Summary, errorCounts, error) {
	b, err := input.NewBuilder(ctx, inv, l.config.Params, now)
	if err != nil {
		return nil, nil, badInput(err)
	}
	a := &assess.Assessor{Engine: l.engine, Builder: b, Config: l.config}
	out := bufio.NewWriterSize(stdio.Out, 64<<10) // one write per 64 KiB, not two per finding
	defer out.Flush()
	w, err := output.NewFindingWriterWith(format, out, l.writerOptions(locate))
	if err != nil {
		return nil, nil, badInput(err)
	}
	errs := errorCounts{}
	sum, err := scan.Run(ctx, inv, a, opts, func(batch []finding.Finding) error {
		for i := range batch {
			if batch[i].Status == finding.StatusError {
				errs[batch[i].Severity]++
			}
		}
		return w.Write(batch)
	})
	if err != nil {
		return nil, nil, err
	}
	if err := w.Close(sum); err != nil {
		return nil, nil, err
	}
	if err := out.Flush(); err != nil {
		return nil, nil, fmt.Errorf("write findings: %w", err)
	}
	return sum, errs, nil
}

// findingFormats are the --output formats of commands that print findings.
var findingFormats = []output.Format{output.Table, output.JSON, output.JSONL, output.CSV, output.SARIF, output.ASFF, output.OCSF}

// writerOptions are what the document formats need: the checks' METADATA
// (SARIF rules), where secrets were read (SARIF locations) and the version.
func (l *loaded) writerOptions(locate func(string) (string, int)) output.Options {
	return output.Options{Checks: l.engine.Checks(), Locate: locate, ToolVersion: toolVersion()}
}

// locateIn maps each secret of a snapshot to the file and line it was read
// from (the first entry wins when an ARN repeats).
func locateIn(snap *snapshot.Snapshot) func(string) (string, int) {
	type at struct {
		file string
		line int
	}
	where := make(map[string]at, len(snap.Secrets))
	for i := range snap.Secrets {
		e := &snap.Secrets[i]
		if _, seen := where[e.Secret.ARN]; seen || e.Secret.ARN == "" {
			continue
		}
		file, _, _ := strings.Cut(e.Source, "#")
		where[e.Secret.ARN] = at{file, e.Line}
	}
	return func(arn string) (string, int) {
		w := where[arn]
		return w.file, w.line
	}
}

// toolVersion is the module version the binary was built from ("(devel)"
// in a source tree).
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// failGate is the --fail-on exit.
func failGate(sum *finding.Summary, failOn string) error {
	if failOn != "" && sum.FailingAtLeast(failOn) > 0 {
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d finding(s) fail at or above %s", sum.FailingAtLeast(failOn), failOn)}
	}
	return nil
}
