package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/secretwarden/warden/internal/finding"
)

// Engine holds the compiled policies and prepared queries. It is safe for
// concurrent use.
//
// A posture check that declares the input paths it reads (METADATA
// custom.inputs, verified against its rules when the engine is built) has its
// outcome memoized per distinct projection of the input on those paths, so
// that a scan evaluates in Rego only the checks whose part of the input it
// has not seen yet. Checks without a declaration are evaluated every time.
type Engine struct {
	checks   []Check
	rules    []Check
	byPkg    map[string]*Check
	posture  []postureCheck // parallel to checks
	compiler *ast.Compiler
	store    storage.Store
	proj     projector

	allPosture *prepared
	mu         sync.RWMutex
	subsets    map[uint64]*prepared // by bit set of the checks it evaluates
	events     *prepared
	eventVars  []ast.Var // respond set of rules[i]
}

// postureCheck is the evaluation plan of one posture check.
type postureCheck struct {
	deny, skip ast.Var // bindings of its deny and skip sets
	hasSkip    bool    // the package defines skip
	paths      []int   // its declared input paths (projector indices)
	memo       *memo   // nil: not memoized
}

// MemoLimit bounds the memoized outcomes per check.
const MemoLimit = 1 << 14

// maxSubsets bounds the prepared queries over subsets of the checks.
const maxSubsets = 256

// prepared is a compiled query.
type prepared struct {
	body    ast.Body
	qc      ast.QueryCompiler
	renamed map[ast.Var]ast.Var // query variable -> its name in body
}

// get returns the binding of query variable v in a result.
func (p *prepared) get(qr topdown.QueryResult, v ast.Var) *ast.Term {
	if r, ok := p.renamed[v]; ok {
		return qr[r]
	}
	return qr[v]
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
	metas, inputs, err := readMetadata(c, modules)
	if err != nil {
		return nil, fmt.Errorf("read policy metadata: %w", err)
	}
	e := &Engine{byPkg: map[string]*Check{}, compiler: c, subsets: map[uint64]*prepared{}}
	var declared [][][]string
	for i, m := range metas {
		if m.Kind == KindPosture {
			e.checks = append(e.checks, m)
			declared = append(declared, inputs[i])
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
	e.store = inmem.NewFromObjectWithOpts(obj, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))

	e.posture = make([]postureCheck, len(e.checks))
	all := make([]int, len(e.checks))
	for i := range e.checks {
		ch := &e.checks[i]
		pc := &e.posture[i]
		pc.deny, pc.skip = ast.Var(fmt.Sprintf("d%d", i)), ast.Var(fmt.Sprintf("s%d", i))
		if len(c.GetRulesExact(ast.MustParseRef("data."+ch.Package+".deny"))) == 0 {
			return nil, fmt.Errorf("prepare posture query: %s: package %s defines no deny rule", ch.File, ch.Package)
		}
		pc.hasSkip = len(c.GetRulesExact(ast.MustParseRef("data."+ch.Package+".skip"))) > 0
		if declared[i] != nil {
			if err := verifyInputs(c, ch, declared[i]); err != nil {
				return nil, fmt.Errorf("read policy metadata: %w", err)
			}
			for _, path := range declared[i] {
				pc.paths = append(pc.paths, e.proj.add(path))
			}
			pc.memo = newMemo(MemoLimit)
		}
		all[i] = i
	}
	if e.allPosture, err = e.prepare(e.postureQuery(all)); err != nil {
		return nil, fmt.Errorf("prepare posture query: %w", err)
	}
	var parts []string
	for i := range e.rules {
		v := ast.Var(fmt.Sprintf("r%d", i))
		e.eventVars = append(e.eventVars, v)
		ref := "data." + e.rules[i].Package + ".respond"
		if len(c.GetRulesExact(ast.MustParseRef(ref))) == 0 {
			ref = "set()"
		}
		parts = append(parts, fmt.Sprintf("%s := %s", v, ref))
	}
	if len(parts) == 0 {
		parts = append(parts, "true")
	}
	if e.events, err = e.prepare(strings.Join(parts, "; ")); err != nil {
		return nil, fmt.Errorf("prepare event query: %w", err)
	}
	return e, nil
}

// postureQuery reads only the deny and skip sets of the given checks, so
// helper rules are evaluated only as far as those need them.
func (e *Engine) postureQuery(idx []int) string {
	parts := make([]string, 0, 2*len(idx))
	for _, i := range idx {
		pc, ch := &e.posture[i], &e.checks[i]
		parts = append(parts, fmt.Sprintf("%s := data.%s.deny", pc.deny, ch.Package))
		if pc.hasSkip {
			parts = append(parts, fmt.Sprintf("%s := data.%s.skip", pc.skip, ch.Package))
		}
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, "; ")
}

func (e *Engine) prepare(query string) (*prepared, error) {
	body, err := ast.ParseBodyWithOpts(query, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, err
	}
	qc := e.compiler.QueryCompiler()
	compiled, err := qc.Compile(body)
	if err != nil {
		return nil, oneLine(err)
	}
	renamed := map[ast.Var]ast.Var{}
	for compiledVar, userVar := range qc.RewrittenVars() {
		renamed[userVar] = compiledVar
	}
	return &prepared{body: compiled, qc: qc, renamed: renamed}, nil
}

// run evaluates p against input and returns its first result (nil when
// undefined).
func (e *Engine) run(ctx context.Context, p *prepared, input ast.Value) (topdown.QueryResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer e.store.Abort(ctx, txn)
	vc := newVCache()
	defer vc.release()
	q := topdown.NewQuery(p.body).
		WithVirtualCache(vc).
		WithQueryCompiler(p.qc).
		WithCompiler(e.compiler).
		WithStore(e.store).
		WithTransaction(txn).
		WithMetrics(metrics.NoOp()).
		WithInput(ast.NewTerm(input))
	var out topdown.QueryResult
	err = q.Iter(ctx, func(qr topdown.QueryResult) error {
		if out == nil {
			out = qr
		}
		return nil
	})
	return out, err
}

// subset returns the prepared query over the checks in idx.
func (e *Engine) subset(idx []int) *prepared {
	if len(idx) == len(e.checks) || len(e.checks) > 64 {
		return e.allPosture
	}
	var bits uint64
	for _, i := range idx {
		bits |= 1 << uint(i)
	}
	e.mu.RLock()
	p := e.subsets[bits]
	e.mu.RUnlock()
	if p != nil {
		return p
	}
	p, err := e.prepare(e.postureQuery(idx))
	if err != nil {
		return e.allPosture
	}
	e.mu.Lock()
	if len(e.subsets) < maxSubsets {
		e.subsets[bits] = p
	}
	e.mu.Unlock()
	return p
}

// Checks are the posture checks, by id.
func (e *Engine) Checks() []Check { return e.checks }

// Rules are the event (incident) rules, by id.
func (e *Engine) Rules() []Check { return e.rules }

// Result is one check's outcome for one input. Messages may be shared with
// other results: do not modify them.
type Result struct {
	Check    *Check
	Status   finding.Status
	Messages []string
}

// Message joins the messages of a result.
func (r Result) Message() string { return strings.Join(r.Messages, "; ") }

// MemoStats reports, per check id, the memo hits and misses so far (checks
// without an inputs declaration are left out).
func (e *Engine) MemoStats() map[string][2]int64 {
	out := map[string][2]int64{}
	for i := range e.posture {
		if m := e.posture[i].memo; m != nil {
			out[e.checks[i].ID] = [2]int64{m.hits.Load(), m.misses.Load()}
		}
	}
	return out
}

var resolvedPool = sync.Pool{New: func() any { return new(resolved) }}

// Evaluate runs every posture check against one input.
func (e *Engine) Evaluate(ctx context.Context, input ast.Value) ([]Result, error) {
	return e.evaluate(ctx, input, true)
}

func (e *Engine) evaluate(ctx context.Context, input ast.Value, memoize bool) ([]Result, error) {
	n := len(e.checks)
	out := make([]Result, n)
	obj, _ := input.(ast.Object)
	var (
		missBuf [64]int
		miss    = missBuf[:0]
		projs   []projection
		r       *resolved
	)
	if obj != nil && e.proj.paths > 0 && memoize {
		r = resolvedPool.Get().(*resolved)
		defer resolvedPool.Put(r)
		e.proj.resolve(obj, r)
		if !r.ok {
			r = nil
		}
	}
	var vals []*ast.Term
	for i := range e.posture {
		pc := &e.posture[i]
		out[i].Check = &e.checks[i]
		if pc.memo != nil && r != nil {
			if projs == nil {
				projs = make([]projection, n)
			}
			if len(vals)+len(pc.paths) > cap(vals) {
				vals = make([]*ast.Term, 0, max(64, len(pc.paths)))
			}
			projs[i] = project(r, pc.paths, vals[len(vals):])
			vals = vals[:len(vals)+len(pc.paths)]
			if o, ok := pc.memo.get(&projs[i]); ok {
				out[i].Status, out[i].Messages = o.status, o.messages
				continue
			}
		}
		miss = append(miss, i)
	}
	if len(miss) == 0 {
		return out, nil
	}
	p := e.subset(miss)
	qr, err := e.run(ctx, p, input)
	if err != nil {
		return nil, fmt.Errorf("evaluate posture checks: %w", err)
	}
	for _, i := range miss {
		pc := &e.posture[i]
		o := outcome{status: finding.StatusPass}
		if skip := strs(p.get(qr, pc.skip)); len(skip) > 0 {
			o.status, o.messages = finding.StatusNotApplicable, skip
		} else if deny := strs(p.get(qr, pc.deny)); len(deny) > 0 {
			o.status, o.messages = finding.StatusFail, deny
		}
		out[i].Status, out[i].Messages = o.status, o.messages
		if pc.memo != nil && projs != nil && projs[i].vals != nil {
			pc.memo.put(&projs[i], o)
		}
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
	qr, err := e.run(ctx, e.events, input)
	if err != nil {
		return nil, fmt.Errorf("evaluate event rules: %w", err)
	}
	var out []Response
	for i := range e.rules {
		rule := &e.rules[i]
		t := e.events.get(qr, e.eventVars[i])
		if t == nil {
			continue
		}
		v, err := ast.JSON(t.Value)
		if err != nil {
			return nil, fmt.Errorf("evaluate event rule %s: %w", rule.ID, err)
		}
		list, _ := v.([]any)
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

var msgKey = ast.StringTerm("msg")

// strs renders the members of a deny or skip set as sorted messages: strings
// as they are, objects by their "msg", anything else as its JSON value prints.
func strs(t *ast.Term) []string {
	if t == nil {
		return nil
	}
	var items []*ast.Term
	switch v := t.Value.(type) {
	case ast.Set:
		items = v.Slice()
	case *ast.Array:
		for i := range v.Len() {
			items = append(items, v.Elem(i))
		}
	default:
		return nil
	}
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	for _, x := range items {
		switch s := x.Value.(type) {
		case ast.String:
			out = append(out, string(s))
			continue
		case ast.Object:
			if m := s.Get(msgKey); m != nil {
				if str, ok := m.Value.(ast.String); ok {
					out = append(out, string(str))
					continue
				}
			}
		}
		v, err := ast.JSON(x.Value)
		if err != nil {
			out = append(out, x.String())
			continue
		}
		out = append(out, fmt.Sprint(v))
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
