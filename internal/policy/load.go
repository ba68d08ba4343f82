// Package policy compiles the Rego policies once per process and evaluates
// them with prepared queries: posture checks per secret (query data.posture)
// and incident rules per event (query data.events).
package policy

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/boundedio"
)

// Source is a set of Rego files to load.
type Source struct {
	// FS holds the files; Root is walked for *.rego (tests excluded).
	FS fs.FS
	// Root is the directory (or single file) inside FS.
	Root string
	// Display prefixes file names in messages.
	Display string
	// Dir, when set, is a directory or file on disk read instead of FS:
	// only regular files (a FIFO is refused, never waited on), symbolic
	// links followed with loops reported, each file at most MaxFileSize.
	Dir string
	// MaxFileSize bounds each Rego file of Dir (default
	// boundedio.DefaultMaxRecord).
	MaxFileSize int64
}

// DirSource is a Source for a directory or file on disk.
func DirSource(path string) Source {
	return Source{Dir: path, Display: path}
}

// isTest reports Rego test files, which the engine does not load.
func isTest(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// parseDir reads every non-test *.rego file of src.Dir.
func parseDir(src Source, into map[string]*ast.Module) error {
	info, err := os.Stat(src.Dir)
	if err != nil {
		return fmt.Errorf("read policies %s: %w", src.Display, err)
	}
	files := []string{src.Dir}
	if info.IsDir() {
		var errs []error
		files, errs = boundedio.Walk(src.Dir, func(n string) bool { return strings.HasSuffix(n, ".rego") && !isTest(n) })
		if len(errs) > 0 {
			// A policy directory is loaded whole or not at all: a check
			// silently missing would be a pass by omission.
			return fmt.Errorf("read policies: %w", errs[0])
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("read policies %s: no .rego files", src.Display)
	}
	max := src.MaxFileSize
	if max <= 0 {
		max = boundedio.DefaultMaxRecord
	}
	for _, f := range files {
		b, err := boundedio.ReadFile(f, max, "policy file", boundedio.FlagMaxRecord)
		if err != nil {
			return fmt.Errorf("read policy %s: %w", f, err)
		}
		name := f
		if src.Display != "" && src.Display != src.Dir {
			rel, _ := filepath.Rel(src.Dir, f)
			name = filepath.Join(src.Display, rel)
		}
		if err := parseModule(name, b, into); err != nil {
			return err
		}
	}
	return nil
}

// parseModule parses one Rego file into into.
func parseModule(name string, b []byte, into map[string]*ast.Module) error {
	m, err := ast.ParseModuleWithOpts(name, string(b), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		return fmt.Errorf("parse policy: %w", oneLine(err))
	}
	if _, dup := into[name]; dup {
		return fmt.Errorf("parse policy %s: loaded twice", name)
	}
	into[name] = m
	return nil
}

// parse reads every non-test *.rego file of src.
func parse(src Source, into map[string]*ast.Module) error {
	if src.Dir != "" {
		return parseDir(src, into)
	}
	info, err := fs.Stat(src.FS, src.Root)
	if err != nil {
		return fmt.Errorf("read policies %s: %w", src.Display, err)
	}
	var files []string
	if !info.IsDir() {
		files = []string{src.Root}
	} else {
		err = fs.WalkDir(src.FS, src.Root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".rego") && !isTest(p) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("list policies %s: %w", src.Display, err)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return fmt.Errorf("read policies %s: no .rego files", src.Display)
	}
	for _, f := range files {
		b, err := fs.ReadFile(src.FS, f)
		if err != nil {
			return fmt.Errorf("read policy %s: %w", f, err)
		}
		if err := parseModule(displayName(src, f), b, into); err != nil {
			return err
		}
	}
	return nil
}

func displayName(src Source, f string) string {
	if src.Display == "" {
		return f
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(f, src.Root), "/")
	if rel == "" {
		return src.Display
	}
	return filepath.Join(src.Display, rel)
}

// oneLine joins OPA's multi-error text into one line per error, keeping
// file and row.
func oneLine(err error) error {
	if errs, ok := err.(ast.Errors); ok && len(errs) > 0 {
		parts := make([]string, 0, len(errs))
		for _, e := range errs {
			loc := ""
			if e.Location != nil {
				loc = fmt.Sprintf("%s:%d: ", e.Location.File, e.Location.Row)
			}
			parts = append(parts, loc+e.Message)
		}
		return fmt.Errorf("%s", strings.Join(parts, "; "))
	}
	return err
}
