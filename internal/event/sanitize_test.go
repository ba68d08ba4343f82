package event_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/event"
)

// TestNoSecretMaterial plants secret values everywhere a record can carry
// them and proves none reaches json.Marshal(event).
func TestNoSecretMaterial(t *testing.T) {
	const marker = "TOPSECRET-7f3a"
	records := []string{
		// PutSecretValue with the value in the request, masked and unmasked.
		`{"eventName":"PutSecretValue","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"secretId":"app","SecretString":"HIDDEN_DUE_TO_SECURITY_REASONS ` + marker + `","secretBinary":"` + marker + `"}}`,
		// CreateSecret with tags, KMS key and replicas that must stay.
		`{"eventName":"CreateSecret","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"name":"app","secretString":"` + marker + `","kmsKeyId":"alias/app",
		 "tags":[{"key":"owner","value":"team"}],"addReplicaRegions":[{"region":"eu-west-1"}],"forceOverwriteReplicaSecret":false}}`,
		// GetRandomPassword: the password is in the response; its length setting stays.
		`{"eventName":"GetRandomPassword","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"passwordLength":32,"excludePunctuation":true},"responseElements":{"randomPassword":"` + marker + `"}}`,
		// BatchGetSecretValue response with values, nested.
		`{"eventName":"BatchGetSecretValue","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"secretIdList":["a","b"]},
		 "responseElements":{"secretValues":[{"name":"a","secretString":"` + marker + `"},{"name":"b","SECRETBINARY":"` + marker + `"}]}}`,
		// UpdateSecret with the value and a rotation rule, and a password-like field.
		`{"eventName":"UpdateSecret","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"secretId":"app","newSecretString":"` + marker + `","masterUserPassword":"` + marker + `",
		 "rotationRules":{"automaticallyAfterDays":30},"description":"d"}}`,
		// Values in additionalEventData and serviceEventDetails.
		`{"eventName":"RotationSucceeded","eventTime":"2024-01-01T00:00:00Z","additionalEventData":{"SecretId":"app","SecretString":"` + marker + `"},"serviceEventDetails":{"password":["` + marker + `"]}}`,
		// A value object under a password key.
		`{"eventName":"PutSecretValue","eventTime":"2024-01-01T00:00:00Z","requestParameters":{"secretId":"app","password":{"v":"` + marker + `"}}}`,
	}
	for i, rec := range records {
		evs, errs := decodeNoPanic(t, []byte(rec), "planted.json")
		if len(errs) != 0 || len(evs) != 1 {
			t.Fatalf("record %d: %d events, errors %v", i, len(evs), errs)
		}
		b, err := json.Marshal(evs[0])
		if err != nil {
			t.Fatal(err)
		}
		out := string(b)
		if strings.Contains(out, marker) || strings.Contains(out, "HIDDEN_DUE_TO_SECURITY_REASONS") {
			t.Errorf("record %d: secret material in %s", i, out)
		}
		if strings.Contains(strings.ToLower(out), "secretstring") || strings.Contains(strings.ToLower(out), "secretbinary") {
			t.Errorf("record %d: secret field kept in %s", i, out)
		}
	}

	// What is not secret material stays.
	evs, _ := event.Decode([]byte(records[1]), "x")
	req := evs[0].Request
	for _, k := range []string{"name", "kmsKeyId", "tags", "addReplicaRegions", "forceOverwriteReplicaSecret"} {
		if _, ok := req[k]; !ok {
			t.Errorf("CreateSecret request lost %s: %v", k, req)
		}
	}
	evs, _ = event.Decode([]byte(records[2]), "x")
	if evs[0].Request["passwordLength"] != float64(32) || evs[0].Request["excludePunctuation"] != true {
		t.Errorf("GetRandomPassword settings lost: %v", evs[0].Request)
	}
	evs, _ = event.Decode([]byte(records[4]), "x")
	if _, ok := evs[0].Request["rotationRules"]; !ok {
		t.Errorf("rotationRules lost: %v", evs[0].Request)
	}
}

func TestSanitizeDoesNotMutate(t *testing.T) {
	in := map[string]any{"secretString": "s", "nested": map[string]any{"SecretBinary": "b", "keep": 1.0}, "list": []any{map[string]any{"randomPassword": "p"}}}
	out := event.Sanitize(in)
	if _, ok := in["secretString"]; !ok {
		t.Error("Sanitize changed its input")
	}
	if _, ok := in["nested"].(map[string]any)["SecretBinary"]; !ok {
		t.Error("Sanitize changed a nested input")
	}
	b, _ := json.Marshal(out)
	if string(b) != `{"list":[{}],"nested":{"keep":1}}` {
		t.Errorf("Sanitize = %s", b)
	}
	if event.Sanitize(nil) != nil {
		t.Error("Sanitize(nil) != nil")
	}
}
