package gobuild

import (
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

const module = "github.com/secretwarden/warden"

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot(".", module)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cdk.json")); err != nil {
		t.Fatalf("root %s has no cdk.json: %v", root, err)
	}
	if _, err := ModuleRoot(".", "example.com/nope"); err == nil {
		t.Fatal("found a module that does not exist")
	}
}

// TestLocalBundlingSynth exercises the real ILocalBundling path through a
// CDK synth: the jsii kernel calls TryBundle, which runs go build.
func TestLocalBundlingSynth(t *testing.T) {
	root, err := ModuleRoot(".", module)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	stack := awscdk.NewStack(app, jsii.String("Bundling"), nil)
	awslambda.NewFunction(stack, jsii.String("Hello"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         Code(root, "./cdk/internal/gobuild/testdata/hello", nil),
	})
	tpl := assertions.Template_FromStack(stack, nil)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
	})

	bins, err := filepath.Glob(filepath.Join(out, "asset.*", "bootstrap"))
	if err != nil || len(bins) != 1 {
		t.Fatalf("want one bundled bootstrap in %s, got %v (%v)", out, bins, err)
	}
	f, err := elf.Open(bins[0])
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Fatalf("bootstrap machine = %v, want EM_AARCH64", f.Machine)
	}
	if f.Section(".symtab") != nil {
		t.Fatal("bootstrap has a symbol table: -ldflags \"-s -w\" not applied")
	}
}

// TestBuildFailureStopsBundling: a compile error panics out of TryBundle
// (no silent fallback to Docker) with an error naming the package.
func TestBuildFailureStopsBundling(t *testing.T) {
	root, err := ModuleRoot(".", module)
	if err != nil {
		t.Fatal(err)
	}
	const pkg = "./cdk/internal/gobuild/testdata/broken"
	defer func() {
		var be *BuildError
		err, _ := recover().(error)
		if !errors.As(err, &be) || be.Package != pkg || !strings.Contains(err.Error(), pkg) {
			t.Fatalf("want a *BuildError for %s, got %v", pkg, err)
		}
	}()
	(&Bundler{ModuleRoot: root, Package: pkg}).TryBundle(jsii.String(t.TempDir()), nil)
}
