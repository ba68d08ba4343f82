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
	_, cfg, err := loadPolicies(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Exceptions) != 1 || cfg.Params.Defaults()["max_rotation_days"] == nil {
		t.Fatalf("data file not merged: %+v", cfg)
	}
	if _, cfg, err := loadPolicies(context.Background(), ""); err != nil || len(cfg.Exceptions) != 0 {
		t.Fatalf("built-in data only: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"warden":{"exceptions":[{"id":"E","policy_id":"unused","match":{"account":"1"},"reason":"r"}]}}`), 0o600)
	if _, _, err := loadPolicies(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "nothing is exempt forever") {
		t.Fatalf("want the exception error, got %v", err)
	}
	if _, _, err := loadPolicies(context.Background(), filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "WARDEN_POLICY_DATA_FILE") {
		t.Fatalf("want an error naming the variable, got %v", err)
	}
}
