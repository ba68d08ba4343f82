package input

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// viaJSONRoute is how the event term used to be built: the event's JSON
// form parsed back into an AST value (numbers keep their literals).
func viaJSONRoute(v any) (ast.Value, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ast.ValueFromReader(bytes.NewReader(raw))
}

// identical reports how a differs from b, beyond ast.Compare: the same
// types, number literals and keys everywhere ("" when identical).
func identical(a, b ast.Value, at string) string {
	if ast.Compare(a, b) != 0 {
		return fmt.Sprintf("%s: %v != %v", at, a, b)
	}
	switch x := a.(type) {
	case ast.Number:
		if y, ok := b.(ast.Number); !ok || string(x) != string(y) {
			return fmt.Sprintf("%s: number %q != %v", at, string(x), b)
		}
	case ast.String, ast.Boolean, ast.Null:
		if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
			return fmt.Sprintf("%s: %T != %T", at, a, b)
		}
	case *ast.Array:
		y, ok := b.(*ast.Array)
		if !ok || x.Len() != y.Len() {
			return fmt.Sprintf("%s: array %v != %v", at, a, b)
		}
		for i := range x.Len() {
			if d := identical(x.Elem(i).Value, y.Elem(i).Value, fmt.Sprintf("%s[%d]", at, i)); d != "" {
				return d
			}
		}
	case ast.Object:
		y, ok := b.(ast.Object)
		if !ok || x.Len() != y.Len() {
			return fmt.Sprintf("%s: object %v != %v", at, a, b)
		}
		for _, k := range x.Keys() {
			w := y.Get(k)
			if w == nil {
				return fmt.Sprintf("%s: key %v missing", at, k)
			}
			if d := identical(x.Get(k).Value, w.Value, at+"."+k.String()); d != "" {
				return d
			}
		}
	default:
		return fmt.Sprintf("%s: unexpected %T", at, a)
	}
	return ""
}

func testBuilder(t *testing.T) *Builder {
	t.Helper()
	snap := &snapshot.Snapshot{
		Organization: snapshot.Organization{ID: "o-a1b2c3d4e5", MasterAccountID: "111111111111"},
		Accounts:     []snapshot.Account{{ID: "111122223333"}, {ID: "123456789012"}},
	}
	cfg, err := config.Parse(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBuilder(context.Background(), inventory.NewState(snap), cfg.Params, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkEventTerm holds EventTerm to the JSON route for one event.
func checkEventTerm(t *testing.T, b *Builder, name string, ev *event.Event) {
	t.Helper()
	c := *ev
	in := b.ActorInOrganization(c.Actor)
	c.Actor.InOrganization = &in
	want, werr := viaJSONRoute(&c)
	got, gerr := b.EventTerm(ev)
	switch {
	case werr != nil || gerr != nil:
		if werr == nil || gerr == nil {
			t.Errorf("%s: JSON route error %v, direct error %v", name, werr, gerr)
		}
	default:
		if d := identical(got.Value, want, "event"); d != "" {
			t.Errorf("%s: %s\n got %v\nwant %v", name, d, got, want)
		}
	}
}

func TestEventTermMatchesJSONRouteOnSampleEvents(t *testing.T) {
	b := testBuilder(t)
	n := 0
	for _, dir := range []string{"../../testdata/events", "../../testdata/real-events", "../../../shared/real-events"} {
		if _, err := os.Stat(dir); err != nil {
			t.Logf("%s: %v (skipped)", dir, err)
			continue
		}
		evs, _ := event.ReadPath(dir)
		if len(evs) == 0 {
			t.Errorf("%s: no events", dir)
		}
		for i := range evs {
			checkEventTerm(t, b, fmt.Sprintf("%s %s", evs[i].Where, evs[i].Name), &evs[i])
			// And with the actor outside the organization.
			e := evs[i]
			e.Actor.AccountID, e.Actor.Type, e.Actor.InvokedBy = "999999999999", "IAMUser", ""
			checkEventTerm(t, b, evs[i].Where+" (external actor)", &e)
			n++
		}
	}
	if n < 50 {
		t.Errorf("only %d events compared", n)
	}
}

func TestEventTermMatchesJSONRouteOnEdgeCases(t *testing.T) {
	b := testBuilder(t)
	yes := true
	base := func() event.Event {
		return event.Event{ID: "e-1", Name: "PutResourcePolicy", Kind: event.KindAPICall, Source: "secretsmanager.amazonaws.com",
			Time: time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC), AccountID: "111122223333", Region: "us-east-1",
			Actor: event.Actor{Type: "AssumedRole", AccountID: "111122223333"}}
	}
	cases := map[string]func(e *event.Event){
		"zero event":       func(e *event.Event) { *e = event.Event{} },
		"minimal":          func(*event.Event) {},
		"sub-second time":  func(e *event.Event) { e.Time = time.Date(2026, 11, 15, 10, 0, 0, 123456789, time.UTC) },
		"millisecond time": func(e *event.Event) { e.Time = time.Date(2026, 11, 15, 10, 0, 0, 120000000, time.UTC) },
		"time with offset": func(e *event.Event) {
			e.Time = time.Date(2026, 11, 15, 10, 0, 0, 5, time.FixedZone("x", -(3*3600+30*60)))
		},
		"local time":          func(e *event.Event) { e.Time = time.Unix(1700000000, 42) },
		"year out of range":   func(e *event.Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"nil maps and slices": func(e *event.Event) { e.Request, e.Response, e.Additional, e.Secrets = nil, nil, nil, nil },
		"empty maps and slices": func(e *event.Event) {
			e.Request, e.Response, e.Additional, e.Secrets = map[string]any{}, map[string]any{}, map[string]any{}, []event.SecretRef{}
		},
		"every omitempty field set": func(e *event.Event) {
			e.SourceIP, e.UserAgent, e.VPCEndpointID, e.ErrorCode, e.ErrorMessage, e.ReadOnly = "1.2.3.4", "aws-cli/2", "vpce-1", "AccessDenied", "no <&> way", true
			e.Actor = event.Actor{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/r/s", PrincipalARN: "arn:aws:iam::111122223333:role/r",
				AccountID: "111122223333", PrincipalID: "AROA:s", UserName: "r", InvokedBy: "ec2.amazonaws.com", AccessKeyID: "ASIA",
				MFAAuthenticated: true, FromConsole: true, InOrganization: &yes}
			e.Secret = event.SecretRef{Raw: "app/db", ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf", Name: "app/db"}
			e.Secrets = []event.SecretRef{e.Secret, {}, {Raw: "x"}}
			e.GuardDuty = &event.GuardDutyFinding{ID: "g", Type: "T", Severity: 8.5, AccessKeyID: "A", PrincipalID: "P", UserName: "U", UserType: "IAMUser"}
			e.Where = "file.json#1"
		},
		"guardduty minimal":          func(e *event.Event) { e.GuardDuty = &event.GuardDutyFinding{} },
		"guardduty integer severity": func(e *event.Event) { e.GuardDuty = &event.GuardDutyFinding{Severity: 8} },
		"guardduty NaN severity":     func(e *event.Event) { e.GuardDuty = &event.GuardDutyFinding{Severity: math.NaN()} },
		"actor outside the org":      func(e *event.Event) { e.Actor.AccountID = "999999999999" },
		"AWS service actor": func(e *event.Event) {
			e.Actor = event.Actor{Type: "AWSService", InvokedBy: "secretsmanager.amazonaws.com"}
		},
		"numbers as float64": func(e *event.Event) {
			e.Request = map[string]any{"a": 0.0, "b": math.Copysign(0, -1), "c": 1.0, "d": 1.5, "e": 1e20, "f": 1e21, "g": 1e-6, "h": 1e-7, "i": 123456789012345.0,
				"j": -2.5e-300, "k": math.MaxFloat64, "l": 3.0e100, "m": 0.1 + 0.2, "n": 90.0}
		},
		"numbers as json.Number": func(e *event.Event) {
			e.Request = map[string]any{"a": json.Number("1"), "b": json.Number("-0.50"), "c": json.Number("1E3"), "d": json.Number("12345678901234567890123"), "e": json.Number("")}
		},
		"invalid json.Number": func(e *event.Event) { e.Request = map[string]any{"a": json.Number("1.")} },
		"Go numbers": func(e *event.Event) {
			e.Request = map[string]any{"int": 7, "int64": int64(-1) << 62, "int32": int32(5), "uint64": uint64(math.MaxUint64), "float32": float32(0.1),
				"f32small": float32(1e-7), "uint8": uint8(3), "int16": int16(-3)}
		},
		"infinite float": func(e *event.Event) { e.Response = map[string]any{"x": math.Inf(1)} },
		"nested lists and maps": func(e *event.Event) {
			e.Request = map[string]any{
				"tags":       []any{map[string]any{"key": "team", "value": "x"}, map[string]any{"key": "owner", "value": ""}},
				"nested":     []any{[]any{}, []any{[]any{1.0, "2", true, nil}}, map[string]any{}, nil},
				"nilMap":     map[string]any(nil),
				"nilList":    []any(nil),
				"emptyList":  []any{},
				"strings":    []string{"a", "b"},
				"nilStrings": []string(nil),
				"null":       nil,
				"bools":      []any{true, false},
			}
			e.Additional = map[string]any{"z": map[string]any{"y": map[string]any{"x": []any{map[string]any{"w": 1.25}}}}}
		},
		"strings needing escapes": func(e *event.Event) {
			e.Request = map[string]any{"s": "quote\" backslash\\ nl\n tab\t ctl\x01 html<>& uni\u2028\u2029 é 😀", "": "empty key", "k\"ey": "v"}
			e.ErrorMessage = "line1\nline2 \x00"
		},
		"invalid UTF-8": func(e *event.Event) {
			e.ErrorMessage = "bad\xff\xfebytes\xe2\x82"
			e.Actor.UserName = "\xc3"
			e.Request = map[string]any{"k\xffey": "v\xfe", "list": []any{"\xff"}, "ok\uFFFD": "\uFFFD"}
		},
		"other value types": func(e *event.Event) {
			type custom struct {
				A string `json:"a"`
				B int    `json:"b,omitempty"`
				C []byte
			}
			e.Request = map[string]any{"struct": custom{A: "x", C: []byte("hi")}, "ptr": &custom{B: 2}, "time": time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
				"map": map[string]string{"b": "1", "a": "2"}, "mapint": map[string]int{"x": 1}, "rawjson": json.RawMessage(`{"n": 1.50, "m": [1e2]}`),
				"anys": []map[string]any{{"a": 1.0}}, "bytes": []byte{0, 1, 2}}
		},
		"unsupported value": func(e *event.Event) { e.Request = map[string]any{"ch": make(chan int)} },
		"deep nesting": func(e *event.Event) {
			var v any = "leaf"
			for range 1100 {
				v = map[string]any{"n": []any{v}}
			}
			e.Request = map[string]any{"deep": v}
		},
		"cycle": func(e *event.Event) {
			m := map[string]any{}
			m["self"] = m
			e.Additional = map[string]any{"c": m}
		},
	}
	for name, mut := range cases {
		e := base()
		mut(&e)
		checkEventTerm(t, b, name, &e)
	}
}

func TestHistoryTermMatchesJSONRoute(t *testing.T) {
	for _, h := range []History{{}, {PrincipalReads: []string{}}, {AccessDeniedCount: 5, PrincipalReads: []string{"arn:a", "b\xff"}}, {AccessDeniedCount: 1 << 40}} {
		want, err := viaJSONRoute(h)
		if err != nil {
			t.Fatal(err)
		}
		if d := identical(historyTerm(h).Value, want, "history"); d != "" {
			t.Errorf("%+v: %s", h, d)
		}
	}
}

func TestValidNumberAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{"0", "-0", "01", "1.", ".5", "1.5", "-", "1e", "1e+", "1e5", "1E-5", "-12.5e+3", "+1", "0x1", "1_0", "NaN", " 1", "1 "} {
		_, err := json.Marshal(json.Number(s))
		if got := validNumber(s); got != (err == nil) {
			t.Errorf("validNumber(%q) = %v, encoding/json error %v", s, got, err)
		}
	}
}

// BenchmarkEventTerm compares the direct event term with the JSON route.
func BenchmarkEventTerm(b *testing.B) {
	evs, _ := event.ReadPath("../../testdata/events")
	if len(evs) == 0 {
		b.Fatal("no events")
	}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := eventTerm(&evs[i%len(evs)], true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := viaJSONRoute(&evs[i%len(evs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
