package input

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/event"
)

// The event and history terms are built directly from the Go values, field
// by field, as the very terms their JSON form (encoding/json) parses to: the
// JSON names and omitempty semantics of the struct tags, map keys in
// encoding/json's order, its number literals, invalid UTF-8 replaced by
// U+FFFD. eventterm_test.go holds them equal to the JSON route on every
// sample event and on edge cases.

// EventTerm renders a normalized event, with the actor's organization
// membership set.
func (b *Builder) EventTerm(ev *event.Event) (*ast.Term, error) {
	in := b.ActorInOrganization(ev.Actor)
	t, err := eventTerm(ev, in)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	return t, nil
}

// historyTerm renders History as its JSON form.
func historyTerm(h History) *ast.Term {
	reads := ast.NullTerm()
	if h.PrincipalReads != nil {
		reads = jstringsTerm(h.PrincipalReads)
	}
	return ast.ObjectTerm(
		[2]*ast.Term{histKeys.accessDeniedCount, ast.IntNumberTerm(h.AccessDeniedCount)},
		[2]*ast.Term{histKeys.principalReads, reads},
	)
}

// Object keys of the event and history, allocated once (terms are immutable).
var (
	evKeys = struct {
		id, name, kind, source, time, accountID, region, actor, sourceIP, userAgent, vpcEndpointID,
		errorCode, errorMessage, readOnly, secret, secrets, request, response, additional, guardDuty *ast.Term
	}{
		ast.StringTerm("id"), ast.StringTerm("name"), ast.StringTerm("kind"), ast.StringTerm("source"),
		ast.StringTerm("time"), ast.StringTerm("account_id"), ast.StringTerm("region"), ast.StringTerm("actor"),
		ast.StringTerm("source_ip"), ast.StringTerm("user_agent"), ast.StringTerm("vpc_endpoint_id"),
		ast.StringTerm("error_code"), ast.StringTerm("error_message"), ast.StringTerm("read_only"),
		ast.StringTerm("secret"), ast.StringTerm("secrets"), ast.StringTerm("request"), ast.StringTerm("response"),
		ast.StringTerm("additional"), ast.StringTerm("guardduty"),
	}
	actorKeys = struct {
		typ, arn, principalARN, accountID, principalID, userName, invokedBy, accessKeyID,
		mfaAuthenticated, fromConsole, inOrganization *ast.Term
	}{
		ast.StringTerm("type"), ast.StringTerm("arn"), ast.StringTerm("principal_arn"), ast.StringTerm("account_id"),
		ast.StringTerm("principal_id"), ast.StringTerm("user_name"), ast.StringTerm("invoked_by"),
		ast.StringTerm("access_key_id"), ast.StringTerm("mfa_authenticated"), ast.StringTerm("from_console"),
		ast.StringTerm("in_organization"),
	}
	refKeys = struct{ raw, arn, name *ast.Term }{ast.StringTerm("raw"), ast.StringTerm("arn"), ast.StringTerm("name")}
	gdKeys  = struct {
		id, typ, severity, accessKeyID, principalID, userName, userType *ast.Term
	}{
		ast.StringTerm("id"), ast.StringTerm("type"), ast.StringTerm("severity"), ast.StringTerm("access_key_id"),
		ast.StringTerm("principal_id"), ast.StringTerm("user_name"), ast.StringTerm("user_type"),
	}
	histKeys = struct{ accessDeniedCount, principalReads *ast.Term }{
		ast.StringTerm("access_denied_count"), ast.StringTerm("principal_reads"),
	}
)

// kvs collects an object's key/value pairs in field order.
type kvs [][2]*ast.Term

func (o *kvs) add(k, v *ast.Term) { *o = append(*o, [2]*ast.Term{k, v}) }

// opt adds a string field tagged omitempty.
func (o *kvs) opt(k *ast.Term, s string) {
	if s != "" {
		o.add(k, jstringTerm(s))
	}
}

func (o kvs) term() *ast.Term { return ast.ObjectTerm(o...) }

// eventTerm renders ev (event.Event's JSON form) with actor.in_organization
// set to in.
func eventTerm(ev *event.Event, in bool) (*ast.Term, error) {
	ts, err := timeTerm(ev.Time)
	if err != nil {
		return nil, err
	}
	o := make(kvs, 0, 20)
	o.add(evKeys.id, jstringTerm(ev.ID))
	o.add(evKeys.name, sharedTerm(ev.Name))
	o.add(evKeys.kind, sharedTerm(string(ev.Kind)))
	o.add(evKeys.source, sharedTerm(ev.Source))
	o.add(evKeys.time, ts)
	o.add(evKeys.accountID, sharedTerm(ev.AccountID))
	o.add(evKeys.region, sharedTerm(ev.Region))
	o.add(evKeys.actor, actorTerm(&ev.Actor, in))
	o.opt(evKeys.sourceIP, ev.SourceIP)
	o.opt(evKeys.userAgent, ev.UserAgent)
	o.opt(evKeys.vpcEndpointID, ev.VPCEndpointID)
	o.opt(evKeys.errorCode, ev.ErrorCode)
	o.opt(evKeys.errorMessage, ev.ErrorMessage)
	o.add(evKeys.readOnly, ast.InternedTerm(ev.ReadOnly))
	o.add(evKeys.secret, secretRefTerm(&ev.Secret))
	if len(ev.Secrets) > 0 {
		refs := make([]*ast.Term, len(ev.Secrets))
		for i := range ev.Secrets {
			refs[i] = secretRefTerm(&ev.Secrets[i])
		}
		o.add(evKeys.secrets, ast.ArrayTerm(refs...))
	}
	for _, m := range [...]struct {
		k *ast.Term
		v map[string]any
	}{{evKeys.request, ev.Request}, {evKeys.response, ev.Response}, {evKeys.additional, ev.Additional}} {
		if len(m.v) > 0 {
			t, err := mapTerm(m.v, 0)
			if err != nil {
				return nil, err
			}
			o.add(m.k, t)
		}
	}
	if g := ev.GuardDuty; g != nil {
		sev, err := floatTerm(g.Severity, 64)
		if err != nil {
			return nil, err
		}
		gd := make(kvs, 0, 7)
		gd.add(gdKeys.id, jstringTerm(g.ID))
		gd.add(gdKeys.typ, jstringTerm(g.Type))
		gd.add(gdKeys.severity, sev)
		gd.opt(gdKeys.accessKeyID, g.AccessKeyID)
		gd.opt(gdKeys.principalID, g.PrincipalID)
		gd.opt(gdKeys.userName, g.UserName)
		gd.opt(gdKeys.userType, g.UserType)
		o.add(evKeys.guardDuty, gd.term())
	}
	return o.term(), nil
}

// actorKey identifies an actor's term: the actor without InOrganization
// (a pointer), and the membership rendered.
type actorKey struct {
	a  event.Actor
	in bool
}

// actorTerms shares the terms of the actors seen (a stream of events comes
// from few principals; terms are immutable).
var actorTerms termCache[actorKey]

func actorTerm(a *event.Actor, in bool) *ast.Term {
	k := actorKey{a: *a, in: in}
	k.a.InOrganization = nil
	if t, ok := actorTerms.get(k); ok {
		return t
	}
	t := newActorTerm(a, in)
	actorTerms.put(k, t)
	return t
}

func newActorTerm(a *event.Actor, in bool) *ast.Term {
	o := make(kvs, 0, 11)
	o.add(actorKeys.typ, jstringTerm(a.Type))
	o.opt(actorKeys.arn, a.ARN)
	o.opt(actorKeys.principalARN, a.PrincipalARN)
	o.opt(actorKeys.accountID, a.AccountID)
	o.opt(actorKeys.principalID, a.PrincipalID)
	o.opt(actorKeys.userName, a.UserName)
	o.opt(actorKeys.invokedBy, a.InvokedBy)
	o.opt(actorKeys.accessKeyID, a.AccessKeyID)
	if a.MFAAuthenticated {
		o.add(actorKeys.mfaAuthenticated, ast.InternedTerm(true))
	}
	if a.FromConsole {
		o.add(actorKeys.fromConsole, ast.InternedTerm(true))
	}
	o.add(actorKeys.inOrganization, ast.InternedTerm(in))
	return o.term()
}

func secretRefTerm(r *event.SecretRef) *ast.Term {
	o := make(kvs, 0, 3)
	o.opt(refKeys.raw, r.Raw)
	o.opt(refKeys.arn, r.ARN)
	o.opt(refKeys.name, r.Name)
	return o.term()
}

// timeTerm renders t as time.Time's JSON form does (RFC 3339 with
// nanoseconds, its range checks and errors).
func timeTerm(t time.Time) (*ast.Term, error) {
	if y := t.Year(); t.Location() == time.UTC && 0 <= y && y <= 9999 {
		var buf [40]byte
		return ast.StringTerm(string(t.AppendFormat(buf[:0], time.RFC3339Nano))), nil
	}
	b, err := t.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return ast.StringTerm(string(b[1 : len(b)-1])), nil
}

// sharedTerms holds the terms of the values that repeat from event to event
// (names, sources, regions, accounts), made once.
var sharedTerms termCache[string]

// sharedTerm is jstringTerm for a value that repeats across events.
func sharedTerm(s string) *ast.Term {
	if t, ok := sharedTerms.get(s); ok {
		return t
	}
	t := jstringTerm(s)
	sharedTerms.put(s, t)
	return t
}

// jstringTerm is a string as it reads back from JSON: encoding/json
// replaces each byte of invalid UTF-8 with U+FFFD.
func jstringTerm(s string) *ast.Term {
	return ast.StringTerm(validUTF8(s))
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for _, r := range s { // an invalid byte ranges as one utf8.RuneError
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

func jstringsTerm(ss []string) *ast.Term {
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = jstringTerm(s)
	}
	return ast.ArrayTerm(ts...)
}

// mapTerm renders a free-form map (nil gives null) with its keys in
// encoding/json's order.
func mapTerm(m map[string]any, depth int) (*ast.Term, error) {
	if m == nil {
		return ast.NullTerm(), nil
	}
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := make(kvs, 0, len(keys))
	for _, k := range keys {
		v, err := anyTerm(m[k], depth+1)
		if err != nil {
			return nil, err
		}
		o.add(jstringTerm(k), v)
	}
	return o.term(), nil
}

// maxDepth is the nesting from which anyTerm leaves values to encoding/json
// (which tells a cycle from deep nesting).
const maxDepth = 1000

// anyTerm renders a value of a free-form map as encoding/json would.
// Values of the types JSON decodes to (and the usual numbers) are converted
// directly; anything else goes through encoding/json.
func anyTerm(v any, depth int) (*ast.Term, error) {
	if depth > maxDepth {
		return viaJSON(v)
	}
	switch x := v.(type) {
	case nil:
		return ast.NullTerm(), nil
	case string:
		return jstringTerm(x), nil
	case bool:
		return ast.InternedTerm(x), nil
	case float64:
		return floatTerm(x, 64)
	case float32:
		return floatTerm(float64(x), 32)
	case json.Number:
		s := string(x)
		if s == "" {
			s = "0"
		}
		if !validNumber(s) {
			return nil, fmt.Errorf("json: invalid number literal %q", s)
		}
		return ast.NumberTerm(json.Number(s)), nil
	case int:
		return jsonIntTerm(int64(x)), nil
	case int64:
		return jsonIntTerm(x), nil
	case int32:
		return jsonIntTerm(int64(x)), nil
	case uint64:
		return ast.NumberTerm(json.Number(strconv.FormatUint(x, 10))), nil
	case map[string]any:
		return mapTerm(x, depth)
	case []any:
		if x == nil {
			return ast.NullTerm(), nil
		}
		ts := make([]*ast.Term, len(x))
		for i, e := range x {
			t, err := anyTerm(e, depth+1)
			if err != nil {
				return nil, err
			}
			ts[i] = t
		}
		return ast.ArrayTerm(ts...), nil
	case []string:
		if x == nil {
			return ast.NullTerm(), nil
		}
		return jstringsTerm(x), nil
	default:
		return viaJSON(v)
	}
}

func jsonIntTerm(n int64) *ast.Term {
	return ast.NumberTerm(json.Number(strconv.FormatInt(n, 10)))
}

// viaJSON renders any other value through encoding/json (its MarshalJSON
// methods, struct tags, …), numbers keeping their literals.
func viaJSON(v any) (*ast.Term, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	return decodedTerm(x), nil
}

// decodedTerm converts what a json.Decoder with UseNumber gives.
func decodedTerm(v any) *ast.Term {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		o := make(kvs, 0, len(keys))
		for _, k := range keys {
			o.add(ast.StringTerm(k), decodedTerm(x[k]))
		}
		return o.term()
	case []any:
		ts := make([]*ast.Term, len(x))
		for i, e := range x {
			ts[i] = decodedTerm(e)
		}
		return ast.ArrayTerm(ts...)
	case string:
		return ast.StringTerm(x)
	case json.Number:
		return ast.NumberTerm(x)
	case bool:
		return ast.InternedTerm(x)
	default:
		return ast.NullTerm()
	}
}

// floatTerm renders a float with encoding/json's literal (bits is 32 or 64).
func floatTerm(f float64, bits int) (*ast.Term, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return ast.NumberTerm(json.Number(b)), nil
}

// validNumber reports whether s is a valid JSON number literal.
func validNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}
