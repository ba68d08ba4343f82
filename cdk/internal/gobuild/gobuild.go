// Package gobuild builds Go Lambda handlers for the provided.al2023 runtime
// on arm64 during `cdk synth`, with a local `go build` (no Docker).
package gobuild

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// Bundler is an awscdk.ILocalBundling that cross-compiles one Go main
// package into outputDir/bootstrap.
type Bundler struct {
	// ModuleRoot is the directory holding go.mod; go build runs there.
	ModuleRoot string
	// Package is the main package to build, relative to ModuleRoot (e.g. "./handlers/evaluate").
	Package string
	// GoBinary is the go command to run (default "go" from PATH).
	GoBinary string
	// Files are copied next to the binary: slash-separated path in the
	// asset → source path (e.g. the organization's policy data file, or
	// "policies/checks/x.rego"); parent directories are created.
	Files map[string]string
}

var _ awscdk.ILocalBundling = (*Bundler)(nil)

// TryBundle implements awscdk.ILocalBundling. A failed build panics with a
// *BuildError: returning false would make the CDK fall back to Docker
// bundling, whose error would hide the compiler's. The jsii runtime carries
// the panic out of the synth call, where the app reports it (the compiler
// output is already on stderr).
func (b *Bundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := b.Build(*outputDir); err != nil {
		panic(err)
	}
	return jsii.Bool(true)
}

// BuildError is a failed go build of a handler.
type BuildError struct {
	// Package is the main package that failed to build.
	Package string
	// Err is the go command's error.
	Err error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("build %s for linux/arm64: %v (compiler output above)", e.Package, e.Err)
}

func (e *BuildError) Unwrap() error { return e.Err }

// Build runs, in ModuleRoot, GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc
// -trimpath -buildvcs=false -ldflags "-s -w" -o outputDir/bootstrap <Package>.
func (b *Bundler) Build(outputDir string) error {
	goBin := b.GoBinary
	if goBin == "" {
		goBin = "go"
	}
	out := filepath.Join(outputDir, "bootstrap")
	cmd := exec.Command(goBin, "build",
		"-tags", "lambda.norpc",
		"-trimpath",
		"-buildvcs=false", // reproducible: the asset hash changes only when the code does
		"-ldflags", "-s -w",
		"-o", out,
		b.Package)
	cmd.Dir = b.ModuleRoot
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	cmd.Stdout = os.Stderr // stdout of the CDK app must stay clean
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return &BuildError{Package: b.Package, Err: err}
	}
	for name, src := range b.Files {
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return fmt.Errorf("bundle %s: not a relative path inside the asset", name)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
		dst := filepath.Join(outputDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
	}
	return nil
}

// Code returns Lambda code built from the main package pkg (relative to
// moduleRoot, e.g. "./handlers/evaluate") by a local go build at synth
// time. The asset hash is taken from the built binary, so every change in
// any imported package (internal/, policies/, rules/) yields a new asset.
func Code(moduleRoot, pkg string, files map[string]string) awslambda.Code {
	dir := filepath.Join(moduleRoot, filepath.FromSlash(strings.TrimPrefix(pkg, "./")))
	return awslambda.Code_FromAsset(jsii.String(dir), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Required by the API; never pulled, because Local always bundles
			// (or the synth fails with the go build error).
			Image: awscdk.DockerImage_FromRegistry(jsii.String("scratch")),
			Local: &Bundler{ModuleRoot: moduleRoot, Package: pkg, Files: files},
		},
	})
}

// ModuleRoot walks up from dir to the directory whose go.mod declares
// module modulePath.
func ModuleRoot(dir, modulePath string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if mod, err := readModulePath(filepath.Join(d, "go.mod")); err == nil && mod == modulePath {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find go.mod of module %s above %s: %w", modulePath, abs, os.ErrNotExist)
		}
	}
}

func readModulePath(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no module line")
}
