package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func lookup(m map[string]any) Lookup { return func(k string) any { return m[k] } }

func valid() map[string]any {
	return map[string]any{
		KeyOrganizationID:        "o-a1b2c3d4e5",
		KeyOrganizationalUnitIDs: []any{"ou-ab12-cd34ef56"},
		KeyRegions:               []any{"us-east-1", "eu-west-1"},
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse(lookup(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if c.SweepSchedule != DefaultSweepSchedule || c.AuditRoleName != DefaultAuditRoleName ||
		!c.SecurityHub || c.DryRun || c.RotationDedupeMinutes != 60 || c.RotationAccountLimit != 10 ||
		c.RotationOrgLimit != 50 || c.StackSetCallAs != CallAsDelegatedAdmin || c.Concurrency != DefaultConcurrency ||
		c.ResponderRoleName != "SecretWardenResponder" || c.FindingsRoleName != "SecretWardenFindings" ||
		c.ReadEvents != ReadEventsAll || !c.Reads() || c.CloudTrailLakeEventDataStore != "" || c.PoliciesDir != "" || c.PolicyFiles != nil {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if got := c.ModesJSON(); got != "{}" {
		t.Fatalf("ModesJSON = %s", got)
	}
}

func TestParseCommandLineStrings(t *testing.T) {
	m := valid()
	m[KeyRegions] = "us-east-1, us-west-2"
	m[KeyOrganizationalUnitIDs] = `["r-ab12","ou-ab12-cd34ef56"]`
	m[KeyModes] = `{"no-external-access":"enforce","unused":"alert-only"}`
	m[KeyDryRun] = "true"
	m[KeyRotationOrgLimit] = "20"
	m[KeyConcurrency] = `{"sweep": 4, "reads": 3}`
	m[KeyReadEvents] = "off"
	m[KeyResponderRoleName] = "OrgResponder"
	m[KeyFindingsRoleName] = "OrgFindings"
	m[KeyCloudTrailLake] = "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
	c, err := Parse(lookup(m))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Regions, ",") != "us-east-1,us-west-2" || len(c.OrganizationalUnitIDs) != 2 ||
		!c.DryRun || c.RotationOrgLimit != 20 || c.Concurrency.Sweep != 4 || c.Concurrency.Evaluate != DefaultConcurrency.Evaluate ||
		c.Concurrency.Reads != 3 || c.Reads() || c.ResponderRoleName != "OrgResponder" || c.FindingsRoleName != "OrgFindings" ||
		!strings.HasSuffix(c.CloudTrailLakeEventDataStore, ":eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE") {
		t.Fatalf("unexpected %+v", c)
	}
	if !c.Enforced("no-external-access") || c.Enforced("unused") {
		t.Fatalf("modes %v", c.Modes)
	}
	if got := c.ModesJSON(); got != `{"no-external-access":"enforce","unused":"alert-only"}` {
		t.Fatalf("ModesJSON = %s", got)
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]struct {
		key string
		val any
	}{
		"org id":        {KeyOrganizationID, "o-short"},
		"org missing":   {KeyOrganizationID, nil},
		"ou":            {KeyOrganizationalUnitIDs, []any{"ou-bad"}},
		"ou empty":      {KeyOrganizationalUnitIDs, []any{}},
		"ou type":       {KeyOrganizationalUnitIDs, 3.0},
		"region":        {KeyRegions, []any{"us-east-1", "mars-1"}},
		"region dup":    {KeyRegions, []any{"us-east-1", "us-east-1"}},
		"email":         {KeyAlertEmails, []any{"not-an-email"}},
		"mode":          {KeyModes, map[string]any{"unused": "block"}},
		"mode id":       {KeyModes, map[string]any{"Bad Id": "enforce"}},
		"schedule":      {KeySweepSchedule, "every 6 hours"},
		"rate plural":   {KeySweepSchedule, "rate(1 hours)"},
		"rate singular": {KeySweepSchedule, "rate(6 hour)"},
		"rate zero":     {KeySweepSchedule, "rate(0 minutes)"},
		"role":          {KeyAuditRoleName, "bad role"},
		"bool":          {KeySecurityHub, "yes please"},
		"limit":         {KeyRotationOrgLimit, 0.0},
		"limit frac":    {KeyRotationOrgLimit, 1.5},
		"call as":       {KeyStackSetCallAs, "ADMIN"},
		"concurrency":   {KeyConcurrency, map[string]any{"sweep": 1.0}},
		"conc unknown":  {KeyConcurrency, map[string]any{"other": 3.0}},
		"conc reads":    {KeyConcurrency, map[string]any{"reads": 1.0}},
		"read events":   {KeyReadEvents, "some"},
		"read events b": {KeyReadEvents, true},
		"responder":     {KeyResponderRoleName, "bad/role"},
		"findings":      {KeyFindingsRoleName, strings.Repeat("x", 65)},
		// Two member roles of one name (IAM names are case-insensitive).
		"same as audit": {KeyResponderRoleName, "secretwardenaudit"},
		"same roles":    {KeyFindingsRoleName, DefaultResponderRoleName},
		"lake":          {KeyCloudTrailLake, "arn:aws:cloudtrail:us-east-1:111122223333:trail/management"},
		"lake account":  {KeyCloudTrailLake, "arn:aws:cloudtrail:us-east-1:1111:eventdatastore/abc"},
		"policies dir":  {KeyPoliciesDir, "testdata/policies/none"},
		"policies file": {KeyPoliciesDir, "testdata/policies/ok/posture/cost_center_tag.rego"},
		"policies bad":  {KeyPoliciesDir, "testdata/policies/broken"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := valid()
			m[tc.key] = tc.val
			_, err := Parse(lookup(m))
			if err == nil {
				t.Fatalf("%s=%v accepted", tc.key, tc.val)
			}
			if !strings.Contains(err.Error(), `"`+tc.key+`"`) {
				t.Fatalf("error does not name the key %q: %v", tc.key, err)
			}
		})
	}
}

func TestParseAcceptsCron(t *testing.T) {
	m := valid()
	m[KeySweepSchedule] = "cron(0 */6 * * ? *)"
	if _, err := Parse(lookup(m)); err != nil {
		t.Fatal(err)
	}
}

// TestCDKJSONDefaults checks that the context shipped in cdk.json is valid.
func TestCDKJSONDefaults(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.App != "go run ./cdk" {
		t.Fatalf("app = %q", f.App)
	}
	if _, err := Parse(lookup(f.Context)); err != nil {
		t.Fatal(err)
	}
}
