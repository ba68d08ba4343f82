package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/store"
)

const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf"

func fnd(status finding.Status, at time.Time) finding.Finding {
	return finding.Finding{
		PolicyID: "rotation-enabled", Title: "Automatic rotation is enabled", Severity: "high",
		Status: status, SecretARN: arn, SecretName: "payments/db", AccountID: "111122223333",
		Region: "us-east-1", Message: "rotation is off", Controls: []string{"SecretsManager.1"},
		Remediation: "turn rotation on", LastSeen: at,
	}
}

func TestRecordTransitions(t *testing.T) {
	s, fake, _ := newStore(t)
	ctx := context.Background()

	tr, err := s.Record(ctx, fnd(finding.StatusFail, t0))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Change != store.ChangeNew || tr.To != finding.StatusFail || !tr.Alerts() || !tr.FirstSeen.Equal(t0) {
		t.Fatalf("first record: got %+v", tr)
	}

	tr, err = s.Record(ctx, fnd(finding.StatusFail, t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Change != store.ChangeUnchanged || tr.Alerts() || tr.Changed() {
		t.Fatalf("same status again must be unchanged and silent: %+v", tr)
	}
	if !tr.FirstSeen.Equal(t0) {
		t.Fatalf("first_seen must be kept from the first record, got %s", tr.FirstSeen)
	}

	tr, err = s.Record(ctx, fnd(finding.StatusPass, t0.Add(2*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Change != store.ChangeChanged || tr.From != finding.StatusFail || tr.To != finding.StatusPass ||
		!tr.Resolved() || !tr.Alerts() || tr.String() != "changed from fail to pass" {
		t.Fatalf("fail→pass must be a resolving change: %+v (%s)", tr, tr)
	}

	got, found, err := s.Get(ctx, arn, "rotation-enabled")
	if err != nil || !found {
		t.Fatalf("get: %v %v", found, err)
	}
	if got.Status != finding.StatusPass || !got.FirstSeen.Equal(t0) || !got.LastSeen.Equal(t0.Add(2*time.Hour)) ||
		got.Severity != "high" || got.Controls[0] != "SecretsManager.1" || got.SecretName != "payments/db" {
		t.Fatalf("stored finding: %+v", got)
	}
	item := fake.Item(store.FindingPK(arn), store.FindingSK("rotation-enabled"))
	if s, ok := item["first_seen"].(*types.AttributeValueMemberS); !ok || s.Value != "2026-11-20T10:00:00.000000000Z" {
		t.Fatalf("first_seen attribute: %#v", item["first_seen"])
	}
}

func TestRecordStaleObservationIsNotWritten(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Record(ctx, fnd(finding.StatusPass, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	tr, err := s.Record(ctx, fnd(finding.StatusFail, t0)) // an older sweep result arriving late
	if err != nil {
		t.Fatal(err)
	}
	if tr.Change != store.ChangeStale || tr.Alerts() {
		t.Fatalf("older observation must be stale: %+v", tr)
	}
	got, _, _ := s.Get(ctx, arn, "rotation-enabled")
	if got.Status != finding.StatusPass {
		t.Fatalf("stale observation overwrote the state: %s", got.Status)
	}
}

func TestRecordNewPassDoesNotAlert(t *testing.T) {
	s, _, _ := newStore(t)
	tr, err := s.Record(context.Background(), fnd(finding.StatusPass, t0))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Change != store.ChangeNew || tr.Alerts() || tr.Resolved() {
		t.Fatalf("a first pass is new but silent: %+v", tr)
	}
}

func TestRecordConcurrentWritersSeeOneChange(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Record(ctx, fnd(finding.StatusPass, t0)); err != nil {
		t.Fatal(err)
	}
	const writers = 32
	var wg sync.WaitGroup
	changes := make(chan store.Transition, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, err := s.Record(ctx, fnd(finding.StatusFail, t0.Add(time.Duration(i+1)*time.Second)))
			if err != nil {
				t.Error(err)
				return
			}
			if tr.Alerts() {
				changes <- tr
			}
		}()
	}
	wg.Wait()
	close(changes)
	n := 0
	for tr := range changes {
		n++
		if tr.From != finding.StatusPass {
			t.Errorf("alerting transition from %s", tr.From)
		}
	}
	if n != 1 {
		t.Fatalf("%d concurrent writers alerted, want exactly 1", n)
	}
}

func TestFindingsAndPriorPolicy(t *testing.T) {
	s, fake, _ := newStore(t)
	ctx := context.Background()
	fake.PageSize = 1
	for _, id := range []string{"required-tags", "no-external-access", "rotation-enabled"} {
		f := fnd(finding.StatusFail, t0)
		f.PolicyID = id
		if _, err := s.Record(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Audit(ctx, store.RotationDecision{SecretARN: arn, At: t0, Rail: "dedupe", Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePriorPolicy(ctx, arn, "no-external-access", `{"Version":"2012-10-17"}`, t0); err != nil {
		t.Fatal(err)
	}
	fs, err := s.Findings(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[0].PolicyID != "no-external-access" || fs[2].PolicyID != "rotation-enabled" {
		t.Fatalf("findings (paged, rotation audit excluded): %+v", fs)
	}
	if fs[0].Status != finding.StatusFail {
		t.Fatalf("saving the prior policy changed the status: %s", fs[0].Status)
	}
	p, ok, err := s.GetPriorPolicy(ctx, arn, "no-external-access")
	if err != nil || !ok || p.Policy != `{"Version":"2012-10-17"}` || !p.At.Equal(t0) {
		t.Fatalf("prior policy: %+v %v %v", p, ok, err)
	}
}

func TestRecordRejectsIncompleteFinding(t *testing.T) {
	s, _, _ := newStore(t)
	if _, err := s.Record(context.Background(), finding.Finding{PolicyID: "x"}); err == nil {
		t.Fatal("want an error for a finding without a secret ARN")
	}
}

func TestPriorPolicyAloneIsNotAFinding(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if err := s.SavePriorPolicy(ctx, arn, "resource-policy-exposed", "{}", t0); err != nil {
		t.Fatal(err)
	}
	fs, err := s.Findings(ctx, arn)
	if err != nil || len(fs) != 0 {
		t.Fatalf("findings: %+v %v", fs, err)
	}
	if _, found, _ := s.Get(ctx, arn, "resource-policy-exposed"); !found {
		t.Fatal("the item exists")
	}
}

func TestOweAlert(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	f := finding.Finding{PolicyID: "p", SecretARN: "arn:s", Status: finding.StatusFail, LastSeen: t0}
	if _, err := s.Record(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := s.OweAlert(ctx, "arn:s", "p", t0); err != nil {
		t.Fatal(err)
	}
	tr, err := s.Record(ctx, f)
	if err != nil || !tr.Owed || !tr.Alerts() {
		t.Fatalf("owed: %+v %v", tr, err)
	}
	if tr, _ = s.Record(ctx, f); tr.Owed || tr.Alerts() {
		t.Fatalf("recording clears the mark: %+v", tr)
	}
	// A newer observation is stored: marking the older one does nothing.
	f.LastSeen = t0.Add(time.Hour)
	s.Record(ctx, f)
	if err := s.OweAlert(ctx, "arn:s", "p", t0); err != nil {
		t.Fatal(err)
	}
	if tr, _ = s.Record(ctx, f); tr.Owed {
		t.Fatalf("a newer observation owes nothing: %+v", tr)
	}
}
