package assess_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/synth"
)

func setup(t testing.TB, snap *snapshot.Snapshot, extra string) *assess.Assessor {
	t.Helper()
	doc, err := builtin.Data()
	if err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		x, err := config.DecodeObject([]byte(extra), "extra.json")
		if err != nil {
			t.Fatal(err)
		}
		doc = config.Merge(doc, x)
	}
	eng, cfg, err := builtin.Load(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	bld, err := input.NewBuilder(context.Background(), inventory.NewState(snap), cfg.Params, snap.TakenAt.Time)
	if err != nil {
		t.Fatal(err)
	}
	return &assess.Assessor{Engine: eng, Builder: bld, Config: cfg}
}

func byPolicy(fs []finding.Finding) map[string]finding.Finding {
	m := map[string]finding.Finding{}
	for _, f := range fs {
		m[f.PolicyID] = f
	}
	return m
}

func oneSecret(mut func(*snapshot.SecretEntry)) *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		TakenAt:      snapshot.NewTime(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)),
		Organization: snapshot.Organization{ID: "o-1", MasterAccountID: "111111111111"},
		Accounts:     []snapshot.Account{{ID: "111122223333", OuPath: "r-1/ou-prod"}},
		Secrets: []snapshot.SecretEntry{{AccountID: "111122223333", Region: "us-east-1", Secret: snapshot.Secret{
			ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:legacy/app-AbCdEf", Name: "legacy/app",
			CreatedDate: snapshot.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
			Tags:        []snapshot.Tag{{Key: "owner", Value: "x"}},
		}}},
	}
	if mut != nil {
		mut(&s.Secrets[0])
	}
	return s
}

func TestLiveExceptionExemptsAndExpiredOneIsReported(t *testing.T) {
	snap := oneSecret(nil)
	a := setup(t, snap, `{"warden":{"exceptions":[
	  {"id":"EXC-1","policy_id":"rotation-enabled","match":{"arn":"*:secret:legacy/*"},"reason":"vendor","expires":"2027-06-30T00:00:00Z"},
	  {"id":"EXC-2","policy_id":"kms-customer-managed","match":{"account":"111122223333"},"reason":"old","expires":"2026-10-01T00:00:00Z"}]}}`)
	got := a.Secret(context.Background(), &snap.Secrets[0])
	fs := byPolicy(got)
	if f := fs["rotation-enabled"]; f.Status != finding.StatusExempt || f.Exception != "EXC-1" || !strings.Contains(f.Message, "vendor") {
		t.Errorf("live exception: %+v", f)
	}
	if f := fs["kms-customer-managed"]; f.Status != finding.StatusFail || !strings.Contains(f.Message, "EXC-2 expired") {
		t.Errorf("expired exception must not exempt: %+v", f)
	}
	if f := fs[assess.ExpiredExceptionID]; f.Status != finding.StatusFail || f.Exception != "EXC-2" {
		t.Errorf("expired exception not reported: %+v", f)
	}
	// The expiry travels with the finding (the report and the dashboard
	// highlight exceptions that expire soon).
	if e := fs["rotation-enabled"].ExceptionExpires; e != "2027-06-30T00:00:00Z" {
		t.Errorf("exempt finding's exception_expires %q", e)
	}
	if e := fs[assess.ExpiredExceptionID].ExceptionExpires; e != "2026-10-01T00:00:00Z" {
		t.Errorf("exception-expired finding's exception_expires %q", e)
	}
	if e := fs["kms-customer-managed"].ExceptionExpires; e != "" {
		t.Errorf("a failing finding names no live exception: %q", e)
	}
	if len(got) != len(a.Engine.Checks())+1 {
		t.Errorf("want one finding per check plus the expired exception, got %d", len(got))
	}
}

func TestBrokenSecretGetsErrorFindingsOthersEvaluated(t *testing.T) {
	snap := oneSecret(func(e *snapshot.SecretEntry) {
		p := `{"Statement": [`
		e.ResourcePolicy = &p
	})
	good := snap.Secrets[0]
	good.ResourcePolicy = nil
	good.Secret.ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:good-QwErTy"
	noARN := snap.Secrets[0]
	noARN.ResourcePolicy = nil
	noARN.Secret.ARN = ""
	snap.Secrets = append(snap.Secrets, good, noARN)
	a := setup(t, snap, "")
	for i, wantErr := range []bool{true, false, true} {
		fs := a.Secret(context.Background(), &snap.Secrets[i])
		for _, f := range fs {
			if (f.Status == finding.StatusError) != wantErr {
				t.Errorf("secret %d %s: status %s (%s)", i, f.PolicyID, f.Status, f.Message)
			}
			if wantErr && !strings.HasPrefix(f.Message, "not evaluated: ") {
				t.Errorf("secret %d: message %q", i, f.Message)
			}
		}
	}
}

func TestSecretFieldsReachFindings(t *testing.T) {
	snap := oneSecret(nil)
	a := setup(t, snap, "")
	for _, f := range a.Secret(context.Background(), &snap.Secrets[0]) {
		if f.SecretARN != snap.Secrets[0].Secret.ARN || f.AccountID != "111122223333" || f.Region != "us-east-1" ||
			f.Title == "" || f.Severity == "" || f.Controls == nil || !f.LastSeen.Equal(snap.TakenAt.Time) {
			t.Errorf("incomplete finding %+v", f)
		}
	}
}

func TestAccountNameAndOuPathReachFindings(t *testing.T) {
	snap := oneSecret(nil)
	snap.Accounts[0].Name = "payments-prod"
	broken := snap.Secrets[0]
	p := `{"Statement": [`
	broken.ResourcePolicy = &p // error findings carry them too
	orphan := snap.Secrets[0]
	orphan.AccountID = "999999999999" // not in the organization: unknown
	snap.Secrets = append(snap.Secrets, broken, orphan)
	a := setup(t, snap, "")
	for i, want := range [][2]string{{"payments-prod", "r-1/ou-prod"}, {"payments-prod", "r-1/ou-prod"}, {"", ""}} {
		for _, f := range a.Secret(context.Background(), &snap.Secrets[i]) {
			if f.AccountName != want[0] || f.OuPath != want[1] {
				t.Errorf("secret %d %s (%s): account %q ou %q, want %q", i, f.PolicyID, f.Status, f.AccountName, f.OuPath, want)
			}
		}
	}
}

// BenchmarkSecret measures assessing one secret — building its input,
// evaluating every check, making the findings — as a scan does: each secret
// of a generated 20,000-secret organization once per engine, so that the
// memo only serves what earlier secrets share (target: ≤ 50 µs on one core;
// run with -cpu 1).
func BenchmarkSecret(b *testing.B) {
	snap := synth.Generate(20000, 1)
	a := setup(b, snap, "")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%len(snap.Secrets) == 0 {
			// Every secret seen: start again with an empty memo.
			b.StopTimer()
			a = setup(b, snap, "")
			b.StartTimer()
		}
		a.Secret(ctx, &snap.Secrets[i%len(snap.Secrets)])
	}
}

// BenchmarkEvaluateOnly isolates OPA evaluation from input building.
func BenchmarkEvaluateOnly(b *testing.B) {
	snap := synth.Generate(500, 1)
	a := setup(b, snap, "")
	ctx := context.Background()
	inputs := make([]ast.Value, 0, len(snap.Secrets))
	for i := range snap.Secrets {
		v, err := a.Builder.Build(ctx, &snap.Secrets[i])
		if err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Engine.Evaluate(ctx, inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
