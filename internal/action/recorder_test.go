package action_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
)

func TestRecorderOnlyChangesAlert(t *testing.T) {
	st := newStore(t, func() time.Time { return t0 })
	sn, hs, bus := &fakeSNS{}, newHubs(), &fakeBus{}
	hub := hs.get(acct, region)
	rec := &action.Recorder{Store: st, Alerts: &action.SNS{API: sn, TopicARN: topic},
		Hub: &action.SecurityHub{Clients: hs.clients()}, Events: &action.EventBridge{API: bus, Sleep: noSleep}}
	ctx := context.Background()
	f := failing()
	f.LastSeen = t0

	out, err := rec.Record(ctx, []finding.Finding{f})
	if err != nil || out[0].Transition.Change != store.ChangeNew {
		t.Fatalf("first: %+v %v", out, err)
	}
	if len(sn.in) != 1 || len(hub.imports) != 1 || len(bus.calls) != 1 {
		t.Fatalf("a new failure alerts, imports and emits: %d %d %d", len(sn.in), len(hub.imports), len(bus.calls))
	}

	f.LastSeen = t0.Add(time.Hour)
	out, _ = rec.Record(ctx, []finding.Finding{f})
	if out[0].Transition.Change != store.ChangeUnchanged || len(sn.in) != 1 || len(bus.calls) != 1 {
		t.Fatal("an unchanged failure does not alert or emit")
	}
	if len(hub.imports) != 2 || aws.ToString(hub.imports[1][0].CreatedAt) != "2026-11-20T10:05:00.000Z" {
		t.Fatal("a still-failing finding is refreshed in Security Hub, keeping its first_seen")
	}

	f.Status, f.LastSeen = finding.StatusPass, t0.Add(2*time.Hour)
	out, _ = rec.Record(ctx, []finding.Finding{f})
	if !out[0].Transition.Resolved() || len(sn.in) != 2 || len(hub.imports) != 3 || len(bus.calls) != 2 {
		t.Fatalf("resolved: %+v alerts %d imports %d events %d", out[0].Transition, len(sn.in), len(hub.imports), len(bus.calls))
	}
	if cleared := hub.imports[2][0]; cleared.Compliance.Status != "PASSED" || cleared.RecordState != "ARCHIVED" {
		t.Fatalf("a finding that clears is updated PASSED and ARCHIVED: %s %s", cleared.Compliance.Status, cleared.RecordState)
	}
	var a action.Alert
	_ = json.Unmarshal([]byte(aws.ToString(sn.in[1].Message)), &a)
	if !a.Resolved || a.Transition != "changed from fail to pass" || aws.ToString(sn.in[1].Subject) != "[CRITICAL] Secret Warden: no-external-access resolved on payments/db" {
		t.Fatalf("resolved alert: %+v %q", a, aws.ToString(sn.in[1].Subject))
	}

	f.LastSeen = t0.Add(3 * time.Hour)
	rec.Record(ctx, []finding.Finding{f})
	if len(hub.imports) != 3 || len(sn.in) != 2 {
		t.Fatal("an unchanged pass is neither imported nor alerted")
	}
}

// A failed Security Hub import does not fail the recording: it is owed to
// the pair's next recording, which imports it whatever its status.
func TestRecorderOwesFailedImports(t *testing.T) {
	st := newStore(t, func() time.Time { return t0 })
	hs := newHubs()
	hub := hs.get(acct, region)
	rec := &action.Recorder{Store: st, Hub: &action.SecurityHub{Clients: hs.clients()}}
	ctx := context.Background()
	f := failing()
	f.LastSeen = t0
	if _, err := rec.Record(ctx, []finding.Finding{f}); err != nil {
		t.Fatal(err)
	}
	// It clears while Security Hub is unavailable in its account.
	hub.err = errors.New("ServiceUnavailableException")
	f.Status, f.LastSeen = finding.StatusPass, t0.Add(time.Hour)
	out, err := rec.Record(ctx, []finding.Finding{f})
	if err != nil || out[0].HubErr == nil || !out[0].Transition.Resolved() {
		t.Fatalf("the import failure is reported, not an error: %+v %v", out, err)
	}
	if got := action.HubFailures(out); len(got) != 1 || !strings.HasPrefix(got[0], acct+"/"+region+": ") {
		t.Errorf("failures by account-region: %v", got)
	}
	hub.err = nil
	n := len(hub.imports)
	f.LastSeen = t0.Add(2 * time.Hour)
	out, _ = rec.Record(ctx, []finding.Finding{f})
	if !out[0].Transition.HubOwed || len(hub.imports) != n+1 || hub.imports[n][0].RecordState != "ARCHIVED" {
		t.Fatalf("an unchanged pass owing its import is imported: %+v, %d imports", out[0].Transition, len(hub.imports)-n)
	}
	f.LastSeen = t0.Add(3 * time.Hour)
	out, _ = rec.Record(ctx, []finding.Finding{f})
	if out[0].Transition.HubOwed || len(hub.imports) != n+1 {
		t.Fatal("once imported, nothing is owed")
	}
}

func TestRecorderDryRun(t *testing.T) {
	st := newStore(t, func() time.Time { return t0 })
	sn := &fakeSNS{}
	ctx := context.Background()
	f := failing()
	if _, err := st.Record(ctx, f); err != nil {
		t.Fatal(err)
	}
	rec := &action.Recorder{Store: st, Alerts: &action.SNS{API: sn, TopicARN: topic}, DryRun: true}
	f.Status, f.LastSeen = finding.StatusPass, f.LastSeen.Add(time.Hour)
	out, err := rec.Record(ctx, []finding.Finding{f})
	if err != nil || !out[0].Transition.Resolved() || len(sn.in) != 0 {
		t.Fatalf("dry run tells the transition and sends nothing: %+v %v", out, err)
	}
	got, _, _ := st.Get(ctx, arn, f.PolicyID)
	if got.Status != finding.StatusFail {
		t.Fatal("dry run writes nothing")
	}
}

func TestBreakerAnnouncer(t *testing.T) {
	sn := &fakeSNS{}
	b := &action.BreakerAnnouncer{Alerts: &action.SNS{API: sn, TopicARN: topic}, Now: func() time.Time { return t0 }}
	until := t0.Add(55 * time.Minute)
	if err := b.Announce(context.Background(), rails.Notice{Scope: "account", AccountID: acct, SecretARN: arn, Limit: 10, Until: until,
		Message: "circuit open: emergency rotation paused for account 111122223333 until 2026-11-20T11:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(sn.in[0].Subject); got != "[HIGH] Secret Warden: circuit open, emergency rotation paused for 111122223333" {
		t.Fatalf("subject %q", got)
	}
	var a action.Alert
	_ = json.Unmarshal([]byte(aws.ToString(sn.in[0].Message)), &a)
	if a.Type != "breaker" || a.AccountID != acct || a.Reason == "" || a.Done == "" {
		t.Fatalf("alert: %+v", a)
	}
}

// An alert whose delivery fails after the transition is stored is owed: the
// retry (which finds the status unchanged) sends it, and only once.
func TestRecorderRetriesAnUndeliveredAlert(t *testing.T) {
	st := newStore(t, func() time.Time { return t0 })
	sn := &fakeSNS{err: errors.New("sns: throttled")}
	rec := &action.Recorder{Store: st, Alerts: &action.SNS{API: sn, TopicARN: topic}}
	ctx := context.Background()
	f := failing()
	f.LastSeen = t0
	if _, err := rec.Record(ctx, []finding.Finding{f}); err == nil {
		t.Fatal("a failed delivery is an error")
	}
	sn.err = nil
	out, err := rec.Record(ctx, []finding.Finding{f}) // the retry
	if err != nil || out[0].Transition.Change != store.ChangeUnchanged || !out[0].Transition.Owed || len(sn.in) != 1 {
		t.Fatalf("retry: %+v %v, %d alerts", out, err, len(sn.in))
	}
	var a action.Alert
	_ = json.Unmarshal([]byte(aws.ToString(sn.in[0].Message)), &a)
	if a.Status != "fail" || a.Transition != "unchanged (fail); its alert could not be delivered before" {
		t.Errorf("owed alert: %+v", a)
	}
	f.LastSeen = t0.Add(time.Hour)
	if out, _ := rec.Record(ctx, []finding.Finding{f}); out[0].Transition.Owed || len(sn.in) != 1 {
		t.Fatalf("once delivered, nothing is owed: %+v, %d alerts", out[0].Transition, len(sn.in))
	}
}
