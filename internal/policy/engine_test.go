package policy_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

func TestDeclaredInputsMustCoverReads(t *testing.T) {
	cases := map[string]string{
		"reads outside": `# METADATA
# title: t
# scope: package
# custom:
#   id: org-x
#   severity: low
#   inputs: [secret.Name]
package posture.org_x

deny contains "x" if input.secret.Description == ""
`,
		"reads through a function": `# METADATA
# title: t
# scope: package
# custom:
#   id: org-x
#   severity: low
#   inputs: [secret.Name]
package posture.org_x

import data.lib

deny contains "x" if not lib.secret.has_tag("owner")
`,
		"whole input": `# METADATA
# title: t
# scope: package
# custom:
#   id: org-x
#   severity: low
#   inputs: [secret]
package posture.org_x

deny contains "x" if object.get(input, ["secret", "Name"], "") == ""
`,
		"clock": `# METADATA
# title: t
# scope: package
# custom:
#   id: org-x
#   severity: low
#   inputs: [secret.CreatedDate]
package posture.org_x

deny contains "x" if time.parse_rfc3339_ns(input.secret.CreatedDate) < time.now_ns()
`,
		"not a path": `# METADATA
# title: t
# scope: package
# custom:
#   id: org-x
#   severity: low
#   inputs: ["secret[0]"]
package posture.org_x

deny contains "x" if input.secret.Name == ""
`,
	}
	for name, body := range cases {
		_, err := policy.New(context.Background(), builtinData(t), builtin(), policy.DirSource(writeRego(t, body)))
		if err == nil {
			t.Errorf("%s: want an error", name)
			continue
		}
		if !strings.Contains(err.Error(), "custom.rego") || !strings.Contains(err.Error(), "inputs") {
			t.Errorf("%s: error must name the file and the inputs declaration: %q", name, err)
		}
	}
	ok := `# METADATA
# title: t
# scope: package
# custom:
#   id: org-x
#   severity: low
#   inputs: [secret.Tags, secret.DeletedDate]
package posture.org_x

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

deny contains "no owner" if not lib.secret.has_tag("owner")
`
	if _, err := policy.New(context.Background(), builtinData(t), builtin(), policy.DirSource(writeRego(t, ok))); err != nil {
		t.Errorf("complete declaration rejected: %v", err)
	}
}

// TestMemoAgreesWithEvaluation evaluates generated secrets, and variants of
// them that differ only where some check looks, with the memo and without:
// every outcome must be the same.
func TestMemoAgreesWithEvaluation(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	ins := synthInputs(t, 1500, 3)
	// Variants: numbers written differently (1 vs 1.0), a field removed, a
	// deleted secret, another region.
	variants := []string{
		`{"params": {"max_rotation_days": 90.0, "unused_for_days": 9e1}}`,
		`{"secret": {"DeletedDate": "2026-11-01T00:00:00Z"}}`,
		`{"region": "eu-west-1"}`,
		`{"secret": {"RotationRules": {"AutomaticallyAfterDays": 120.0}, "RotationEnabled": true}}`,
		`{"kms_key": null}`,
	}
	for i := range 300 {
		base := ins[i].(ast.Object)
		patch := input(t, variants[i%len(variants)]).(ast.Object)
		ins = append(ins, mergeObjects(base, patch))
	}
	for pass := range 2 {
		for i, in := range ins {
			got, err := e.Evaluate(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			want, err := e.EvaluateUncached(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for j := range want {
				if got[j].Status != want[j].Status || got[j].Message() != want[j].Message() {
					t.Fatalf("pass %d input %d %s: memo %s %q, evaluation %s %q", pass, i, want[j].Check.ID,
						got[j].Status, got[j].Message(), want[j].Status, want[j].Message())
				}
			}
		}
	}
	hits := int64(0)
	for _, hm := range e.MemoStats() {
		hits += hm[0]
	}
	if hits == 0 {
		t.Error("no memo hit")
	}
}

// mergeObjects is a recursive object.union.
func mergeObjects(a, b ast.Object) ast.Object {
	out := a.Copy()
	b.Foreach(func(k, v *ast.Term) {
		if cur := out.Get(k); cur != nil {
			if x, ok := cur.Value.(ast.Object); ok {
				if y, ok := v.Value.(ast.Object); ok {
					out.Insert(k, ast.NewTerm(mergeObjects(x, y)))
					return
				}
			}
		}
		out.Insert(k, v)
	})
	return out
}

func TestMemoServesSameProjection(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	a := input(t, baseInput)
	// Another secret that differs only in its name and ARN: every check is
	// served from the memo (none reads the name or the ARN).
	b := mergeObjects(a.(ast.Object), input(t, `{"secret": {"Name": "b", "ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:b-QwErTy"}}`).(ast.Object))
	if _, err := e.Evaluate(ctx, a); err != nil {
		t.Fatal(err)
	}
	res, err := e.Evaluate(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	stats := e.MemoStats()
	for _, r := range res {
		hm := stats[r.Check.ID]
		wantHits := int64(1)
		if hm[0] != wantHits || hm[1] != 2-wantHits {
			t.Errorf("%s: hits/misses %v, want %d hit(s)", r.Check.ID, hm, wantHits)
		}
	}
}

// TestEvaluateConcurrently shares one engine between goroutines (as scan
// workers do); run with -race.
func TestEvaluateConcurrently(t *testing.T) {
	e := newEngine(t)
	ins := synthInputs(t, 300, 5)
	want := make([][]policy.Result, len(ins))
	for i, in := range ins {
		r, err := e.EvaluateUncached(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range len(ins) {
				i := (k*7 + w*13) % len(ins)
				got, err := e.Evaluate(context.Background(), ins[i])
				if err != nil {
					t.Error(err)
					return
				}
				for j := range got {
					if got[j].Status != want[i][j].Status || got[j].Message() != want[i][j].Message() {
						t.Errorf("input %d %s: %s %q, want %s %q", i, got[j].Check.ID, got[j].Status, got[j].Message(), want[i][j].Status, want[i][j].Message())
					}
				}
			}
		}()
	}
	wg.Wait()
}
