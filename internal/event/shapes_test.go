package event_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/event"
)

// readTestFile reads a file of testdata/real-events.
func readTestFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realEventsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wrap puts a raw record into an EventBridge envelope as EventBridge delivers it.
func wrap(t *testing.T, record []byte, detailType string) []byte {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal(record, &rec); err != nil {
		t.Fatal(err)
	}
	env := map[string]any{
		"version": "0", "id": "eb-1", "detail-type": detailType, "source": "aws.secretsmanager",
		"account": rec["recipientAccountId"], "time": rec["eventTime"], "region": rec["awsRegion"],
		"resources": []any{}, "detail": rec,
	}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestShapes(t *testing.T) {
	rec := readTestFile(t, "05_GetSecretValue_stratus.json")
	var compact strings.Builder
	{
		var v any
		if err := json.Unmarshal(rec, &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		compact.Write(b)
	}
	line := compact.String()
	lookup, _ := json.Marshal(map[string]any{"Events": []any{map[string]any{"EventId": "x", "CloudTrailEvent": line}}})
	sqs, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{
		"messageId": "m1", "eventSource": "aws:sqs", "body": string(wrap(t, rec, event.DetailTypeAPICall)),
	}}})

	tests := []struct {
		name   string
		input  []byte
		n      int
		where  []string
		source string
	}{
		{"raw record", rec, 1, []string{"in"}, ""},
		{"envelope", wrap(t, rec, event.DetailTypeAPICall), 1, []string{"in"}, ""},
		{"log file", []byte(`{"Records":[` + line + `,` + line + `]}`), 2, []string{"in#1", "in#2"}, ""},
		{"array of envelopes", []byte(`[` + string(wrap(t, rec, event.DetailTypeAPICall)) + `,` + line + `]`), 2, []string{"in#1", "in#2"}, ""},
		{"array of log files", []byte(`[{"Records":[` + line + `]},{"Records":[` + line + `]}]`), 2, []string{"in#1#1", "in#2#1"}, ""},
		{"JSON Lines", []byte(line + "\n\n" + string(wrap(t, rec, event.DetailTypeAPICall)) + "\n"), 2, []string{"in:1", "in:3"}, ""},
		{"JSON Lines with CRLF", []byte(line + "\r\n" + line + "\r\n"), 2, []string{"in:1", "in:2"}, ""},
		{"concatenated documents", append(append([]byte{}, rec...), rec...), 2, []string{"in", "in:34"}, ""},
		{"byte order mark", append([]byte("\xEF\xBB\xBF"), rec...), 1, []string{"in"}, ""},
		{"lookup-events output", lookup, 1, []string{"in#1"}, ""},
		{"SQS message", sqs, 1, []string{"in#1"}, ""},
		{"empty log file", []byte(`{"Records":[]}`), 0, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, errs := decodeNoPanic(t, tt.input, "in")
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(evs) != tt.n {
				t.Fatalf("got %d events, want %d", len(evs), tt.n)
			}
			for i, ev := range evs {
				if ev.Where != tt.where[i] {
					t.Errorf("event %d Where = %q, want %q", i, ev.Where, tt.where[i])
				}
				if ev.Name != "GetSecretValue" || ev.AccountID != "903144391865" || ev.Secret.Name != "stratus-red-team-retrieve-secret-18" {
					t.Errorf("event %d = %s %s %+v", i, ev.Name, ev.AccountID, ev.Secret)
				}
			}
		})
	}
}

func TestEnvelopeFallbacks(t *testing.T) {
	in := `{"version":"0","id":"eb-9","detail-type":"AWS Service Event via CloudTrail","source":"aws.secretsmanager",
	"account":"111122223333","time":"2024-05-06T07:08:09Z","region":"eu-central-1",
	"detail":{"eventName":"RotationSucceeded","userIdentity":{"accountId":"111122223333","invokedBy":"secretsmanager.amazonaws.com"},
	"serviceEventDetails":{"SecretId":"arn:aws:secretsmanager:eu-central-1:111122223333:secret:app/key-AbC123"}}}`
	evs, errs := decodeNoPanic(t, []byte(in), "env.json")
	if len(errs) != 0 || len(evs) != 1 {
		t.Fatalf("%d events, errors %v", len(evs), errs)
	}
	ev := evs[0]
	if ev.ID != "eb-9" || ev.AccountID != "111122223333" || ev.Region != "eu-central-1" || ev.Time.Format("2006-01-02T15:04:05Z07:00") != "2024-05-06T07:08:09Z" {
		t.Errorf("fallbacks: id %q account %q region %q time %v", ev.ID, ev.AccountID, ev.Region, ev.Time)
	}
	if ev.Kind != event.KindServiceEvent || ev.Source != "secretsmanager.amazonaws.com" {
		t.Errorf("Kind %q Source %q", ev.Kind, ev.Source)
	}
	if ev.Secret.ARN != "arn:aws:secretsmanager:eu-central-1:111122223333:secret:app/key-AbC123" || ev.Secret.Name != "app/key" {
		t.Errorf("secret from serviceEventDetails = %+v", ev.Secret)
	}
	if ev.Actor.Type != "AWSService" {
		t.Errorf("actor type %q", ev.Actor.Type)
	}
}

func TestOtherServicesDecoded(t *testing.T) {
	in := `{"Records":[
	{"eventName":"AssumeRole","eventSource":"sts.amazonaws.com","eventTime":"2024-01-02T03:04:05Z","recipientAccountId":"111122223333"},
	{"eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com","eventType":"AwsConsoleSignIn","eventTime":"2024-01-02T03:04:06Z"}]}`
	evs, errs := decodeNoPanic(t, []byte(in), "ct.json")
	if len(errs) != 0 || len(evs) != 2 {
		t.Fatalf("%d events, errors %v: other services must decode without error", len(evs), errs)
	}
	if evs[0].Source != "sts.amazonaws.com" || evs[1].Source != "signin.amazonaws.com" {
		t.Errorf("sources %q %q", evs[0].Source, evs[1].Source)
	}
}

func TestGuardDuty(t *testing.T) {
	envelope := `{
  "version": "0", "id": "c8c4daa7-a20c-2f03-0070-b7393dd542ad", "detail-type": "GuardDuty Finding",
  "source": "aws.guardduty", "account": "123456789012", "time": "2024-03-01T10:20:30Z", "region": "us-east-1",
  "resources": [],
  "detail": {
    "schemaVersion": "2.0", "accountId": "444455556666", "region": "us-west-2", "partition": "aws",
    "id": "16afba5c5c43e07c9e3e5e2e544e95df",
    "arn": "arn:aws:guardduty:us-west-2:444455556666:detector/123/finding/16afba5c5c43e07c9e3e5e2e544e95df",
    "type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "resource": {"resourceType": "AccessKey", "accessKeyDetails": {"accessKeyId": "ASIAEXAMPLEKEY", "principalId": "AROAEXAMPLE:i-0abc", "userName": "app-role", "userType": "AssumedRole"}},
    "service": {"serviceName": "guardduty", "action": {"actionType": "AWS_API_CALL", "awsApiCallAction": {"api": "GetSecretValue", "serviceName": "secretsmanager.amazonaws.com", "remoteIpDetails": {"ipAddressV4": "198.51.100.7"}}}},
    "severity": 8, "createdAt": "2024-03-01T10:15:00.000Z", "updatedAt": "2024-03-01T10:19:59.123Z",
    "title": "Credentials for instance role app-role used from external IP address."
  }
}`
	bare := `{"Findings":[{"SchemaVersion":"2.0","AccountId":"444455556666","Region":"us-west-2","Id":"f2",
	"Type":"CredentialAccess:IAMUser/AnomalousBehavior","Severity":"5.5","UpdatedAt":"2024-03-02T00:00:00Z",
	"Resource":{"ResourceType":"AccessKey","AccessKeyDetails":{"AccessKeyId":"AKIAEXAMPLE","UserName":"alice","UserType":"IAMUser"}}}]}`

	evs, errs := decodeNoPanic(t, []byte(envelope), "gd.json")
	if len(errs) != 0 || len(evs) != 1 {
		t.Fatalf("%d events, errors %v", len(evs), errs)
	}
	ev := evs[0]
	g := ev.GuardDuty
	if ev.Name != event.NameGuardDutyFinding || ev.Kind != event.KindGuardDuty || g == nil {
		t.Fatalf("event %s %s %v", ev.Name, ev.Kind, g)
	}
	if ev.ID != "16afba5c5c43e07c9e3e5e2e544e95df" || ev.AccountID != "444455556666" || ev.Region != "us-west-2" {
		t.Errorf("id %q account %q region %q", ev.ID, ev.AccountID, ev.Region)
	}
	if g.Type != "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS" || g.Severity != 8 ||
		g.AccessKeyID != "ASIAEXAMPLEKEY" || g.PrincipalID != "AROAEXAMPLE:i-0abc" || g.UserName != "app-role" || g.UserType != "AssumedRole" {
		t.Errorf("finding = %+v", g)
	}
	if ev.Actor.Type != "AssumedRole" || ev.Actor.AccessKeyID != "ASIAEXAMPLEKEY" || ev.Actor.PrincipalARN != "arn:aws:iam::444455556666:role/app-role" {
		t.Errorf("actor = %+v", ev.Actor)
	}
	if ev.SourceIP != "198.51.100.7" || ev.Time.Format("15:04:05.000") != "10:19:59.123" {
		t.Errorf("SourceIP %q Time %v", ev.SourceIP, ev.Time)
	}
	if ev.Additional["api"] != "GetSecretValue" {
		t.Errorf("Additional = %v", ev.Additional)
	}

	evs, errs = decodeNoPanic(t, []byte(bare), "findings.json")
	if len(errs) != 0 || len(evs) != 1 {
		t.Fatalf("bare: %d events, errors %v", len(evs), errs)
	}
	ev = evs[0]
	if ev.Kind != event.KindGuardDuty || ev.GuardDuty.Severity != 5.5 || ev.GuardDuty.Type != "CredentialAccess:IAMUser/AnomalousBehavior" ||
		ev.Actor.PrincipalARN != "arn:aws:iam::444455556666:user/alice" || ev.Where != "findings.json#1" {
		t.Errorf("bare finding = %+v %+v", ev, ev.GuardDuty)
	}
}

func TestRecordWithoutEventIDGetsStableContentID(t *testing.T) {
	rec := []byte(`{"eventName":"DescribeSecret","eventTime":"2026-11-15T10:00:00Z","eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"x"}}`)
	a, errs := event.Decode(rec, "a.json")
	b, _ := event.Decode(rec, "b.json")
	if len(errs) != 0 || len(a) != 1 {
		t.Fatalf("decode: %v", errs)
	}
	if !strings.HasPrefix(a[0].ID, "sha256:") || a[0].ID != b[0].ID {
		t.Fatalf("ids %q %q", a[0].ID, b[0].ID)
	}
	other, _ := event.Decode([]byte(strings.Replace(string(rec), `"x"`, `"y"`, 1)), "c.json")
	if other[0].ID == a[0].ID {
		t.Fatal("different records share an id")
	}
}
