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
