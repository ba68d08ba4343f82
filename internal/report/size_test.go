package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/report"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/synth"
)

// writeSnapshot writes a generated n-secret organization.
func writeSnapshot(t testing.TB, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewEncoder(f).Encode(synth.Generate(n, 42)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// The report of a 100,000-secret organization stays under 30 MB (the data
// is columnar with string tables; only failing findings are listed).
func TestReportOf100kSecretsFitsIn30MB(t *testing.T) {
	if testing.Short() {
		t.Skip("scans 100,000 generated secrets")
	}
	snap := synth.Generate(100_000, 42)
	ctx := context.Background()
	doc, err := builtin.Data()
	if err != nil {
		t.Fatal(err)
	}
	eng, cfg, err := builtin.Load(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.NewState(snap)
	bld, err := input.NewBuilder(ctx, inv, cfg.Params, snap.TakenAt.Time)
	if err != nil {
		t.Fatal(err)
	}
	b := report.NewBuilder()
	sum, err := scan.Run(ctx, inv, &assess.Assessor{Engine: eng, Builder: bld, Config: cfg}, scan.Options{}, b.Add)
	if err != nil {
		t.Fatal(err)
	}
	d := b.Data(report.Source{Label: "synth", Secrets: sum.Secrets}, nil, time.Now())
	var buf bytes.Buffer
	if err := report.Write(&buf, d, "test"); err != nil {
		t.Fatal(err)
	}
	mb := float64(buf.Len()) / (1 << 20)
	t.Logf("100,000 secrets, %d findings, %d failing rows: %.1f MB", d.Findings, len(d.Rows.Policy), mb)
	if buf.Len() > 30<<20 {
		t.Errorf("the report is %.1f MB, over 30 MB", mb)
	}
	failing := sum.ByStatus["fail"] + sum.ByStatus["error"]
	if len(d.Rows.Policy) != failing || d.SecretCount != 100_000 || d.Findings != sum.Findings {
		t.Errorf("rows %d (want %d), secrets %d, findings %d (want %d)", len(d.Rows.Policy), failing, d.SecretCount, d.Findings, sum.Findings)
	}
}
