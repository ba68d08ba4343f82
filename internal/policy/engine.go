package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/secretwarden/warden/internal/finding"
)

// Engine holds the compiled policies and prepared queries. It is safe for
// concurrent use.
type Engine struct {
	checks   []Check
	rules    []Check
	byPkg    map[string]*Check
	posture  rego.PreparedEvalQuery
	events   rego.PreparedEvalQuery
	compiler *ast.Compiler
}

// New parses and compiles the sources once, with data as the data document.
func New(ctx context.Context, data map[string]any, sources ...Source) (*Engine, error) {
	modules := map[string]*ast.Module{}
	for _, s := range sources {
		if err := parse(s, modules); err != nil {
			return nil, err
		}
	}
	c := ast.NewCompiler().WithUseTypeCheckAnnotations(true)
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", oneLine(c.Errors))
	}
	metas, err := readMetadata(c, modules)
	if err != nil {
		return nil, fmt.Errorf("read policy metadata: %w", err)
	}
	e := &Engine{byPkg: map[string]*Check{}, compiler: c}
	for _, m := range metas {
		if m.Kind == KindPosture {
			e.checks = append(e.checks, m)
		} else {
			e.rules = append(e.rules, m)
		}
	}
	for i := range e.checks {
		e.byPkg[e.checks[i].Package] = &e.checks[i]
	}
	for i := range e.rules {
		e.byPkg[e.rules[i].Package] = &e.rules[i]
	}
	var doc any = data
	if err := util.RoundTrip(&doc); err != nil {
		return nil, fmt.Errorf("encode policy data: %w", err)
	}
	obj, _ := doc.(map[string]any)
	if obj == nil {
		obj = map[string]any{}
	}
	store := inmem.NewFromObject(obj)
	q, err := postureQuery(c, e.checks)
	if err != nil {
		return nil, fmt.Errorf("prepare posture query: %w", err)
	}
	if e.posture, err = rego.New(rego.Query(q), rego.Compiler(c), rego.Store(store)).PrepareForEval(ctx); err != nil {
		return nil, fmt.Errorf("prepare posture query: %w", err)
	}
	if e.events, err = rego.New(rego.Query("data.events"), rego.Compiler(c), rego.Store(store)).PrepareForEval(ctx); err != nil {
		return nil, fmt.Errorf("prepare event query: %w", err)
	}
	return e, nil
}

// postureQuery reads only the deny and skip sets of every check, so helper
// rules are evaluated only as far as those need them. A package without a
// skip rule gets an empty set.
func postureQuery(c *ast.Compiler, checks []Check) (string, error) {
	parts := make([]string, 0, 2*len(checks))
	for i, ch := range checks {
		for _, r := range []struct{ v, name string }{{"d", "deny"}, {"s", "skip"}} {
			ref := "data." + ch.Package + "." + r.name
			expr := "set()"
			if len(c.GetRulesExact(ast.MustParseRef(ref))) > 0 {
				expr = ref
			} else if r.name == "deny" {
				return "", fmt.Errorf("%s: package %s defines no deny rule", ch.File, ch.Package)
			}
			parts = append(parts, fmt.Sprintf("%s%d := %s", r.v, i, expr))
		}
	}
	return strings.Join(parts, "; "), nil
}

// Checks are the posture checks, by id.
func (e *Engine) Checks() []Check { return e.checks }

// Rules are the event (incident) rules, by id.
func (e *Engine) Rules() []Check { return e.rules }

// Result is one check's outcome for one input.
type Result struct {
	Check    *Check
	Status   finding.Status
	Messages []string
}

// Message joins the messages of a result.
func (r Result) Message() string { return strings.Join(r.Messages, "; ") }

// Evaluate runs every posture check against one input.
func (e *Engine) Evaluate(ctx context.Context, input ast.Value) ([]Result, error) {
	rs, err := e.posture.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluate posture checks: %w", err)
	}
	var bindings rego.Vars
	if len(rs) > 0 {
		bindings = rs[0].Bindings
	}
	out := make([]Result, len(e.checks))
	for i := range e.checks {
		ch := &e.checks[i]
		r := Result{Check: ch, Status: finding.StatusPass}
		if skip := strs(bindings[fmt.Sprintf("s%d", i)]); len(skip) > 0 {
			r.Status, r.Messages = finding.StatusNotApplicable, skip
		} else if deny := strs(bindings[fmt.Sprintf("d%d", i)]); len(deny) > 0 {
			r.Status, r.Messages = finding.StatusFail, deny
		}
		out[i] = r
	}
	return out, nil
}

// Response is one action an event rule asks for.
type Response struct {
	Rule       *Check `json:"-"`
	Kind       string `json:"kind"`
	Reason     string `json:"reason"`
	Severity   string `json:"severity"`
	Statements []int  `json:"statements,omitempty"`
	Targets    string `json:"targets,omitempty"`
}

// Respond runs every event rule against one event input.
func (e *Engine) Respond(ctx context.Context, input ast.Value) ([]Response, error) {
	rs, err := e.events.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluate event rules: %w", err)
	}
	pkgs := map[string]any{}
	if len(rs) > 0 && len(rs[0].Expressions) > 0 {
		pkgs, _ = rs[0].Expressions[0].Value.(map[string]any)
	}
	var out []Response
	for i := range e.rules {
		rule := &e.rules[i]
		doc, _ := pkgs[strings.TrimPrefix(rule.Package, "events.")].(map[string]any)
		list, _ := doc["respond"].([]any)
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("evaluate event rule %s: respond item is not an object", rule.ID)
			}
			r := Response{Rule: rule, Severity: rule.Severity}
			r.Kind, _ = m["kind"].(string)
			r.Reason, _ = m["reason"].(string)
			if s, ok := m["severity"].(string); ok && finding.SeverityRank(s) >= 0 {
				r.Severity = s
			}
			r.Targets, _ = m["targets"].(string)
			if st, ok := m["statements"].([]any); ok {
				for _, v := range st {
					if n, ok := toInt(v); ok {
						r.Statements = append(r.Statements, n)
					}
				}
			}
			switch r.Kind {
			case "alert", "rotate", "remediate":
			default:
				return nil, fmt.Errorf("evaluate event rule %s: unknown action kind %q", rule.ID, r.Kind)
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Rule.ID != b.Rule.ID {
			return a.Rule.ID < b.Rule.ID
		}
		if a.Kind != b.Kind {
			return kindOrder(a.Kind) < kindOrder(b.Kind)
		}
		return a.Reason < b.Reason
	})
	return out, nil
}

func kindOrder(k string) int {
	switch k {
	case "alert":
		return 0
	case "remediate":
		return 1
	default:
		return 2
	}
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		switch s := x.(type) {
		case string:
			out = append(out, s)
		case map[string]any:
			if m, ok := s["msg"].(string); ok {
				out = append(out, m)
			} else {
				out = append(out, fmt.Sprint(s))
			}
		default:
			out = append(out, fmt.Sprint(s))
		}
	}
	sort.Strings(out)
	return out
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// Compiler exposes the compiled modules (for tools and benchmarks).
func (e *Engine) Compiler() *ast.Compiler { return e.compiler }
