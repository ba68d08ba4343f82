package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secretwarden/warden/internal/template/cdkout"
)

// DefaultMaxFileSize bounds each file read (template, plan, manifest).
// CloudFormation accepts templates up to 1 MB from S3 ("CloudFormation
// quotas", AWS CloudFormation User Guide); Terraform plans of large
// configurations reach tens of megabytes.
const DefaultMaxFileSize = 64 << 20

// readFile reads a regular file of at most limit bytes. Anything else (a
// FIFO, a device, a directory) is refused without being opened, so that it
// can never hang or exhaust memory.
func readFile(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file (%s)", path, kindOf(st.Mode()))
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("read %s: %d bytes, over the %d-byte limit", path, st.Size(), limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	if st2, err := f.Stat(); err != nil || !st2.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, unwrapPath(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: over the %d-byte limit", path, limit)
	}
	return data, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// input is one thing to read: a template or plan file, or a CDK assembly.
type input struct {
	path     string
	assembly bool // a directory holding manifest.json
	explicit bool // named on the command line (an unrecognised file is an error)
}

// candidate reports whether a file found in a directory may be a template
// or a plan.
func candidate(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml", ".template":
		return name != cdkout.ManifestFile
	}
	return false
}

// skipDir reports directories a walk does not enter.
func skipDir(name string) bool {
	return name == "node_modules" || (strings.HasPrefix(name, ".") && name != "." && name != "..")
}

// isAssembly reports whether dir holds a cloud assembly manifest.
func isAssembly(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, cdkout.ManifestFile))
	return err == nil && st.Mode().IsRegular()
}

// discover expands the paths given into inputs: files as they are;
// directories walked (sorted), a directory with manifest.json being a CDK
// assembly (its templates are read through its manifest; other assemblies
// under it, not listed by its manifest, are found too). Problems are
// reported through bad, and the rest is still returned.
func discover(paths []string, bad func(Problem)) []input {
	var out []input
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			bad(Problem{File: p, Msg: unwrapPath(err).Error()})
			continue
		}
		if !st.IsDir() {
			out = append(out, input{path: p, explicit: true})
			continue
		}
		found := 0
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				bad(Problem{File: path, Msg: unwrapPath(err).Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != p && skipDir(d.Name()) {
					return fs.SkipDir
				}
				if isAssembly(path) {
					out = append(out, input{path: path, assembly: true})
					found++
				}
				return nil
			}
			if insideAssembly(path, p) || !candidate(d.Name()) {
				return nil
			}
			out = append(out, input{path: path})
			found++
			return nil
		})
		if err != nil {
			bad(Problem{File: p, Msg: err.Error()})
		}
		if found == 0 {
			bad(Problem{File: p, Msg: "no CloudFormation template, CDK assembly (manifest.json) or Terraform plan found in this directory"})
		}
	}
	return out
}

// insideAssembly reports whether a file lies in a CDK assembly directory
// (at or under root): its templates are read through the manifest, and its
// other JSON files (tree.json, assets) are not templates.
func insideAssembly(file, root string) bool {
	dir := filepath.Dir(file)
	for {
		if isAssembly(dir) {
			return true
		}
		if filepath.Clean(dir) == filepath.Clean(root) {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

// topKeys lists the keys of a JSON object document without building it.
func topKeys(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	sort.Strings(keys)
	return keys
}
