package stacks

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cfn-lint knows every resource property's allowed values (e.g. the three
// AWS::Events::Rule states) and CloudFormation's own checks. It runs over
// every template this package synthesized: central and member with read
// events on and off, the enforce-mode member and the management stacks.
// ./scripts/test runs it over the `cdk synth` output too (.ci/cfn-lint.sh);
// here it is skipped when cfn-lint is not installed.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint not on PATH (pip install cfn-lint==1.51.0); .ci/cfn-lint.sh runs it in ./scripts/test")
	}
	templates, err := filepath.Glob(filepath.Join(tmpRoot, "*", "*.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	// central + 2 management (cdk.out), member, enforce member, central
	// and member with readEvents=off.
	if len(templates) != 7 {
		t.Fatalf("%d templates under %s, want 7: %v", len(templates), tmpRoot, templates)
	}
	out, err := exec.Command(bin, append([]string{"--format", "parseable"}, templates...)...).CombinedOutput()
	// Exit status: a bit mask, 2 errors, 4 warnings, 8 informational.
	if err != nil {
		var code int
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code == 0 || code&(2|4) != 0 || code&^(2|4|8) != 0 {
			t.Errorf("cfn-lint (exit %d):\n%s", code, strings.TrimSpace(string(out)))
		}
	}
	t.Logf("cfn-lint %d templates: %s", len(templates), strings.TrimSpace(string(out)))
}
