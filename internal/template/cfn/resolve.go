package cfn

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// A resolved value is one of: string, Number, bool, nil (null), []any,
// map[string]any, or Ref (a reference to a resource of the template).
// AWS::NoValue removes the key or list item that holds it.

// Number is a number as written in the template.
type Number string

// Ref is a Ref or Fn::GetAtt of a resource of the template: what it stands
// for is only known once the resource exists (a key's ARN, a role's name).
type Ref struct {
	LogicalID string
	Type      string // the resource's type
	Attr      string // "" for Ref
}

func (r Ref) String() string {
	if r.Attr == "" {
		return "{Ref: " + r.LogicalID + "}"
	}
	return "{Fn::GetAtt: [" + r.LogicalID + ", " + r.Attr + "]}"
}

// noValue is AWS::NoValue before it is dropped.
type noValue struct{}

// Unresolved says why a value cannot be known before deploy.
type Unresolved struct {
	// Expr is the part of the template that cannot be resolved.
	Expr *Node
	// Why explains it (may be empty).
	Why string
}

func (u *Unresolved) Error() string {
	if u.Why == "" {
		return u.Expr.String()
	}
	return u.Expr.String() + " (" + u.Why + ")"
}

// Assumption is a value taken without being given: a parameter's default,
// or the partition of an unknown region.
type Assumption struct {
	// Name is the parameter (or pseudo parameter) name.
	Name string
	// Value is the value assumed, rendered.
	Value string
}

func (a Assumption) String() string { return a.Name + " = " + a.Value }

// Given is a parameter value supplied from outside the template: a
// --parameter flag, a parent stack's Parameters, a CDK manifest.
type Given struct {
	Value any   // a resolved value (usually a string)
	Err   error // set when the supplier could not resolve it
	From  string
	// Assumed are the assumptions the supplier's value rests on (a parent
	// stack passing one of its parameters' defaults).
	Assumed []Assumption
}

// Env is what a template is resolved against. Empty strings are unknown.
type Env struct {
	Account   string
	Region    string
	StackName string
	// Values are parameter values given from outside; they win over the
	// defaults.
	Values map[string]Given
}

// Resolver evaluates a template's intrinsic functions. It is not safe for
// concurrent use.
type Resolver struct {
	T   *Template
	Env Env

	conds map[string]*condState
}

type condState struct {
	busy bool
	done bool
	val  bool
	err  error
	used []Assumption
}

// NewResolver resolves t against env.
func NewResolver(t *Template, env Env) *Resolver {
	return &Resolver{T: t, Env: env, conds: map[string]*condState{}}
}

// Result is a resolved value with the assumptions it rests on.
type Result struct {
	Value   any
	Absent  bool // AWS::NoValue
	Err     *Unresolved
	Assumed []Assumption
}

// Resolve evaluates n. A result with Err set could not be resolved.
func (r *Resolver) Resolve(n *Node) Result {
	st := &evalState{}
	v, err := r.eval(n, st, 0)
	res := Result{Assumed: st.assumed()}
	if err != nil {
		u, ok := err.(*Unresolved)
		if !ok {
			u = &Unresolved{Expr: n, Why: err.Error()}
		}
		res.Err = u
		return res
	}
	if _, ok := v.(noValue); ok {
		res.Absent = true
		return res
	}
	res.Value = v
	return res
}

// Condition evaluates a named condition (for a resource's Condition).
func (r *Resolver) Condition(name string) (bool, []Assumption, *Unresolved) {
	st := &evalState{}
	ref := &Node{Kind: KindMap, Fields: []Field{{Key: "Condition", Value: &Node{Kind: KindString, Text: name}}}}
	v, err := r.condition(name, ref, st, 0)
	if err != nil {
		u, ok := err.(*Unresolved)
		if !ok {
			u = &Unresolved{Expr: ref, Why: err.Error()}
		}
		return false, st.assumed(), u
	}
	return v, st.assumed(), nil
}

type evalState struct {
	used map[string]Assumption
}

func (s *evalState) assume(a Assumption) {
	if s.used == nil {
		s.used = map[string]Assumption{}
	}
	s.used[a.Name] = a
}

func (s *evalState) assumed() []Assumption {
	if len(s.used) == 0 {
		return nil
	}
	out := make([]Assumption, 0, len(s.used))
	for _, a := range s.used {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func unresolved(n *Node, format string, args ...any) error {
	return &Unresolved{Expr: n, Why: fmt.Sprintf(format, args...)}
}

func (r *Resolver) eval(n *Node, st *evalState, depth int) (any, error) {
	if n == nil {
		return nil, nil
	}
	if depth > maxDepth {
		return nil, unresolved(n, "nested deeper than %d", maxDepth)
	}
	if fn, arg, ok := n.Intrinsic(); ok {
		return r.call(n, fn, arg, st, depth+1)
	}
	switch n.Kind {
	case KindNull:
		return nil, nil
	case KindString:
		if strings.Contains(n.Text, "{{resolve:") {
			return nil, unresolved(n, "a dynamic reference, read at deploy")
		}
		return n.Text, nil
	case KindNumber:
		return Number(n.Text), nil
	case KindBool:
		return n.Text == "true", nil
	case KindList:
		out := make([]any, 0, len(n.Items))
		for _, it := range n.Items {
			v, err := r.eval(it, st, depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := v.(noValue); ok {
				continue
			}
			out = append(out, v)
		}
		return out, nil
	default:
		out := make(map[string]any, len(n.Fields))
		for _, f := range n.Fields {
			v, err := r.eval(f.Value, st, depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := v.(noValue); ok {
				continue
			}
			out[f.Key] = v
		}
		return out, nil
	}
}

// partition is the partition of a region ("Regions and zones", AWS
// General Reference: China regions are in aws-cn, GovCloud in aws-us-gov).
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func (r *Resolver) pseudo(n *Node, name string, st *evalState) (any, error) {
	switch name {
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::AccountId":
		if r.Env.Account == "" {
			return nil, unresolved(n, "the account is not known: give --account")
		}
		return r.Env.Account, nil
	case "AWS::Region":
		if r.Env.Region == "" {
			return nil, unresolved(n, "the region is not known: give --region")
		}
		return r.Env.Region, nil
	case "AWS::Partition":
		p := partition(r.Env.Region)
		if r.Env.Region == "" {
			st.assume(Assumption{Name: name, Value: p})
		}
		return p, nil
	case "AWS::URLSuffix":
		s := "amazonaws.com"
		if partition(r.Env.Region) == "aws-cn" {
			s = "amazonaws.com.cn"
		}
		if r.Env.Region == "" {
			st.assume(Assumption{Name: name, Value: s})
		}
		return s, nil
	case "AWS::StackName":
		if r.Env.StackName == "" {
			return nil, unresolved(n, "the stack name is chosen at deploy")
		}
		return r.Env.StackName, nil
	}
	return nil, unresolved(n, "%s is known only at deploy", name)
}

// ref resolves a Ref to a parameter, pseudo parameter or resource.
func (r *Resolver) ref(n *Node, name string, st *evalState, depth int) (any, error) {
	if strings.HasPrefix(name, "AWS::") {
		return r.pseudo(n, name, st)
	}
	if p, ok := r.T.Parameters[name]; ok {
		if g, ok := r.Env.Values[name]; ok {
			if g.Err != nil {
				return nil, unresolved(n, "parameter %s: %v", name, g.Err)
			}
			for _, a := range g.Assumed {
				st.assume(a)
			}
			return paramValue(p, g.Value), nil
		}
		if p.FromSSM() {
			return nil, unresolved(n, "parameter %s is read from SSM parameter %s at deploy; give --parameter %s=VALUE", name, p.Default.String(), name)
		}
		if p.Default == nil {
			return nil, unresolved(n, "parameter %s has no default; give --parameter %s=VALUE", name, name)
		}
		v, err := r.eval(p.Default, st, depth+1)
		if err != nil {
			return nil, err
		}
		st.assume(Assumption{Name: name, Value: render(v)})
		return paramValue(p, v), nil
	}
	if res := r.T.Resource(name); res != nil {
		return Ref{LogicalID: name, Type: res.Type}, nil
	}
	return nil, unresolved(n, "%s is neither a parameter nor a resource of the template", name)
}

// paramValue types a parameter value: list types split a comma-delimited
// string ("Parameters", CloudFormation User Guide).
func paramValue(p *Parameter, v any) any {
	s, ok := v.(string)
	if ok && (p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<")) {
		parts := strings.Split(s, ",")
		out := make([]any, len(parts))
		for i, x := range parts {
			out[i] = strings.TrimSpace(x)
		}
		return out
	}
	return v
}

func argList(n, arg *Node, fn string, min, max int) ([]*Node, error) {
	if arg == nil || arg.Kind != KindList || len(arg.Items) < min || len(arg.Items) > max {
		if min == max {
			return nil, unresolved(n, "%s takes a list of %d", fn, min)
		}
		return nil, unresolved(n, "%s takes a list of %d to %d", fn, min, max)
	}
	return arg.Items, nil
}

func (r *Resolver) str(n *Node, st *evalState, depth int) (string, error) {
	v, err := r.eval(n, st, depth)
	if err != nil {
		return "", err
	}
	s, ok := r.asString(v)
	if !ok {
		return "", unresolved(n, "%s", notString(v))
	}
	return s, nil
}

// notString says why a value cannot stand in a string.
func notString(v any) string {
	if ref, ok := v.(Ref); ok {
		if ref.Attr == "Arn" && (ref.Type == "AWS::IAM::Role" || ref.Type == "AWS::IAM::User") {
			return fmt.Sprintf("the ARN of %s (%s) names the deploying account: give --account", ref.LogicalID, ref.Type)
		}
		return fmt.Sprintf("known only once %s (%s) is created", ref.LogicalID, ref.Type)
	}
	return "not a string"
}

// node renders a reference as the template value that made it.
func (r Ref) node() *Node {
	id := &Node{Kind: KindString, Text: r.LogicalID}
	if r.Attr == "" {
		return &Node{Kind: KindMap, Fields: []Field{{Key: "Ref", Value: id}}}
	}
	attr := &Node{Kind: KindString, Text: r.Attr}
	return &Node{Kind: KindMap, Fields: []Field{{Key: "Fn::GetAtt", Value: &Node{Kind: KindList, Items: []*Node{id, attr}}}}}
}

// asString renders a scalar; a reference to a resource is a string only
// where its value follows from what is known (see symbolicARN).
func (r *Resolver) asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case Ref:
		return r.symbolicARN(x)
	}
	return "", false
}

// symbolicARN renders the ARN of an IAM role or user of the template, in
// the deploying account: arn:PARTITION:iam::ACCOUNT:role/LOGICAL_ID. The
// name is not known before deploy (CloudFormation generates it); the account
// is, and the account is what resource-policy checks judge. ("IAM
// identifiers", IAM User Guide: arn:aws:iam::account:role/role-name-with-path.)
func (r *Resolver) symbolicARN(ref Ref) (string, bool) {
	if ref.Attr != "Arn" || r.Env.Account == "" {
		return "", false
	}
	kind := map[string]string{"AWS::IAM::Role": "role", "AWS::IAM::User": "user"}[ref.Type]
	if kind == "" {
		return "", false
	}
	return fmt.Sprintf("arn:%s:iam::%s:%s/%s", partition(r.Env.Region), r.Env.Account, kind, ref.LogicalID), true
}

func (r *Resolver) call(n *Node, fn string, arg *Node, st *evalState, depth int) (any, error) {
	switch fn {
	case "Ref":
		if arg == nil || arg.Kind != KindString {
			return nil, unresolved(n, "Ref takes a name")
		}
		return r.ref(n, arg.Text, st, depth)
	case "Condition":
		if arg == nil || arg.Kind != KindString {
			return nil, unresolved(n, "Condition takes a condition name")
		}
		return r.condition(arg.Text, n, st, depth)
	case "Fn::GetAtt":
		var id, attr string
		switch {
		case arg != nil && arg.Kind == KindList && len(arg.Items) == 2:
			var err error
			if id, err = r.str(arg.Items[0], st, depth); err != nil {
				return nil, err
			}
			if attr, err = r.str(arg.Items[1], st, depth); err != nil {
				return nil, err
			}
		default:
			return nil, unresolved(n, "Fn::GetAtt takes [logical id, attribute]")
		}
		res := r.T.Resource(id)
		if res == nil {
			return nil, unresolved(n, "%s is not a resource of the template", id)
		}
		return Ref{LogicalID: id, Type: res.Type, Attr: attr}, nil
	case "Fn::ImportValue":
		return nil, unresolved(n, "an export of another stack, known only at deploy")
	case "Fn::GetAZs":
		return nil, unresolved(n, "the availability zones are known only at deploy")
	case "Fn::Cidr", "Fn::Transform", "Fn::ForEach":
		return nil, unresolved(n, "%s is not evaluated before deploy", fn)
	case "Fn::Base64":
		s, err := r.str(arg, st, depth)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Join":
		items, err := argList(n, arg, fn, 2, 2)
		if err != nil {
			return nil, err
		}
		sep, err := r.str(items[0], st, depth)
		if err != nil {
			return nil, err
		}
		lv, err := r.eval(items[1], st, depth)
		if err != nil {
			return nil, err
		}
		list, ok := lv.([]any)
		if !ok {
			return nil, unresolved(n, "Fn::Join takes a list of values")
		}
		parts := make([]string, len(list))
		for i, x := range list {
			s, ok := r.asString(x)
			if !ok {
				at := items[1]
				if at.Kind == KindList && i < len(at.Items) {
					at = at.Items[i]
				}
				return nil, unresolved(at, "%s", notString(x))
			}
			parts[i] = s
		}
		return strings.Join(parts, sep), nil
	case "Fn::Select":
		items, err := argList(n, arg, fn, 2, 2)
		if err != nil {
			return nil, err
		}
		is, err := r.str(items[0], st, depth)
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return nil, unresolved(n, "Fn::Select: index %q is not a number", is)
		}
		lv, err := r.eval(items[1], st, depth)
		if err != nil {
			return nil, err
		}
		list, ok := lv.([]any)
		if !ok || i < 0 || i >= len(list) {
			return nil, unresolved(n, "Fn::Select: index %d out of range", i)
		}
		return list[i], nil
	case "Fn::Split":
		items, err := argList(n, arg, fn, 2, 2)
		if err != nil {
			return nil, err
		}
		sep, err := r.str(items[0], st, depth)
		if err != nil {
			return nil, err
		}
		s, err := r.str(items[1], st, depth)
		if err != nil {
			return nil, err
		}
		parts := strings.Split(s, sep)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::FindInMap":
		return r.findInMap(n, arg, st, depth)
	case "Fn::Sub":
		return r.sub(n, arg, st, depth)
	case "Fn::If":
		items, err := argList(n, arg, fn, 3, 3)
		if err != nil {
			return nil, err
		}
		if items[0].Kind != KindString {
			return nil, unresolved(n, "Fn::If takes a condition name first")
		}
		ok, err := r.condition(items[0].Text, n, st, depth)
		if err != nil {
			if u, isU := err.(*Unresolved); isU && u.Expr != n {
				// Name the Fn::If, and why its condition is unknown.
				return nil, unresolved(n, "condition %s: %s", items[0].Text, u.Error())
			}
			return nil, err
		}
		if ok {
			return r.eval(items[1], st, depth)
		}
		return r.eval(items[2], st, depth)
	case "Fn::Equals":
		items, err := argList(n, arg, fn, 2, 2)
		if err != nil {
			return nil, err
		}
		a, err := r.eval(items[0], st, depth)
		if err != nil {
			return nil, err
		}
		b, err := r.eval(items[1], st, depth)
		if err != nil {
			return nil, err
		}
		return render(a) == render(b), nil
	case "Fn::And", "Fn::Or":
		items, err := argList(n, arg, fn, 1, 10)
		if err != nil {
			return nil, err
		}
		var firstErr error
		for _, it := range items {
			v, err := r.boolOf(it, st, depth)
			if err != nil {
				// A false operand decides And, a true one Or, whatever the
				// unknown ones are.
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			if fn == "Fn::And" && !v {
				return false, nil
			}
			if fn == "Fn::Or" && v {
				return true, nil
			}
		}
		if firstErr != nil {
			return nil, firstErr
		}
		return fn == "Fn::And", nil
	case "Fn::Not":
		items, err := argList(n, arg, fn, 1, 1)
		if err != nil {
			return nil, err
		}
		v, err := r.boolOf(items[0], st, depth)
		if err != nil {
			return nil, err
		}
		return !v, nil
	case "Fn::Length":
		v, err := r.eval(arg, st, depth)
		if err != nil {
			return nil, err
		}
		list, ok := v.([]any)
		if !ok {
			return nil, unresolved(n, "Fn::Length takes a list")
		}
		return Number(strconv.Itoa(len(list))), nil
	case "Fn::ToJsonString":
		v, err := r.eval(arg, st, depth)
		if err != nil {
			return nil, err
		}
		j, err := r.toJSON(n, v)
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(j)
		return string(b), nil
	}
	return nil, unresolved(n, "unknown function %s", fn)
}

func (r *Resolver) boolOf(n *Node, st *evalState, depth int) (bool, error) {
	v, err := r.eval(n, st, depth)
	if err != nil {
		return false, err
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if x == "true" || x == "false" {
			return x == "true", nil
		}
	}
	return false, unresolved(n, "not a condition")
}

// condition evaluates a named condition once (with the assumptions it
// rests on recorded each time it is used).
func (r *Resolver) condition(name string, at *Node, st *evalState, depth int) (bool, error) {
	def, ok := r.T.Conditions[name]
	if !ok {
		return false, unresolved(at, "condition %s is not defined", name)
	}
	cs := r.conds[name]
	if cs == nil {
		cs = &condState{}
		r.conds[name] = cs
	}
	if cs.busy {
		return false, unresolved(at, "condition %s refers to itself", name)
	}
	if !cs.done {
		cs.busy = true
		inner := &evalState{}
		cs.val, cs.err = r.boolOf(def, inner, depth+1)
		cs.used = inner.assumed()
		cs.busy, cs.done = false, true
	}
	for _, a := range cs.used {
		st.assume(a)
	}
	return cs.val, cs.err
}

func (r *Resolver) findInMap(n, arg *Node, st *evalState, depth int) (any, error) {
	items, err := argList(n, arg, "Fn::FindInMap", 3, 4)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 3)
	for i := range keys {
		if keys[i], err = r.str(items[i], st, depth); err != nil {
			return nil, err
		}
	}
	m := r.T.Mappings.Get(keys[0])
	if m == nil {
		return nil, unresolved(n, "mapping %s is not defined", keys[0])
	}
	v := m.Get(keys[1]).Get(keys[2])
	if v == nil {
		// AWS::LanguageExtensions: an optional {DefaultValue: …} fourth item.
		if len(items) == 4 {
			if d := items[3].Get("DefaultValue"); d != nil {
				return r.eval(d, st, depth)
			}
		}
		return nil, unresolved(n, "mapping %s has no %s.%s", keys[0], keys[1], keys[2])
	}
	return r.eval(v, st, depth)
}

// sub evaluates Fn::Sub: ${Name} is a parameter, pseudo parameter,
// resource (Ref) or variable of the map; ${Res.Attr} is Fn::GetAtt; ${!X}
// is the literal ${X}.
func (r *Resolver) sub(n, arg *Node, st *evalState, depth int) (any, error) {
	var tmpl *Node
	vars := map[string]*Node{}
	switch {
	case arg != nil && arg.Kind == KindString:
		tmpl = arg
	case arg != nil && arg.Kind == KindList && len(arg.Items) == 2 && arg.Items[0].Kind == KindString && arg.Items[1].Kind == KindMap:
		tmpl = arg.Items[0]
		for _, f := range arg.Items[1].Fields {
			vars[f.Key] = f.Value
		}
	default:
		return nil, unresolved(n, "Fn::Sub takes a string or [string, {variables}]")
	}
	s := tmpl.Text
	if strings.Contains(s, "{{resolve:") {
		return nil, unresolved(n, "a dynamic reference, read at deploy")
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		name := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		var v any
		var err error
		if vn, ok := vars[name]; ok {
			v, err = r.eval(vn, st, depth)
		} else if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			rr := r.T.Resource(res)
			if rr == nil {
				return nil, unresolved(n, "%s is not a resource of the template", res)
			}
			v = Ref{LogicalID: res, Type: rr.Type, Attr: attr}
		} else {
			ref := &Node{Kind: KindMap, Line: n.Line, Column: n.Column, Fields: []Field{{Key: "Ref", Value: &Node{Kind: KindString, Text: name}}}}
			v, err = r.ref(ref, name, st, depth)
			if u, ok := err.(*Unresolved); ok && u.Expr == ref {
				err = &Unresolved{Expr: n, Why: "${" + name + "}: " + u.Why}
			}
		}
		if err != nil {
			return nil, err
		}
		str, ok := r.asString(v)
		if !ok {
			return nil, unresolved(n, "${%s}: %s", name, notString(v))
		}
		b.WriteString(str)
	}
	return b.String(), nil
}

// toJSON converts a resolved value to plain JSON values.
func (r *Resolver) toJSON(at *Node, v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case Number:
		return json.Number(x), nil
	case Ref:
		s, ok := r.symbolicARN(x)
		if !ok {
			n := x.node()
			if at != nil {
				n.Line, n.Column = at.Line, at.Column
			}
			return nil, unresolved(n, "%s", notString(x))
		}
		return s, nil
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			j, err := r.toJSON(at, it)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			j, err := r.toJSON(at, it)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	}
	return nil, unresolved(at, "not a JSON value")
}

// JSON converts a resolved value to plain JSON values (json.Number for
// numbers); a resource reference that has no known value is unresolved.
func (r *Resolver) JSON(at *Node, v any) (any, *Unresolved) {
	j, err := r.toJSON(at, v)
	if err != nil {
		return nil, err.(*Unresolved)
	}
	return j, nil
}

// String renders a resolved scalar as a string; ok is false for lists, maps
// and references with no known value.
func (r *Resolver) String(v any) (string, bool) { return r.asString(v) }

// render prints a resolved value for messages and comparisons.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case Ref:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = render(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + render(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}
