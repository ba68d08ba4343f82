package gobuild

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBuildCopiesExtraFiles(t *testing.T) {
	root, err := ModuleRoot(".", module)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "data.json")
	os.WriteFile(src, []byte(`{"warden":{}}`), 0o600)
	out := t.TempDir()
	b := &Bundler{ModuleRoot: root, Package: "./cdk/internal/gobuild/testdata/hello", Files: map[string]string{"policy-data.json": src}}
	if err := b.Build(out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "policy-data.json"))
	if err != nil || string(got) != `{"warden":{}}` {
		t.Fatalf("extra file: %q %v", got, err)
	}
	b.Files = map[string]string{"x.json": filepath.Join(out, "missing")}
	if err := b.Build(t.TempDir()); err == nil {
		t.Fatal("a missing extra file must fail the bundle")
	}
}

func TestBuildCopiesFilesIntoDirectories(t *testing.T) {
	root, err := ModuleRoot(".", module)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "x.rego")
	os.WriteFile(src, []byte("package posture.x\n"), 0o600)
	out := t.TempDir()
	b := &Bundler{ModuleRoot: root, Package: "./cdk/internal/gobuild/testdata/hello", Files: map[string]string{"policies/checks/x.rego": src}}
	if err := b.Build(out); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(out, "policies", "checks", "x.rego")); err != nil || string(got) != "package posture.x\n" {
		t.Fatalf("nested file: %q %v", got, err)
	}
	for _, bad := range []string{"../escape.rego", "/abs.rego"} {
		b.Files = map[string]string{bad: src}
		if err := b.Build(t.TempDir()); err == nil {
			t.Errorf("%s: a path outside the asset must fail the bundle", bad)
		}
	}
}
