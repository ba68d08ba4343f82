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
		c.RotationOrgLimit != 50 || c.StackSetCallAs != CallAsDelegatedAdmin || c.Concurrency != DefaultConcurrency {
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
	m[KeyConcurrency] = `{"sweep": 4}`
	c, err := Parse(lookup(m))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Regions, ",") != "us-east-1,us-west-2" || len(c.OrganizationalUnitIDs) != 2 ||
		!c.DryRun || c.RotationOrgLimit != 20 || c.Concurrency.Sweep != 4 || c.Concurrency.Evaluate != DefaultConcurrency.Evaluate {
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
