package policy

import (
	"context"
	"encoding/json"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/policies"
)

func mustValue(t *testing.T, s string) ast.Value {
	t.Helper()
	v, err := ast.ParseTerm(s)
	if err != nil {
		t.Fatal(err)
	}
	return v.Value
}

func TestGuardOf(t *testing.T) {
	cases := []struct {
		expr     string
		ok       bool
		mode     guardMode
		holds    []string // input.a.b values (JSON, "" = undefined) the guard accepts
		rejects  []string
		wantPath string
	}{
		{expr: `not input.a.b`, ok: true, mode: guardFalsy, holds: []string{"", "false"}, rejects: []string{"true", `"x"`, "0", "null", "[]"}},
		{expr: `input.a.b`, ok: true, mode: guardTruthy, holds: []string{"true", `"x"`, "0", "null", "[]"}, rejects: []string{"", "false"}},
		{expr: `_ = input.a.b`, ok: true, mode: guardDefined, holds: []string{"false", `"x"`, "null"}, rejects: []string{""}},
		{expr: `input.a.b == "x"`, ok: true, mode: guardEqual, holds: []string{`"x"`}, rejects: []string{"", `"y"`, "1", "true"}},
		{expr: `"x" == input.a.b`, ok: true, mode: guardEqual, holds: []string{`"x"`}, rejects: []string{`"y"`}},
		{expr: `input.a.b == true`, ok: true, mode: guardEqual, holds: []string{"true"}, rejects: []string{"false", `"true"`, ""}},
		{expr: `input.a.b in {"x", "y"}`, ok: true, mode: guardMember, holds: []string{`"x"`, `"y"`}, rejects: []string{"", `"z"`, "1"}},
		{expr: `input.a.b in ["x"]`, ok: true, mode: guardMember, holds: []string{`"x"`}, rejects: []string{`"z"`}},
		// Not guards: numbers (1 == 1.0), non-ground refs, negated
		// comparisons, assignments, with modifiers.
		{expr: `input.a.b == 1`},
		{expr: `input.a.b in {1, "x"}`},
		{expr: `input.a[_]`},
		{expr: `not input.a.b == "x"`},
		{expr: `x := input.a.b`},
		{expr: `input.a.b with input.c as 1`},
		{expr: `data.x.y`},
	}
	for _, c := range cases {
		body, err := ast.ParseBodyWithOpts(c.expr, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		g, ok := guardWith(body[0], groundInputPath)
		if ok != c.ok {
			t.Errorf("%s: guard %v, want %v", c.expr, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if g.mode != c.mode || len(g.path) != 2 || g.path[0] != "a" || g.path[1] != "b" {
			t.Errorf("%s: mode %d path %v", c.expr, g.mode, g.path)
		}
		for _, list := range []struct {
			vals []string
			want bool
		}{{c.holds, true}, {c.rejects, false}} {
			for _, v := range list.vals {
				var term *ast.Term
				if v != "" {
					term = ast.NewTerm(mustValue(t, v))
				}
				if got := g.holds(term); got != list.want {
					t.Errorf("%s on %q: holds %v, want %v", c.expr, v, got, list.want)
				}
			}
		}
	}
}

// TestGuardsAgreeWithRego evaluates each guard in Rego and in Go on the same
// inputs.
func TestGuardsAgreeWithRego(t *testing.T) {
	exprs := []string{`not input.a.b`, `input.a.b`, `_ = input.a.b`, `input.a.b == "x"`, `input.a.b == false`, `input.a.b in {"x", "y"}`}
	inputs := []string{`{}`, `{"a": null}`, `{"a": []}`, `{"a": "s"}`, `{"a": {}}`, `{"a": {"b": null}}`, `{"a": {"b": false}}`,
		`{"a": {"b": true}}`, `{"a": {"b": "x"}}`, `{"a": {"b": "y"}}`, `{"a": {"b": 0}}`, `{"a": {"b": []}}`, `{"a": {"b": {}}}`}
	for _, x := range exprs {
		mod := "package p\n\nok if {\n\t" + x + "\n}\n"
		c := ast.NewCompiler()
		c.Compile(map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(mod, ast.ParserOptions{RegoVersion: ast.RegoV1})})
		if c.Failed() {
			t.Fatal(c.Errors)
		}
		rule := c.GetRulesExact(ast.MustParseRef("data.p.ok"))[0]
		guards, reads := ruleReads(c, rule)
		if len(guards) == 0 || len(reads) != 0 {
			t.Fatalf("%s: guards %v, reads %v: want only guards", x, guards, reads)
		}
		e := &Engine{compiler: c}
		var err error
		if e.store, err = newStore(map[string]any{}); err != nil {
			t.Fatal(err)
		}
		p, err := e.prepare("x := data.p.ok")
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range inputs {
			obj := mustValue(t, in).(ast.Object)
			qr, err := e.run(context.Background(), p, obj)
			if err != nil {
				t.Fatal(err)
			}
			rego := qr != nil
			if got := guardsHold(obj, guards); got != rego {
				t.Errorf("%s on %s: Go %v, Rego %v", x, in, got, rego)
			}
		}
	}
}

// checkEngine builds an engine of one posture check "t", package posture.t,
// that declares it reads input.secret; rules is the package's body.
func checkEngine(t *testing.T, rules string) *Engine {
	t.Helper()
	src := Source{FS: fstest.MapFS{"p.rego": &fstest.MapFile{Data: []byte(`# METADATA
# title: t
# scope: package
# custom:
#   id: t
#   severity: low
#   inputs:
#     - secret
package posture.t

` + rules)}}, Root: ".", Display: "t"}
	e, err := New(context.Background(), map[string]any{}, src)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRuleMemoKeysOnWhatEachRuleReads: two secrets that differ only in a
// value one deny rule reads share the other rule's outcome, and a rule whose
// guard fails is not evaluated.
func TestRuleMemoKeysOnWhatEachRuleReads(t *testing.T) {
	e := checkEngine(t, `skip contains "gone" if input.secret.Gone

deny contains sprintf("a=%v", [input.secret.A]) if input.secret.A > 1

deny contains sprintf("b=%v", [input.secret.B]) if {
	not input.secret.Never
	input.secret.B > 1
}
`)
	if len(e.memoized) != 3 {
		t.Fatalf("%d memoized definitions, want 3", len(e.memoized))
	}
	ctx := context.Background()
	eval := func(in string) Result {
		t.Helper()
		v := mustValue(t, in)
		got, err := e.Evaluate(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := e.EvaluateUncached(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Status != want[0].Status || got[0].Message() != want[0].Message() {
			t.Fatalf("%s: memo %s %q, Rego %s %q", in, got[0].Status, got[0].Message(), want[0].Status, want[0].Message())
		}
		return got[0]
	}
	stats := func() [2]int64 { return e.MemoStats()["t"] }
	// Each rule keyed on its own value: the first input misses, an input that
	// changes only A misses once (rule a), then one changing only B.
	if r := eval(`{"secret": {"A": 2, "B": 3}}`); r.Message() != "a=2; b=3" {
		t.Fatalf("message %q", r.Message())
	}
	var defsEvaluated = func(in string) int {
		t.Helper()
		var before int64
		for i := range e.memoized {
			before += e.memoized[i].memo.misses.Load()
		}
		eval(in)
		var after int64
		for i := range e.memoized {
			after += e.memoized[i].memo.misses.Load()
		}
		return int(after - before)
	}
	if n := defsEvaluated(`{"secret": {"A": 5, "B": 3}}`); n != 1 {
		t.Errorf("changing A: %d definitions missed, want 1", n)
	}
	if n := defsEvaluated(`{"secret": {"A": 5, "B": 0}}`); n != 1 {
		t.Errorf("changing B: %d definitions missed, want 1", n)
	}
	if n := defsEvaluated(`{"secret": {"A": 2, "B": 0, "Name": "other"}}`); n != 0 {
		t.Errorf("changing an unread field: %d definitions missed, want 0", n)
	}
	// The guard of rule b fails: no lookup, no evaluation.
	if n := defsEvaluated(`{"secret": {"A": 2, "B": 99, "Never": true}}`); n != 0 {
		t.Errorf("failing guard: %d definitions missed, want 0", n)
	}
	// A skip reason: deny rules are not looked up at all.
	if r := eval(`{"secret": {"A": 77, "B": 77, "Gone": true}}`); r.Message() != "gone" {
		t.Errorf("skip message %q", r.Message())
	}
	if s := stats(); s[0] == 0 || s[1] == 0 {
		t.Errorf("memo stats %v: want hits and misses", s)
	}
}

// TestWholeCheckWithoutSetRules: a check whose deny is a complete rule is
// evaluated as a whole, correctly.
func TestWholeCheckWithoutSetRules(t *testing.T) {
	e := checkEngine(t, `deny := {"x"} if input.secret.A
`)
	if len(e.memoized) != 0 {
		t.Fatalf("%d memoized definitions, want 0", len(e.memoized))
	}
	res, err := e.Evaluate(context.Background(), mustValue(t, `{"secret": {"A": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != "fail" || res[0].Message() != "x" {
		t.Errorf("got %s %q", res[0].Status, res[0].Message())
	}
}

// TestRespondSkipsGuardedRules: an event rule whose every respond
// definition has a failing guard is left out of the query.
func TestRespondSkipsGuardedRules(t *testing.T) {
	src := Source{FS: fstest.MapFS{
		"a.rego": &fstest.MapFile{Data: []byte("# METADATA\n# title: a\n# scope: package\n# custom:\n#   id: a\n#   severity: low\npackage events.a\n\nrespond contains {\"kind\": \"alert\", \"reason\": \"a\"} if input.event.name == \"A\"\n")},
		"b.rego": &fstest.MapFile{Data: []byte("# METADATA\n# title: b\n# scope: package\n# custom:\n#   id: b\n#   severity: low\npackage events.b\n\nrespond contains {\"kind\": \"alert\", \"reason\": \"b\"} if input.event.name in {\"A\", \"B\"}\n")},
	}, Root: ".", Display: "t"}
	e, err := New(context.Background(), map[string]any{}, src)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"A": 2, "B": 1, "C": 0} {
		in := mustValue(t, `{"event": {"name": "`+name+`"}}`)
		p, err := e.eventRules(in)
		if err != nil {
			t.Fatal(err)
		}
		evaluated := 0
		for _, v := range e.eventVars {
			if _, ok := p.renamed[v]; ok || p == e.events {
				evaluated++
			}
		}
		if p != e.events && evaluated != want {
			t.Errorf("event %s: %d rules in the query, want %d", name, evaluated, want)
		}
		resp, err := e.Respond(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp) != want {
			t.Errorf("event %s: %d responses, want %d", name, len(resp), want)
		}
	}
}

// TestBuiltinChecksReadNoPerSecretValues: no memoized definition of the
// built-in checks is keyed on a value unique to a secret (a timestamp, a
// version id, its name or ARN), so that a large organization shares every
// outcome between secrets alike (policies read input.ages and
// input.version_stages instead).
func TestBuiltinChecksReadNoPerSecretValues(t *testing.T) {
	raw, err := fs.ReadFile(policies.FS, "data.json")
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), data, Source{FS: policies.FS, Root: ".", Display: "policies"})
	if err != nil {
		t.Fatal(err)
	}
	names := map[int]string{}
	var walk func(n *pnode, prefix string)
	walk = func(n *pnode, prefix string) {
		for _, c := range n.children {
			p := prefix + "." + string(c.key.Value.(ast.String))
			if c.index >= 0 {
				names[c.index] = p[1:]
			}
			walk(c, p)
		}
	}
	walk(&e.proj.root, "")
	unique := []string{"now", "secret", "secret.ARN", "secret.Name", "secret.CreatedDate", "secret.LastChangedDate",
		"secret.LastAccessedDate", "secret.LastRotatedDate", "secret.NextRotationDate", "secret.DeletedDate",
		"secret.VersionIdsToStages", "secret.ReplicationStatus"}
	for _, m := range e.memoized {
		if m.memo == nil {
			t.Errorf("%s: a definition is never memoized (it reads the whole input)", e.checks[m.check].ID)
		}
		for _, p := range m.paths {
			for _, u := range unique {
				// The replica checks read ReplicationStatus whole (regions,
				// statuses, keys); only unused reads its access dates.
				replicaCheck := u == "secret.ReplicationStatus" && e.checks[m.check].ID != "unused"
				if names[p] == u && !replicaCheck {
					t.Errorf("%s: a definition is keyed on %s", e.checks[m.check].ID, u)
				}
			}
		}
	}
	if len(e.memoized) < 2*len(e.checks) {
		t.Errorf("%d memoized definitions for %d checks", len(e.memoized), len(e.checks))
	}
}
