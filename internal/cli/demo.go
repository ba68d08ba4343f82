package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	warden "github.com/secretwarden/warden"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Paths of the bundled sample inside warden.Sample.
const (
	sampleOrg    = "testdata/org"
	sampleEvents = "testdata/events"
	sampleData   = "testdata/policy-data.json"
)

func newDemo(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Scan and replay the bundled sample organization, no AWS account needed",
		Long: `Run 'warden scan' and 'warden replay' on the sample organization bundled in
the binary (testdata/org: 4 accounts in 2 OUs, 2 regions) and its CloudTrail
events (testdata/events), and show what Secret Warden would find and do.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), stdio)
		},
	}
}

// loadSample reads the embedded sample organization, its policy data and events.
func loadSample() (*snapshot.Snapshot, map[string]any, []event.Event, []error, error) {
	snap, err := snapshot.LoadFS(warden.Sample, sampleOrg, sampleOrg)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("load sample organization: %w", err)
	}
	raw, err := fs.ReadFile(warden.Sample, sampleData)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("load sample policy data: %w", err)
	}
	data, err := config.DecodeObject(raw, sampleData)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var events []event.Event
	var errs []error
	err = fs.WalkDir(warden.Sample, sampleEvents, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonl") || strings.HasSuffix(p, ".gz")) {
			return err
		}
		b, err := fs.ReadFile(warden.Sample, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		evs, es := event.ReadReader(bytes.NewReader(b), p)
		events = append(events, evs...)
		errs = append(errs, es...)
		return nil
	})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("load sample events: %w", err)
	}
	return snap, data, events, errs, nil
}

func runDemo(ctx context.Context, stdio IO) error {
	snap, data, events, errs, err := loadSample()
	if err != nil {
		return err
	}
	var pf policyFlags
	l, err := pf.load(ctx, data)
	if err != nil {
		return err
	}
	out := stdio.Out
	accounts := map[string]bool{}
	regions := map[string]bool{}
	for _, s := range snap.Secrets {
		accounts[s.AccountID] = true
		regions[s.Region] = true
	}
	fmt.Fprintf(out, "Secret Warden demo: organization %s, %d accounts, %d secrets in %s, as of %s\n",
		snap.Organization.ID, len(snap.Accounts), len(snap.Secrets), strings.Join(keys(regions), ", "), snap.TakenAt)
	fmt.Fprintf(out, "%d posture checks and %d event rules loaded.\n\n", len(l.engine.Checks()), len(l.engine.Rules()))
	fmt.Fprintln(out, "== 1. Posture scan (warden scan --snapshot testdata/org --data testdata/policy-data.json)")
	fmt.Fprintln(out)
	snapCopy, err := snapshot.LoadFS(warden.Sample, sampleOrg, sampleOrg)
	if err != nil {
		return fmt.Errorf("load sample organization: %w", err)
	}
	if err := runScan(ctx, stdio, l, snapCopy, snapCopy.TakenAt.Time, output.Table, "", 0, sampleOrg); err != nil {
		return err
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "== 2. Replay of %d CloudTrail events (warden replay --snapshot testdata/org --data testdata/policy-data.json testdata/events)\n", len(events))
	fmt.Fprintln(out, "   Each event is applied to a working copy of the snapshot in time order; actions are planned, not executed.")
	fmt.Fprintln(out)
	if err := runReplay(ctx, stdio, l, snap, events, report(stdio.Err, errs), output.Table, ""); err != nil {
		return err
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Next: 'warden scan --snapshot testdata/org --data testdata/policy-data.json --output json', 'warden policies', 'warden replay --help'.")
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
