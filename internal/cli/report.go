package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	htmlreport "github.com/secretwarden/warden/internal/report"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/store"
)

type reportOpts struct {
	policyFlags
	snapshot string
	table    string
	out      string
	title    string
	now      string
}

func newReport(stdio IO) *cobra.Command {
	o := &reportOpts{}
	cmd := &cobra.Command{
		Use:   "report [SCAN.json...] [--snapshot PATH | --table NAME] [--out FILE]",
		Short: "Write the compliance report: one self-contained HTML file",
		Long: `Write the compliance report as one HTML file with everything inline (styles,
script, data): it opens offline and fetches nothing. It shows compliance
overall and per policy, account × policy and OU × policy heat maps, failing
findings by severity, a sortable and filterable table of the failing secrets
with message and remediation, the exceptions with their expiry (those
expiring within 30 days marked), and the trend across scans.

Its input is one or more results of 'warden scan --output json' (oldest
first: each is a point of the trend, the last one is reported in full), or
a snapshot scanned on the fly (--snapshot, with --data/--policies as in
scan), or the deployed findings table (--table, as 'warden findings'). Scan
files given with --snapshot or --table are earlier points of the trend.

Compliance counts pass and exempt (a live exception) as compliant, fail and
error (not evaluated) as not; not-applicable findings are left out.`,
		Example: `  warden report --snapshot testdata/org --data testdata/policy-data.json --out report.html
  warden report scans/2026-10-01.json scans/2026-11-01.json scans/2026-12-01.json --out trend.html
  warden report --table SecretWarden-Table --out org.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), stdio, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.snapshot, "snapshot", "", "snapshot file or directory to scan and report")
	f.StringVar(&o.table, "table", "", "the deployment's DynamoDB table: report its current findings")
	f.StringVar(&o.out, "out", "", "write the report to this file (default: stdout)")
	f.StringVar(&o.title, "title", "", "the report's title")
	f.StringVar(&o.now, "now", "", "with --snapshot: evaluate as of this RFC 3339 time (default: the snapshot's taken_at)")
	o.register(cmd)
	return cmd
}

func (o *reportOpts) run(ctx context.Context, stdio IO, files []string) error {
	if o.snapshot != "" && o.table != "" {
		return badInput(errors.New("--snapshot and --table: report one or the other"))
	}
	if len(files) == 0 && o.snapshot == "" && o.table == "" {
		return badInput(errors.New("nothing to report: give scan results (warden scan --output json), --snapshot or --table"))
	}
	if o.now != "" && o.snapshot == "" {
		return badInput(errors.New("--now applies to --snapshot only"))
	}
	live := o.snapshot != "" || o.table != ""
	var (
		b       *htmlreport.Builder
		src     htmlreport.Source
		earlier []htmlreport.Point
		exit    error
	)
	for i, name := range files {
		current := !live && i == len(files)-1
		var cur *htmlreport.Builder
		sink := func([]finding.Finding) error { return nil } // an earlier scan: its summary only
		if current {
			cur = htmlreport.NewBuilder()
			sink = cur.Add
		}
		sum, at, err := readScanFile(stdio, name, sink)
		if err != nil {
			return badInput(err)
		}
		if current {
			b, src = cur, htmlreport.Source{Label: filepath.Base(name), Secrets: sum.Secrets, AsOf: at}
		} else {
			earlier = append(earlier, htmlreport.PointOf(filepath.Base(name), at, sum))
		}
	}
	var err error
	switch {
	case o.snapshot != "":
		b, src, exit, err = o.fromSnapshot(ctx, stdio)
	case o.table != "":
		b, src, err = o.fromTable(ctx)
	}
	if err != nil {
		return err
	}
	src.Title = o.title
	d := b.Data(src, earlier, time.Now())
	if err := o.write(stdio, d); err != nil {
		return err
	}
	return exit
}

// fromSnapshot scans a snapshot as `warden scan` does, into a builder.
// exit is the bad-input exit when entries were malformed (the report is
// still written, with their error findings).
func (o *reportOpts) fromSnapshot(ctx context.Context, stdio IO) (*htmlreport.Builder, htmlreport.Source, error, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(300 << 20))
	snap, err := snapshot.Load(o.snapshot)
	if err != nil {
		return nil, htmlreport.Source{}, nil, badInput(err)
	}
	l, err := o.load(ctx)
	if err != nil {
		return nil, htmlreport.Source{}, nil, badInput(err)
	}
	now, err := evalTime(o.now, snap)
	if err != nil {
		return nil, htmlreport.Source{}, nil, err
	}
	bad := problems(stdio.Err, snap)
	inv := inventory.NewState(snap)
	bld, err := input.NewBuilder(ctx, inv, l.config.Params, now)
	if err != nil {
		return nil, htmlreport.Source{}, nil, badInput(err)
	}
	b := htmlreport.NewBuilder()
	a := &assess.Assessor{Engine: l.engine, Builder: bld, Config: l.config}
	sum, err := scan.Run(ctx, inv, a, scan.Options{}, b.Add)
	if err != nil {
		return nil, htmlreport.Source{}, nil, err
	}
	var exit error
	if bad > 0 {
		exit = &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d secret(s) in the snapshot are malformed (see above); the report shows their error findings", bad)}
	}
	return b, htmlreport.Source{Label: "snapshot " + o.snapshot, Secrets: sum.Secrets, AsOf: now}, exit, nil
}

// fromTable reads the deployment's current findings (every policy this CLI
// knows, through the ByPolicy index).
func (o *reportOpts) fromTable(ctx context.Context) (*htmlreport.Builder, htmlreport.Source, error) {
	l, err := o.load(ctx)
	if err != nil {
		return nil, htmlreport.Source{}, badInput(err)
	}
	db, err := openFindingsDB(ctx)
	if err != nil {
		return nil, htmlreport.Source{}, err
	}
	b := htmlreport.NewBuilder()
	sum, err := listFindings(ctx, store.New(db, o.table), store.FindingQuery{Policies: knownPolicies(l)}, b.Add)
	if err != nil {
		return nil, htmlreport.Source{}, err
	}
	return b, htmlreport.Source{Label: "table " + o.table, Secrets: sum.Secrets}, nil
}

// write renders the page to --out (written whole, then renamed into place)
// or stdout.
func (o *reportOpts) write(stdio IO, d *htmlreport.Data) error {
	var buf bytes.Buffer
	if err := htmlreport.Write(&buf, d, toolVersion()); err != nil {
		return err
	}
	if o.out == "" {
		if _, err := stdio.Out.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.out), ".warden-report-*.html")
	if err != nil {
		return badInput(fmt.Errorf("--out: %w", err))
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	if err := os.Rename(tmp.Name(), o.out); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	return nil
}

// readScanFile reads one scan result ("-" is stdin).
func readScanFile(stdio IO, name string, sink func([]finding.Finding) error) (*finding.Summary, time.Time, error) {
	var r io.Reader
	if name == "-" {
		r = stdio.In
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("read scan result: %w", err)
		}
		defer f.Close()
		r = f
	}
	return htmlreport.ReadScan(r, name, sink)
}
