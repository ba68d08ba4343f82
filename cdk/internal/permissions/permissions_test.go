package permissions

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/secretwarden/warden/cdk/internal/config"
)

var (
	idRe   = regexp.MustCompile(`(?m)^#\s+id:\s*(\S+)\s*$`)
	kindRe = regexp.MustCompile(`"kind":\s*"(rotate|remediate)"`)
)

// TestEffectsMatchPolicies reads the Rego sources: every policy id is in
// Effects and every rotate/remediate action kind a policy can request is
// reflected in its Effect (and no Effect claims more than the policy does).
func TestEffectsMatchPolicies(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "policies", "*", "*.rego"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.rego") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := idRe.FindSubmatch(b)
		if m == nil {
			continue // library files carry no policy id
		}
		id := string(m[1])
		seen[id] = true
		got, ok := Effects[id]
		if !ok {
			t.Errorf("%s: policy %q missing from Effects", f, id)
			continue
		}
		var want Effect
		for _, k := range kindRe.FindAllSubmatch(b, -1) {
			switch string(k[1]) {
			case "rotate":
				want.Rotate = true
			case "remediate":
				want.Remediate = true
			}
		}
		if got != want {
			t.Errorf("%s: Effects[%q] = %+v, the Rego requests %+v", f, id, got, want)
		}
	}
	if len(seen) == 0 {
		t.Skip("no policies found")
	}
	for id := range Effects {
		if !seen[id] {
			t.Errorf("Effects has %q, which no policy declares", id)
		}
	}
}

func TestEnforceActions(t *testing.T) {
	cases := []struct {
		modes map[string]string
		want  []string
	}{
		{nil, []string{}},
		{map[string]string{"resource-policy-exposed": config.ModeAlertOnly}, []string{}},
		{map[string]string{"unused": config.ModeEnforce}, []string{}},
		{map[string]string{"read-outside-organization": config.ModeEnforce}, []string{RotateSecret}},
		{map[string]string{"resource-policy-exposed": config.ModeEnforce}, []string{DeleteResourcePolicy, PutResourcePolicy, RotateSecret}},
	}
	for _, tc := range cases {
		got, err := EnforceActions(config.Config{Modes: tc.modes})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("EnforceActions(%v) = %v, want %v", tc.modes, got, tc.want)
		}
	}
	if _, err := EnforceActions(config.Config{Modes: map[string]string{"no-such-policy": config.ModeEnforce}}); err == nil ||
		!strings.Contains(err.Error(), "no-such-policy") {
		t.Fatalf("unknown policy id: err = %v", err)
	}
}

func TestAssumes(t *testing.T) {
	for role, want := range map[MemberRole][]string{
		RoleAudit:     {"evaluate", "reads", "rotate", "sweep"},
		RoleResponder: {"evaluate", "rotate"}, // never sweep, never reads
		RoleFindings:  {"evaluate", "reads", "sweep"},
	} {
		if got := TrustedBy(role); !slices.Equal(got, want) {
			t.Errorf("%s trusted by %v, want %v", role, got, want)
		}
	}
}
