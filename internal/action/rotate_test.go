package action_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
)

func TestDirectRotatorGoesThroughTheRails(t *testing.T) {
	now := t0
	clock := func() time.Time { return now }
	sm := &fakeSM{describe: rotatable()}
	st := newStore(t, clock)
	r := &action.DirectRotator{Rails: newRails(sm, st, clock, nil), Clients: rotateClients(sm), Log: quiet}
	req := action.RotationRequest{SecretARN: arn, Rule: "read-outside-organization", EventID: "ev-1", Requested: t0}

	res, err := r.Rotate(context.Background(), req)
	if err != nil || !res.Rotated || len(sm.rotates) != 1 {
		t.Fatalf("rotate: %+v %v", res, err)
	}
	in := sm.rotates[0]
	if !aws.ToBool(in.RotateImmediately) || aws.ToString(in.SecretId) != arn {
		t.Fatalf("RotateSecret input: %+v", in)
	}
	if tok := aws.ToString(in.ClientRequestToken); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(tok) || tok != action.RotationToken(req) {
		t.Fatalf("token %q", tok)
	}
	// Dedupe: the same secret again within the window is refused.
	res, err = r.Rotate(context.Background(), action.RotationRequest{SecretARN: arn, EventID: "ev-2"})
	if err != nil || res.Rotated || res.Rail != rails.RailDedupe || len(sm.rotates) != 1 {
		t.Fatalf("second: %+v %v", res, err)
	}
}

func TestDirectRotatorReleasesClaimWhenRotateSecretFails(t *testing.T) {
	clock := func() time.Time { return t0 }
	sm := &fakeSM{describe: rotatable(), rotErr: errors.New("InternalServiceError")}
	st := newStore(t, clock)
	r := &action.DirectRotator{Rails: newRails(sm, st, clock, nil), Clients: rotateClients(sm), Log: quiet}
	if _, err := r.Rotate(context.Background(), action.RotationRequest{SecretARN: arn}); err == nil {
		t.Fatal("want the RotateSecret error")
	}
	if seen, _ := st.Seen(context.Background(), store.RotationDedupeKey(arn), t0); seen {
		t.Fatal("a failed rotation must not hold the dedupe window")
	}
	sm.rotErr = nil
	if res, err := r.Rotate(context.Background(), action.RotationRequest{SecretARN: arn}); err != nil || !res.Rotated {
		t.Fatalf("retry: %+v %v", res, err)
	}
}

func TestDirectRotatorDryRunClaimsNothing(t *testing.T) {
	clock := func() time.Time { return t0 }
	sm := &fakeSM{describe: rotatable()}
	st := newStore(t, clock)
	r := &action.DirectRotator{Rails: newRails(sm, st, clock, nil), Clients: rotateClients(sm), DryRun: true}
	res, err := r.Rotate(context.Background(), action.RotationRequest{SecretARN: arn})
	if err != nil || res.Rotated || res.Rail != rails.RailAllowed || len(sm.rotates) != 0 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if seen, _ := st.Seen(context.Background(), store.RotationDedupeKey(arn), t0); seen {
		t.Fatal("dry run claims nothing")
	}
	sm.describe.RotationLambdaARN = nil
	res, _ = r.Rotate(context.Background(), action.RotationRequest{SecretARN: arn})
	if res.Rail != rails.RailConfigured || res.Blocked == "" {
		t.Fatalf("dry run shows the refusing rail: %+v", res)
	}
}

func TestQueueRotator(t *testing.T) {
	q := &fakeSQS{}
	r := &action.QueueRotator{API: q, QueueURL: "https://sqs.us-east-1.amazonaws.com/999999999999/rotate"}
	req := action.RotationRequest{SecretARN: arn, Rule: "r", Reason: "why", Severity: "critical", EventID: "ev-1", Requested: t0}
	res, err := r.Rotate(context.Background(), req)
	if err != nil || !res.Queued || res.Rotated || len(q.in) != 1 {
		t.Fatalf("queue: %+v %v", res, err)
	}
	got, err := action.DecodeRotationRequest(aws.ToString(q.in[0].MessageBody))
	if err != nil || got != req {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	d := got.Decision()
	if d.AccountID != acct || d.Region != region || len(d.Actions) != 1 || d.Actions[0].Kind != "rotate" || d.Actions[0].SecretARN != arn {
		t.Fatalf("decision: %+v", d)
	}
	if _, err := action.DecodeRotationRequest(`{"secret_arn":"nope"}`); err == nil {
		t.Fatal("a request without a secret ARN is refused")
	}
	dry := &action.QueueRotator{API: q, QueueURL: "u", DryRun: true}
	if res, _ := dry.Rotate(context.Background(), req); res.Queued || len(q.in) != 1 {
		t.Fatal("dry run queues nothing")
	}
}

func TestDecodeRotateMessage(t *testing.T) {
	req, order, err := action.DecodeRotateMessage(`{"secret_arn":"` + arn + `","rule":"r","requested_at":"2026-11-20T10:00:00Z"}`)
	if err != nil || order != nil || req.SecretARN != arn {
		t.Fatalf("a rotation request: %+v %v %v", req, order, err)
	}
	good := `{"kind":"remediate","policy_as_put":"{}","decision":{"event_id":"sweep-exposure-1","event_name":"SweepExposure",` +
		`"actions":[{"kind":"remediate","rule":"resource-policy-exposed","secret_arn":"` + arn + `","statements":[1]}]}}`
	if _, order, err := action.DecodeRotateMessage(good); err != nil || order == nil || order.Decision.Actions[0].Statements[0] != 1 {
		t.Fatalf("an order: %+v %v", order, err)
	}
	for body, want := range map[string]string{
		`{"kind":"other"}`: "unknown kind",
		`{"kind":"remediate","decision":{"event_id":"","actions":[]}}`:                                              "event id and actions",
		`{"kind":"remediate","decision":{"event_id":"e","actions":[{"kind":"delete","secret_arn":"` + arn + `"}]}}`: "unknown action kind",
		`{"kind":"remediate","decision":{"event_id":"e","actions":[{"kind":"alert","secret_arn":"x"}]}}`:            "secret ARN",
		`not json`: "decode rotate message",
	} {
		if _, _, err := action.DecodeRotateMessage(body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
