package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The bad inputs of issue 9, each through the real command.

// noHang runs the command, failing the test when it blocks.
func noHang(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- run(t, stdin, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("warden %s blocked", strings.Join(args, " "))
	}
	return result{}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// copyOrg copies the sample organization into a new directory.
func copyOrg(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(path("testdata/org"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			b, err := os.ReadFile(filepath.Join(path("testdata/org"), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

type scanDoc struct {
	Findings []struct {
		PolicyID  string `json:"policy_id"`
		Status    string `json:"status"`
		SecretARN string `json:"secret_arn"`
		Message   string `json:"message"`
	} `json:"findings"`
	Summary struct {
		Secrets int `json:"secrets"`
	} `json:"summary"`
}

func decodeScan(t *testing.T, out string) scanDoc {
	t.Helper()
	var d scanDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return d
}

// A FIFO given as input, or named z.json in a snapshot directory, used to
// hang scan, eval and replay forever.
func TestFIFOsAreRefusedNotWaitedOn(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.json")
	mkfifo(t, fifo)
	for _, args := range [][]string{
		{"scan", "--snapshot", fifo},
		{"eval", "--input", fifo},
		{"replay", "--snapshot", path("testdata/org"), fifo},
		{"scan", "--snapshot", path("testdata/org"), "--data", fifo},
		{"scan", "--snapshot", path("testdata/org"), "--policies", fifo},
	} {
		r := noHang(t, "", args...)
		if r.code != 2 || !strings.Contains(r.errOut, "not a regular file (named pipe (FIFO))") {
			t.Errorf("%v: exit %d %q", args, r.code, r.errOut)
		}
	}
	org := copyOrg(t)
	mkfifo(t, filepath.Join(org, "z.json"))
	r := noHang(t, "", "scan", "--snapshot", org, "--output", "json")
	if r.code != 2 || decodeScan(t, r.out).Summary.Secrets != 33 {
		t.Errorf("directory with a FIFO: exit %d, %q", r.code, r.errOut)
	}
	oneLine(t, r, "z.json: not a regular file (named pipe (FIFO))")
}

// One unreadable file of a snapshot directory used to abort the scan with
// no findings; the others are scanned, the file named on one line, exit 2.
func TestUnreadableSnapshotFileSinksOnlyItself(t *testing.T) {
	org := copyOrg(t)
	if err := os.WriteFile(filepath.Join(org, "secrets-analytics-dev.json"), []byte(`{"secrets": [{"AccountId": `), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "scan", "--snapshot", org, "--output", "json")
	d := decodeScan(t, r.out)
	if r.code != 2 || d.Summary.Secrets == 0 || d.Summary.Secrets >= 33 {
		t.Errorf("exit %d, %d secrets scanned: %q", r.code, d.Summary.Secrets, r.errOut)
	}
	oneLine(t, r, "secrets-analytics-dev.json: malformed JSON: unexpected end of file")
}

// Duplicate secret ARNs used to be scanned twice with no word: each
// dropped copy is one line, the last one read is scanned, exit 2.
func TestDuplicateSecretsAreReportedAndScannedOnce(t *testing.T) {
	org := copyOrg(t)
	b, err := os.ReadFile(filepath.Join(org, "secrets-payments-prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(org, "zz-copy.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "scan", "--snapshot", org, "--output", "json")
	d := decodeScan(t, r.out)
	lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
	dups := 0
	for _, l := range lines {
		if strings.Contains(l, "duplicate secret arn:aws:secretsmanager:") && strings.Contains(l, "zz-copy.json#secrets[") {
			dups++
		}
	}
	if r.code != 2 || d.Summary.Secrets != 33 || dups == 0 || dups != len(lines)-1 {
		t.Errorf("exit %d, %d secrets, %d duplicate lines of %d: %s", r.code, d.Summary.Secrets, dups, len(lines), r.errOut)
	}
}

// A snapshot holding entries that could not be read (written by warden
// snapshot under AccessDenied) used to scan with exit 0 offline and 2 live.
func TestOfflineScanOfUnreadEntriesExitsTwo(t *testing.T) {
	org := copyOrg(t)
	body := `{"secrets":[{"AccountId":"334455667788","Region":"us-east-1","Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:334455667788:secret:*","Name":"*"},
	 "Error":"ListSecrets in 334455667788/us-east-1: AccessDeniedException: not authorized"}]}`
	if err := os.WriteFile(filepath.Join(org, "unread.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "scan", "--snapshot", org, "--output", "json")
	if r.code != 2 {
		t.Errorf("exit %d, want 2: %s", r.code, r.errOut)
	}
	oneLine(t, r, "error finding(s): checks that could not be evaluated")
	// --fail-on says which checks matter: a gate at critical still sees
	// the critical check (no-external-access) unevaluated.
	if r := run(t, "", "scan", "--snapshot", org, "--fail-on", "critical"); r.code != 2 {
		t.Errorf("--fail-on critical: exit %d", r.code)
	}
}

// --fail-on SEVERITY counts only the error findings of checks at or above
// it: a medium check that could not be evaluated does not stop a high gate.
func TestFailOnScopesErrorFindings(t *testing.T) {
	dir := t.TempDir()
	key := "arn:aws:kms:us-east-1:111122223333:key/0000-1111"
	doc := `{"schema_version":"warden.snapshot/v1","taken_at":"2026-11-20T00:00:00Z","organization":{"Id":"o-1"},
	 "accounts":[{"Id":"111122223333"}],"keys":[{"Arn":"` + key + `","Error":"DescribeKey: AccessDeniedException: denied"}],
	 "secrets":[{"AccountId":"111122223333","Region":"us-east-1","ResourcePolicy":null,
	 "Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf","Name":"x","KmsKeyId":"` + key + `","CreatedDate":"2026-11-01T00:00:00Z",
	 "Tags":[{"Key":"owner","Value":"me"}]}}]}`
	p := filepath.Join(dir, "s.json")
	os.WriteFile(p, []byte(doc), 0o600)
	if r := run(t, "", "scan", "--snapshot", p); r.code != 2 {
		t.Errorf("no gate: exit %d, want 2 (kms-customer-managed is error)", r.code)
	}
	if r := run(t, "", "scan", "--snapshot", p, "--fail-on", "critical"); r.code != 0 {
		t.Errorf("--fail-on critical: exit %d, want 0 (the error is medium) %q", r.code, r.errOut)
	}
	if r := run(t, "", "scan", "--snapshot", p, "--fail-on", "medium"); r.code != 2 {
		t.Errorf("--fail-on medium: exit %d, want 2", r.code)
	}
}

// AutomaticallyAfterDays -5 used to pass rotation-enabled, NextRotationDate
// 0001-01-01 to pass rotation-succeeding: each is one line naming the field
// and its position, the checks that read it are error, the others judged.
func TestImpossibleValuesAreErrorsNamingTheField(t *testing.T) {
	dir := t.TempDir()
	doc := "{\"schema_version\":\"warden.snapshot/v1\",\"taken_at\":\"2026-11-20T00:00:00Z\",\"organization\":{\"Id\":\"o-1\"},\n" +
		"\"accounts\":[{\"Id\":\"111122223333\"}],\"secrets\":[\n" +
		`{"AccountId":"111122223333","Region":"us-east-1","Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf","Name":"a","RotationEnabled":true,"RotationLambdaARN":"arn:aws:lambda:us-east-1:111122223333:function:r","RotationRules":{"AutomaticallyAfterDays":-5},"CreatedDate":"2026-11-01T00:00:00Z"}},` + "\n" +
		`{"AccountId":"111122223333","Region":"us-east-1","Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:b-AbCdEf","Name":"b","RotationEnabled":true,"RotationLambdaARN":"arn:aws:lambda:us-east-1:111122223333:function:r","RotationRules":{"AutomaticallyAfterDays":30},"NextRotationDate":"0001-01-01T00:00:00Z","LastRotatedDate":"2026-11-10T00:00:00Z","CreatedDate":"2026-11-01T00:00:00Z"}}]}`
	p := filepath.Join(dir, "s.json")
	os.WriteFile(p, []byte(doc), 0o600)
	r := run(t, "", "scan", "--snapshot", p, "--output", "json")
	if r.code != 2 {
		t.Errorf("exit %d", r.code)
	}
	lines := strings.Split(doc, "\n")
	col := func(line int, value string) string { return strconv.Itoa(strings.Index(lines[line-1], value) + 1) }
	for _, want := range []string{
		"s.json: secrets[0].Secret.RotationRules.AutomaticallyAfterDays: line 3, column " + col(3, "-5}") + ": -5 is not a rotation interval (AWS allows 1 to 1000 days)",
		`s.json: secrets[1].Secret.NextRotationDate: line 4, column ` + col(4, `"0001-01-01`) + `: parse time "0001-01-01T00:00:00Z": year 1 is outside 1970-2200`,
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	status := map[string]string{}
	for _, f := range decodeScan(t, r.out).Findings {
		name := strings.TrimSuffix(f.SecretARN[strings.LastIndex(f.SecretARN, ":")+1:], "-AbCdEf")
		status[name+" "+f.PolicyID] = f.Status
	}
	for k, want := range map[string]string{
		"a rotation-enabled": "error", "a rotation-succeeding": "error", "a required-tags": "fail", "a rotated-recently": "pass",
		"b rotation-succeeding": "error", "b rotation-enabled": "pass", "b rotated-recently": "pass",
	} {
		if status[k] != want {
			t.Errorf("%s: %s, want %s", k, status[k], want)
		}
	}
}

// A number out of range in one record of a CloudTrail log file used to drop
// the whole file: the record is one line with its position, its siblings
// are decided.
func TestBadRecordCostsOnlyItself(t *testing.T) {
	b, err := os.ReadFile(path("testdata/events/06_Records_payments-prod-us-east-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.Unmarshal(b, &log); err != nil || len(log.Records) < 2 {
		t.Fatalf("sample log file: %v", err)
	}
	good := run(t, "", "replay", "--snapshot", path("testdata/org"), "--output", "json", path("testdata/events/06_Records_payments-prod-us-east-1.json"))
	var parts []string
	for i, rec := range log.Records {
		r, _ := json.Marshal(rec)
		s := string(r)
		if i == 1 {
			s = strings.Replace(s, `"eventVersion":`, `"bytes":1e400,"eventVersion":`, 1)
		}
		parts = append(parts, s)
	}
	p := filepath.Join(t.TempDir(), "trail.json")
	os.WriteFile(p, []byte("{\"Records\": [\n"+strings.Join(parts, ",\n")+"\n]}\n"), 0o600)
	column := strconv.Itoa(strings.Index(parts[1], "1e400") + 1)
	r := run(t, "", "replay", "--snapshot", path("testdata/org"), "--output", "json", p)
	var got, want struct {
		Decisions []map[string]any `json:"decisions"`
	}
	json.Unmarshal([]byte(r.out), &got)
	json.Unmarshal([]byte(good.out), &want)
	if r.code != 2 || len(got.Decisions) != len(want.Decisions)-1 {
		t.Errorf("exit %d, %d decisions, want %d: %s", r.code, len(got.Decisions), len(want.Decisions)-1, r.errOut)
	}
	oneLine(t, r, "trail.json#2: malformed JSON at line 3, column "+column+": number 1e400 is out of range")
}

// An empty events directory used to exit 0 with "0 events", a snapshot
// without secrets to scan "0 secrets" with exit 0.
func TestNothingToEvaluateExitsTwo(t *testing.T) {
	empty := t.TempDir()
	r := run(t, "", "replay", "--snapshot", path("testdata/org"), empty)
	if r.code != 2 {
		t.Errorf("empty events directory: exit %d", r.code)
	}
	oneLine(t, r, "no event files (*.json, *.jsonl, *.gz) in the directory: nothing to replay")
	p := filepath.Join(t.TempDir(), "none.json")
	os.WriteFile(p, []byte(`{"Records":[]}`), 0o600)
	r = run(t, "", "replay", "--snapshot", path("testdata/org"), p)
	if r.code != 2 || !strings.Contains(r.errOut, "no events in "+p+": nothing to replay") {
		t.Errorf("empty log file: exit %d %q", r.code, r.errOut)
	}
	s := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(s, []byte(`{"schema_version":"warden.snapshot/v1","organization":{"Id":"o-1"}}`), 0o600)
	r = run(t, "", "scan", "--snapshot", s)
	if r.code != 2 {
		t.Errorf("snapshot without secrets: exit %d", r.code)
	}
	oneLine(t, r, `no secrets to evaluate (the snapshot has no "secrets" entries): nothing was scanned`)
}

// A GetSecretValue whose caller the record does not identify used to get no
// action (exit 0 even with --fail-on high): it is treated as a read from
// outside the organization, and a change by such a caller is alerted.
func TestUnidentifiedCallersAreTreatedAsOutside(t *testing.T) {
	b, err := os.ReadFile(path("testdata/events/18_GetSecretValue_terraform-state-key-external-account.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, identity := range map[string]any{"missing": nil, "empty": map[string]any{}, "string": "someone"} {
		var rec map[string]any
		json.Unmarshal(b, &rec)
		if identity == nil {
			delete(rec, "userIdentity")
		} else {
			rec["userIdentity"] = identity
		}
		for _, ev := range []map[string]any{rec, withName(rec, "PutResourcePolicy")} {
			raw, _ := json.Marshal(ev)
			p := filepath.Join(t.TempDir(), "ev.json")
			os.WriteFile(p, raw, 0o600)
			r := run(t, "", "replay", "--snapshot", path("testdata/org"), "--output", "json", "--fail-on", "high", p)
			var doc struct {
				Decisions []struct {
					Actions []struct {
						Kind, Rule, Reason string
					} `json:"actions"`
				} `json:"decisions"`
			}
			json.Unmarshal([]byte(r.out), &doc)
			if r.code != 1 || len(doc.Decisions) != 1 {
				t.Errorf("%s %s: exit %d %q", name, ev["eventName"], r.code, r.errOut)
				continue
			}
			var kinds []string
			for _, a := range doc.Decisions[0].Actions {
				if strings.Contains(a.Reason, "unidentified caller (no userIdentity in the record: treated as outside the organization)") {
					kinds = append(kinds, a.Kind+" "+a.Rule)
				}
			}
			want := "alert read-outside-organization,rotate read-outside-organization"
			if ev["eventName"] == "PutResourcePolicy" {
				want = "alert unidentified-caller"
			}
			if strings.Join(kinds, ",") != want {
				t.Errorf("%s %s: actions %v, want %s", name, ev["eventName"], doc.Decisions[0].Actions, want)
			}
		}
	}
}

func withName(rec map[string]any, name string) map[string]any {
	out := map[string]any{}
	for k, v := range rec {
		out[k] = v
	}
	out["eventName"] = name
	out["readOnly"] = false
	out["requestParameters"] = map[string]any{"secretId": "arn:aws:secretsmanager:us-east-1:445566778899:secret:platform/terraform-state-key-1Rihno",
		"resourcePolicy": `{"Version":"2012-10-17","Statement":[]}`}
	return out
}

// Sizes are bounded and can be raised.
func TestSizeLimitsAndTheirFlags(t *testing.T) {
	r := run(t, "", "scan", "--snapshot", path("testdata/org"), "--max-record-size", "1KiB")
	if r.code != 2 || !strings.Contains(r.errOut, "snapshot entry larger than 1 KiB (raise it with --max-record-size)") {
		t.Errorf("record limit: exit %d %q", r.code, r.errOut)
	}
	// An events file of 100 KiB, the snapshot's files under 32 KiB each.
	rec, err := os.ReadFile(path("testdata/events/18_GetSecretValue_terraform-state-key-external-account.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(rec, &m)
	line, _ := json.Marshal(m)
	events := filepath.Join(t.TempDir(), "big.jsonl")
	os.WriteFile(events, []byte(strings.Repeat(string(line)+"\n", 100<<10/len(line)+1)), 0o600)
	r = run(t, "", "replay", "--snapshot", path("testdata/org"), "--max-input-size", "32KiB", events)
	if r.code != 2 || !strings.Contains(r.errOut, "big.jsonl: input larger than 32 KiB (raise it with --max-input-size)") {
		t.Errorf("input limit: exit %d %q", r.code, r.errOut)
	}
	if r := run(t, "", "scan", "--snapshot", path("testdata/org"), "--max-input-size", "lots"); r.code != 2 || !strings.Contains(r.errOut, "--max-input-size") {
		t.Errorf("bad flag: exit %d %q", r.code, r.errOut)
	}
	if r := run(t, "", sampleArgs("scan", "--max-input-size", "2GiB", "--max-record-size", "64MiB")...); r.code != 0 {
		t.Errorf("raised limits: exit %d %q", r.code, r.errOut)
	}
}
