package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTimeAcceptsRFC3339AndEpoch(t *testing.T) {
	want := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{`"2026-11-20T00:00:00Z"`, `1795132800`, `1795132800.0`, `"2026-11-20T01:00:00+01:00"`, `"1795132800"`} {
		var tm Time
		if err := tm.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !tm.Equal(want) {
			t.Errorf("%s: got %v want %v", in, tm.Time, want)
		}
	}
	for _, in := range []string{`"yesterday"`, `true`, `-5`, `1e300`} {
		var tm Time
		if err := tm.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("%s: want an error", in)
		}
	}
	b, _ := NewTime(want).MarshalJSON()
	if string(b) != `"2026-11-20T00:00:00Z"` {
		t.Errorf("marshal: %s", b)
	}
}

func TestLoadDirectoryMergesFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", `{"schema_version":"warden.snapshot/v1","taken_at":"2026-11-20T00:00:00Z",
	  "organization":{"Id":"o-1","MasterAccountId":"111111111111"},
	  "accounts":[{"Id":"111111111111","Name":"mgmt","Unknown":1}]}`)
	write(t, dir, "b.json", `{"secrets":[{"AccountId":"111111111111","Region":"us-east-1",
	  "Secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111111111111:secret:a-AbCdEf","Name":"a","CreatedDate":1795132800},
	  "ResourcePolicy":null}]}`)
	write(t, dir, "notes.txt", "ignored")
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Organization.ID != "o-1" || len(s.Accounts) != 1 || len(s.Secrets) != 1 {
		t.Fatalf("merged: %+v", s)
	}
	if got := s.Secrets[0].Secret.CreatedDate.String(); got != "2026-11-20T00:00:00Z" {
		t.Errorf("CreatedDate %s", got)
	}
	if !strings.HasSuffix(s.Secrets[0].Source, "b.json#secrets[0]") {
		t.Errorf("source %q", s.Secrets[0].Source)
	}
}

func TestLoadErrorsNameFileAndField(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ body, want string }{
		"syntax.json":    {`{"schema_version": "warden.snapshot/v1",` + "\n" + `"secrets": [}`, "syntax.json: line 2"},
		"type.json":      {`{"schema_version":"warden.snapshot/v1","secrets":[{"Secret":{"RotationEnabled":"yes"}}]}`, "RotationEnabled"},
		"time.json":      {`{"schema_version":"warden.snapshot/v1","secrets":[{},{"Secret":{"CreatedDate":"soon"}}]}`, "secrets[1]"},
		"version.json":   {`{"schema_version":"warden.snapshot/v9"}`, "schema_version: unsupported"},
		"noversion.json": {`{"secrets":[]}`, "schema_version: missing"},
		"trunc.json":     {`{"schema_version":"warden.snapshot/v1","secrets":[`, "unexpected end"},
		"account.json":   {`{"schema_version":"warden.snapshot/v1","accounts":[{"Name":"x"}]}`, "accounts[0].Id: missing"},
	}
	for name, c := range cases {
		p := write(t, dir, name, c.body)
		_, err := Load(p)
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: want *FileError, got %v", name, err)
			continue
		}
		if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q does not name the file and %q", name, err, c.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadConflictingOrganizations(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", `{"schema_version":"warden.snapshot/v1","organization":{"Id":"o-1"}}`)
	write(t, dir, "b.json", `{"schema_version":"warden.snapshot/v1","organization":{"Id":"o-2"}}`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "b.json: organization.Id") {
		t.Fatalf("want a conflict naming b.json, got %v", err)
	}
}

// Each secret keeps the line it starts on, for SARIF physical locations;
// the serial decoder (odd shapes) finds the same lines.
func TestLoadKeepsEachSecretsLine(t *testing.T) {
	dir := t.TempDir()
	doc := "{\"schema_version\": \"warden.snapshot/v1\",\n" + // line 1
		" \"secrets\": [\n" + // 2
		"  {\"AccountId\": \"1\", \"Region\": \"r\",\n" + // 3
		"   \"Secret\": {\"ARN\": \"a\", \"Name\": \"a\"}},\n" + // 4
		"\n" + // 5
		"  {\"AccountId\": \"1\", \"Region\": \"r\", \"Secret\": {\"ARN\": \"b\", \"Name\": \"b\"}}, {\"AccountId\": \"1\", \"Region\": \"r\", \"Secret\": {\"ARN\": \"c\", \"Name\": \"c\"}}\n" + // 6
		" ]}\n"
	p := write(t, dir, "org.json", doc)
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, e := range s.Secrets {
		got = append(got, e.Line)
	}
	if len(got) != 3 || got[0] != 3 || got[1] != 6 || got[2] != 6 {
		t.Errorf("lines %v, want [3 6 6]", got)
	}
	serial, err := DecodeSerial([]byte(doc), "org.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range serial.Secrets {
		if serial.Secrets[i].Line != got[i] {
			t.Errorf("serial decoder: secret %d on line %d, want %d", i, serial.Secrets[i].Line, got[i])
		}
	}
}
