package policy_test

import (
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/policy"
)

// Which checks need which part of the input is read from the Rego: this
// table is what the built-in checks read today, and the test fails when a
// check's rules start or stop reading a part.
func TestNeedsIsDerivedFromTheRules(t *testing.T) {
	e := newEngine(t)
	for part, want := range map[string]string{
		"resource_policy":                             "no-external-access,no-wildcard-principal",
		"kms_key":                                     "kms-customer-managed",
		"replica_kms_keys.eu-west-1":                  "kms-customer-managed",
		"organization.account_ids":                    "no-external-access",
		"secret.RotationRules.AutomaticallyAfterDays": "rotation-enabled,rotation-succeeding",
		"secret.NextRotationDate":                     "rotation-succeeding",
		"secret.Tags":                                 "required-tags",
		"secret.DeletedDate":                          "kms-customer-managed,no-external-access,no-wildcard-principal,replication-present,required-tags,rotated-recently,rotation-enabled,rotation-succeeding,unused",
	} {
		var got []string
		for _, c := range e.Checks() {
			if e.Needs(&c, strings.Split(part, ".")) {
				got = append(got, c.ID)
			}
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s is needed by %v, want %s", part, got, want)
		}
	}
	// Derived parts count only for the checks that read them by name.
	var within []string
	for _, c := range e.Checks() {
		if e.NeedsWithin(&c, []string{"ages", "hours", "NextRotationDate"}) {
			within = append(within, c.ID)
		}
	}
	if strings.Join(within, ",") != "rotation-succeeding" {
		t.Errorf("ages.hours.NextRotationDate is read by %v", within)
	}
}

// A check of your own is analysed the same way, through the functions it
// calls.
func TestNeedsFollowsFunctionCalls(t *testing.T) {
	dir := writeRego(t, `# METADATA
# title: Policy has a statement
# scope: package
# custom:
#   id: has-statement
#   severity: low
package posture.has_statement

deny contains "no statement" if not has_statement

has_statement if count(statements) > 0

statements := object.get(input.resource_policy, "Statement", [])
`)
	e := newEngine(t, policy.DirSource(dir))
	var ch *policy.Check
	for _, c := range e.Checks() {
		if c.ID == "has-statement" {
			ch = &c
		}
	}
	if ch == nil {
		t.Fatal("custom check not loaded")
	}
	if !e.Needs(ch, []string{"resource_policy"}) || e.Needs(ch, []string{"kms_key"}) {
		t.Errorf("reads %v", e.Reads(ch))
	}
}
