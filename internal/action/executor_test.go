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
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/store"
)

const rule = "resource-policy-exposed"

// exposed is the decision for a PutResourcePolicy that made the secret public.
func exposed() *decide.Decision {
	return &decide.Decision{
		EventID: "ev-1", EventName: "PutResourcePolicy", Time: t0, SecretARN: arn, AccountID: acct, Region: region,
		Actor: event.Actor{ARN: "arn:aws:iam::111122223333:user/mallory"},
		Actions: []decide.Action{
			{Kind: "alert", Rule: rule, Severity: "critical", SecretARN: arn, Reason: "exposed outside the organization"},
			{Kind: "remediate", Rule: rule, Severity: "critical", SecretARN: arn, Reason: "remove statement(s) 1", Statements: []int{1}},
			{Kind: "rotate", Rule: rule, Severity: "critical", SecretARN: arn, Reason: "the value may have been read"},
		},
	}
}

type rig struct {
	x   *action.Executor
	sns *fakeSNS
	sm  *fakeSM
	bus *fakeBus
	st  *store.Store
}

func newRig(t *testing.T, modes action.Modes) *rig {
	t.Helper()
	clock := func() time.Time { return t0.Add(time.Minute) }
	r := &rig{sns: &fakeSNS{}, sm: &fakeSM{policy: aws.String(policy(stOwn, stPublic)), describe: rotatable()}, bus: &fakeBus{}}
	r.st = newStore(t, clock)
	r.x = &action.Executor{
		Modes:         modes,
		Alerts:        &action.SNS{API: r.sns, TopicARN: topic},
		Events:        &action.EventBridge{API: r.bus, Sleep: noSleep},
		Remediator:    &action.Remediator{Reads: policyReads(r.sm, nil), Writes: policyWrites(r.sm, nil)},
		Rotator:       &action.DirectRotator{Rails: newRails(r.sm, r.st, clock, nil), Clients: rotateClients(r.sm), Log: quiet},
		Dedupe:        r.st,
		PriorPolicies: r.st,
		Now:           clock,
		Log:           quiet,
	}
	return r
}

func (r *rig) alerts(t *testing.T) []action.Alert {
	t.Helper()
	var out []action.Alert
	for _, in := range r.sns.in {
		var a action.Alert
		if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

var asPut = action.ExecOptions{PolicyAsPut: policy(stOwn, stPublic)}

func TestAlertOnlyModeAlertsAndSaysWhy(t *testing.T) {
	r := newRig(t, nil)
	dec := exposed()
	outs := r.x.Execute(context.Background(), dec, asPut)
	if errs := action.Errors(outs); len(errs) != 0 {
		t.Fatal(errs)
	}
	if r.sm.calls() != 0 {
		t.Fatal("alert-only mode must not change the secret")
	}
	if !dec.Actions[0].Executed || dec.Actions[1].Executed || dec.Actions[2].Executed {
		t.Fatalf("executed flags: %+v", dec.Actions)
	}
	for _, a := range dec.Actions[1:] {
		if a.Blocked != rule+" is in alert-only mode" {
			t.Fatalf("blocked: %q", a.Blocked)
		}
	}
	al := r.alerts(t)
	if len(al) != 1 {
		t.Fatalf("one alert for the rule, got %d", len(al))
	}
	if !strings.Contains(al[0].Done, "remediate: not executed: "+rule+" is in alert-only mode") ||
		!strings.Contains(al[0].Done, "rotate: not executed") || al[0].Actor != "arn:aws:iam::111122223333:user/mallory" {
		t.Fatalf("alert: %+v", al[0])
	}
	if len(r.bus.calls) != 1 || len(r.bus.calls[0]) != 3 || aws.ToString(r.bus.calls[0][0].DetailType) != "Secret Warden Action" {
		t.Fatal("one action event per action")
	}
}

func TestEnforceModeRemediatesAndRotates(t *testing.T) {
	r := newRig(t, action.Modes{rule: action.ModeEnforce})
	dec := exposed()
	outs := r.x.Execute(context.Background(), dec, asPut)
	if errs := action.Errors(outs); len(errs) != 0 {
		t.Fatal(errs)
	}
	for i, a := range dec.Actions {
		if !a.Executed || a.Blocked != "" {
			t.Fatalf("action %d: %+v", i, a)
		}
	}
	if len(r.sm.puts) != 1 || len(r.sm.rotates) != 1 {
		t.Fatalf("puts %d rotates %d", len(r.sm.puts), len(r.sm.rotates))
	}
	if outs[1].PriorPolicy != policy(stOwn, stPublic) {
		t.Fatalf("prior policy: %q", outs[1].PriorPolicy)
	}
	p, ok, err := r.st.GetPriorPolicy(context.Background(), arn, rule)
	if err != nil || !ok || p.Policy != policy(stOwn, stPublic) {
		t.Fatalf("prior policy saved with the finding: %+v %v %v", p, ok, err)
	}
	al := r.alerts(t)
	if len(al) != 1 || !strings.Contains(al[0].Done, "removed statement(s) [1]") || !strings.Contains(al[0].Done, "emergency rotation started") {
		t.Fatalf("the alert says what was done: %+v", al)
	}
}

func TestDryRunExecutesNothing(t *testing.T) {
	r := newRig(t, action.Modes{rule: action.ModeEnforce})
	r.x.DryRun = true
	dec := exposed()
	outs := r.x.Execute(context.Background(), dec, asPut)
	if len(action.Errors(outs)) != 0 || r.sm.calls() != 0 || len(r.sns.in) != 0 || len(r.bus.calls) != 0 {
		t.Fatal("dry run sends, writes and changes nothing")
	}
	for _, a := range dec.Actions {
		if a.Executed || !strings.HasPrefix(a.Blocked, "dry-run") {
			t.Fatalf("dry run records why: %+v", a)
		}
	}
}

func TestOneFailureDoesNotStopTheOthers(t *testing.T) {
	r := newRig(t, action.Modes{rule: action.ModeEnforce})
	r.sm.getErr = errors.New("AccessDeniedException")
	dec := exposed()
	outs := r.x.Execute(context.Background(), dec, asPut)
	errs := action.Errors(outs)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "remediate") || outs[1].Err == nil {
		t.Fatalf("errors: %v", errs)
	}
	if !dec.Actions[0].Executed || dec.Actions[1].Executed || !dec.Actions[2].Executed {
		t.Fatalf("the alert and the rotation still ran: %+v", dec.Actions)
	}
	if al := r.alerts(t); len(al) != 1 || !strings.Contains(al[0].Done, "remediation failed") {
		t.Fatalf("alert: %+v", al)
	}
}

func TestRedeliveredEventActsOnce(t *testing.T) {
	r := newRig(t, action.Modes{rule: action.ModeEnforce})
	r.x.Execute(context.Background(), exposed(), asPut)
	dec := exposed()
	outs := r.x.Execute(context.Background(), dec, asPut)
	if len(action.Errors(outs)) != 0 {
		t.Fatal(action.Errors(outs))
	}
	if len(r.sns.in) != 1 || len(r.sm.puts) != 1 || len(r.sm.rotates) != 1 {
		t.Fatalf("a redelivery must not act again: alerts %d puts %d rotates %d", len(r.sns.in), len(r.sm.puts), len(r.sm.rotates))
	}
	if !strings.HasPrefix(dec.Actions[0].Blocked, "duplicate delivery") {
		t.Fatalf("blocked: %q", dec.Actions[0].Blocked)
	}
}

func TestFailedActionIsRetriedOnRedelivery(t *testing.T) {
	r := newRig(t, nil)
	r.sns.err = errors.New("SNS throttled")
	outs := r.x.Execute(context.Background(), exposed(), asPut)
	if outs[0].Err == nil {
		t.Fatal("want the publish error")
	}
	r.sns.err = nil
	dec := exposed()
	r.x.Execute(context.Background(), dec, asPut)
	if len(r.sns.in) != 1 || !dec.Actions[0].Executed {
		t.Fatal("the failed alert must be sent on redelivery")
	}
}

func TestBlockedRotationFallsBackToItsOwnAlert(t *testing.T) {
	r := newRig(t, action.Modes{"read-outside-organization": action.ModeEnforce})
	r.sm.describe.VersionIdsToStages = map[string][]string{"v1": {"AWSCURRENT"}, "v2": {"AWSPENDING"}}
	dec := &decide.Decision{EventID: "ev-9", EventName: "GetSecretValue", Time: t0, SecretARN: arn, Actions: []decide.Action{
		{Kind: "rotate", Rule: "read-outside-organization", Severity: "critical", SecretARN: arn, Reason: "read from outside"},
	}}
	r.x.Execute(context.Background(), dec, action.ExecOptions{})
	if dec.Actions[0].Executed || !strings.Contains(dec.Actions[0].Blocked, "AWSPENDING") || len(r.sm.rotates) != 0 {
		t.Fatalf("rotation in progress: %+v", dec.Actions[0])
	}
	al := r.alerts(t)
	if len(al) != 1 || al[0].Severity != "critical" || !strings.Contains(al[0].Done, "rotate: not executed: a rotation is already in progress") {
		t.Fatalf("fallback alert: %+v", al)
	}
}

func TestDecideBlockedActionIsNotRun(t *testing.T) {
	r := newRig(t, action.Modes{rule: action.ModeEnforce})
	dec := exposed()
	dec.Actions[2].Blocked = "no rotation function configured: alert only"
	r.x.Execute(context.Background(), dec, asPut)
	if len(r.sm.rotates) != 0 || dec.Actions[2].Executed {
		t.Fatal("a rail decide judged stays blocked")
	}
}

func TestFindingAlertsHandledByRecorder(t *testing.T) {
	r := newRig(t, nil)
	dec := &decide.Decision{EventID: "ev-3", SecretARN: arn, Time: t0,
		Findings: []finding.Finding{{PolicyID: "rotation-enabled", SecretARN: arn, Status: finding.StatusFail}},
		Actions:  []decide.Action{{Kind: "alert", Rule: "rotation-enabled", Severity: "high", SecretARN: arn, Reason: "now fails"}},
	}
	r.x.Execute(context.Background(), dec, action.ExecOptions{FindingAlertsHandled: true})
	if len(r.sns.in) != 0 || dec.Actions[0].Executed || dec.Actions[0].Blocked == "" {
		t.Fatalf("finding alert left to the recorder: %+v", dec.Actions[0])
	}
}

func TestSkippedDecisionAndUnknownKind(t *testing.T) {
	r := newRig(t, nil)
	why := "unsupported event"
	outs := r.x.Execute(context.Background(), &decide.Decision{Skipped: &why, Actions: []decide.Action{{Kind: "alert"}}}, action.ExecOptions{})
	if len(r.sns.in) != 0 || !strings.Contains(outs[0].Note, why) {
		t.Fatal("a skipped decision runs nothing")
	}
	dec := &decide.Decision{Actions: []decide.Action{{Kind: "page-the-ceo"}}}
	outs = r.x.Execute(context.Background(), dec, action.ExecOptions{})
	if outs[0].Err == nil || dec.Actions[0].Blocked == "" {
		t.Fatal("an unknown kind is an error and says why")
	}
}

func TestPolicyAsPut(t *testing.T) {
	ev := &event.Event{Request: map[string]any{"resourcePolicy": policy(stPublic)}}
	if action.PolicyAsPut(ev) != policy(stPublic) {
		t.Fatal("string policy")
	}
	var obj map[string]any
	_ = json.Unmarshal([]byte(policy(stPublic)), &obj)
	ev.Request["resourcePolicy"] = obj
	if got := action.PolicyAsPut(ev); !strings.Contains(got, `"Principal":"*"`) {
		t.Fatalf("object policy: %s", got)
	}
	if action.PolicyAsPut(&event.Event{}) != "" || action.PolicyAsPut(nil) != "" {
		t.Fatal("no policy")
	}
}

func TestBreakerThroughTheExecutor(t *testing.T) {
	r := newRig(t, action.Modes{"read-outside-organization": action.ModeEnforce})
	clock := func() time.Time { return t0.Add(time.Minute) }
	rl := newRails(r.sm, r.st, clock, &action.BreakerAnnouncer{Alerts: r.x.Alerts, Now: clock})
	rl.Limits.AccountLimit = 1
	r.x.Rotator = &action.DirectRotator{Rails: rl, Clients: rotateClients(r.sm), Log: quiet}
	read := func(id, secret string) *decide.Decision {
		return &decide.Decision{EventID: id, EventName: "GetSecretValue", Time: t0, SecretARN: secret, Actions: []decide.Action{
			{Kind: "rotate", Rule: "read-outside-organization", Severity: "critical", SecretARN: secret, Reason: "read from outside"},
		}}
	}
	other := "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-XyZaBc"
	third := "arn:aws:secretsmanager:us-east-1:111122223333:secret:third-QwErTy"
	r.x.Execute(context.Background(), read("e1", arn), action.ExecOptions{})
	d2, d3 := read("e2", other), read("e3", third)
	r.x.Execute(context.Background(), d2, action.ExecOptions{})
	r.x.Execute(context.Background(), d3, action.ExecOptions{})
	if len(r.sm.rotates) != 1 {
		t.Fatalf("rotations: %d, want 1 (limit 1 per account per hour)", len(r.sm.rotates))
	}
	for _, d := range []*decide.Decision{d2, d3} {
		if d.Actions[0].Executed || !strings.HasPrefix(d.Actions[0].Blocked, "circuit open: emergency rotation paused for account 111122223333 until 2026-11-20T11:00:00Z") {
			t.Fatalf("blocked: %q", d.Actions[0].Blocked)
		}
	}
	breakers := 0
	for _, a := range r.alerts(t) {
		if a.Type == action.AlertBreaker {
			breakers++
		}
	}
	// Three alerts for the three rotations (started, paused, paused) and one announcement.
	if breakers != 1 || len(r.sns.in) != 4 {
		t.Fatalf("breaker announcements %d, alerts %d", breakers, len(r.sns.in))
	}
}
