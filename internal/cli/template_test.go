package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// templateCase is one case of testdata/templates/cases.json.
type templateCase struct {
	Name  string   `json:"name"`
	About string   `json:"about"`
	Args  []string `json:"args"`
}

// templateNow fixes the evaluation instant of the template cases (exception
// expiry, first_seen).
const templateNow = "2026-11-20T00:00:00Z"

// TestTemplateGolden runs warden scan on every case of
// testdata/templates/cases.json from inside testdata/templates (so that
// file names in findings are relative) and compares exit code, stderr and
// stdout with testdata/templates/golden/<name>.txt (-update rewrites them;
// review the verdicts before committing).
func TestTemplateGolden(t *testing.T) {
	dir, err := filepath.Abs(path("testdata/templates"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []templateCase
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	if len(cases) < 20 {
		t.Fatalf("cases.json has %d cases; the issue asks for at least 20", len(cases))
	}
	t.Chdir(dir)
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Fatalf("case %s listed twice", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			args := append([]string{"scan", "--now", templateNow}, c.Args...)
			hasOutput := false
			for _, a := range c.Args {
				hasOutput = hasOutput || a == "--output"
			}
			if !hasOutput {
				args = append(args, "--output", "json")
			}
			r := run(t, "", args...)
			got := fmt.Sprintf("# %s\n# warden %s\nexit %d\n-- stderr --\n%s-- stdout --\n%s", c.About, strings.Join(args, " "), r.code, r.errOut, r.out)
			p := filepath.Join(dir, "golden", c.Name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("read golden file (run go test ./internal/cli -run TestTemplateGolden -update): %v", err)
			}
			if string(want) != got {
				gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
				for i := 0; i < len(gl) && i < len(wl); i++ {
					if gl[i] != wl[i] {
						t.Fatalf("golden/%s.txt differs at line %d:\n got: %s\nwant: %s\n(run go test ./internal/cli -run TestTemplateGolden -update after checking the change)", c.Name, i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("golden/%s.txt differs in length: got %d lines, want %d", c.Name, len(gl), len(wl))
			}
		})
	}
	// Every golden file belongs to a case.
	files, _ := filepath.Glob(filepath.Join(dir, "golden", "*.txt"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".txt"); !seen[name] && !*update {
			t.Errorf("golden/%s.txt has no case in cases.json", name)
		}
	}
}

// TestTemplateFlagErrors: misuse is one line, exit 2.
func TestTemplateFlagErrors(t *testing.T) {
	tmpl := path("testdata/templates/cfn/good.yaml")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--snapshot", path("testdata/org"), "--account", "111122223333"}, "--account applies to --template only"},
		{[]string{"scan", "--snapshot", path("testdata/org"), "--parameter", "A=b"}, "--parameter applies to --template only"},
		{[]string{"scan", "--snapshot", path("testdata/org"), tmpl}, "templates follow --template"},
		{[]string{"scan", "--template", tmpl, "--account", "12"}, `--account: "12" is not a 12-digit account id`},
		{[]string{"scan", "--template", tmpl, "--parameter", "novalue"}, `--parameter: "novalue" is not NAME=VALUE`},
		{[]string{"scan", "--template", tmpl, "--organization-id", "org"}, `--organization-id: "org" is not an organization id`},
		{[]string{"scan", "--template", tmpl, "--regions", "us-east-1"}, "--regions applies to live AWS only"},
		{[]string{"scan", "--template", path("testdata/templates/cfn/missing.yaml")}, "missing.yaml: no such file or directory"},
	}
	for _, c := range cases {
		r := run(t, "", c.args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", c.args, r.code)
		}
		oneLine(t, r, c.want)
	}
}

// TestTemplateFailOnCountsErrors: an error finding (a value that cannot be
// resolved) counts for --fail-on as a fail does.
func TestTemplateFailOnCountsErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(f, []byte("Resources:\n  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      KmsKeyId: !ImportValue k\n      Tags: [{Key: owner, Value: x}]\n  R:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      SecretId: !Ref S\n      RotationLambdaARN: arn:aws:lambda:us-east-1:111122223333:function:f\n      RotationRules: {AutomaticallyAfterDays: 30}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"scan", "--template", f, "--account", "111122223333", "--region", "us-east-1"}
	if r := run(t, "", append(base, "--fail-on", "medium")...); r.code != 1 || !strings.Contains(r.errOut, "1 finding(s) fail at or above medium") {
		t.Errorf("--fail-on medium: exit %d, %q", r.code, r.errOut)
	}
	if r := run(t, "", append(base, "--fail-on", "high")...); r.code != 0 {
		t.Errorf("--fail-on high: exit %d, %q", r.code, r.errOut)
	}
}
