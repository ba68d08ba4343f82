package rails_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

func secretARN(account, name string) string {
	return "arn:aws:secretsmanager:us-east-1:" + account + ":secret:" + name + "-AbCdEf"
}

var t0 = time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)

// secrets is a fake DescribeSecret: one response per ARN.
type secrets struct {
	out   map[string]*secretsmanager.DescribeSecretOutput
	err   error
	calls int
	where []string
}

func (s *secrets) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	o, ok := s.out[aws.ToString(in.SecretId)]
	if !ok {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("not found")}
	}
	return o, nil
}

func rotatable(arn string) *secretsmanager.DescribeSecretOutput {
	return &secretsmanager.DescribeSecretOutput{
		ARN: aws.String(arn), RotationEnabled: aws.Bool(true),
		RotationLambdaARN:  aws.String("arn:aws:lambda:us-east-1:111122223333:function:rotate"),
		VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}, "v0": {"AWSPREVIOUS"}},
	}
}

type announcer struct {
	notices []rails.Notice
	err     error
}

func (a *announcer) Announce(_ context.Context, n rails.Notice) error {
	if a.err != nil {
		return a.err
	}
	a.notices = append(a.notices, n)
	return nil
}

type env struct {
	r    *rails.Rails
	sm   *secrets
	ann  *announcer
	st   *store.Store
	fake *storetest.Fake
	now  time.Time
}

func newEnv(t *testing.T, limits rails.Limits, arns ...string) *env {
	t.Helper()
	e := &env{sm: &secrets{out: map[string]*secretsmanager.DescribeSecretOutput{}}, ann: &announcer{}, now: t0}
	for _, a := range arns {
		e.sm.out[a] = rotatable(a)
	}
	e.fake = storetest.New(t, "tbl")
	e.st = store.New(e.fake, "tbl")
	e.st.Now = func() time.Time { return e.now }
	e.r = &rails.Rails{
		Describe: func(_ context.Context, account, region string) (rails.DescribeSecretAPI, error) {
			e.sm.where = append(e.sm.where, account+"/"+region)
			return e.sm, nil
		},
		Store: e.st, Limits: limits, Announcer: e.ann, Now: func() time.Time { return e.now },
		Log: slog.New(slog.DiscardHandler),
	}
	return e
}

func (e *env) check(t *testing.T, arn string) rails.Verdict {
	t.Helper()
	v, err := e.r.Check(context.Background(), arn)
	if err != nil {
		t.Fatalf("check %s: %v", arn, err)
	}
	return v
}

func TestAllowedAndRecorded(t *testing.T) {
	a := secretARN(acctA, "db")
	e := newEnv(t, rails.DefaultLimits(), a)
	v := e.check(t, a)
	if !v.Allowed || v.Rail != rails.RailAllowed || !strings.Contains(v.Reason, "function:rotate") {
		t.Fatalf("verdict: %+v", v)
	}
	if len(e.sm.where) != 1 || e.sm.where[0] != acctA+"/us-east-1" {
		t.Fatalf("DescribeSecret must run in the secret's account and region: %v", e.sm.where)
	}
	ds, err := e.st.RotationDecisions(context.Background(), a)
	if err != nil || len(ds) != 1 || !ds[0].Allowed || ds[0].Rail != "allowed" || ds[0].Reason != v.Reason {
		t.Fatalf("audit: %+v %v", ds, err)
	}
}

func TestRotationMustBeConfigured(t *testing.T) {
	a := secretARN(acctA, "db")
	e := newEnv(t, rails.DefaultLimits(), a)
	e.sm.out[a].RotationLambdaARN = nil
	v := e.check(t, a)
	if v.Allowed || v.Rail != rails.RailConfigured {
		t.Fatalf("no rotation function: %+v", v)
	}
	e.sm.out[a].OwningService = aws.String("rds")
	if v := e.check(t, a); !v.Allowed || !strings.Contains(v.Reason, "managed by rds") {
		t.Fatalf("service-managed secret rotates: %+v", v)
	}
}

func TestNeverWhileRotationInProgress(t *testing.T) {
	a := secretARN(acctA, "db")
	e := newEnv(t, rails.DefaultLimits(), a)
	e.sm.out[a].VersionIdsToStages = map[string][]string{"v1": {"AWSCURRENT"}, "v2": {"AWSPENDING"}}
	v := e.check(t, a)
	if v.Allowed || v.Rail != rails.RailInProgress || !strings.Contains(v.Reason, "v2") {
		t.Fatalf("pending rotation: %+v", v)
	}
	// AWSPENDING on the AWSCURRENT version is a finished rotation.
	e.sm.out[a].VersionIdsToStages = map[string][]string{"v2": {"AWSCURRENT", "AWSPENDING"}}
	if v := e.check(t, a); !v.Allowed {
		t.Fatalf("AWSPENDING on AWSCURRENT is not in progress: %+v", v)
	}
}

func TestDeletedAndMissingSecrets(t *testing.T) {
	a := secretARN(acctA, "db")
	e := newEnv(t, rails.DefaultLimits(), a)
	e.sm.out[a].DeletedDate = aws.Time(t0)
	if v := e.check(t, a); v.Allowed || v.Rail != rails.RailDeleted {
		t.Fatalf("deleted: %+v", v)
	}
	if v := e.check(t, secretARN(acctA, "gone")); v.Allowed || v.Rail != rails.RailSecret {
		t.Fatalf("missing: %+v", v)
	}
	v, err := e.r.Check(context.Background(), "arn:aws:iam::111122223333:role/x")
	if err == nil || v.Allowed || v.Rail != rails.RailSecret {
		t.Fatalf("not a secret ARN: %+v %v", v, err)
	}
}

func TestDedupeWindow(t *testing.T) {
	a := secretARN(acctA, "db")
	e := newEnv(t, rails.DefaultLimits(), a)
	if v := e.check(t, a); !v.Allowed {
		t.Fatalf("first: %+v", v)
	}
	e.now = t0.Add(30 * time.Minute)
	if v := e.check(t, a); v.Allowed || v.Rail != rails.RailDedupe {
		t.Fatalf("within the window: %+v", v)
	}
	e.now = t0.Add(61 * time.Minute)
	if v := e.check(t, a); !v.Allowed {
		t.Fatalf("after the window: %+v", v)
	}
	// A rotation that failed is released and may be retried at once.
	if err := e.r.Release(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if v := e.check(t, a); !v.Allowed {
		t.Fatalf("after release: %+v", v)
	}
}

func TestAccountBreakerOpensAnnouncesOnceAndCloses(t *testing.T) {
	lim := rails.Limits{DedupeWindow: time.Hour, AccountLimit: 2, OrgLimit: 50, Window: time.Hour}
	arns := []string{secretARN(acctA, "s1"), secretARN(acctA, "s2"), secretARN(acctA, "s3"), secretARN(acctA, "s4"), secretARN(acctB, "s5")}
	e := newEnv(t, lim, arns...)
	for _, a := range arns[:2] {
		if v := e.check(t, a); !v.Allowed {
			t.Fatalf("%s: %+v", a, v)
		}
	}
	v := e.check(t, arns[2])
	wantUntil := time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC)
	if v.Allowed || v.Rail != rails.RailAccountLimit || !v.Until.Equal(wantUntil) ||
		!strings.HasPrefix(v.Reason, "circuit open: emergency rotation paused for account "+acctA+" until 2026-11-20T11:00:00Z") {
		t.Fatalf("breaker: %+v", v)
	}
	e.now = t0.Add(10 * time.Minute)
	if v := e.check(t, arns[3]); v.Allowed || v.Rail != rails.RailAccountLimit {
		t.Fatalf("still open: %+v", v)
	}
	if len(e.ann.notices) != 1 {
		t.Fatalf("the breaker must announce itself exactly once per window, got %d", len(e.ann.notices))
	}
	n := e.ann.notices[0]
	if n.Scope != "account" || n.AccountID != acctA || n.Limit != 2 || !n.Until.Equal(wantUntil) || n.SecretARN != arns[2] {
		t.Fatalf("notice: %+v", n)
	}
	if v := e.check(t, arns[4]); !v.Allowed {
		t.Fatalf("another account is not affected: %+v", v)
	}
	// A refused rotation did not consume the dedupe window: once the window
	// ends the breaker closes and the same secret rotates.
	e.now = wantUntil.Add(6 * time.Minute) // s1's dedupe window (from 10:05) is over too
	if v := e.check(t, arns[2]); !v.Allowed {
		t.Fatalf("breaker must close after the window: %+v", v)
	}
	// Opening again in the next window announces again.
	e.check(t, arns[3])
	if v := e.check(t, arns[0]); v.Allowed || v.Rail != rails.RailAccountLimit {
		t.Fatalf("reopened: %+v", v)
	}
	if len(e.ann.notices) != 2 {
		t.Fatalf("one announcement per window: got %d", len(e.ann.notices))
	}
	ds, _ := e.st.RotationDecisions(context.Background(), arns[2])
	if len(ds) != 2 || ds[0].Allowed || ds[0].Rail != "account-limit" || !ds[1].Allowed {
		t.Fatalf("decisions recorded with their reasons: %+v", ds)
	}
}

func TestOrgBreaker(t *testing.T) {
	lim := rails.Limits{DedupeWindow: time.Hour, AccountLimit: 10, OrgLimit: 2, Window: time.Hour}
	arns := []string{secretARN(acctA, "s1"), secretARN(acctB, "s2"), secretARN("777788889999", "s3")}
	e := newEnv(t, lim, arns...)
	e.check(t, arns[0])
	e.check(t, arns[1])
	v := e.check(t, arns[2])
	if v.Allowed || v.Rail != rails.RailOrgLimit || !strings.Contains(v.Reason, "organization-wide") {
		t.Fatalf("org breaker: %+v", v)
	}
	if len(e.ann.notices) != 1 || e.ann.notices[0].Scope != "organization" {
		t.Fatalf("org notice: %+v", e.ann.notices)
	}
}

func TestFailedAnnouncementIsRetried(t *testing.T) {
	lim := rails.Limits{DedupeWindow: time.Hour, AccountLimit: 0, OrgLimit: 50, Window: time.Hour}
	a, b := secretARN(acctA, "s1"), secretARN(acctA, "s2")
	e := newEnv(t, lim, a, b)
	e.ann.err = errors.New("sns down")
	if v := e.check(t, a); v.Allowed {
		t.Fatal("limit 0 keeps the breaker open")
	}
	e.ann.err = nil
	e.check(t, b)
	if len(e.ann.notices) != 1 {
		t.Fatalf("a failed announcement must be retried by the next refusal: %d", len(e.ann.notices))
	}
}

func TestFailClosed(t *testing.T) {
	a := secretARN(acctA, "db")
	e := newEnv(t, rails.DefaultLimits(), a)
	e.sm.err = errors.New("AccessDenied")
	v, err := e.r.Check(context.Background(), a)
	if err == nil || v.Allowed || v.Rail != rails.RailError {
		t.Fatalf("describe failure: %+v %v", v, err)
	}
	e.sm.err = nil
	e.fake.Err["UpdateItem"] = errors.New("throttled")
	v, err = e.r.Check(context.Background(), a)
	if err == nil || v.Allowed || v.Rail != rails.RailError {
		t.Fatalf("counter failure: %+v %v", v, err)
	}
	delete(e.fake.Err, "UpdateItem")
	if v := e.check(t, a); !v.Allowed {
		t.Fatalf("the dedupe claim of a failed check must be released: %+v", v)
	}
	bad := rails.Limits{}
	e.r.Limits = bad
	if v, err := e.r.Check(context.Background(), a); err == nil || v.Allowed {
		t.Fatalf("zero limits are invalid: %+v %v", v, err)
	}
}

func TestInspectClaimsNothing(t *testing.T) {
	lim := rails.Limits{DedupeWindow: time.Hour, AccountLimit: 1, OrgLimit: 50, Window: time.Hour}
	a, b := secretARN(acctA, "s1"), secretARN(acctA, "s2")
	e := newEnv(t, lim, a, b)
	for range 3 {
		v, err := e.r.Inspect(context.Background(), a)
		if err != nil || !v.Allowed {
			t.Fatalf("inspect: %+v %v", v, err)
		}
	}
	if v := e.check(t, a); !v.Allowed {
		t.Fatalf("inspect must not consume the limit or the dedupe window: %+v", v)
	}
	if v, _ := e.r.Inspect(context.Background(), a); v.Rail != rails.RailDedupe {
		t.Fatalf("inspect sees the dedupe marker: %+v", v)
	}
	if v, _ := e.r.Inspect(context.Background(), b); v.Rail != rails.RailAccountLimit {
		t.Fatalf("inspect sees the open breaker: %+v", v)
	}
	if len(e.ann.notices) != 0 {
		t.Fatal("inspect announces nothing")
	}
	ds, _ := e.st.RotationDecisions(context.Background(), a)
	if len(ds) != 1 {
		t.Fatalf("inspect records nothing: %d decisions", len(ds))
	}
}
