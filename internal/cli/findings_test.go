package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/finding"
	htmlreport "github.com/secretwarden/warden/internal/report"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const sampleTable = "SecretWarden-Table"

func execute(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), IO{In: strings.NewReader(""), Out: &out, Err: &errOut}, args)
	return code, out.String(), errOut.String()
}

// deployed records the sample organization's scan in a fake findings table
// (with the deployment's indexes), as the sweep would, and makes the CLI
// use it.
func deployed(t *testing.T) (*storetest.Fake, []finding.Finding, finding.Summary) {
	t.Helper()
	code, out, errOut := execute("scan", "--snapshot", "../../testdata/org", "--data", "../../testdata/policy-data.json", "--output", "json")
	if code != 0 {
		t.Fatalf("scan: %d %s", code, errOut)
	}
	var doc struct {
		Findings []finding.Finding
		Summary  finding.Summary
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	db := storetest.New(t, sampleTable).
		AddIndex(store.IndexByAccount, store.AttrGSI1PK, store.AttrGSI1SK).
		AddIndex(store.IndexByPolicy, store.AttrGSI2PK, store.AttrGSI2SK)
	db.PageSize = 25
	st := store.New(db, sampleTable)
	for _, f := range doc.Findings {
		if _, err := st.Record(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	prev := openFindingsDB
	t.Cleanup(func() { openFindingsDB = prev })
	openFindingsDB = func(context.Context) (store.DB, error) { return db, nil }
	return db, doc.Findings, doc.Summary
}

func keysOf(fs []finding.Finding) string {
	var ks []string
	for _, f := range fs {
		ks = append(ks, f.Key()+"="+string(f.Status))
	}
	sort.Strings(ks)
	return strings.Join(ks, "\n")
}

// `warden findings` answers each filter from the table's indexes, never a
// Scan (the DB interface has no Scan; every Query names an index), with the
// findings the sweep recorded.
func TestFindingsFromTheTable(t *testing.T) {
	db, all, _ := deployed(t)
	for _, c := range []struct {
		args []string
		keep func(f finding.Finding) bool
	}{
		{[]string{"--account", "445566778899"}, func(f finding.Finding) bool { return f.AccountID == "445566778899" }},
		{[]string{"--account", "445566778899", "--status", "fail"}, func(f finding.Finding) bool {
			return f.AccountID == "445566778899" && f.Status == finding.StatusFail
		}},
		{[]string{"--policy", "rotation-enabled"}, func(f finding.Finding) bool { return f.PolicyID == "rotation-enabled" }},
		{[]string{"--policy", "rotation-enabled", "--account", "334455667788"}, func(f finding.Finding) bool {
			return f.PolicyID == "rotation-enabled" && f.AccountID == "334455667788"
		}},
		{[]string{"--status", "fail"}, func(f finding.Finding) bool { return f.Status == finding.StatusFail }},
		{nil, func(finding.Finding) bool { return true }},
	} {
		before := len(db.Queries())
		code, out, errOut := execute(append([]string{"findings", "--table", sampleTable, "--output", "json"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, errOut)
		}
		var doc struct {
			Findings []finding.Finding
			Summary  finding.Summary
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var want []finding.Finding
		for _, f := range all {
			if c.keep(f) {
				want = append(want, f)
			}
		}
		if len(want) == 0 || keysOf(doc.Findings) != keysOf(want) {
			t.Errorf("%v: %d findings, want %d", c.args, len(doc.Findings), len(want))
		}
		if doc.Summary.Findings != len(want) {
			t.Errorf("%v: summary counts %d", c.args, doc.Summary.Findings)
		}
		for _, q := range db.Queries()[before:] {
			if aws.ToString(q.IndexName) == "" {
				t.Errorf("%v: a query of the table itself, not of an index", c.args)
			}
		}
	}
	// Messages, names, OU paths come back as recorded.
	code, out, _ := execute("findings", "--table", sampleTable, "--account", "445566778899", "--status", "fail", "--output", "csv")
	if code != 0 || !strings.Contains(out, "platform-prod") || !strings.Contains(out, "r-a1b2/ou-a1b2-prod8k3m") {
		t.Errorf("csv: %d\n%s", code, out)
	}
}

func TestFindingsBadInput(t *testing.T) {
	deployed(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"findings"}, "--table is required"},
		{[]string{"findings", "--table", sampleTable, "--status", "failing"}, `--status: unknown status "failing"`},
		{[]string{"findings", "--table", sampleTable, "--account", "12"}, `--account: "12" is not a 12-digit account id`},
		{[]string{"findings", "--table", sampleTable, "--output", "xml"}, "--output"},
	} {
		code, _, errOut := execute(c.args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != ExitBadInput || len(lines) != 1 || !strings.Contains(lines[0], c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args, code, errOut, c.want)
		}
	}
}

var dataRe = regexp.MustCompile(`(?s)<script id="warden-data" type="application/json">(.*?)</script>`)

func reportData(t *testing.T, html string) htmlreport.Data {
	t.Helper()
	m := dataRe.FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no data in the report")
	}
	var d htmlreport.Data
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// `warden report --table` reports what the deployment recorded: the same
// numbers as the scan that was recorded.
func TestReportFromTheTable(t *testing.T) {
	_, _, sum := deployed(t)
	file := filepath.Join(t.TempDir(), "r.html")
	code, _, errOut := execute("report", "--table", sampleTable, "--out", file, "--title", "Org report")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	d := reportData(t, string(b))
	if d.SecretCount != sum.Secrets || d.Findings != sum.Findings || d.Counts != htmlreport.CountsOf(sum.ByStatus) || d.Title != "Org report" ||
		d.Source != "table "+sampleTable {
		t.Errorf("report of the table: %d secrets %d findings %v %q %q; scan: %d %d %v", d.SecretCount, d.Findings, d.Counts, d.Title, d.Source,
			sum.Secrets, sum.Findings, sum.ByStatus)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o644 {
		t.Errorf("report mode %v", info.Mode())
	}
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	notScan := filepath.Join(dir, "x.json")
	os.WriteFile(notScan, []byte(`{"decisions": []}`), 0o600)
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"findings": [{"policy_id": "p", "secret_arn": "a", "status": "fail"}, {"policy_id": 3}], "summary": {}}`), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "nothing to report"},
		{[]string{"report", "--snapshot", "x", "--table", "y"}, "one or the other"},
		{[]string{"report", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"report", notScan}, "x.json: offset"},
		{[]string{"report", broken}, "broken.json: offset"},
		{[]string{"report", notScan, "--now", "2026-11-20T00:00:00Z"}, "--now applies to --snapshot only"},
	} {
		code, out, errOut := execute(c.args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != ExitBadInput || len(lines) != 1 || !strings.Contains(lines[0], c.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, %d bytes out; want 2, one line with %q, nothing written", c.args, code, errOut, len(out), c.want)
		}
	}
	if _, _, errOut := execute("report", broken); !strings.Contains(errOut, "findings[1]") {
		t.Errorf("the bad finding is named: %q", errOut)
	}
}

// A report from a snapshot equals a report from its scan's JSON.
func TestReportFromSnapshotEqualsReportFromItsScan(t *testing.T) {
	dir := t.TempDir()
	code, scanJSON, _ := execute("scan", "--snapshot", "../../testdata/org", "--data", "../../testdata/policy-data.json", "--output", "json")
	if code != 0 {
		t.Fatal(code)
	}
	scanFile := filepath.Join(dir, "scan.json")
	os.WriteFile(scanFile, []byte(scanJSON), 0o600)
	_, fromSnap, _ := execute("report", "--snapshot", "../../testdata/org", "--data", "../../testdata/policy-data.json")
	_, fromScan, _ := execute("report", scanFile)
	a, b := reportData(t, fromSnap), reportData(t, fromScan)
	a.Generated, b.Generated = time.Time{}, time.Time{}
	a.Source, a.Trend[0].Label = b.Source, b.Trend[0].Label
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("the two reports differ:\n%s\n%s", ja, jb)
	}
}
