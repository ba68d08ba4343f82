package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/replay"
	"github.com/secretwarden/warden/internal/snapshot"
)

type replayOpts struct {
	policyFlags
	live     liveFlags
	snapshot string
	output   string
	failOn   string
}

func newReplay(stdio IO) *cobra.Command {
	o := &replayOpts{}
	cmd := &cobra.Command{
		Use:   "replay [--snapshot PATH] EVENTS...",
		Short: "Decide past CloudTrail events in time order against a snapshot or live AWS (what-if)",
		Long: `Decide every event in time order against a working copy of the snapshot
that state-changing events update (PutResourcePolicy changes the policy later
events see, RotationSucceeded moves LastRotatedDate, ...). Actions are planned,
never executed ("executed": false).

EVENTS are files or directories of CloudTrail records, CloudTrail log files
({"Records": [...]}, optionally .gz), EventBridge envelopes or JSON Lines; "-"
reads standard input. A malformed event is reported on one line and the others
are still decided (exit code 2 at the end).

Without --snapshot, the current state of live AWS is read first (as 'warden
snapshot' does; --accounts, --regions, --role-name, --external-id) and the
events are decided against it.`,
		Example: `  warden replay --snapshot testdata/org testdata/events
  warden replay --snapshot org.json --output jsonl cloudtrail/2026/11/*.json.gz
  zcat trail.json.gz | warden replay --snapshot org.json -
  warden replay --regions us-east-1 cloudtrail/2026/11/20/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), cmd, stdio, args)
		},
	}
	cmd.Flags().StringVar(&o.snapshot, "snapshot", "", "snapshot file or directory (default: read live AWS first)")
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table|json|jsonl")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "", "exit 1 when an action at or above this severity is planned")
	o.register(cmd)
	o.live.register(cmd)
	return cmd
}

func (o *replayOpts) run(ctx context.Context, cmd *cobra.Command, stdio IO, args []string) error {
	format, err := output.ParseFormat(o.output, output.Table, output.JSON, output.JSONL)
	if err != nil {
		return badInput(fmt.Errorf("--output: %w", err))
	}
	if err := validSeverity(o.failOn); err != nil {
		return err
	}
	if err := o.parseLimits(); err != nil {
		return err
	}
	if err := o.live.check(cmd, o.snapshot != ""); err != nil {
		return err
	}
	var snap *snapshot.Snapshot
	var snapBad int
	if o.snapshot != "" {
		if snap, snapBad, err = readSnapshot(stdio, o.snapshot, o.limits); err != nil {
			return err
		}
	}
	l, err := o.load(ctx)
	if err != nil {
		return badInput(err)
	}
	var live *unreadable
	if snap == nil {
		if snap, live, err = liveSnapshot(ctx, &o.live, stdio); err != nil {
			return err
		}
	}
	var events []event.Event
	var bad int
	for _, a := range args {
		var evs []event.Event
		var errs []error
		if a == "-" {
			evs, errs = event.ReadReaderLimits(stdio.In, "stdin", o.limits)
		} else {
			evs, errs = event.ReadPathLimits(a, o.limits)
		}
		events = append(events, evs...)
		bad += report(stdio.Err, errs)
	}
	if len(events) == 0 && bad == 0 {
		fmt.Fprintf(stdio.Err, "warden: no events in %s: nothing to replay\n", strings.Join(args, ", "))
		bad++
	}
	err = runReplay(ctx, stdio, l, snap, events, bad, format, o.failOn)
	var ee *ExitError
	if snapBad > 0 && (err == nil || errors.As(err, &ee) && ee.Code == ExitFindings) {
		// Problems of the snapshot outrank the --fail-on gate.
		err = &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d problem(s) in the snapshot (see above); the events were decided against the rest", snapBad)}
	}
	if live != nil {
		// Unread parts of live AWS outrank the --fail-on gate, not bad events.
		if uerr := live.report(stdio.Err); uerr != nil && (err == nil || (errors.As(err, &ee) && ee.Code == ExitFindings)) {
			return uerr
		}
	}
	return err
}

func report(w io.Writer, errs []error) int {
	for _, e := range errs {
		fmt.Fprintf(w, "warden: %v\n", e)
	}
	return len(errs)
}

func runReplay(ctx context.Context, stdio IO, l *loaded, snap *snapshot.Snapshot, events []event.Event, bad int, format output.Format, failOn string) error {
	st := inventory.NewState(snap)
	now := snap.TakenAt.Time
	b, err := input.NewBuilder(ctx, st, l.config.Params, now)
	if err != nil {
		return badInput(err)
	}
	d := &decide.Decider{
		State:    st,
		Assessor: &assess.Assessor{Engine: l.engine, Builder: b, Config: l.config},
		History:  decide.NewMemory(),
	}
	w, err := output.NewDecisionWriter(format, stdio.Out)
	if err != nil {
		return badInput(err)
	}
	gate := 0
	sum, err := replay.Run(ctx, d, events, func(dec *decide.Decision) error {
		for _, a := range dec.Actions {
			if failOn != "" && finding.AtLeast(a.Severity, failOn) {
				gate++
			}
		}
		return w.Write(dec)
	})
	if err != nil {
		return err
	}
	sum.Errors = bad
	if err := w.Close(sum); err != nil {
		return err
	}
	switch {
	case bad == 1:
		return &ExitError{Code: ExitBadInput} // its one line is printed
	case bad > 1:
		return &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d event(s) could not be read (see above); the others were decided", bad)}
	case gate > 0:
		return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d action(s) at or above %s planned", gate, failOn)}
	}
	return nil
}
