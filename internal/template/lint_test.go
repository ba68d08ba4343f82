package template_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// malformed is the directory of deliberately malformed or invalid
// templates (bad YAML/JSON, unknown tags, undefined names): the one part of
// testdata/templates that cfn-lint is not asked to accept.
const malformed = "malformed"

// TestTemplatesPassCfnLint: the CloudFormation test templates are templates
// CloudFormation would accept — cfn-lint (the CloudFormation Linter, which
// validates against CloudFormation's resource schemas) reports no error
// and no warning on any of them.
func TestTemplatesPassCfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint not installed (pip install cfn-lint==1.51.0)")
	}
	if testing.Short() {
		t.Skip("cfn-lint takes about 20 s")
	}
	root := "../../testdata/templates"
	var files []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == malformed || rel == "golden" || rel == "terraform" {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		switch {
		case strings.HasSuffix(name, ".template.json"), // cloud assemblies
			strings.HasPrefix(rel, "cfn"+string(filepath.Separator)) && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".json")):
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < 15 {
		t.Fatalf("found %d templates to lint: %v", len(files), files)
	}
	out, err := exec.Command(lint, append([]string{"--format", "parseable"}, files...)...).CombinedOutput()
	var ee *exec.ExitError
	// cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8
	// informational (which pass).
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode()&^8 != 0) {
		t.Fatalf("cfn-lint over %d templates: %v\n%s", len(files), err, out)
	}
	t.Logf("cfn-lint: %d templates clean", len(files))
}
