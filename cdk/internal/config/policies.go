package config

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secretwarden/warden/internal/builtin"
	policyconfig "github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/policy"
)

// checkPolicies validates the organization's own Rego exactly as
// `warden scan --policies DIR` loads it: builtin.Load compiles the built-in
// policies plus policy.DirSource(dir) against the built-in data merged with
// the policy data file (when one is configured and valid). A syntax error,
// a compile error or bad METADATA fails with the engine's own message,
// which names the file and line. It returns dir's absolute path and the
// Rego files the handlers will load (test files excluded, as the loader
// excludes them), relative to dir.
func checkPolicies(dir, dataFile string) (string, []string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, fmt.Errorf("resolve %s: %w", dir, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", nil, fmt.Errorf("read policies %s: %w", dir, err)
	}
	if !info.IsDir() {
		return "", nil, fmt.Errorf("read policies %s: not a directory", dir)
	}
	doc, err := builtin.Data()
	if err != nil {
		return "", nil, err
	}
	if dataFile != "" {
		if extra, err := policyconfig.ReadFile(dataFile); err == nil {
			doc = policyconfig.Merge(doc, extra)
		}
	}
	if _, _, err := builtin.Load(context.Background(), doc, policy.DirSource(dir)); err != nil {
		return "", nil, err
	}
	files, err := regoFiles(abs)
	if err != nil {
		return "", nil, fmt.Errorf("list policies %s: %w", dir, err)
	}
	return abs, files, nil
}

// regoFiles lists the *.rego files under dir that are not tests
// (*_test.rego), as the engine's loader selects them, sorted.
func regoFiles(dir string) ([]string, error) {
	var out []string
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".rego") && !strings.HasSuffix(p, "_test.rego") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
