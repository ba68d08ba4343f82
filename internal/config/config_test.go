package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/snapshot"
)

func doc(t *testing.T, s string) map[string]any {
	t.Helper()
	m, err := DecodeObject([]byte(s), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const base = `{"warden":{"params":{"defaults":{"max_rotation_days":90,"required_tag_keys":["owner"],"required_replica_regions":[]},"overrides":[]},"exceptions":[]}}`

func TestMergeAppendsListsAndReplacesValues(t *testing.T) {
	m := Merge(doc(t, base), doc(t, `{"warden":{"params":{"defaults":{"max_rotation_days":30},
	  "overrides":[{"match":{"account":"1"},"params":{"max_rotation_days":7}}]},
	  "exceptions":[{"id":"E1"}]}}`))
	w := m["warden"].(map[string]any)
	p := w["params"].(map[string]any)
	if got := p["defaults"].(map[string]any)["max_rotation_days"]; got.(interface{ String() string }).String() != "30" {
		t.Errorf("default not replaced: %v", got)
	}
	if _, ok := p["defaults"].(map[string]any)["required_tag_keys"]; !ok {
		t.Error("untouched default lost")
	}
	if n := len(p["overrides"].([]any)); n != 1 {
		t.Errorf("overrides: %d", n)
	}
	if n := len(w["exceptions"].([]any)); n != 1 {
		t.Errorf("exceptions: %d", n)
	}
}

func TestParamsOverridesBySpecificity(t *testing.T) {
	c, err := Parse(Merge(doc(t, base), doc(t, `{"warden":{"params":{"overrides":[
	  {"match":{"tag":{"Key":"tier","Value":"gold"}},"params":{"max_rotation_days":7}},
	  {"match":{"account":"222222222222"},"params":{"max_rotation_days":30}},
	  {"match":{"ou_path":"r-1/ou-prod*"},"params":{"max_rotation_days":60,"required_replica_regions":["eu-west-1"]}}
	]}}}`)))
	if err != nil {
		t.Fatal(err)
	}
	prod := &snapshot.Account{ID: "222222222222", OuPath: "r-1/ou-prod-eu"}
	dev := &snapshot.Account{ID: "333333333333", OuPath: "r-1/ou-dev"}
	gold := &snapshot.Secret{ARN: "arn:x", Tags: []snapshot.Tag{{Key: "tier", Value: "gold"}}}
	plain := &snapshot.Secret{ARN: "arn:y"}
	num := func(m map[string]any) string { return fmt.Sprint(m["max_rotation_days"]) }
	if got := num(c.Params.Resolve(prod, prod.ID, plain)); got != "30" {
		t.Errorf("account beats OU: got %s", got)
	}
	if got := num(c.Params.Resolve(prod, prod.ID, gold)); got != "7" {
		t.Errorf("tag beats account: got %s", got)
	}
	if got := num(c.Params.Resolve(dev, dev.ID, plain)); got != "90" {
		t.Errorf("default: got %s", got)
	}
	p := c.Params.Resolve(prod, prod.ID, plain)
	if r := p["required_replica_regions"].([]any); len(r) != 1 {
		t.Errorf("OU override lost under account override: %v", r)
	}
	if c.Params.Resolve(prod, prod.ID, plain)["max_rotation_days"] == nil {
		t.Error("cache broken")
	}
}

func TestParamsRejectUnknownNamesAndEmptyMatch(t *testing.T) {
	for body, want := range map[string]string{
		`{"warden":{"params":{"overrides":[{"match":{"account":"1"},"params":{"max_rotaton_days":1}}]}}}`: "unknown parameter",
		`{"warden":{"params":{"overrides":[{"match":{},"params":{}}]}}}`:                                  "match: empty",
		`{"warden":{"params":{"overrides":[{"match":{"acount":"1"}}]}}}`:                                  "unknown field",
	} {
		_, err := Parse(Merge(doc(t, base), doc(t, body)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", body, want, err)
		}
	}
}

func TestExceptionsValidatedAndExpire(t *testing.T) {
	c, err := Parse(Merge(doc(t, base), doc(t, `{"warden":{"exceptions":[
	  {"id":"E1","policy_id":"rotation-enabled","match":{"arn":"arn:aws:secretsmanager:*:111:secret:legacy/*"},"reason":"vendor","expires":"2027-01-01T00:00:00Z"}]}}`)))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Exceptions[0]
	s := &snapshot.Secret{ARN: "arn:aws:secretsmanager:us-east-1:111:secret:legacy/app/db-AbCdEf"}
	if !e.Applies("rotation-enabled", nil, "111", s) || e.Applies("unused", nil, "111", s) {
		t.Error("policy or ARN glob matching wrong")
	}
	if e.Expired(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)) || !e.Expired(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("expiry wrong")
	}
	for body, want := range map[string]string{
		`{"id":"E","policy_id":"x","match":{"account":"1"},"reason":"r"}`:                       "expires: missing (nothing is exempt forever)",
		`{"policy_id":"x","match":{"account":"1"},"reason":"r","expires":"2027-01-01"}`:         "id: missing",
		`{"id":"E","policy_id":"x","match":{},"reason":"r","expires":"2027-01-01"}`:             "match: empty",
		`{"id":"E","policy_id":"x","match":{"account":"1"},"expires":"2027-01-01"}`:             "reason: missing",
		`{"id":"E","policy_id":"x","match":{"account":"1"},"reason":"r","expires":"next year"}`: "parse time",
		`{"id":"E","match":{"account":"1"},"reason":"r","expires":"2027-01-01"}`:                "policy_id: missing",
	} {
		_, err := Parse(doc(t, `{"warden":{"exceptions":[`+body+`]}}`))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "warden.exceptions[0]") {
			t.Errorf("%s: want %q, got %v", body, want, err)
		}
	}
}

func TestMatchTagOnAccountOrSecret(t *testing.T) {
	m := Match{Tag: &snapshot.Tag{Key: "env", Value: "prod"}}
	acct := &snapshot.Account{ID: "1", Tags: []snapshot.Tag{{Key: "env", Value: "prod"}}}
	if !m.Matches(acct, "1", &snapshot.Secret{}) {
		t.Error("account tag should match")
	}
	if m.Matches(&snapshot.Account{ID: "1"}, "1", &snapshot.Secret{Tags: []snapshot.Tag{{Key: "env", Value: "dev"}}}) {
		t.Error("wrong value should not match")
	}
	if !(Match{Tag: &snapshot.Tag{Key: "env"}}).Matches(nil, "1", &snapshot.Secret{Tags: []snapshot.Tag{{Key: "env", Value: "x"}}}) {
		t.Error("key-only tag should match any value")
	}
	if (Match{}).Matches(acct, "1", &snapshot.Secret{}) {
		t.Error("empty match must select nothing")
	}
}
