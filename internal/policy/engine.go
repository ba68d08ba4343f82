package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

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
// custom.inputs, verified against its rules when the engine is built) has
// each of its deny and skip definitions memoized on the input values that
// definition reads (see rules.go), so that a scan evaluates in Rego only the
// definitions whose part of the input it has not seen yet. Checks without a
// declaration are evaluated every time.
type Engine struct {
	checks   []Check
	rules    []Check
	byPkg    map[string]*Check
	posture  []postureCheck // parallel to checks
	compiler *ast.Compiler
	store    storage.Store
	proj     projector
	memoized []memoRule // the memoized deny and skip definitions
	// reads are the input paths each posture check reads, by package
	// (needs.go).
	reads map[string][][]string

	allChecks  []int // 0 … len(checks)-1
	allPosture *prepared
	events     *prepared
	eventVars  []ast.Var // respond set of rules[i]
	// eventGuards[i] are the guards of each respond definition of rules[i].
	eventGuards [][][]guard
	// subsets are the prepared queries over subsets of the posture checks,
	// memoized definitions and event rules, by indexKey.
	subsets queryCache
}

// queryCache holds prepared queries by key, at most maxSubsets of them.
type queryCache struct {
	mu sync.RWMutex
	m  map[string]*prepared
}

// get returns the query cached under key, or prepares query() and caches it.
func (c *queryCache) get(e *Engine, key string, query func() string) (*prepared, error) {
	c.mu.RLock()
	p := c.m[key]
	c.mu.RUnlock()
	if p != nil {
		return p, nil
	}
	p, err := e.prepare(query())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*prepared{}
	}
	if len(c.m) < maxSubsets {
		c.m[key] = p
	}
	c.mu.Unlock()
	return p, nil
}

// indexKey encodes lists of indices (below 65,536) as a cache key; kind
// tells apart the kinds of subsets.
func indexKey(kind byte, lists ...[]int) string {
	n := 1
	for _, l := range lists {
		n += 2*len(l) + 1
	}
	key := make([]byte, 0, n)
	key = append(key, kind)
	for _, l := range lists {
		for _, i := range l {
			key = append(key, byte(i), byte(i>>8))
		}
		key = append(key, 0xff, 0xff)
	}
	return string(key)
}

// postureCheck is the evaluation plan of one posture check.
type postureCheck struct {
	deny, skip ast.Var // bindings of its deny and skip sets
	hasSkip    bool    // the package defines skip
	skipRules  []int   // its memoized skip definitions (indices in memoized)
	denyRules  []int   // its memoized deny definitions; both nil: not memoized
	// reads are the input paths its rules can read (static analysis of the
	// package; an empty path is the whole input), for Dependencies.
	reads [][]string
	// hits counts evaluations decided without Rego, misses the others.
	hits, misses atomic.Int64
}

// memoRule is one memoized deny or skip definition.
type memoRule struct {
	check  int     // index in posture
	skip   bool    // a skip definition
	v      ast.Var // its binding in a query
	ref    string  // data.<package>.<copy name>
	guards []guard
	paths  []int // projector indices of the values it reads, in order
	memo   *memo // nil: it reads the whole input, never memoized
	// reads are the input paths it reads outside its guards (an empty
	// path is the whole input), for Dependencies.
	reads [][]string
}

// MemoLimit bounds the memoized outcomes per rule definition.
const MemoLimit = 1 << 14

// maxSubsets bounds the prepared queries over subsets of the definitions.
const maxSubsets = 1024

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
	copies := addRuleCopies(modules)
	c := ast.NewCompiler().WithUseTypeCheckAnnotations(true)
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", oneLine(c.Errors))
	}
	metas, inputs, err := readMetadata(c, modules)
	if err != nil {
		return nil, fmt.Errorf("read policy metadata: %w", err)
	}
	e := &Engine{byPkg: map[string]*Check{}, compiler: c}
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
	if e.store, err = newStore(data); err != nil {
		return nil, err
	}

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
		pc.reads = packageReads(c, ch.Package)
		if declared[i] != nil {
			if err := verifyInputs(c, ch, declared[i]); err != nil {
				return nil, fmt.Errorf("read policy metadata: %w", err)
			}
			e.memoize(i, copies)
		}
		all[i] = i
	}
	e.allChecks = all
	e.computeReads()
	if e.allPosture, err = e.prepare(e.postureQuery(all)); err != nil {
		return nil, fmt.Errorf("prepare posture query: %w", err)
	}
	e.eventGuards = make([][][]guard, len(e.rules))
	for i := range e.rules {
		e.eventVars = append(e.eventVars, ast.Var(fmt.Sprintf("r%d", i)))
		for _, r := range c.GetRulesExact(ast.MustParseRef("data." + e.rules[i].Package + ".respond")) {
			guards, _ := ruleReads(c, r)
			e.eventGuards[i] = append(e.eventGuards[i], guards)
		}
	}
	allRules := make([]int, len(e.rules))
	for i := range allRules {
		allRules[i] = i
	}
	if e.events, err = e.prepare(e.eventQuery(allRules)); err != nil {
		return nil, fmt.Errorf("prepare event query: %w", err)
	}
	return e, nil
}

// eventQuery reads the respond sets of the given event rules.
func (e *Engine) eventQuery(idx []int) string {
	parts := make([]string, 0, len(idx))
	for _, i := range idx {
		ref := "data." + e.rules[i].Package + ".respond"
		if len(e.eventGuards[i]) == 0 {
			ref = "set()"
		}
		parts = append(parts, fmt.Sprintf("%s := %s", e.eventVars[i], ref))
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, "; ")
}

// eventRules returns the prepared query over the event rules that may
// respond to input: those with a respond definition whose guards (see
// rules.go) all hold.
func (e *Engine) eventRules(input ast.Value) (*prepared, error) {
	obj, ok := input.(ast.Object)
	if !ok {
		return e.events, nil
	}
	var idx []int
	for i, defs := range e.eventGuards {
		for _, guards := range defs {
			if guardsHold(obj, guards) {
				idx = append(idx, i)
				break
			}
		}
	}
	if len(idx) == len(e.rules) {
		return e.events, nil
	}
	return e.subsets.get(e, indexKey('e', idx), func() string { return e.eventQuery(idx) })
}

// guardsHold tests guards on an input; a path it cannot resolve exactly (a
// set on the way) counts as holding.
func guardsHold(obj ast.Object, guards []guard) bool {
	for i := range guards {
		t, ok := lookupPath(obj, guards[i].keys)
		if ok && !guards[i].holds(t) {
			return false
		}
	}
	return true
}

// lookupPath resolves a ground input path (nil when undefined); ok is false
// when a set lies on the way.
func lookupPath(v ast.Value, path []*ast.Term) (*ast.Term, bool) {
	var t *ast.Term
	for _, k := range path {
		switch x := v.(type) {
		case ast.Object:
			t = x.Get(k)
		case ast.Set:
			return nil, false
		default:
			return nil, true
		}
		if t == nil {
			return nil, true
		}
		v = t.Value
	}
	return t, true
}

// memoize sets up the memoized definitions of check i from the rule copies.
func (e *Engine) memoize(i int, copies []ruleCopy) {
	pc, ch := &e.posture[i], &e.checks[i]
	for _, rc := range copies {
		if rc.pkg != ch.Package {
			continue
		}
		ref := "data." + rc.pkg + "." + rc.name
		rules := e.compiler.GetRulesExact(ast.MustParseRef(ref))
		if len(rules) != 1 {
			continue
		}
		guards, reads := ruleReads(e.compiler, rules[0])
		mr := memoRule{check: i, skip: rc.skip, v: ast.Var(fmt.Sprintf("m%d", len(e.memoized))), ref: ref, reads: reads}
		whole := false
		for _, p := range reads {
			if len(p) == 0 {
				whole = true
				break
			}
			mr.paths = append(mr.paths, e.proj.add(p))
		}
		for _, g := range guards {
			g.idx = e.proj.add(g.path)
			mr.guards = append(mr.guards, g)
		}
		if !whole {
			mr.memo = newMemo(MemoLimit)
		}
		if rc.skip {
			pc.skipRules = append(pc.skipRules, len(e.memoized))
		} else {
			pc.denyRules = append(pc.denyRules, len(e.memoized))
		}
		e.memoized = append(e.memoized, mr)
	}
}

// newStore holds the data document.
func newStore(data map[string]any) (storage.Store, error) {
	var doc any = data
	if err := util.RoundTrip(&doc); err != nil {
		return nil, fmt.Errorf("encode policy data: %w", err)
	}
	obj, _ := doc.(map[string]any)
	if obj == nil {
		obj = map[string]any{}
	}
	return inmem.NewFromObjectWithOpts(obj, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true)), nil
}

// postureQuery reads only the deny and skip sets of the given checks and
// the given memoized definitions, so helper rules are evaluated only as far
// as those need them.
func (e *Engine) postureQuery(checks []int, defs ...int) string {
	parts := make([]string, 0, 2*len(checks)+len(defs))
	for _, i := range checks {
		pc, ch := &e.posture[i], &e.checks[i]
		parts = append(parts, fmt.Sprintf("%s := data.%s.deny", pc.deny, ch.Package))
		if pc.hasSkip {
			parts = append(parts, fmt.Sprintf("%s := data.%s.skip", pc.skip, ch.Package))
		}
	}
	for _, d := range defs {
		parts = append(parts, fmt.Sprintf("%s := %s", e.memoized[d].v, e.memoized[d].ref))
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

// subset returns the prepared query over the checks and definitions given.
func (e *Engine) subset(checks, defs []int) (*prepared, error) {
	if len(defs) == 0 && len(checks) == len(e.checks) {
		return e.allPosture, nil
	}
	return e.subsets.get(e, indexKey('p', checks, defs), func() string { return e.postureQuery(checks, defs...) })
}

// runSubset evaluates the given checks as a whole and the given memoized
// definitions, and reads the checks' outcomes into out.
func (e *Engine) runSubset(ctx context.Context, input ast.Value, out []Result, checks, defs []int) (*prepared, topdown.QueryResult, error) {
	p, err := e.subset(checks, defs)
	if err != nil {
		return nil, nil, fmt.Errorf("prepare posture query: %w", err)
	}
	qr, err := e.run(ctx, p, input)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate posture checks: %w", err)
	}
	for _, i := range checks {
		out[i].Status, out[i].Messages = e.wholeOutcome(p, qr, i)
	}
	return p, qr, nil
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

// MemoStats reports, per check id, how many evaluations so far were decided
// without Rego (hits: every definition memoized or guarded out) and how many
// evaluated some definition (misses). Checks without an inputs declaration
// are left out.
func (e *Engine) MemoStats() map[string][2]int64 {
	out := map[string][2]int64{}
	for i := range e.posture {
		if pc := &e.posture[i]; pc.skipRules != nil || pc.denyRules != nil {
			out[e.checks[i].ID] = [2]int64{pc.hits.Load(), pc.misses.Load()}
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
	for i := range out {
		out[i].Check = &e.checks[i]
	}
	var r *resolved
	if obj, ok := input.(ast.Object); ok && e.proj.paths > 0 && memoize {
		r = resolvedPool.Get().(*resolved)
		defer resolvedPool.Put(r)
		e.proj.resolve(obj, r)
		if !r.ok {
			r = nil
		}
	}
	if r == nil {
		if _, _, err := e.runSubset(ctx, input, out, e.allChecks, nil); err != nil {
			return nil, err
		}
		return out, nil
	}
	if cap(r.found) < n {
		r.found = make([]checkOutcome, n)
	}
	found := r.found[:n]
	clear(found)
	var (
		whole   []int        // checks evaluated as a whole
		pending []pendingDef // definitions to evaluate
		vals    = r.buf[:0]  // projected values (memo.put copies them)
	)
	look := func(d int) ([]*ast.Term, []string, bool) {
		mr := &e.memoized[d]
		for gi := range mr.guards {
			if g := &mr.guards[gi]; !g.holds(r.vals[g.idx]) {
				return nil, nil, true
			}
		}
		if mr.memo == nil {
			pending = append(pending, pendingDef{def: d})
			return nil, nil, false
		}
		if len(vals)+len(mr.paths) > cap(vals) {
			vals = make([]*ast.Term, 0, max(256, len(mr.paths)))
			r.buf = vals
		}
		p := project(r, mr.paths, vals[len(vals):])
		vals = vals[:len(vals)+len(mr.paths)]
		if o, ok := mr.memo.get(&p); ok {
			return o.items, o.messages, true
		}
		pending = append(pending, pendingDef{def: d, proj: p})
		return nil, nil, false
	}
	for i := range e.posture {
		pc := &e.posture[i]
		if pc.skipRules == nil && pc.denyRules == nil {
			whole = append(whole, i)
			continue
		}
		f := &found[i]
		before := len(pending)
		for _, d := range pc.skipRules {
			if items, msgs, ok := look(d); ok {
				f.skip.add(items, msgs)
			}
		}
		if f.skip.empty() {
			for _, d := range pc.denyRules {
				if items, msgs, ok := look(d); ok {
					f.deny.add(items, msgs)
				}
			}
		}
		if len(pending) == before {
			pc.hits.Add(1)
		} else {
			pc.misses.Add(1)
		}
	}
	if len(whole) > 0 || len(pending) > 0 {
		defs := make([]int, len(pending))
		for k := range pending {
			defs[k] = pending[k].def
		}
		p, qr, err := e.runSubset(ctx, input, out, whole, defs)
		if err != nil {
			return nil, err
		}
		for k := range pending {
			pd := &pending[k]
			mr := &e.memoized[pd.def]
			items := setItems(p.get(qr, mr.v))
			o := outcome{items: items, messages: render(items)}
			if mr.memo != nil {
				mr.memo.put(&pd.proj, o)
			}
			f := &found[mr.check]
			if mr.skip {
				f.skip.add(o.items, o.messages)
			} else {
				f.deny.add(o.items, o.messages)
			}
		}
	}
	for i := range e.posture {
		pc := &e.posture[i]
		if pc.skipRules == nil && pc.denyRules == nil {
			continue
		}
		f := &found[i]
		switch {
		case !f.skip.empty():
			out[i].Status, out[i].Messages = finding.StatusNotApplicable, f.skip.messages()
		case !f.deny.empty():
			out[i].Status, out[i].Messages = finding.StatusFail, f.deny.messages()
		default:
			out[i].Status = finding.StatusPass
		}
	}
	return out, nil
}

// wholeOutcome reads check i's skip and deny sets from a query result.
func (e *Engine) wholeOutcome(p *prepared, qr topdown.QueryResult, i int) (finding.Status, []string) {
	pc := &e.posture[i]
	if skip := strs(p.get(qr, pc.skip)); len(skip) > 0 {
		return finding.StatusNotApplicable, skip
	}
	if deny := strs(p.get(qr, pc.deny)); len(deny) > 0 {
		return finding.StatusFail, deny
	}
	return finding.StatusPass, nil
}

// pendingDef is a definition a memo lookup missed, with its key.
type pendingDef struct {
	def  int
	proj projection
}

// checkOutcome gathers what a check's definitions yield.
type checkOutcome struct{ skip, deny union }

// union is the union of the sets some definitions yield. Definitions that
// yield nothing are left out, so that the common case (one definition
// yields) keeps that definition's rendered messages as they are.
type union struct {
	parts int
	items []*ast.Term
	msgs  []string
}

func (u *union) add(items []*ast.Term, msgs []string) {
	if len(items) == 0 {
		return
	}
	u.parts++
	u.items = append(u.items, items...)
	if u.parts == 1 {
		u.msgs = msgs
	}
}

func (u *union) empty() bool { return u.parts == 0 }

// messages renders the union as strs renders one set.
func (u *union) messages() []string {
	if u.parts <= 1 {
		return u.msgs
	}
	return render(u.items) // the set render makes drops duplicates
}

// setItems lists the members of a set (nil for anything else).
func setItems(t *ast.Term) []*ast.Term {
	if t == nil {
		return nil
	}
	if s, ok := t.Value.(ast.Set); ok && s.Len() > 0 {
		return s.Slice()
	}
	return nil
}

// render renders set members as strs does.
func render(items []*ast.Term) []string {
	if len(items) == 0 {
		return nil
	}
	return strs(ast.SetTerm(items...))
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
	p, err := e.eventRules(input)
	if err != nil {
		return nil, fmt.Errorf("prepare event query: %w", err)
	}
	qr, err := e.run(ctx, p, input)
	if err != nil {
		return nil, fmt.Errorf("evaluate event rules: %w", err)
	}
	var out []Response
	for i := range e.rules {
		rule := &e.rules[i]
		t := p.get(qr, e.eventVars[i])
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
