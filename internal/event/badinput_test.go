package event_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/event"
)

// goodRecord is a minimal valid record; %s is replaced by its eventName.
const goodRecord = `{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","eventSource":"secretsmanager.amazonaws.com","recipientAccountId":"111122223333","awsRegion":"us-east-1","requestParameters":{"secretId":"prod/db"}}`

func TestBadInput(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		wantEvents int
		wantErr    string // the single error, exactly
	}{
		{
			name:    "empty file",
			input:   "  \n\t\n",
			wantErr: "in.json: empty input",
		},
		{
			name:    "malformed JSON document",
			input:   "{\n  \"eventName\": \"GetSecretValue\",\n  \"eventTime\": oops\n}",
			wantErr: "in.json: malformed JSON at line 3, column 16: invalid character 'o' looking for beginning of value",
		},
		{
			// The records read before the end are kept.
			name:       "truncated JSON document",
			input:      "{\n  \"Records\": [\n    " + goodRecord,
			wantEvents: 1,
			wantErr:    "in.json: malformed JSON: unexpected end of input",
		},
		{
			name:       "record without eventName among good ones",
			input:      `{"Records":[` + goodRecord + `,{"eventTime":"2024-01-02T03:04:05Z","eventSource":"secretsmanager.amazonaws.com"},` + goodRecord + `]}`,
			wantEvents: 2,
			wantErr:    "in.json#2: missing eventName",
		},
		{
			name:       "non-object in Records",
			input:      `{"Records":[` + goodRecord + `,42,` + goodRecord + `]}`,
			wantEvents: 2,
			wantErr:    "in.json#2: expected a JSON object, got a number",
		},
		{
			name:    "top-level string",
			input:   `"GetSecretValue"`,
			wantErr: "in.json: expected a JSON object, got a string",
		},
		{
			name:    "top-level null",
			input:   `null`,
			wantErr: "in.json: expected a JSON object, got null",
		},
		{
			name:       "array with a non-object",
			input:      `[` + goodRecord + `,[true]]`,
			wantEvents: 1,
			wantErr:    "in.json#2#1: expected a JSON object, got a boolean",
		},
		{
			name:       "eventName of the wrong type",
			input:      `[{"eventName":7,"eventTime":"2024-01-02T03:04:05Z"},` + goodRecord + `]`,
			wantEvents: 1,
			wantErr:    "in.json#1: eventName is a number, want a string",
		},
		{
			name:       "empty eventName",
			input:      `[{"eventName":"","eventTime":"2024-01-02T03:04:05Z"},` + goodRecord + `]`,
			wantEvents: 1,
			wantErr:    "in.json#1: missing eventName",
		},
		{
			name:       "missing eventTime",
			input:      `[{"eventName":"GetSecretValue"},` + goodRecord + `]`,
			wantEvents: 1,
			wantErr:    "in.json#1: missing eventTime",
		},
		{
			name:       "eventTime of the wrong type",
			input:      `[{"eventName":"GetSecretValue","eventTime":{"at":"noon"}},` + goodRecord + `]`,
			wantEvents: 1,
			wantErr:    "in.json#1: bad eventTime: time is an object, want a string",
		},
		{
			name:       "unparseable eventTime",
			input:      `[{"eventName":"GetSecretValue","eventTime":"yesterday"},` + goodRecord + `]`,
			wantEvents: 1,
			wantErr:    `in.json#1: bad eventTime: unrecognized time "yesterday"`,
		},
		{
			name:    "Records not an array",
			input:   `{"Records":{"eventName":"x"}}`,
			wantErr: "in.json: Records is an object, want an array",
		},
		{
			name:    "envelope without detail",
			input:   `{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager"}`,
			wantErr: `in.json: EventBridge event "AWS API Call via CloudTrail" has no detail`,
		},
		{
			name:    "envelope with a string detail",
			input:   `{"detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager","detail":"x"}`,
			wantErr: "in.json: EventBridge detail is a string, want an object",
		},
		{
			name:    "unsupported envelope",
			input:   `{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"state":"running"}}`,
			wantErr: `in.json: unsupported EventBridge event (source "aws.ec2", detail-type "EC2 Instance State-change Notification")`,
		},
		{
			name:       "JSON Lines with a malformed line",
			input:      goodRecord + "\n{\"eventName\": \n" + goodRecord + "\n",
			wantEvents: 2,
			wantErr:    "in.json:2: malformed JSON: unexpected end of input",
		},
		{
			name:       "JSON Lines whose first line is malformed",
			input:      "{\"eventName\": 1,\n" + goodRecord + "\n" + goodRecord + "\n",
			wantEvents: 2,
			wantErr:    "in.json:1: malformed JSON: unexpected end of input",
		},
		{
			// The records before the error are kept.
			name:       "pretty-printed log file with an error",
			input:      "{\"Records\": [\n" + goodRecord + ",\n" + goodRecord + ",\n" + goodRecord + ",\n]}\n",
			wantEvents: 3,
			wantErr:    "in.json: malformed JSON at line 5, column 1: invalid character ']' looking for beginning of value",
		},
		{
			name:    "one-line document with an error",
			input:   `{"eventName":"GetSecretValue",,"eventTime":"2024-01-02T03:04:05Z"}`,
			wantErr: "in.json: malformed JSON at column 31: invalid character ',' looking for beginning of object key string",
		},
		{
			name:       "JSON Lines with a record without eventName",
			input:      goodRecord + "\n\n{\"eventTime\":\"2024-01-02T03:04:05Z\"}\n" + goodRecord,
			wantEvents: 2,
			wantErr:    "in.json:3: missing eventName",
		},
		{
			name:    "arrays nested too deep",
			input:   strings.Repeat("[", 20) + strings.Repeat("]", 20),
			wantErr: "in.json" + strings.Repeat("#1", 8) + ": arrays nested more than 8 deep",
		},
		{
			name:       "bad embedded CloudTrailEvent",
			input:      `{"Events":[{"EventId":"1","CloudTrailEvent":"{not json"},{"CloudTrailEvent":` + quote(goodRecord) + `}]}`,
			wantEvents: 1,
			wantErr:    "in.json#1: decode embedded JSON: invalid character 'n' looking for beginning of object key string",
		},
		{
			name:       "GuardDuty envelope without type",
			input:      `[{"detail-type":"GuardDuty Finding","source":"aws.guardduty","time":"2024-01-02T03:04:05Z","detail":{"id":"x"}},` + goodRecord + `]`,
			wantEvents: 1,
			wantErr:    "in.json#1: GuardDuty finding has no type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, errs := decodeNoPanic(t, []byte(tt.input), "in.json")
			if len(evs) != tt.wantEvents {
				t.Errorf("got %d events, want %d", len(evs), tt.wantEvents)
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors %v, want exactly 1", len(errs), errs)
			}
			if got := errs[0].Error(); got != tt.wantErr {
				t.Errorf("error = %q\n want %q", got, tt.wantErr)
			}
			var de *event.DecodeError
			if !errors.As(errs[0], &de) || de.Where == "" || strings.Contains(de.Error(), "\n") {
				t.Errorf("error %#v: want a one-line *DecodeError with Where", errs[0])
			}
			for _, ev := range evs {
				if ev.Name != "GetSecretValue" || ev.Secret.Name != "prod/db" {
					t.Errorf("surviving event %s %+v", ev.Name, ev.Secret)
				}
			}
		})
	}
}

// TestWeirdTypes feeds non-essential fields of every unexpected JSON type:
// the record still decodes, without error, with those fields left empty.
func TestWeirdTypes(t *testing.T) {
	weird := []string{
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","userIdentity":"root"}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","userIdentity":[1,2],"requestParameters":[{"secretId":"x"}]}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","requestParameters":{"secretId":{"name":"x"}},"responseElements":"none"}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","requestParameters":{"secretId":null,"secretIdList":"x"}}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","sessionCredentialFromConsole":{"yes":true},"readOnly":"maybe"}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","userIdentity":{"type":7,"arn":[],"sessionContext":"x"}}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","userIdentity":{"sessionContext":{"sessionIssuer":"x","attributes":[]}}}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","resources":{"ARN":"x"},"additionalEventData":[],"serviceEventDetails":3}`,
		`{"eventName":"GetSecretValue","eventTime":"2024-01-02T03:04:05Z","resources":[null,1,{"ARN":5}],"errorCode":404,"recipientAccountId":111122223333}`,
		`{"eventName":"GetSecretValue","eventTime":1704164645,"awsRegion":false,"eventID":null,"vpcEndpointId":{}}`,
	}
	for i, in := range weird {
		evs, errs := decodeNoPanic(t, []byte(in), "weird.json")
		if len(errs) != 0 || len(evs) != 1 {
			t.Errorf("case %d: %d events, errors %v; want 1 event", i, len(evs), errs)
			continue
		}
		ev := evs[0]
		if ev.Name != "GetSecretValue" || ev.Actor.Type == "" {
			t.Errorf("case %d: event %+v", i, ev)
		}
		if ev.Secret.Raw != "" && ev.Secret.Raw != "x" {
			t.Errorf("case %d: secret %+v", i, ev.Secret)
		}
	}
}

// decodeNoPanic runs Decode, failing the test on a panic.
func decodeNoPanic(t *testing.T, data []byte, where string) (evs []event.Event, errs []error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Decode panicked: %v", r)
		}
	}()
	return event.Decode(data, where)
}

// quote renders s as a JSON string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
