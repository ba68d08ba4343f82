package action_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/action"
)

func TestPublishAlert(t *testing.T) {
	f := &fakeSNS{}
	s := &action.SNS{API: f, TopicARN: topic}
	sent, err := s.Publish(context.Background(), action.Alert{
		Type: action.AlertAction, SecretARN: arn, PolicyID: "resource-policy-exposed", Severity: "critical",
		Reason: "PutResourcePolicy exposed payments/db", Done: "alerted; remediate: removed statement(s) [1]",
		EventID: "ev-1", Time: t0,
	})
	if err != nil || !sent || len(f.in) != 1 {
		t.Fatalf("publish: %v %v %d", sent, err, len(f.in))
	}
	in := f.in[0]
	if aws.ToString(in.TopicArn) != topic {
		t.Fatalf("topic %s", aws.ToString(in.TopicArn))
	}
	if got := aws.ToString(in.Subject); got != "[CRITICAL] Secret Warden: resource-policy-exposed on payments/db" {
		t.Fatalf("subject %q", got)
	}
	if v := in.MessageAttributes["severity"]; aws.ToString(v.StringValue) != "critical" || aws.ToString(v.DataType) != "String" {
		t.Fatalf("severity attribute: %+v", v)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &body); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Exactly these fields: names and metadata, never a value.
	want := []string{"account_id", "done", "event_id", "policy_id", "reason", "region", "secret_arn", "secret_name", "severity", "source", "time", "type"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("message fields %v, want %v", keys, want)
	}
	if body["account_id"] != acct || body["region"] != region || body["source"] != "secretwarden" {
		t.Fatalf("body: %v", body)
	}
}

func TestSubjectIsShortASCII(t *testing.T) {
	long := "arn:aws:secretsmanager:us-east-1:111122223333:secret:" + strings.Repeat("ü/very-long-name", 20) + "-AbCdEf"
	s := action.Subject(action.Alert{SecretARN: long, SecretName: strings.Repeat("ü\nx", 60), PolicyID: "rotation-enabled", Severity: "high"})
	if len(s) >= 100 {
		t.Fatalf("subject has %d characters, SNS wants fewer than 100", len(s))
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			t.Fatalf("subject has %q", r)
		}
	}
	if got := action.Subject(action.Alert{Type: action.AlertBreaker, AccountID: acct, Severity: "high"}); !strings.Contains(got, "circuit open") {
		t.Fatalf("breaker subject %q", got)
	}
}

func TestPublishDryRunSendsNothing(t *testing.T) {
	f := &fakeSNS{}
	sent, err := (&action.SNS{API: f, TopicARN: topic, DryRun: true}).Publish(context.Background(), action.Alert{Severity: "low"})
	if err != nil || sent || len(f.in) != 0 {
		t.Fatalf("dry run: %v %v %d", sent, err, len(f.in))
	}
}

func TestModes(t *testing.T) {
	m, err := action.ParseModes(`{"resource-policy-exposed": "enforce", "*": "alert-only"}`)
	if err != nil {
		t.Fatal(err)
	}
	if m.For("resource-policy-exposed") != action.ModeEnforce || m.For("other") != action.ModeAlertOnly {
		t.Fatalf("modes: %v", m)
	}
	m, _ = action.ParseModes("")
	if m.For("anything") != action.ModeAlertOnly {
		t.Fatal("alert-only is the default")
	}
	if _, err := action.ParseModes(`{"x": "yolo"}`); err == nil || !strings.Contains(err.Error(), `x: "yolo"`) {
		t.Fatalf("bad mode: %v", err)
	}
	if _, err := action.ParseModes(`["enforce"]`); err == nil {
		t.Fatal("not an object")
	}
}
