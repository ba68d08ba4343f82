package event_test

import (
	"testing"

	"github.com/secretwarden/warden/internal/event"
)

func TestParseSecretARN(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want event.SecretARN
	}{
		{"arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3", true,
			event.SecretARN{Partition: "aws", Region: "us-east-2", AccountID: "123456789012", Name: "MyDatabaseSecret", Suffix: "a1b2c3", Full: true}},
		{"arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:prod/db/main-AbC123", true,
			event.SecretARN{Partition: "aws-us-gov", Region: "us-gov-west-1", AccountID: "123456789012", Name: "prod/db/main", Suffix: "AbC123", Full: true}},
		{"arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret", true,
			event.SecretARN{Partition: "aws", Region: "us-east-2", AccountID: "123456789012", Name: "MyDatabaseSecret"}},
		{"arn:aws:secretsmanager:us-east-2:123456789012:secret:my-secret-1234567", true, // 7 characters: no suffix
			event.SecretARN{Partition: "aws", Region: "us-east-2", AccountID: "123456789012", Name: "my-secret-1234567"}},
		{"arn:aws:secretsmanager:us-east-2:123456789012:secret:a-b_c$d", true, // suffix characters are letters and digits
			event.SecretARN{Partition: "aws", Region: "us-east-2", AccountID: "123456789012", Name: "a-b_c$d"}},
		{"arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:x-abcdef", true,
			event.SecretARN{Partition: "aws", Region: "<REGION>", AccountID: "<ACCOUNT_ID>", Name: "x", Suffix: "abcdef", Full: true}},
		{"arn:aws:secretsmanager:us-east-2:123456789012:secret:-abcdef", true, // nothing before the suffix: a name
			event.SecretARN{Partition: "aws", Region: "us-east-2", AccountID: "123456789012", Name: "-abcdef"}},
		{"MyDatabaseSecret", false, event.SecretARN{}},
		{"arn:aws:kms:us-east-2:123456789012:key/abc", false, event.SecretARN{}},
		{"arn:aws:secretsmanager:us-east-2:123456789012:secret:", false, event.SecretARN{}},
		{"arn:aws:secretsmanager:us-east-2:123456789012:other:x", false, event.SecretARN{}},
		{"", false, event.SecretARN{}},
	}
	for _, tt := range tests {
		got, ok := event.ParseSecretARN(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseSecretARN(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if ok {
			tt.want.Raw = tt.in
		}
		if got != tt.want {
			t.Errorf("ParseSecretARN(%q) =\n %+v\nwant\n %+v", tt.in, got, tt.want)
		}
	}
}

func TestSecretRefMatches(t *testing.T) {
	const full = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123"
	const other = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db2-XyZ789"
	tests := []struct {
		ref       string
		arn, name string
		want      bool
	}{
		{full, full, "prod/db", true},
		{full, other, "prod/db2", false},
		{"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db", full, "prod/db", true},
		{"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db", full, "", true},
		{"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/d", full, "prod/db", false},
		{"arn:aws:secretsmanager:us-west-2:111122223333:secret:prod/db", full, "prod/db", false},
		{"prod/db", full, "prod/db", true},
		{"prod/db", full, "", true},
		{"prod/db", other, "prod/db2", false},
		{"", full, "prod/db", false},
	}
	for _, tt := range tests {
		r := event.NewSecretRef(tt.ref)
		if got := r.Matches(tt.arn, tt.name); got != tt.want {
			t.Errorf("NewSecretRef(%q).Matches(%q, %q) = %v, want %v", tt.ref, tt.arn, tt.name, got, tt.want)
		}
	}
}

func TestSecretRefResolved(t *testing.T) {
	const full = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123"
	r := event.NewSecretRef("prod/db")
	if r.ARN != "" || r.Name != "prod/db" || r.Raw != "prod/db" {
		t.Fatalf("NewSecretRef = %+v", r)
	}
	got := r.Resolved(full)
	if got != (event.SecretRef{Raw: "prod/db", ARN: full, Name: "prod/db"}) {
		t.Errorf("Resolved = %+v", got)
	}
	if got := r.Resolved("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db"); got != r {
		t.Errorf("Resolved with a partial ARN = %+v, want unchanged", got)
	}
	if !(event.SecretRef{}).IsZero() || event.NewSecretRef("  ") != (event.SecretRef{}) {
		t.Error("empty reference is not zero")
	}
}

func TestSecretExtraction(t *testing.T) {
	const a1 = "arn:aws:secretsmanager:us-east-1:111122223333:secret:one-AAAAAA"
	const a2 = "arn:aws:secretsmanager:us-east-1:111122223333:secret:two-BBBBBB"
	tests := []struct {
		name    string
		record  string
		want    event.SecretRef
		secrets []event.SecretRef
	}{
		{
			name:    "BatchGetSecretValue secretIdList",
			record:  `{"eventName":"BatchGetSecretValue","requestParameters":{"secretIdList":["` + a1 + `","two"]}}`,
			want:    event.SecretRef{Raw: a1, ARN: a1, Name: "one"},
			secrets: []event.SecretRef{{Raw: a1, ARN: a1, Name: "one"}, {Raw: "two", Name: "two"}},
		},
		{
			name:   "CreateSecret with aRN",
			record: `{"eventName":"CreateSecret","requestParameters":{"name":"one"},"responseElements":{"aRN":"` + a1 + `"}}`,
			want:   event.SecretRef{Raw: "one", ARN: a1, Name: "one"},
		},
		{
			name:   "resources ARN completes a name",
			record: `{"eventName":"TagResource","requestParameters":{"secretId":"two"},"resources":[{"accountId":"111122223333","type":"AWS::SecretsManager::Secret","ARN":"` + a2 + `"}]}`,
			want:   event.SecretRef{Raw: "two", ARN: a2, Name: "two"},
		},
		{
			name:   "response ARN of another secret is not used",
			record: `{"eventName":"UpdateSecret","requestParameters":{"secretId":"two"},"responseElements":{"arn":"` + a1 + `"}}`,
			want:   event.SecretRef{Raw: "two", Name: "two"},
		},
		{
			name:   "resources alone (lower-case arn)",
			record: `{"eventName":"RotationSucceeded","eventType":"AwsServiceEvent","resources":[{"arn":"arn:aws:kms:us-east-1:111122223333:key/k"},{"arn":"` + a2 + `"}]}`,
			want:   event.SecretRef{Raw: a2, ARN: a2, Name: "two"},
		},
		{
			name:   "rotation event SecretId",
			record: `{"eventName":"RotationStarted","eventType":"AwsServiceEvent","additionalEventData":{"SecretId":"` + a1 + `"}}`,
			want:   event.SecretRef{Raw: a1, ARN: a1, Name: "one"},
		},
		{
			name:   "ListSecrets names none",
			record: `{"eventName":"ListSecrets","requestParameters":{"filters":[{"key":"name","values":["one"]}]}}`,
		},
		{
			name:   "name is only a secret for CreateSecret",
			record: `{"eventName":"ListSecrets","requestParameters":{"name":"one"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.record[:len(tt.record)-1] + `,"eventTime":"2024-01-01T00:00:00Z"}`
			evs, errs := decodeNoPanic(t, []byte(rec), "s.json")
			if len(errs) != 0 || len(evs) != 1 {
				t.Fatalf("%d events, errors %v", len(evs), errs)
			}
			if evs[0].Secret != tt.want {
				t.Errorf("Secret = %+v, want %+v", evs[0].Secret, tt.want)
			}
			if len(evs[0].Secrets) != len(tt.secrets) {
				t.Fatalf("Secrets = %+v, want %+v", evs[0].Secrets, tt.secrets)
			}
			for i := range tt.secrets {
				if evs[0].Secrets[i] != tt.secrets[i] {
					t.Errorf("Secrets[%d] = %+v, want %+v", i, evs[0].Secrets[i], tt.secrets[i])
				}
			}
		})
	}
}
