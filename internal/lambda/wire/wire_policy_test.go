package wire

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPoliciesMergesTheDataFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "data.json")
	os.WriteFile(good, []byte(`{"warden":{"params":{"defaults":{"max_rotation_days":30}},"exceptions":[
	  {"id":"E1","policy_id":"unused","match":{"account":"111122223333"},"reason":"r","expires":"2027-01-01T00:00:00Z"}]}}`), 0o600)
	_, cfg, _, err := loadPolicies(context.Background(), good, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Exceptions) != 1 || cfg.Params.Defaults()["max_rotation_days"] == nil {
		t.Fatalf("data file not merged: %+v", cfg)
	}
	if _, cfg, _, err := loadPolicies(context.Background(), "", ""); err != nil || len(cfg.Exceptions) != 0 {
		t.Fatalf("built-in data only: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"warden":{"exceptions":[{"id":"E","policy_id":"unused","match":{"account":"1"},"reason":"r"}]}}`), 0o600)
	if _, _, _, err := loadPolicies(context.Background(), bad, ""); err == nil || !strings.Contains(err.Error(), "nothing is exempt forever") {
		t.Fatalf("want the exception error, got %v", err)
	}
	if _, _, _, err := loadPolicies(context.Background(), filepath.Join(dir, "missing.json"), ""); err == nil || !strings.Contains(err.Error(), "WARDEN_POLICY_DATA_FILE") {
		t.Fatalf("want an error naming the variable, got %v", err)
	}
}

// consoleRead is an organization's own event rule: a value read made with
// console credentials.
const consoleRead = `# METADATA
# title: Secret value read from the console
# description: A GetSecretValue made with console session credentials.
# scope: package
# custom:
#   id: console-read
#   severity: medium
#   controls: []
#   remediation: Read secrets from workloads, not consoles.
package events.console_read

respond contains {"kind": "alert", "severity": "medium", "reason": "console read"} if {
	input.event.name == "GetSecretValue"
	input.event.actor.from_console == true
}
`

// WARDEN_POLICIES_DIR is loaded by the loader of warden scan --policies:
// its rules run beside the built-in ones; a broken file fails the init
// with one line naming the file and line.
func TestPoliciesDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "console_read.rego"), []byte(consoleRead), 0o600)
	os.WriteFile(filepath.Join(dir, "console_read_test.rego"), []byte("package events.console_read_test\n\nthis is not rego"), 0o600)
	eng, _, custom, err := loadPolicies(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(custom) != 1 || custom[0] != "console-read" {
		t.Fatalf("custom rules %v", custom)
	}
	ids := map[string]bool{}
	for _, r := range eng.Rules() {
		ids[r.ID] = true
	}
	if !ids["console-read"] || !ids["read-outside-organization"] {
		t.Fatalf("the custom rule runs beside the built-in ones: %v", ids)
	}

	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "bad.rego"), []byte("package events.bad\n\nrespond contains x if {\n\tx := \n}\n"), 0o600)
	_, _, _, err = loadPolicies(context.Background(), "", broken)
	if err == nil {
		t.Fatal("a broken policy fails")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "WARDEN_POLICIES_DIR") || !strings.Contains(msg, filepath.Join(broken, "bad.rego")+":5") {
		t.Fatalf("one line naming the variable, the file and the line: %q", msg)
	}

	// Through the cold start: the reads handler screens with the custom rule.
	t.Setenv("AWS_REGION", "us-east-1")
	cfg := testConfig(t, false)
	cfg.PoliciesDir = dir
	d, err := NewFunction(context.Background(), "reads", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.Reads().Screen == nil {
		t.Error("with custom event rules the reads handler screens the reads no built-in rule decides")
	}
	cfg.PoliciesDir = broken
	if _, err := NewFunction(context.Background(), "evaluate", cfg); err == nil || !strings.Contains(err.Error(), "bad.rego:5") {
		t.Fatalf("a broken directory fails the init: %v", err)
	}
}
