package rotate

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const (
	acct  = "222222222222"
	east  = "us-east-1"
	table = "warden"
	rule  = "read-outside-organization"
)

var start = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// now is the rigs' clock; tests move it.
var now = start

type rig struct {
	h      *Handler
	region *lambdatest.Region
	db     *storetest.Fake
	store  *store.Store
	alerts *lambdatest.SNS
	out    *bytes.Buffer
	logs   *bytes.Buffer
}

func newRig(t *testing.T, modes action.Modes, limits rails.Limits) *rig {
	t.Helper()
	now = start
	t.Cleanup(func() { now = start })
	fac := lambdatest.NewFactory("111111111111", acct)
	region := fac.Region(acct, east,
		lambdatest.Secret{Name: "app/db", RotationLambdaARN: "arn:aws:lambda:us-east-1:222222222222:function:rot"},
		lambdatest.Secret{Name: "app/api", RotationLambdaARN: "arn:aws:lambda:us-east-1:222222222222:function:rot"},
		lambdatest.Secret{Name: "app/static"},
		lambdatest.Secret{Name: "app/busy", RotationLambdaARN: "arn:aws:lambda:us-east-1:222222222222:function:rot", Pending: true},
	)
	db := storetest.New(t, table)
	st := store.New(db, table)
	var mu sync.Mutex
	st.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	alerts := &lambdatest.SNS{}
	sns := &action.SNS{API: alerts, TopicARN: "arn:aws:sns:us-east-1:111111111111:alerts"}
	clock := func() time.Time { return now }
	rl := &rails.Rails{
		Describe: func(context.Context, string, string) (rails.DescribeSecretAPI, error) { return region, nil },
		Store:    st, Limits: limits, Announcer: &action.BreakerAnnouncer{Alerts: sns, Now: clock}, Now: clock,
		Log: slog.New(slog.DiscardHandler),
	}
	var out, logs bytes.Buffer
	return &rig{
		region: region, db: db, store: st, alerts: alerts, out: &out, logs: &logs,
		h: &Handler{
			Executor: &action.Executor{
				Modes: modes, Alerts: sns, Now: clock,
				Rotator: &action.DirectRotator{Rails: rl, Clients: func(context.Context, string, string) (action.RotateSecretAPI, error) { return region, nil }},
			},
			Metrics: &lockedWriter{w: &out}, Log: slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs}, nil)),
			Requests: st,
		},
	}
}

// lockedWriter serializes concurrent writes.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func request(t *testing.T, name, eventID string) string {
	t.Helper()
	b, err := json.Marshal(action.RotationRequest{
		SecretARN: lambdatest.SecretARN(acct, east, name), Rule: rule, Reason: "read from outside the organization",
		Severity: "critical", EventID: eventID, EventName: "GetSecretValue", Requested: start,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func batchOf(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "m" + string(rune('0'+i)), Body: b})
	}
	return ev
}

func emf(t *testing.T, out *bytes.Buffer) map[string]any {
	t.Helper()
	var doc map[string]any
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func enforce() action.Modes { return action.Modes{rule: action.ModeEnforce} }

func TestRailsAllowThenBlock(t *testing.T) {
	r := newRig(t, enforce(), rails.DefaultLimits())
	resp, err := r.h.Handle(context.Background(), batchOf(
		request(t, "app/db", "e1"),     // allowed: rotated
		request(t, "app/static", "e2"), // no rotation function
		request(t, "app/busy", "e3"),   // a rotation in progress
		request(t, "app/db", "e4"),     // within the dedupe window
		`{"secret_arn":"not an arn"}`,  // malformed
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("refusals by a rail are outcomes, not failures: %v\n%s", resp.BatchItemFailures, r.logs)
	}
	if got := r.region.Rotated(); len(got) != 1 || got[0] != lambdatest.SecretARN(acct, east, "app/db") {
		t.Fatalf("only app/db is rotated, once: %v", got)
	}
	if tok := r.region.Tokens()[0]; tok != action.RotationToken(action.RotationRequest{SecretARN: lambdatest.SecretARN(acct, east, "app/db"), EventID: "e1"}) {
		t.Errorf("the ClientRequestToken is derived from the request: %s", tok)
	}
	if r.alerts.Len() != 4 {
		t.Errorf("every request is alerted with what was done: %d\n%v", r.alerts.Len(), r.alerts.Messages)
	}
	all := strings.Join(r.alerts.Messages, "\n")
	for _, want := range []string{"emergency rotation started", "no rotation function configured", "already in progress", "dedupe window"} {
		if !strings.Contains(all, want) {
			t.Errorf("alerts say %q: %s", want, all)
		}
	}
	decisions, err := r.store.RotationDecisions(context.Background(), lambdatest.SecretARN(acct, east, "app/db"))
	rails := map[string]bool{}
	for _, d := range decisions {
		rails[d.Rail] = true
	}
	if err != nil || len(decisions) != 2 || !rails["allowed"] || !rails["dedupe"] {
		t.Errorf("every rails decision is recorded with its reason: %+v %v", decisions, err)
	}
	m := emf(t, r.out)
	if m["ActionsExecuted"] != 1.0 || m["MalformedMessages"] != 1.0 || m["RotationsCircuitOpen"] != 0.0 {
		t.Errorf("metrics %v", m)
	}
	// The dashboard's "rotations executed or blocked": one started, three
	// refused by a rail (no function, in progress, dedupe).
	if m["RotationsExecuted"] != 1.0 || m["RotationsBlocked"] != 3.0 {
		t.Errorf("rotations executed %v, blocked %v; want 1 and 3", m["RotationsExecuted"], m["RotationsBlocked"])
	}
}

func TestCircuitBreakerOpensAndIsCounted(t *testing.T) {
	limits := rails.DefaultLimits()
	limits.AccountLimit = 1
	r := newRig(t, enforce(), limits)
	resp, _ := r.h.Handle(context.Background(), batchOf(request(t, "app/db", "e1"), request(t, "app/api", "e2")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	if got := r.region.Rotated(); len(got) != 1 {
		t.Errorf("the account limit allows one: %v", got)
	}
	if m := emf(t, r.out); m["RotationsCircuitOpen"] != 1.0 || m["RotationsExecuted"] != 1.0 || m["RotationsBlocked"] != 1.0 {
		t.Errorf("metrics %v", m)
	}
	announced := false
	for _, msg := range r.alerts.Messages {
		announced = announced || strings.Contains(msg, `"type":"breaker"`)
	}
	if !announced {
		t.Errorf("the open breaker announces itself: %v", r.alerts.Messages)
	}
}

func TestAlertOnlyModeNeverRotates(t *testing.T) {
	r := newRig(t, nil, rails.DefaultLimits())
	resp, _ := r.h.Handle(context.Background(), batchOf(request(t, "app/db", "e1")))
	if len(resp.BatchItemFailures) != 0 || len(r.region.Rotated()) != 0 {
		t.Fatalf("%v %v", resp, r.region.Rotated())
	}
	if r.alerts.Len() != 1 || !strings.Contains(r.alerts.Messages[0], "alert-only mode") {
		t.Errorf("the alert says why: %v", r.alerts.Messages)
	}
}

func TestFailedRotationIsRetriedAndTheClaimReleased(t *testing.T) {
	r := newRig(t, enforce(), rails.DefaultLimits())
	r.region.RotateErr = lambdatest.Throttled()
	resp, _ := r.h.Handle(context.Background(), batchOf(request(t, "app/db", "e1")))
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m0" {
		t.Fatalf("a failed RotateSecret is retried: %v", resp.BatchItemFailures)
	}
	if m := emf(t, r.out); m["MessagesFailed"] != 1.0 {
		t.Errorf("metrics %v", m)
	}
	r.region.RotateErr = nil
	resp, _ = r.h.Handle(context.Background(), batchOf(request(t, "app/db", "e1")))
	if len(resp.BatchItemFailures) != 0 || len(r.region.Rotated()) != 1 {
		t.Errorf("the retry rotates (the dedupe claim was released): %v %v", resp.BatchItemFailures, r.region.Rotated())
	}
}

func TestDryRunRotatesNothing(t *testing.T) {
	r := newRig(t, enforce(), rails.DefaultLimits())
	r.h.Executor.DryRun = true
	resp, _ := r.h.Handle(context.Background(), batchOf(request(t, "app/db", "e1")))
	if len(resp.BatchItemFailures) != 0 || len(r.region.Rotated()) != 0 || r.alerts.Len() != 0 {
		t.Errorf("a dry run changes and sends nothing: %v %v %d", resp, r.region.Rotated(), r.alerts.Len())
	}
}
