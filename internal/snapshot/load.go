package snapshot

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
	"strconv"
	"strings"
)

// FileError is a problem with one snapshot file: its path and what is wrong.
type FileError struct {
	// Path is the file.
	Path string
	// Field is the JSON path of the offending field, when known.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats "path: field: msg".
func (e *FileError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Path, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Load reads a snapshot file, or a directory whose *.json files are merged
// (in name order, recursively). A malformed file stops the load with a
// *FileError naming the file and the field.
func Load(path string) (*Snapshot, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &FileError{Path: path, Msg: "cannot resolve path: " + err.Error()}
	}
	return LoadFS(os.DirFS("/"), abs, path)
}

// LoadFS is Load over any file system: root is walked in fsys and names in
// errors are prefixed by display.
func LoadFS(fsys fs.FS, root, display string) (*Snapshot, error) {
	if filepath.IsAbs(root) {
		fsys = os.DirFS("/")
		root = strings.TrimPrefix(filepath.ToSlash(root), "/")
		if root == "" {
			root = "."
		}
	}
	root = filepath.ToSlash(filepath.Clean(root))
	info, err := fs.Stat(fsys, root)
	if err != nil {
		return nil, &FileError{Path: display, Msg: "cannot read snapshot: " + errText(err)}
	}
	var files []string
	if info.IsDir() {
		err = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, &FileError{Path: display, Msg: "cannot list snapshot directory: " + errText(err)}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, &FileError{Path: display, Msg: "no *.json snapshot files in directory"}
		}
	} else {
		files = []string{root}
	}
	merged := &Snapshot{}
	for _, f := range files {
		name := f
		if info.IsDir() {
			rel := strings.TrimPrefix(strings.TrimPrefix(f, root), "/")
			name = filepath.Join(display, rel)
		} else {
			name = display
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, &FileError{Path: name, Msg: "cannot read: " + errText(err)}
		}
		part, err := Decode(data, name)
		if err != nil {
			return nil, err
		}
		if err := merged.merge(part, name); err != nil {
			return nil, err
		}
	}
	if merged.SchemaVersion == "" {
		return nil, &FileError{Path: display, Field: "schema_version", Msg: "missing (want " + SchemaVersion + ")"}
	}
	return merged, nil
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Decode parses one snapshot document; name is used in errors.
//
// A well-formed document has its secrets decoded in parallel (decodeFast);
// anything else goes through decodeSerial, a single encoding/json pass whose
// results and error messages are the reference for both.
func Decode(data []byte, name string) (*Snapshot, error) {
	s, ok := decodeFast(data)
	if !ok {
		return decodeSerial(data, name)
	}
	if err := s.check(name); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeSerial decodes data in one encoding/json pass and, when it is
// malformed, describes the first problem with the file name, the position
// and the field.
func decodeSerial(data []byte, name string) (*Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&s); err != nil {
		return nil, describe(err, data, name)
	}
	if dec.More() {
		return nil, &FileError{Path: name, Msg: "unexpected data after the snapshot object"}
	}
	if err := s.check(name); err != nil {
		return nil, err
	}
	if top, ok := scanTop(data); ok {
		setLines(s.Secrets, data, top.elems)
	}
	return &s, nil
}

// check validates a decoded document.
func (s *Snapshot) check(name string) error {
	if s.SchemaVersion != "" && s.SchemaVersion != SchemaVersion {
		return &FileError{Path: name, Field: "schema_version", Msg: fmt.Sprintf("unsupported %q (want %s)", s.SchemaVersion, SchemaVersion)}
	}
	for i := range s.Accounts {
		if s.Accounts[i].ID == "" {
			return &FileError{Path: name, Field: fmt.Sprintf("accounts[%d].Id", i), Msg: "missing"}
		}
	}
	for i := range s.Keys {
		if s.Keys[i].Arn == "" && s.Keys[i].KeyID == "" {
			return &FileError{Path: name, Field: fmt.Sprintf("keys[%d]", i), Msg: "needs Arn or KeyId"}
		}
	}
	return nil
}

// describe turns a json error into a FileError with a line, column and field.
func describe(err error, data []byte, name string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		l, c := lineCol(data, se.Offset)
		return &FileError{Path: name, Msg: fmt.Sprintf("line %d, column %d: malformed JSON: %s", l, c, se.Error())}
	case errors.As(err, &te):
		l, c := lineCol(data, te.Offset)
		field := te.Field
		if field == "" {
			field = "(document)"
		}
		if idx := locate(data); idx != "" {
			// "secrets[3]" and "secrets.Secret.X" make "secrets[3].Secret.X".
			list, _, _ := strings.Cut(idx, "[")
			if rest, ok := strings.CutPrefix(field, list+"."); ok {
				field = idx + "." + rest
			} else {
				field = idx + " " + field
			}
		}
		msg := fmt.Sprintf("line %d, column %d: cannot use JSON %s as %s", l, c, te.Value, te.Type)
		return &FileError{Path: name, Field: field, Msg: msg}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &FileError{Path: name, Msg: "malformed JSON: unexpected end of file"}
	default:
		// Errors from our own UnmarshalJSON methods (times) carry no offset:
		// find the element that fails to name it.
		return &FileError{Path: name, Field: locate(data), Msg: err.Error()}
	}
}

// locate finds the first top-level list element that fails to decode and
// names it, e.g. "secrets[3]". It only runs on the error path.
func locate(data []byte) string {
	var raw struct {
		Accounts []json.RawMessage `json:"accounts"`
		Keys     []json.RawMessage `json:"keys"`
		Aliases  []json.RawMessage `json:"aliases"`
		Secrets  []json.RawMessage `json:"secrets"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return ""
	}
	try := func(list string, items []json.RawMessage, v func() any) string {
		for i, it := range items {
			if json.Unmarshal(it, v()) != nil {
				return fmt.Sprintf("%s[%d]", list, i)
			}
		}
		return ""
	}
	for _, f := range []func() string{
		func() string { return try("accounts", raw.Accounts, func() any { return new(Account) }) },
		func() string { return try("keys", raw.Keys, func() any { return new(Key) }) },
		func() string { return try("aliases", raw.Aliases, func() any { return new(Alias) }) },
		func() string { return try("secrets", raw.Secrets, func() any { return new(SecretEntry) }) },
	} {
		if s := f(); s != "" {
			return s
		}
	}
	return ""
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// merge folds part (read from name) into s.
func (s *Snapshot) merge(part *Snapshot, name string) error {
	if part.SchemaVersion != "" {
		s.SchemaVersion = part.SchemaVersion
	}
	if part.TakenAt.After(s.TakenAt.Time) {
		s.TakenAt = part.TakenAt
	}
	if part.Organization.ID != "" {
		if s.Organization.ID != "" && s.Organization.ID != part.Organization.ID {
			return &FileError{Path: name, Field: "organization.Id", Msg: fmt.Sprintf("%q conflicts with %q from another file", part.Organization.ID, s.Organization.ID)}
		}
		s.Organization = part.Organization
	}
	s.Accounts = append(s.Accounts, part.Accounts...)
	s.Keys = append(s.Keys, part.Keys...)
	s.Aliases = append(s.Aliases, part.Aliases...)
	setSources(part.Secrets, name)
	if s.Secrets == nil && len(part.Secrets) > 0 {
		s.Secrets = part.Secrets // the first file with secrets: no copy
	} else {
		s.Secrets = append(s.Secrets, part.Secrets...)
	}
	return nil
}

// setSources sets each entry's Source to "name#secrets[i]". The names are
// substrings of one string: one allocation, not one per secret.
func setSources(secrets []SecretEntry, name string) {
	if len(secrets) == 0 {
		return
	}
	prefix := name + "#secrets["
	buf := make([]byte, 0, len(secrets)*(len(prefix)+8))
	ends := make([]int, len(secrets))
	for i := range secrets {
		buf = append(buf, prefix...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ']')
		ends[i] = len(buf)
	}
	all := string(buf)
	start := 0
	for i := range secrets {
		secrets[i].Source = all[start:ends[i]]
		start = ends[i]
	}
}
