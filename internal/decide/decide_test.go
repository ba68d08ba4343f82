package decide_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

const (
	acct    = "111122223333"
	region  = "us-east-1"
	rotARN  = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf"
	bareARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/token-QwErTy"
)

var t0 = time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)

func decider(t testing.TB) *decide.Decider {
	t.Helper()
	days := int64(30)
	snap := &snapshot.Snapshot{
		TakenAt:      snapshot.NewTime(t0),
		Organization: snapshot.Organization{ID: "o-a1b2c3d4e5", MasterAccountID: "111111111111"},
		Accounts:     []snapshot.Account{{ID: acct}},
		Secrets: []snapshot.SecretEntry{
			{AccountID: acct, Region: region, Secret: snapshot.Secret{ARN: rotARN, Name: "app/db", RotationEnabled: true,
				RotationLambdaARN: "arn:aws:lambda:us-east-1:111122223333:function:rot", RotationRules: &snapshot.RotationRules{AutomaticallyAfterDays: &days},
				LastRotatedDate: snapshot.NewTime(t0.Add(-24 * time.Hour)), CreatedDate: snapshot.NewTime(t0.Add(-100 * 24 * time.Hour)),
				VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}}, Tags: []snapshot.Tag{{Key: "owner", Value: "x"}}}},
			{AccountID: acct, Region: region, Secret: snapshot.Secret{ARN: bareARN, Name: "app/token",
				CreatedDate: snapshot.NewTime(t0.Add(-10 * 24 * time.Hour)), Tags: []snapshot.Tag{{Key: "owner", Value: "x"}}}},
		},
	}
	eng, cfg, err := builtin.Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st := inventory.NewState(snap)
	bld, err := input.NewBuilder(context.Background(), st, cfg.Params, t0)
	if err != nil {
		t.Fatal(err)
	}
	return &decide.Decider{State: st, Assessor: &assess.Assessor{Engine: eng, Builder: bld, Config: cfg}, History: decide.NewMemory()}
}

func ev(name string, secret string, mut func(*event.Event)) *event.Event {
	e := &event.Event{ID: name + "-1", Name: name, Kind: event.KindAPICall, Source: "secretsmanager.amazonaws.com", Time: t0,
		AccountID: acct, Region: region, Secret: event.SecretRef{Raw: secret},
		Actor: event.Actor{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/app/i-1", PrincipalARN: "arn:aws:iam::111122223333:role/app",
			AccountID: acct, PrincipalID: "AROAEXAMPLE:i-1", AccessKeyID: "ASIAEXAMPLE"}}
	if mut != nil {
		mut(e)
	}
	return e
}

func kinds(d *decide.Decision) string {
	var parts []string
	for _, a := range d.Actions {
		p := a.Kind + ":" + a.Rule
		if a.Blocked != "" {
			p += "(blocked)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}

func TestSkippedEventsSayWhy(t *testing.T) {
	d := decider(t)
	for _, c := range []struct {
		ev   *event.Event
		want string
	}{
		{ev("GetObject", "", func(e *event.Event) { e.Source = "s3.amazonaws.com" }), "not a Secrets Manager event"},
		{ev("FrobnicateSecret", "app/db", nil), "unsupported event name FrobnicateSecret"},
		{ev("PutResourcePolicy", "", nil), "secret not identifiable"},
		{ev("CreateSecret", "new", nil), "no secret ARN"},
	} {
		dec, err := d.Decide(context.Background(), c.ev)
		if err != nil {
			t.Fatal(err)
		}
		if dec.Skipped == nil || !strings.Contains(*dec.Skipped, c.want) {
			t.Errorf("%s: want skipped %q, got %v", c.ev.Name, c.want, dec.Skipped)
		}
	}
}

func TestPublicPolicyIsRemediatedAndRotationRailsApply(t *testing.T) {
	d := decider(t)
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	put := func(secret string) *decide.Decision {
		dec, err := d.Decide(context.Background(), ev("PutResourcePolicy", secret, func(e *event.Event) {
			e.Request = map[string]any{"secretId": secret, "resourcePolicy": public}
		}))
		if err != nil || dec.Skipped != nil {
			t.Fatalf("%v %v", err, dec.Skipped)
		}
		return dec
	}
	dec := put("app/db")
	got := kinds(dec)
	for _, want := range []string{"alert:resource-policy-exposed", "remediate:resource-policy-exposed", "rotate:resource-policy-exposed", "alert:no-wildcard-principal"} {
		if !strings.Contains(got, want) {
			t.Errorf("actions %s lack %s", got, want)
		}
	}
	if strings.Contains(got, "rotate:resource-policy-exposed(blocked)") {
		t.Errorf("rotation should be planned for a secret with a rotation function: %s", got)
	}
	if dec.SecretARN != rotARN {
		t.Errorf("secret not resolved to its ARN: %s", dec.SecretARN)
	}
	// The working copy now holds the public policy; the findings show the change.
	changed := map[string]string{}
	for _, f := range dec.Findings {
		changed[f.PolicyID] = string(f.Status)
	}
	if changed["no-external-access"] != "fail" {
		t.Errorf("changed findings: %v", changed)
	}
	// A second exposure within the dedupe window is not rotated again.
	if got := kinds(put("app/db")); !strings.Contains(got, "rotate:resource-policy-exposed(blocked)") {
		t.Errorf("dedupe: %s", got)
	}
	// No rotation function: alert only.
	if got := kinds(put(bareARN)); !strings.Contains(got, "rotate:resource-policy-exposed(blocked)") {
		t.Errorf("no rotation function: %s", got)
	}
}

func TestFailedCallChangesNothingButCountsTowardsBurst(t *testing.T) {
	d := decider(t)
	var last *decide.Decision
	for i := range 5 {
		dec, err := d.Decide(context.Background(), ev("GetSecretValue", "app/db", func(e *event.Event) {
			e.ErrorCode = "AccessDenied"
			e.Time = t0.Add(time.Duration(i) * time.Minute)
		}))
		if err != nil {
			t.Fatal(err)
		}
		last = dec
	}
	if !strings.Contains(kinds(last), "alert:access-denied-burst") {
		t.Errorf("fifth denial should alert: %s", kinds(last))
	}
	if e := d.State.Lookup(acct, region, "app/db"); !e.Secret.LastAccessedDate.IsZero() {
		t.Error("a denied read must not move LastAccessedDate")
	}
}

func TestGuardDutyRotatesWhatThePrincipalRead(t *testing.T) {
	d := decider(t)
	for _, s := range []string{"app/db", bareARN} {
		if _, err := d.Decide(context.Background(), ev("GetSecretValue", s, nil)); err != nil {
			t.Fatal(err)
		}
	}
	gd := &event.Event{ID: "gd-1", Name: "GuardDutyFinding", Kind: event.KindGuardDuty, Source: "guardduty.amazonaws.com",
		Time: t0.Add(time.Hour), AccountID: acct, Region: region,
		GuardDuty: &event.GuardDutyFinding{ID: "gd-1", Type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", Severity: 8, AccessKeyID: "ASIAEXAMPLE", PrincipalID: "AROAEXAMPLE:i-1"}}
	dec, err := d.Decide(context.Background(), gd)
	if err != nil || dec.Skipped != nil {
		t.Fatalf("%v %v", err, dec.Skipped)
	}
	targets := map[string]string{}
	for _, a := range dec.Actions {
		if a.Kind == "rotate" {
			targets[a.SecretARN] = a.Blocked
		}
	}
	if len(targets) != 2 {
		t.Fatalf("want a rotation per secret read, got %v", dec.Actions)
	}
	if targets[rotARN] != "" || targets[bareARN] == "" {
		t.Errorf("rails: %v", targets)
	}
}

func TestMemoryHistoryWindows(t *testing.T) {
	m := decide.NewMemory()
	if n := m.DeniedRead("p", t0); n != 1 {
		t.Errorf("first denial %d", n)
	}
	m.DeniedRead("p", t0.Add(time.Minute))
	if n := m.DeniedRead("p", t0.Add(20*time.Minute)); n != 1 {
		t.Errorf("old denials must leave the window: %d", n)
	}
	m.Read([]string{"k1", ""}, "s1", t0)
	if r := m.Reads([]string{"k1"}, t0.Add(24*time.Hour)); len(r) != 1 || r[0] != "s1" {
		t.Errorf("ledger: %v", r)
	}
	if r := m.Reads([]string{"k1"}, t0.Add(31*24*time.Hour)); len(r) != 0 {
		t.Errorf("ledger entries expire: %v", r)
	}
	if m.Rotated("s", t0) || !m.Rotated("s", t0.Add(30*time.Minute)) || m.Rotated("s", t0.Add(2*time.Hour)) {
		t.Error("dedupe window wrong")
	}
}

// BenchmarkDecide measures deciding one state-changing event (target ≤ 100 µs).
func BenchmarkDecide(b *testing.B) {
	d := decider(b)
	// The tag's value alternates, so that every event really changes the
	// secret and its posture is assessed before and after.
	evs := [2]*event.Event{}
	for i, v := range []string{"x", "y"} {
		evs[i] = ev("TagResource", "app/db", func(e *event.Event) {
			e.Request = map[string]any{"secretId": "app/db", "tags": []any{map[string]any{"key": "team", "value": v}}}
		})
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := d.Decide(ctx, evs[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecideRead measures deciding one GetSecretValue (no posture change).
func BenchmarkDecideRead(b *testing.B) {
	d := decider(b)
	e := ev("GetSecretValue", "app/db", nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decide(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
