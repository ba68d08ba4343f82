package event_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/event"
)

// readFields are the fields DecodeRead fills, for comparison with Decode.
func readFields(ev event.Event) event.Event {
	a := ev.Actor
	a.MFAAuthenticated, a.FromConsole, a.InOrganization = false, false, nil
	return event.Event{ID: ev.ID, Name: ev.Name, Kind: ev.Kind, Source: ev.Source, Time: ev.Time, AccountID: ev.AccountID,
		Region: ev.Region, ErrorCode: ev.ErrorCode, Actor: a, Secret: ev.Secret, Secrets: ev.Secrets}
}

// envelopeOf wraps a CloudTrail record as EventBridge delivers it to SQS.
func envelopeOf(t testing.TB, rec map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"version": "0", "id": "env-id", "detail-type": "AWS API Call via CloudTrail", "source": "aws.secretsmanager",
		"account": "999999999999", "time": "2026-11-14T11:20:17Z", "region": "eu-west-1", "resources": []any{}, "detail": rec,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readRecords are read records: real and sample ones, and variants of the
// shapes the fast decoder must read exactly as Decode does.
func readRecords(t testing.TB) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	var files []string
	for _, glob := range []string{"../../testdata/real-events/*GetSecretValue*.json", "../../testdata/events/*GetSecretValue*.json"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 6 {
		t.Fatalf("only %d read events found", len(files))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		evsBody := strings.TrimSpace(string(b))
		for i, line := range strings.Split(evsBody, "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				if err := json.Unmarshal(b, &rec); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if d, ok := rec["detail"].(map[string]any); ok {
					rec = d
				}
				out[filepath.Base(p)] = rec
				break
			}
			if d, ok := rec["detail"].(map[string]any); ok {
				rec = d
			}
			out[filepath.Base(p)+"#"+string(rune('0'+i))] = rec
		}
	}
	base := out["05_GetSecretValue_payments-db-primary-app-role.json"]
	if base == nil {
		t.Fatal("sample 05 missing")
	}
	variant := func(name string, change func(m map[string]any)) {
		b, _ := json.Marshal(base)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		change(m)
		out[name] = m
	}
	variant("by-name-with-resources", func(m map[string]any) {
		m["requestParameters"] = map[string]any{"secretId": "payments/db-primary"}
		m["resources"] = []any{map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/db-primary-Kw0EJ3", "type": "AWS::SecretsManager::Secret"}}
	})
	variant("partial-arn", func(m map[string]any) {
		m["requestParameters"] = map[string]any{"secretId": "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/db-primary"}
	})
	variant("batch-list", func(m map[string]any) {
		m["eventName"] = "BatchGetSecretValue"
		m["requestParameters"] = map[string]any{"secretIdList": []any{"payments/a", "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/b-AbCdEf"}}
	})
	variant("access-denied", func(m map[string]any) {
		m["errorCode"] = "AccessDenied"
		m["errorMessage"] = "User is not authorized"
	})
	variant("no-identity", func(m map[string]any) { delete(m, "userIdentity") })
	variant("empty-identity", func(m map[string]any) { m["userIdentity"] = map[string]any{} })
	variant("service", func(m map[string]any) {
		m["userIdentity"] = map[string]any{"invokedBy": "cloudformation.amazonaws.com"}
	})
	variant("root", func(m map[string]any) {
		m["userIdentity"] = map[string]any{"type": "Root", "accountId": "334455667788", "principalId": "334455667788"}
	})
	variant("session-without-issuer", func(m map[string]any) {
		id := m["userIdentity"].(map[string]any)
		delete(id, "sessionContext")
	})
	variant("no-event-id-or-account", func(m map[string]any) {
		delete(m, "eventID")
		delete(m, "recipientAccountId")
	})
	variant("additional-secret-id", func(m map[string]any) {
		delete(m, "requestParameters")
		m["additionalEventData"] = map[string]any{"SecretId": "arn:aws:secretsmanager:us-east-1:334455667788:secret:x-AbCdEf", "other": 3}
	})
	variant("upper-case-keys", func(m map[string]any) {
		m["RequestParameters"] = m["requestParameters"]
		delete(m, "requestParameters")
	})
	return out
}

func TestDecodeReadAgreesWithDecode(t *testing.T) {
	for name, rec := range readRecords(t) {
		t.Run(name, func(t *testing.T) {
			body := envelopeOf(t, rec)
			fast, ok := event.DecodeRead(body)
			if !ok {
				t.Fatalf("DecodeRead refused a plain read envelope")
			}
			evs, errs := event.Decode(body, "body")
			if len(evs) != 1 || len(errs) != 0 {
				t.Fatalf("Decode: %d events %v", len(evs), errs)
			}
			if got, want := readFields(fast), readFields(evs[0]); !reflect.DeepEqual(got, want) {
				t.Errorf("DecodeRead\n %+v\nDecode\n %+v", got, want)
			}
			if fast.Request != nil || fast.Response != nil {
				t.Error("DecodeRead keeps no request or response")
			}
		})
	}
}

func TestDecodeReadFallsBack(t *testing.T) {
	rec := readRecords(t)["05_GetSecretValue_payments-db-primary-app-role.json"]
	bad := map[string]string{
		"not json":         `{"detail-type":`,
		"array":            `[` + string(envelopeOf(t, rec)) + `]`,
		"raw record":       mustJSON(t, rec),
		"other event":      strings.Replace(string(envelopeOf(t, rec)), `"GetSecretValue"`, `"PutResourcePolicy"`, 1),
		"number errorCode": strings.Replace(string(envelopeOf(t, rec)), `"eventName"`, `"errorCode":403,"eventName"`, 1),
		"epoch time":       strings.Replace(string(envelopeOf(t, rec)), `"eventTime":"2026-11-14T11:20:17Z"`, `"eventTime":1700000000`, 1),
		"bad time":         strings.Replace(string(envelopeOf(t, rec)), `"eventTime":"2026-11-14T11:20:17Z"`, `"eventTime":"yesterday"`, 1),
		"object list":      strings.Replace(string(envelopeOf(t, rec)), `"requestParameters":{`, `"requestParameters":{"secretIdList":[{"secretId":"a"}],`, 1),
		"identity string":  strings.Replace(string(envelopeOf(t, rec)), `"userIdentity":{`, `"userIdentity":"x","u":{`, 1),
		"other source":     strings.Replace(string(envelopeOf(t, rec)), `"secretsmanager.amazonaws.com"`, `"kms.amazonaws.com"`, 1),
	}
	for name, body := range bad {
		if ev, ok := event.DecodeRead([]byte(body)); ok {
			t.Errorf("%s: DecodeRead accepted it: %+v", name, ev)
		}
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzDecodeRead checks that DecodeRead never panics and, whenever it
// accepts an input, agrees with Decode on every field it fills.
func FuzzDecodeRead(f *testing.F) {
	for _, rec := range readRecords(f) {
		f.Add(envelopeOf(f, rec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := event.DecodeRead(data)
		if !ok || !canonical(data) {
			return
		}
		evs, errs := event.Decode(data, "fuzz")
		if len(evs) != 1 || len(errs) != 0 {
			t.Fatalf("DecodeRead accepted what Decode does not decode to one event: %d %v", len(evs), errs)
		}
		if got, want := readFields(fast), readFields(evs[0]); !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeRead\n %+v\nDecode\n %+v", got, want)
		}
	})
}

// canonical reports whether data is JSON as CloudTrail and EventBridge
// write it: no two keys of one object equal under case folding (Decode
// prefers the exact key of such a pair, DecodeRead does not tell them
// apart), and the envelope's "detail" and "detail-type" in that case
// (Decode tells an envelope by those exact keys).
func canonical(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	for k := range top {
		for _, want := range []string{"detail", "detail-type"} {
			if strings.EqualFold(k, want) && k != want {
				return false
			}
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	var walk func() bool
	walk = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				key := strings.ToLower(k.(string))
				if seen[key] {
					return false
				}
				seen[key] = true
				if !walk() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		case json.Delim('['):
			for dec.More() {
				if !walk() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		}
		return true
	}
	return walk()
}
