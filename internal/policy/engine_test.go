package policy_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/policies"
)

func builtinData(t testing.TB) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(policies.FS, "data.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func builtin() policy.Source { return policy.Source{FS: policies.FS, Root: ".", Display: "policies"} }

func newEngine(t testing.TB, extra ...policy.Source) *policy.Engine {
	t.Helper()
	e, err := policy.New(context.Background(), builtinData(t), append([]policy.Source{builtin()}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBuiltinPoliciesCompileWithMetadata(t *testing.T) {
	e := newEngine(t)
	want := []string{"kms-customer-managed", "no-external-access", "no-wildcard-principal", "replication-present",
		"required-tags", "rotated-recently", "rotation-enabled", "rotation-succeeding", "unused"}
	var got []string
	for _, c := range e.Checks() {
		got = append(got, c.ID)
		if c.Title == "" || c.Remediation == "" || finding.SeverityRank(c.Severity) < 0 {
			t.Errorf("%s: incomplete metadata %+v", c.ID, c)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("checks: got %v want %v", got, want)
	}
	if len(e.Rules()) < 8 {
		t.Errorf("want at least 8 event rules, got %d", len(e.Rules()))
	}
	for _, r := range e.Rules() {
		if r.Kind != policy.KindEvent {
			t.Errorf("%s: kind %s", r.ID, r.Kind)
		}
	}
}

func input(t testing.TB, s string) ast.Value {
	t.Helper()
	v, err := ast.ValueFromReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const baseInput = `{"schema_version":"v1","now":"2026-11-20T00:00:00Z","region":"us-east-1",
 "secret":{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf","Name":"a","RotationEnabled":false,
   "CreatedDate":"2025-01-01T00:00:00Z","Tags":[{"Key":"owner","Value":"x"}]},
 "resource_policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]},
 "kms_key":{"KeyManager":"AWS","AliasNames":["alias/aws/secretsmanager"]},
 "account":{"Id":"111122223333"},
 "organization":{"id":"o-1","management_account_id":"111111111111","account_ids":["111111111111","111122223333"]},
 "params":{"max_rotation_days":90,"rotation_overdue_grace_hours":24,"max_days_since_rotation":90,"unused_for_days":90,
   "kms_key_allowlist":[],"trusted_account_ids":[],"required_replica_regions":[],"required_tag_keys":["owner"],"access_denied_burst":5}}`

func TestEvaluateReportsEveryCheck(t *testing.T) {
	e := newEngine(t)
	res, err := e.Evaluate(context.Background(), input(t, baseInput))
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]finding.Status{}
	for _, r := range res {
		status[r.Check.ID] = r.Status
		if r.Status == finding.StatusFail && r.Message() == "" {
			t.Errorf("%s fails without a message", r.Check.ID)
		}
	}
	for id, want := range map[string]finding.Status{
		"rotation-enabled":      finding.StatusFail,
		"kms-customer-managed":  finding.StatusFail,
		"no-wildcard-principal": finding.StatusFail,
		"no-external-access":    finding.StatusFail,
		"required-tags":         finding.StatusPass,
		"replication-present":   finding.StatusNotApplicable,
	} {
		if status[id] != want {
			t.Errorf("%s: got %s want %s", id, status[id], want)
		}
	}
}

func TestRespondPlansActionsForPublicPolicy(t *testing.T) {
	e := newEngine(t)
	ev := `,"event":{"id":"1","name":"PutResourcePolicy","kind":"api_call","source":"secretsmanager.amazonaws.com",
	  "time":"2026-11-15T00:00:00Z","account_id":"111122223333","region":"us-east-1","read_only":false,
	  "actor":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/bob","account_id":"111122223333","in_organization":true},
	  "secret":{"raw":"a"},
	  "request":{"secretId":"a","resourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"}},
	  "history":{"access_denied_count":0,"principal_reads":[]}}`
	in := strings.TrimSuffix(strings.TrimSpace(baseInput), "}") + ev
	resp, err := e.Respond(context.Background(), input(t, in))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range resp {
		kinds[r.Kind] = true
		if r.Rule == nil || r.Reason == "" {
			t.Errorf("incomplete response %+v", r)
		}
	}
	if !kinds["alert"] || !kinds["remediate"] || !kinds["rotate"] {
		t.Errorf("want alert, remediate and rotate, got %+v", resp)
	}
}

func writeRego(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "custom.rego"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCustomPolicyIsLoadedNextToBuiltins(t *testing.T) {
	dir := writeRego(t, `# METADATA
# title: Secrets are described
# scope: package
# custom:
#   id: org-description
#   severity: low
#   remediation: Add a description.
package posture.org_description

deny contains "secret has no description" if not input.secret.Description
`)
	e := newEngine(t, policy.DirSource(dir))
	res, err := e.Evaluate(context.Background(), input(t, baseInput))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range res {
		if r.Check.ID == "org-description" {
			found = true
			if r.Status != finding.StatusFail || r.Message() != "secret has no description" {
				t.Errorf("custom check: %+v", r)
			}
		}
	}
	if !found {
		t.Error("custom check not evaluated")
	}
}

func TestBadPoliciesFailWithOneClearLine(t *testing.T) {
	cases := map[string]string{
		"does not compile": "package posture.broken\n\ndeny contains x if {\n",
		"unsafe var":       "# METADATA\n# title: t\n# scope: package\n# custom:\n#   id: x\n#   severity: low\npackage posture.bad\n\ndeny contains y if { y > 1 }\n",
		"no metadata":      "package posture.nometa\n\ndeny contains \"x\" if false\n",
		"bad severity":     "# METADATA\n# title: t\n# scope: package\n# custom:\n#   id: x\n#   severity: urgent\npackage posture.sev\n\ndeny contains \"x\" if false\n",
		"duplicate id":     "# METADATA\n# title: t\n# scope: package\n# custom:\n#   id: unused\n#   severity: low\npackage posture.dup\n\ndeny contains \"x\" if false\n",
	}
	for name, body := range cases {
		_, err := policy.New(context.Background(), builtinData(t), builtin(), policy.DirSource(writeRego(t, body)))
		if err == nil {
			t.Errorf("%s: want an error", name)
			continue
		}
		if !strings.Contains(err.Error(), "custom.rego") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error must name the file on one line: %q", name, err)
		}
	}
	if _, err := policy.New(context.Background(), nil, policy.DirSource(filepath.Join(t.TempDir(), "none"))); err == nil {
		t.Error("missing directory must be an error")
	}
}
