package config

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/policy"
)

// The organization's Rego is validated at synth by the engine's loader (the
// one `warden scan --policies` uses): the error names file and line.
func TestPoliciesDirValidatedAtSynth(t *testing.T) {
	for dir, want := range map[string]string{
		// A syntax error: the parser's message with file and line.
		"testdata/policies/broken": "context \"policiesDir\": parse policy: testdata/policies/broken/broken.rego:5: unexpected eq token",
		// A compile error: the compiler's.
		"testdata/policies/uncompilable": "context \"policiesDir\": compile policies: testdata/policies/uncompilable/unsafe.rego:11: var undefined_thing is unsafe",
	} {
		m := valid()
		m[KeyPoliciesDir] = dir
		_, err := Parse(lookup(m))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", dir, want, err)
		}
	}
}

func TestPoliciesDirAccepted(t *testing.T) {
	m := valid()
	m[KeyPoliciesDir] = "testdata/policies/ok"
	m[KeyPolicyDataFile] = filepath.Join("..", "..", "..", "testdata", "policy-data.json")
	c, err := Parse(lookup(m))
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(c.PoliciesDir) || filepath.Base(c.PoliciesDir) != "ok" {
		t.Errorf("PoliciesDir %q", c.PoliciesDir)
	}
	// The test file is not bundled (the loader skips it too).
	if want := []string{"posture/cost_center_tag.rego"}; !slices.Equal(c.PolicyFiles, want) {
		t.Errorf("PolicyFiles %v, want %v", c.PolicyFiles, want)
	}

	// What is bundled loads to the same engine as the directory: copy the
	// listed files elsewhere and load both with the engine's loader.
	copyDir := t.TempDir()
	for _, f := range c.PolicyFiles {
		b, err := os.ReadFile(filepath.Join(c.PoliciesDir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(copyDir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(dir string) []string {
		doc, err := builtin.Data()
		if err != nil {
			t.Fatal(err)
		}
		eng, _, err := builtin.Load(context.Background(), doc, policy.DirSource(dir))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ch := range append(eng.Checks(), eng.Rules()...) {
			out = append(out, ch.ID)
		}
		slices.Sort(out)
		return out
	}
	orig, bundled := ids(c.PoliciesDir), ids(copyDir)
	if !slices.Equal(orig, bundled) || !slices.Contains(bundled, "org-cost-center-tag") {
		t.Errorf("policies from the directory %v, from the bundled files %v", orig, bundled)
	}
}
