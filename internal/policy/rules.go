package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Rule-level memoization.
//
// A check's deny and skip sets are unions of their rule definitions, and each
// definition's output is a function of the input values it reads: the refs
// in its head and body, and in the rules and functions it reaches through
// data refs. The engine memoizes every definition on its own, keyed by those
// values, so that the key of a rule holds only what that rule reads. A check
// whose rules read different timestamps then shares each rule's outcome with
// every secret that agrees on that rule's reads, instead of needing secrets
// that agree on all of them.
//
// Ground presence tests in a rule's own body (`not input.a.b`, a bare
// `input.a.b`, `_ = input.a.b`) are guards: the engine tests them on the
// input directly, a rule whose guard fails yields nothing without being
// looked up, and the guarded path stays out of the rule's key unless the
// rule also reads its value elsewhere.
//
// To evaluate one definition on a miss, the engine compiles a copy of it
// under a name of its own (copyPrefix + n) in the same package.

// copyPrefix starts the names of the engine's rule copies.
const copyPrefix = "__warden_rule_"

// ruleCopy is a copy of one deny or skip definition.
type ruleCopy struct {
	name string // rule name in its package
	pkg  string // package, without data.
	skip bool   // a skip definition (else deny)
}

// addRuleCopies adds to the modules of the posture packages that declare
// METADATA custom.inputs a copy of each of their deny and skip definitions.
// A package whose deny or skip is not a multi-value rule (`deny contains x
// if ...`) gets no copies: it is evaluated as a whole.
func addRuleCopies(modules map[string]*ast.Module) []ruleCopy {
	declares := map[string]bool{}
	for _, m := range modules {
		for _, a := range m.Annotations {
			if a.Scope == "package" || a.Scope == "subpackages" {
				if _, ok := a.Custom["inputs"]; ok {
					declares[m.Package.Path.String()] = true
				}
			}
		}
	}
	names := make([]string, 0, len(modules))
	for n, m := range modules {
		path := m.Package.Path.String()
		if declares[path] && strings.HasPrefix(path, "data.posture.") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	eligible := map[string]bool{}
	for _, n := range names {
		path := modules[n].Package.Path.String()
		if _, seen := eligible[path]; !seen {
			eligible[path] = true
		}
		for _, r := range modules[n].Rules {
			if name := setRuleName(r); name == "deny" || name == "skip" {
				if r.Head.RuleKind() != ast.MultiValue || len(r.Head.Reference) != 1 {
					eligible[path] = false
				}
			}
		}
	}
	var out []ruleCopy
	for _, n := range names {
		m := modules[n]
		path := m.Package.Path.String()
		if !eligible[path] {
			continue
		}
		var copies []*ast.Rule
		for _, r := range m.Rules {
			name := setRuleName(r)
			if name != "deny" && name != "skip" {
				continue
			}
			c := r.Copy()
			cn := fmt.Sprintf("%s%d", copyPrefix, len(out))
			c.Head.Name = ast.Var(cn)
			c.Head.Reference = ast.Ref{ast.VarTerm(cn)}
			c.Annotations = nil
			c.Module = m
			copies = append(copies, c)
			out = append(out, ruleCopy{name: cn, pkg: strings.TrimPrefix(path, "data."), skip: name == "skip"})
		}
		m.Rules = append(m.Rules, copies...)
	}
	return out
}

// setRuleName is the name a rule defines ("" for refs longer than a name).
func setRuleName(r *ast.Rule) string {
	if len(r.Head.Reference) == 0 {
		return string(r.Head.Name)
	}
	if v, ok := r.Head.Reference[0].Value.(ast.Var); ok {
		return string(v)
	}
	return ""
}

// guardMode is how a guard tests its path.
type guardMode uint8

const (
	guardTruthy  guardMode = iota // `input.a.b`: defined and not false
	guardFalsy                    // `not input.a.b`: undefined or false
	guardDefined                  // `_ = input.a.b`: defined
	guardEqual                    // `input.a.b == "s"`: equal to a string or boolean
	guardMember                   // `input.a.b in {"s", ...}`: one of some strings
)

// guard is one ground test of a rule body on one input path.
type guard struct {
	path  []string
	keys  []*ast.Term // path as terms
	idx   int         // projector index, set when registered
	mode  guardMode
	value ast.Value       // guardEqual: the constant
	set   map[string]bool // guardMember: the strings
}

func (g *guard) holds(t *ast.Term) bool {
	switch g.mode {
	case guardTruthy:
		return t != nil && !isFalse(t)
	case guardFalsy:
		return t == nil || isFalse(t)
	case guardDefined:
		return t != nil
	case guardEqual:
		return t != nil && ast.Compare(t.Value, g.value) == 0
	default:
		if t == nil {
			return false
		}
		s, ok := t.Value.(ast.String)
		return ok && g.set[string(s)]
	}
}

func isFalse(t *ast.Term) bool {
	b, ok := t.Value.(ast.Boolean)
	return ok && !bool(b)
}

// pathOf resolves a term to the input path it stands for.
type pathOf func(*ast.Term) ([]string, bool)

// guardWith recognizes a guard expression, resolving terms with path.
func guardWith(e *ast.Expr, path pathOf) (guard, bool) {
	if len(e.With) > 0 {
		return guard{}, false
	}
	if t, ok := e.Terms.(*ast.Term); ok {
		if p, ok := path(t); ok {
			mode := guardTruthy
			if e.Negated {
				mode = guardFalsy
			}
			return guard{path: p, mode: mode}, true
		}
		return guard{}, false
	}
	ts, ok := e.Terms.([]*ast.Term)
	if e.Negated || !ok || len(ts) != 3 {
		return guard{}, false
	}
	a, b := ts[1], ts[2]
	switch {
	case e.IsEquality() || e.Operator().Equal(ast.Equal.Ref()):
		// `_ = input.a.b`; `input.a.b == "s"` (which the compiler rewrites
		// to `input.a.b = "s"`). Strings and booleans only: numbers compare
		// numerically (1 == 1.0), which the engine does not mirror.
		if _, ok := path(b); ok {
			a, b = b, a
		}
		p, ok := path(a)
		if !ok {
			return guard{}, false
		}
		if e.IsEquality() && isWildcard(b) {
			return guard{path: p, mode: guardDefined}, true
		}
		switch b.Value.(type) {
		case ast.String, ast.Boolean:
			return guard{path: p, mode: guardEqual, value: b.Value}, true
		}
	case e.Operator().Equal(ast.Member.Ref()):
		// `input.a.b in {"s", ...}`
		p, ok := path(a)
		if !ok {
			return guard{}, false
		}
		set := map[string]bool{}
		all := true
		collect := func(t *ast.Term) {
			if s, ok := t.Value.(ast.String); ok {
				set[string(s)] = true
			} else {
				all = false
			}
		}
		switch c := b.Value.(type) {
		case ast.Set:
			c.Foreach(collect)
		case *ast.Array:
			c.Foreach(collect)
		default:
			all = false
		}
		if all {
			return guard{path: p, mode: guardMember, set: set}, true
		}
	}
	return guard{}, false
}

// guardsOf finds the guards of a rule body: the expressions guardWith
// recognizes, and those that test a local variable the compiler introduced
// for a ground input path (`__local0__ = input.a.b; __local0__ in {...}`).
// guarded[i] is true for the expressions the guards stand for; an
// assignment to such a local is one when every other use of the local is a
// guard.
func guardsOf(rule *ast.Rule) (guards []guard, guarded []bool) {
	body := rule.Body
	guarded = make([]bool, len(body))
	type local struct {
		v  ast.Var
		at int // the assignment's index in body
	}
	var assigns []local
	locals := map[ast.Var][]string{}
	for i, e := range body {
		ts, ok := e.Terms.([]*ast.Term)
		if !ok || !e.IsEquality() || e.Negated || len(e.With) > 0 {
			continue
		}
		for _, pair := range [][2]*ast.Term{{ts[1], ts[2]}, {ts[2], ts[1]}} {
			v, ok := pair[0].Value.(ast.Var)
			if !ok || v.IsWildcard() || !v.IsGenerated() {
				continue
			}
			if p, ok := groundInputPath(pair[1]); ok {
				if _, dup := locals[v]; !dup {
					locals[v] = p
					assigns = append(assigns, local{v, i})
				}
			}
		}
	}
	isAssign := make([]bool, len(body))
	for _, a := range assigns {
		isAssign[a.at] = true
	}
	resolve := func(t *ast.Term) ([]string, bool) {
		if v, ok := t.Value.(ast.Var); ok {
			p, ok := locals[v]
			return p, ok
		}
		return groundInputPath(t)
	}
	for i, e := range body {
		if isAssign[i] {
			continue // `__local0__ = input.a.b` itself is decided below
		}
		if g, ok := guardWith(e, resolve); ok {
			guards = append(guards, g)
			guarded[i] = true
		}
	}
	for _, a := range assigns {
		uses := 0
		count := func(x any) {
			ast.WalkVars(x, func(y ast.Var) bool {
				if y == a.v {
					uses++
				}
				return false
			})
		}
		count(rule.Head)
		for j, e := range body {
			if j != a.at && !guarded[j] {
				count(e)
			}
		}
		if uses == 0 {
			guards = append(guards, guard{path: locals[a.v], mode: guardDefined})
			guarded[a.at] = true
		}
	}
	return guards, guarded
}

func isWildcard(t *ast.Term) bool {
	v, ok := t.Value.(ast.Var)
	return ok && v.IsWildcard()
}

// groundInputPath is the path of input.a.b... when every key is a string.
func groundInputPath(t *ast.Term) ([]string, bool) {
	ref, ok := t.Value.(ast.Ref)
	if !ok || len(ref) < 2 || !ref.HasPrefix(ast.InputRootRef) {
		return nil, false
	}
	keys := groundKeys(ref[1:])
	if len(keys) != len(ref)-1 {
		return nil, false
	}
	return keys, true
}

// ruleReads returns the guards of rule's own body and the input paths it
// reads elsewhere: in its head, its other expressions and, transitively,
// every rule and function reached through data refs. A path is reduced as
// readInputs does; paths under another read path are dropped.
func ruleReads(c *ast.Compiler, rule *ast.Rule) (guards []guard, reads [][]string) {
	seen := map[*ast.Rule]bool{rule: true}
	var queue []*ast.Rule
	visit := func(x any) {
		ast.WalkRefs(x, func(ref ast.Ref) bool {
			switch {
			case ref.HasPrefix(ast.InputRootRef):
				reads = append(reads, groundKeys(ref[1:]))
			case ref.HasPrefix(ast.DefaultRootRef):
				for _, r := range c.GetRules(ref.GroundPrefix()) {
					if !seen[r] {
						seen[r] = true
						queue = append(queue, r)
					}
				}
			}
			return false
		})
	}
	visit(rule.Head)
	guards, guarded := guardsOf(rule)
	for i := range guards {
		for _, k := range guards[i].path {
			guards[i].keys = append(guards[i].keys, ast.StringTerm(k))
		}
	}
	for i, e := range rule.Body {
		if !guarded[i] {
			visit(e)
		}
	}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		visit(r)
	}
	return guards, minimalPaths(reads)
}

// minimalPaths sorts and dedupes paths, dropping those under another one.
func minimalPaths(paths [][]string) [][]string {
	sort.Slice(paths, func(i, j int) bool {
		return strings.Join(paths[i], "\x00") < strings.Join(paths[j], "\x00")
	})
	var out [][]string
	for _, p := range paths {
		if len(out) > 0 {
			last := out[len(out)-1]
			if len(last) <= len(p) && equalStrings(last, p[:len(last)]) {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}
