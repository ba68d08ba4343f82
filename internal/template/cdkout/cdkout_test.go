package cdkout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = "../../../testdata/templates/cdk-app.out"

func TestReadSampleAssembly(t *testing.T) {
	stacks, dirs, err := Read(sample, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range stacks {
		rel, _ := filepath.Rel(sample, s.Template)
		got = append(got, strings.Join([]string{s.ArtifactID, s.Name, filepath.ToSlash(rel), s.Account, s.Region, s.Stage}, "|"))
	}
	want := []string{
		"BadSecrets|BadSecrets|BadSecrets.template.json|111122223333|eu-west-1|",
		"GoodSecrets|GoodSecrets|GoodSecrets.template.json|111122223333|eu-west-1|",
		// The stage's stack is environment-agnostic.
		"ProdReportsEDEFCC6B|Prod-Reports|assembly-Prod/ProdReportsEDEFCC6B.template.json|||Prod",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stacks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(dirs) != 2 || dirs[0] != filepath.Clean(sample) || filepath.Base(dirs[1]) != "assembly-Prod" {
		t.Errorf("dirs %v", dirs)
	}
}

func TestEnvironment(t *testing.T) {
	for env, want := range map[string]string{
		"aws://111122223333/eu-west-1":         "111122223333 eu-west-1",
		"aws://unknown-account/unknown-region": " ",
		"aws://111122223333/unknown-region":    "111122223333 ",
		"":                                     " ",
	} {
		a, r := environment(env)
		if a+" "+r != want {
			t.Errorf("%q: %q %q", env, a, r)
		}
	}
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadErrors(t *testing.T) {
	cases := map[string]string{
		`{"version": "55.0.0", "artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "../../etc/x"}}}}`: "leaves the assembly directory",
		`{"version": "55.0.0", "artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {}}}}`:                              "templateFile missing",
		`{"version": "55.0.0", "artifacts": {"A": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "/abs"}}}}`:             "is absolute",
		`{"version": "55.0.0", "artifacts": {"A": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}}}`:                "listed twice",
		`{"artifacts": {}}`: "not a cloud assembly manifest",
		`[`:                 "not a cloud assembly manifest",
	}
	for manifest, want := range cases {
		dir := t.TempDir()
		write(t, dir, ManifestFile, manifest)
		_, _, err := Read(dir, os.ReadFile)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", manifest, err, want)
		}
	}
}

func TestNestedFromAssets(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Parent.assets.json", `{"version": "55.0.0", "files": {
	  "aaa": {"source": {"path": "asset.aaa", "packaging": "zip"}, "destinations": {"d": {"objectKey": "aaa.zip"}}},
	  "bbb": {"source": {"path": "ParentChild1234.nested.template.json", "packaging": "file"}, "destinations": {"d": {"objectKey": "bbb.json"}}}}}`)
	parent := filepath.Join(dir, "Parent.template.json")
	got, ok, err := NestedFromAssets(parent, []string{"https://s3.eu-west-1.", "/cdk-assets-1-eu-west-1/bbb.json"}, os.ReadFile)
	if err != nil || !ok || got != filepath.Join(dir, "ParentChild1234.nested.template.json") {
		t.Errorf("got %q %v %v", got, ok, err)
	}
	if _, ok, err := NestedFromAssets(parent, []string{"https://elsewhere/ccc.json"}, os.ReadFile); ok || err != nil {
		t.Errorf("an unknown object key was found (%v, %v)", ok, err)
	}
	if _, err := NestedTemplate(parent, "../../outside.json"); err == nil {
		t.Error("aws:asset:path leaving the directory accepted")
	}
}
