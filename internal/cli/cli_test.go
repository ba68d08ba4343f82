package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// repo is the repository root, relative to this package.
const repo = "../.."

func path(p string) string { return filepath.Join(repo, p) }

type result struct {
	code        int
	out, errOut string
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), cli.IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut}, args)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := path(filepath.Join("testdata/golden", name))
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read golden file (run go test ./internal/cli -update): %v", err)
	}
	if string(want) != got {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run go test ./internal/cli -update after checking the change)", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: got %d lines, want %d", name, len(gl), len(wl))
	}
}

// oneLine asserts a single clear line on stderr.
func oneLine(t *testing.T, r result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Errorf("stderr: want one line containing %q, got %q", want, r.errOut)
	}
}

func sampleArgs(args ...string) []string {
	return append(args, "--snapshot", path("testdata/org"), "--data", path("testdata/policy-data.json"))
}

func TestScanGoldenJSON(t *testing.T) {
	r := run(t, "", sampleArgs("scan", "--output", "json")...)
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if len(doc.Findings) == 0 || doc.Summary["secrets"].(float64) < 25 {
		t.Fatalf("too few findings/secrets: %d %v", len(doc.Findings), doc.Summary["secrets"])
	}
	golden(t, "scan.json", r.out)
}

func TestScanFormats(t *testing.T) {
	jsonl := run(t, "", sampleArgs("scan", "--output", "jsonl")...)
	lines := strings.Split(strings.TrimSpace(jsonl.out), "\n")
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["policy_id"] == nil {
			t.Fatalf("bad jsonl line %q", l)
		}
	}
	csv := run(t, "", sampleArgs("scan", "--output", "csv")...)
	if !strings.HasPrefix(csv.out, "policy_id,title,severity,status,secret_arn") || strings.Count(csv.out, "\n") != len(lines)+1 {
		t.Errorf("csv: header or row count wrong (%d rows for %d findings)", strings.Count(csv.out, "\n"), len(lines))
	}
	table := run(t, "", sampleArgs("scan")...)
	for _, want := range []string{"SEVERITY", "no-external-access", "secrets,", "POLICY"} {
		if !strings.Contains(table.out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestScanFailOn(t *testing.T) {
	if r := run(t, "", sampleArgs("scan", "--fail-on", "critical")...); r.code != 1 || !strings.Contains(r.errOut, "at or above critical") {
		t.Errorf("--fail-on critical: exit %d %q", r.code, r.errOut)
	}
	dir := t.TempDir()
	clean := `{"schema_version":"warden.snapshot/v1","taken_at":"2026-11-20T00:00:00Z","organization":{"Id":"o-1"},
	 "accounts":[{"Id":"111122223333"}],"secrets":[{"AccountId":"111122223333","Region":"us-east-1","ResourcePolicy":null,
	 "Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf","Name":"x","CreatedDate":"2026-11-01T00:00:00Z",
	 "Tags":[{"Key":"owner","Value":"me"}]}}]}`
	os.WriteFile(filepath.Join(dir, "s.json"), []byte(clean), 0o600)
	// Only low/medium findings (AWS managed key, no rotation is high) — gate at critical passes.
	if r := run(t, "", "scan", "--snapshot", filepath.Join(dir, "s.json"), "--fail-on", "critical"); r.code != 0 {
		t.Errorf("no critical finding, want exit 0, got %d %q", r.code, r.errOut)
	}
}

func TestScanBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	malformed := write("bad.json", `{"schema_version":"warden.snapshot/v1","secrets":[{"AccountId":"1","Region":"r","Secret":{"ARN":"arn:x","RotationEnabled":"yes"}}]}`)
	r := run(t, "", "scan", "--snapshot", malformed)
	if r.code != 2 {
		t.Errorf("malformed snapshot: exit %d", r.code)
	}
	oneLine(t, r, "bad.json: secrets[0].Secret.RotationEnabled: line 1, column 123: cannot use JSON string as bool")

	r = run(t, "", "scan", "--snapshot", malformed, "--output", "yaml")
	if r.code != 2 {
		t.Errorf("unknown output: exit %d", r.code)
	}
	oneLine(t, r, `unknown output format "yaml"`)

	r = run(t, "", "scan", "--snapshot", malformed, "--fail-on", "urgent")
	oneLine(t, r, "unknown severity")

	noARN := write("noarn.json", `{"schema_version":"warden.snapshot/v1","organization":{"Id":"o-1"},"secrets":[
	 {"AccountId":"1","Region":"us-east-1","Secret":{"Name":"broken"}},
	 {"AccountId":"1","Region":"us-east-1","Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:1:secret:ok-AbCdEf","Name":"ok"}}]}`)
	r = run(t, "", "scan", "--snapshot", noARN, "--output", "json")
	if r.code != 2 {
		t.Errorf("missing ARN: exit %d", r.code)
	}
	oneLine(t, r, "noarn.json#secrets[0]: Secret.ARN: missing")
	if !strings.Contains(r.out, `"status":"error"`) || !strings.Contains(r.out, "secret:ok-AbCdEf") {
		t.Error("the broken secret must get error findings and the other one must be evaluated")
	}

	rego := write("broken.rego", "package posture.broken\n\ndeny contains x if {\n")
	r = run(t, "", sampleArgs("scan", "--policies", rego)...)
	if r.code != 2 {
		t.Errorf("broken rego: exit %d", r.code)
	}
	oneLine(t, r, "broken.rego")

	badData := write("data.json", `{"warden":{"exceptions":[{"id":"E","policy_id":"unused","match":{"account":"1"},"reason":"r"}]}}`)
	r = run(t, "", sampleArgs("scan", "--data", badData)...)
	if r.code != 2 {
		t.Errorf("exception without expiry: exit %d", r.code)
	}
	oneLine(t, r, "nothing is exempt forever")

	if r := run(t, "", "scan", "--nope"); r.code != 2 {
		t.Errorf("unknown flag: exit %d", r.code)
	}
	if r := run(t, "", "frobnicate"); r.code != 2 {
		t.Errorf("unknown command: exit %d", r.code)
	}
}

func TestReplayGoldenJSON(t *testing.T) {
	r := run(t, "", sampleArgs("replay", "--output", "json", path("testdata/events"))...)
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc struct {
		Decisions []struct {
			Skipped *string          `json:"skipped"`
			Actions []map[string]any `json:"actions"`
		} `json:"decisions"`
		Summary map[string]any `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Decisions) < 30 {
		t.Fatalf("want 30+ decisions, got %d", len(doc.Decisions))
	}
	for _, d := range doc.Decisions {
		for _, a := range d.Actions {
			if a["executed"] != false {
				t.Fatalf("replay must never execute: %v", a)
			}
		}
	}
	if strings.Contains(r.out, "HIDDEN_DUE_TO_SECURITY_REASONS") {
		t.Fatal("secret material reached the output")
	}
	golden(t, "replay.json", r.out)
}

func TestReplayRealEventsDecidedOrSkipped(t *testing.T) {
	r := run(t, "", sampleArgs("replay", "--output", "jsonl", path("testdata/real-events"))...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 37 {
		t.Errorf("want 37 decisions for the published events, got %d", len(lines))
	}
	for _, l := range lines {
		var d map[string]any
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatal(err)
		}
		if s, ok := d["skipped"].(string); ok && s == "" {
			t.Errorf("skipped without a reason: %s", l)
		}
	}
}

func TestReplayBadEventsReportedOthersDecided(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"Records":[{"eventTime":"2026-11-15T00:00:00Z"},
	 {"eventName":"DeleteResourcePolicy","eventTime":"2026-11-15T00:00:00Z","eventSource":"secretsmanager.amazonaws.com","recipientAccountId":"1","awsRegion":"us-east-1","requestParameters":{"secretId":"x"}}]}`), 0o600)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"Records":[{"eventName":"GetSecretValue"}]}`))
	w.Close()
	os.WriteFile(filepath.Join(dir, "b.json.gz"), gz.Bytes()[:gz.Len()/2], 0o600)
	os.WriteFile(filepath.Join(dir, "c.json"), []byte(`{"eventName": `), 0o600)
	r := run(t, "", sampleArgs("replay", "--output", "jsonl", dir)...)
	if r.code != 2 {
		t.Errorf("exit %d", r.code)
	}
	for _, want := range []string{"a.json#1: missing eventName", "b.json.gz", "c.json"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q: %s", want, r.errOut)
		}
	}
	if strings.Count(strings.TrimSpace(r.out), "\n") != 0 || !strings.Contains(r.out, "DeleteResourcePolicy") {
		t.Errorf("the good event must still be decided: %q", r.out)
	}
	// Three bad inputs: a line each, and one that counts them.
	if n := strings.Count(strings.TrimSpace(r.errOut), "\n") + 1; n != 4 || !strings.Contains(r.errOut, "3 event(s) could not be read") {
		t.Errorf("stderr: want 3 lines and a count, got %q", r.errOut)
	}
	// A single bad event: its one line, nothing else.
	os.Remove(filepath.Join(dir, "b.json.gz"))
	os.Remove(filepath.Join(dir, "c.json"))
	r = run(t, "", sampleArgs("replay", "--output", "jsonl", dir)...)
	if r.code != 2 {
		t.Errorf("one bad event: exit %d", r.code)
	}
	oneLine(t, r, "a.json#1: missing eventName")
}

func TestReplayStdinAndFailOn(t *testing.T) {
	ev, err := os.ReadFile(path("testdata/events/18_GetSecretValue_terraform-state-key-external-account.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, string(ev), sampleArgs("replay", "--fail-on", "critical", "-")...)
	if r.code != 1 || !strings.Contains(r.out, "read-outside-organization") {
		t.Errorf("exit %d out %q err %q", r.code, r.out, r.errOut)
	}
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	in := `{"schema_version":"v1","now":"2026-11-20T00:00:00Z","region":"us-east-1",
	 "secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf","Name":"a","RotationEnabled":false,"CreatedDate":"2026-11-01T00:00:00Z"},
	 "resource_policy":null,"kms_key":{"KeyManager":"CUSTOMER","Arn":"arn:aws:kms:us-east-1:111122223333:key/k","KeyId":"k"},
	 "account":{"Id":"111122223333"},"organization":{"id":"o-a1b2c3d4e5","management_account_id":"111111111111","account_ids":["111122223333"]},
	 "params":{"max_rotation_days":90,"rotation_overdue_grace_hours":24,"max_days_since_rotation":90,"unused_for_days":90,"kms_key_allowlist":[],
	  "trusted_account_ids":[],"required_replica_regions":[],"required_tag_keys":["owner"],"access_denied_burst":5}}`
	p := filepath.Join(dir, "in.json")
	os.WriteFile(p, []byte(in), 0o600)
	r := run(t, "", "eval", "--input", p)
	if r.code != 0 {
		t.Fatalf("exit %d %s", r.code, r.errOut)
	}
	var out struct {
		Results []struct {
			PolicyID string `json:"policy_id"`
			Status   string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatal(err)
	}
	st := map[string]string{}
	for _, x := range out.Results {
		st[x.PolicyID] = x.Status
	}
	if st["rotation-enabled"] != "fail" || st["required-tags"] != "fail" || st["kms-customer-managed"] != "pass" {
		t.Errorf("statuses: %v", st)
	}
	if r := run(t, in, "eval", "--input", "-"); r.code != 0 {
		t.Errorf("stdin: exit %d", r.code)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"schema_version":"v1","secret":"nope"}`), 0o600)
	r = run(t, "", "eval", "--input", bad)
	if r.code != 2 {
		t.Errorf("schema violation: exit %d", r.code)
	}
	oneLine(t, r, "bad.json")
	if !strings.Contains(r.errOut, "urn:secretwarden:schema:policy-input:v1") || strings.Contains(r.errOut, "file://") {
		t.Errorf("the schema must be named by its $id, not a path: %q", r.errOut)
	}
	os.WriteFile(bad, []byte(`{`), 0o600)
	oneLine(t, run(t, "", "eval", "--input", bad), "malformed JSON")
}

// TestEvalDerivesAges checks that eval fills in ages and version_stages for a
// hand-written input that lacks them (the date checks read only those), keeps
// values the document has, and leaves an unknown secret alone.
func TestEvalDerivesAges(t *testing.T) {
	const doc = `{"schema_version":"v1","now":"2026-11-20T00:00:00Z","region":"us-east-1",
	 "secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf","Name":"a","RotationEnabled":true,
	  "RotationRules":{"AutomaticallyAfterDays":30},"CreatedDate":"2025-01-15T09:30:00Z","LastRotatedDate":"2026-07-01T00:00:00Z",
	  "LastChangedDate":"2026-11-10T00:00:00Z","LastAccessedDate":"2026-11-19T00:00:00Z","NextRotationDate":"2026-07-31T00:00:00Z",
	  "VersionIdsToStages":{"v3":["AWSPENDING"],"v2":["AWSCURRENT"]}}%s,
	 "resource_policy":null,"kms_key":{"KeyManager":"CUSTOMER","Arn":"arn:aws:kms:us-east-1:111122223333:key/k","KeyId":"k"},
	 "account":{"Id":"111122223333"},"organization":{"id":"o-a1b2c3d4e5","management_account_id":"111111111111","account_ids":["111122223333"]},
	 "params":{"max_rotation_days":90,"rotation_overdue_grace_hours":24,"max_days_since_rotation":90,"unused_for_days":90,"kms_key_allowlist":[],
	  "trusted_account_ids":[],"required_replica_regions":[],"required_tag_keys":["owner"],"access_denied_burst":5}}`
	eval := func(extra string) map[string][]string {
		t.Helper()
		r := run(t, fmt.Sprintf(doc, extra), "eval", "--input", "-")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		var out struct {
			Results []struct {
				PolicyID string   `json:"policy_id"`
				Status   string   `json:"status"`
				Messages []string `json:"messages"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(r.out), &out); err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, x := range out.Results {
			got[x.PolicyID] = append([]string{x.Status}, x.Messages...)
		}
		return got
	}
	got := eval("")
	for id, want := range map[string][]string{
		"rotated-recently": {"fail", "last rotated 142 days ago, exceeds 90"},
		"rotation-succeeding": {"fail",
			"latest rotation did not complete: a version has been AWSPENDING without AWSCURRENT since LastChangedDate, 10 days ago (grace 24 hours)",
			"scheduled rotation is overdue: NextRotationDate is 112 days past (grace 24 hours)"},
		"unused": {"pass"},
	} {
		if strings.Join(got[id], "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", id, got[id], want)
		}
	}
	// Values the document has are kept (here, inconsistent on purpose).
	got = eval(`, "ages": {"days": {"LastRotatedDate": 5, "CreatedDate": 5}, "hours": {}}, "version_stages": [["AWSCURRENT"]]`)
	for id, want := range map[string]string{"rotated-recently": "pass", "rotation-succeeding": "pass"} {
		if got[id][0] != want {
			t.Errorf("with ages given: %s: %q, want %s", id, got[id], want)
		}
	}
	// An event about an unknown secret: nothing to derive.
	unknown := `{"schema_version":"v1","now":"2026-11-20T00:00:00Z","region":"us-east-1","secret":null,"resource_policy":null,"kms_key":null,
	 "account":{"Id":"111122223333"},"organization":null,
	 "params":{"max_rotation_days":90,"rotation_overdue_grace_hours":24,"max_days_since_rotation":90,"unused_for_days":90,"kms_key_allowlist":[],
	  "trusted_account_ids":[],"required_replica_regions":[],"required_tag_keys":["owner"],"access_denied_burst":5}}`
	if r := run(t, unknown, "eval", "--input", "-"); r.code != 0 || strings.Contains(r.out, "input.ages is missing") {
		t.Errorf("unknown secret: exit %d %s %s", r.code, r.errOut, r.out)
	}
}

func TestPolicies(t *testing.T) {
	r := run(t, "", "policies", "--output", "json")
	var doc struct {
		Policies []struct{ ID, Kind, Severity, Title string } `json:"policies"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Policies) < 17 {
		t.Errorf("want every check and rule, got %d", len(doc.Policies))
	}
	md := run(t, "", "policies", "--output", "markdown")
	if !strings.HasPrefix(md.out, "| id |") || !strings.Contains(md.out, "| rotation-enabled |") {
		t.Errorf("markdown: %q", md.out)
	}
	if tb := run(t, "", "policies"); !strings.Contains(tb.out, "no-wildcard-principal") {
		t.Error("table lacks a check")
	}
	oneLine(t, run(t, "", "policies", "--output", "xml"), "unknown output format")
}

func TestDemo(t *testing.T) {
	r := run(t, "", "demo")
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{"Posture scan", "Replay of", "resource-policy-exposed", "none executed"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

func TestHelpIsUseful(t *testing.T) {
	for _, cmd := range []string{"scan", "replay", "eval", "policies", "demo"} {
		r := run(t, "", cmd, "--help")
		if r.code != 0 || !strings.Contains(r.out, "Usage:") {
			t.Errorf("%s --help: exit %d", cmd, r.code)
		}
	}
}
