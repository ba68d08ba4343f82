package policy_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/secretwarden/warden/internal/policy"
)

func dependenciesOf(t *testing.T, e *policy.Engine, in string, id string) []string {
	t.Helper()
	deps := e.Dependencies(input(t, in))
	for i, c := range e.Checks() {
		if c.ID == id {
			return deps[i]
		}
	}
	t.Fatalf("no check %s", id)
	return nil
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDependenciesHonourGuards: a definition whose guard fails on the
// input contributes only its guard's path. rotation-enabled reads region
// only through its replica skip, guarded by secret.PrimaryRegion.
func TestDependenciesHonourGuards(t *testing.T) {
	e := newEngine(t)
	primary := `{"region": "us-east-1", "secret": {"ARN": "a", "RotationEnabled": false}, "params": {"max_rotation_days": 90}}`
	replica := `{"region": "eu-west-1", "secret": {"ARN": "a", "PrimaryRegion": "us-east-1", "RotationEnabled": true}, "params": {"max_rotation_days": 90}}`
	p := dependenciesOf(t, e, primary, "rotation-enabled")
	if has(p, "region") || has(p, "params.max_rotation_days") || !has(p, "secret.PrimaryRegion") || !has(p, "secret.RotationEnabled") {
		t.Errorf("primary without rotation: %v", p)
	}
	r := dependenciesOf(t, e, replica, "rotation-enabled")
	if !has(r, "region") || !has(r, "params.max_rotation_days") {
		t.Errorf("replica with rotation: %v", r)
	}
	if d := dependenciesOf(t, e, primary, "replication-present"); !has(d, "region") {
		t.Errorf("replication-present: %v", d)
	}
}

// TestDependenciesOfUndeclaredCheck: a check without an inputs declaration
// depends on everything its rules can read.
func TestDependenciesOfUndeclaredCheck(t *testing.T) {
	src := policy.Source{FS: fstest.MapFS{"named.rego": {Data: []byte(`# METADATA
# title: Named
# scope: package
# custom:
#   id: named
#   severity: low
package posture.named

deny contains "unnamed" if not input.secret.Name

deny contains "odd" if helper

helper if input.secret.Description == "odd"
`)}}, Root: ".", Display: "custom"}
	e := newEngine(t, src)
	got := dependenciesOf(t, e, `{"secret": {"Name": "x"}}`, "named")
	if strings.Join(got, " ") != "secret.Description secret.Name" {
		t.Errorf("dependencies %v", got)
	}
}

func TestOverlaps(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"secret", "secret.KmsKeyId", true},
		{"secret.KmsKeyId", "secret", true},
		{"secret.KmsKeyId", "secret.KmsKeyId", true},
		{"", "kms_key", true},
		{"secret.Kms", "secret.KmsKeyId", false},
		{"kms_key", "replica_kms_keys", false},
		{"ages", "ages.days", true},
	} {
		if got := policy.Overlaps(c.a, c.b); got != c.want {
			t.Errorf("Overlaps(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
