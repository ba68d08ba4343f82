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
)

// Source is a set of Rego files to load.
type Source struct {
	// FS holds the files; Root is walked for *.rego (tests excluded).
	FS fs.FS
	// Root is the directory (or single file) inside FS.
	Root string
	// Display prefixes file names in messages.
	Display string
}

// DirSource is a Source for a directory or file on disk.
func DirSource(path string) Source {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return Source{FS: os.DirFS("/"), Root: strings.TrimPrefix(filepath.ToSlash(abs), "/"), Display: path}
}

// isTest reports Rego test files, which the engine does not load.
func isTest(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// parse reads every non-test *.rego file of src.
func parse(src Source, into map[string]*ast.Module) error {
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
		name := displayName(src, f)
		m, err := ast.ParseModuleWithOpts(name, string(b), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return fmt.Errorf("parse policy: %w", oneLine(err))
		}
		if _, dup := into[name]; dup {
			return fmt.Errorf("parse policy %s: loaded twice", name)
		}
		into[name] = m
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
