package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPolicyDataFileValidatedAtSynth(t *testing.T) {
	good, err := checkPolicyData(filepath.Join("..", "..", "..", "testdata", "policy-data.json"))
	if err != nil || !filepath.IsAbs(good) {
		t.Fatalf("sample data: %q %v", good, err)
	}
	bad := filepath.Join(t.TempDir(), "data.json")
	os.WriteFile(bad, []byte(`{"warden":{"exceptions":[{"id":"E","policy_id":"unused","match":{"account":"1"},"reason":"r"}]}}`), 0o600)
	if _, err := checkPolicyData(bad); err == nil || !strings.Contains(err.Error(), "nothing is exempt forever") {
		t.Fatalf("want the exception error, got %v", err)
	}
	if _, err := checkPolicyData(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Fatal("a missing file must be an error")
	}
}
