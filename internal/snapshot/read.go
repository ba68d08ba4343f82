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
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	gojson "github.com/goccy/go-json"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/jsonstream"
)

// Read reads a snapshot file, or a directory whose *.json files are merged
// (in name order, recursively, following symbolic links), keeping all that
// can be read. Each file is read as a stream within lim (lim.MaxInput
// bytes a file, lim.MaxRecord an entry) and each entry (a secret, an
// account, a key, an alias) is decoded on its own, so that what is wrong
// costs only itself:
//
//   - a file that cannot be read or whose structure is malformed is
//     dropped, the other files are read;
//   - an entry that cannot be decoded is dropped (a key or a secret whose
//     ARN can still be read is kept with the reason in its Error: its
//     checks are error);
//   - a field of a secret that cannot be decoded or holds an impossible
//     value (a rotation interval below one day, a date outside 1970-2200)
//     is dropped and listed in the entry's Invalid: the checks that read it
//     are error, the others are evaluated;
//   - a secret (ARN, in the entry's account) that appears more than once
//     is kept once: the last one read (the later file in name order, then the later position), as a
//     later --data file overrides an earlier one; a snapshot directory of
//     dated parts thus keeps the newest.
//
// Every such problem is one *FileError (one line: file, field or entry,
// position, what). err is only set when nothing could be read at all (the
// path does not exist, is not a regular file or directory, has no *.json
// file, or the merged documents have no schema_version).
func Read(path string, lim boundedio.Limits) (snap *Snapshot, problems []*FileError, err error) {
	info, serr := os.Stat(path)
	if serr != nil {
		return nil, nil, &FileError{Path: path, Msg: "cannot read snapshot: " + errText(serr)}
	}
	var files []string
	if info.IsDir() {
		var werrs []error
		files, werrs = boundedio.Walk(path, func(n string) bool { return strings.HasSuffix(n, ".json") })
		for _, e := range werrs {
			problems = append(problems, pathProblem(path, e))
		}
		if len(files) == 0 {
			return nil, problems, &FileError{Path: path, Msg: "no *.json snapshot files in directory"}
		}
	} else {
		files = []string{path}
	}
	r := &reader{lim: lim.WithDefaults(), problems: problems}
	for _, f := range files {
		r.named(f, func() (io.ReadCloser, error) {
			fh, _, err := boundedio.Open(f)
			if err != nil {
				return nil, err
			}
			return fh, nil
		})
	}
	return r.finish(path)
}

// ReadFS is Read over a file system (the embedded sample, tests): root is
// walked in fsys and names in messages are prefixed by display.
func ReadFS(fsys fs.FS, root, display string, lim boundedio.Limits) (*Snapshot, []*FileError, error) {
	root = filepath.ToSlash(filepath.Clean(root))
	info, err := fs.Stat(fsys, root)
	if err != nil {
		return nil, nil, &FileError{Path: display, Msg: "cannot read snapshot: " + errText(err)}
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
			return nil, nil, &FileError{Path: display, Msg: "cannot list snapshot directory: " + errText(err)}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, nil, &FileError{Path: display, Msg: "no *.json snapshot files in directory"}
		}
	} else {
		files = []string{root}
	}
	r := &reader{lim: lim.WithDefaults()}
	for _, f := range files {
		name := display
		if info.IsDir() {
			name = filepath.Join(display, strings.TrimPrefix(strings.TrimPrefix(f, root), "/"))
		}
		r.named(name, func() (io.ReadCloser, error) { return fsys.Open(f) })
	}
	return r.finish(display)
}

// Load is Read with the default limits that fails on the first problem:
// for tests and callers that want a snapshot exactly as written.
func Load(path string) (*Snapshot, error) {
	return strict(Read(path, boundedio.Limits{}))
}

// LoadFS is ReadFS with the default limits that fails on the first problem.
func LoadFS(fsys fs.FS, root, display string) (*Snapshot, error) {
	if filepath.IsAbs(root) {
		return Load(root)
	}
	return strict(ReadFS(fsys, root, display, boundedio.Limits{}))
}

// Decode decodes one snapshot document held in memory, as Read decodes
// each file, failing on the first problem; name is used in errors. A
// document without schema_version is accepted (a directory's parts may
// lack it; Load requires it of the merged snapshot).
func Decode(data []byte, name string) (*Snapshot, error) {
	lim := boundedio.Limits{}.WithDefaults()
	part, problems, ferr := decodeDoc(bytes.NewReader(data), name, lim)
	if ferr != nil {
		return nil, ferr
	}
	if len(problems) > 0 {
		return nil, problems[0]
	}
	setSources(part.Secrets, name)
	if dups := dedupe(part); len(dups) > 0 {
		return nil, dups[0]
	}
	return part, nil
}

func strict(s *Snapshot, problems []*FileError, err error) (*Snapshot, error) {
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems[0]
	}
	return s, nil
}

// pathProblem turns a walk error into a FileError.
func pathProblem(root string, e error) *FileError {
	var pe *boundedio.PathError
	if errors.As(e, &pe) {
		return &FileError{Path: pe.Path, Msg: pe.Err.Error()}
	}
	return &FileError{Path: root, Msg: e.Error()}
}

// reader merges files into one snapshot.
type reader struct {
	lim      boundedio.Limits
	merged   Snapshot
	problems []*FileError
	fatal    *FileError
}

// named reads one document named name.
func (r *reader) named(name string, open func() (io.ReadCloser, error)) {
	f, err := open()
	if err != nil {
		r.problems = append(r.problems, &FileError{Path: name, Msg: "cannot read: " + errText(err)})
		return
	}
	defer f.Close()
	part, probs, ferr := decodeDoc(boundedio.NewCounter(f, r.lim.MaxInput, "snapshot file", boundedio.FlagMaxInput), name, r.lim)
	r.problems = append(r.problems, probs...)
	if ferr != nil {
		r.problems = append(r.problems, ferr)
		return
	}
	if err := r.merged.merge(part, name); err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			r.problems = append(r.problems, fe)
		}
	}
}

// finish checks the merged snapshot and drops duplicate secrets.
func (r *reader) finish(display string) (*Snapshot, []*FileError, error) {
	s := &r.merged
	if s.SchemaVersion == "" {
		if len(r.problems) > 0 {
			// Every file failed, or the one with the version did: say why.
			return nil, r.problems, r.problems[0]
		}
		return nil, nil, &FileError{Path: display, Field: "schema_version", Msg: "missing (want " + SchemaVersion + ")"}
	}
	r.problems = append(r.problems, dedupe(s)...)
	if len(r.problems) > 0 && s.OrganizationError == "" {
		for _, p := range r.problems {
			if strings.HasPrefix(p.Field, "accounts[") {
				s.OrganizationError = "the organization's account list is incomplete: " + p.Error()
				break
			}
		}
	}
	return s, r.problems, nil
}

// secretKey identifies a secret: its ARN, in the account the entry is
// for (an ARN names its account, so this is the ARN for consistent data).
func secretKey(e *SecretEntry) string {
	if e.Secret.ARN == "" {
		return ""
	}
	return e.AccountID + "|" + e.Secret.ARN
}

// dedupe keeps the last entry of every secret (account and ARN) and
// reports the others.
func dedupe(s *Snapshot) []*FileError {
	last := make(map[string]int, len(s.Secrets))
	dups := 0
	for i := range s.Secrets {
		if k := secretKey(&s.Secrets[i]); k != "" {
			if _, ok := last[k]; ok {
				dups++
			}
			last[k] = i
		}
	}
	if dups == 0 {
		return nil
	}
	var out []*FileError
	kept := s.Secrets[:0]
	for i := range s.Secrets {
		e := s.Secrets[i]
		if k := secretKey(&e); k != "" && last[k] != i {
			keep := s.Secrets[last[k]].Source
			out = append(out, &FileError{Path: sourceFile(e.Source), Field: sourceEntry(e.Source),
				Msg: fmt.Sprintf("duplicate secret %s: dropped for the later entry %s (the last one read wins: file name order, then position)", e.Secret.ARN, keep)})
			continue
		}
		kept = append(kept, e)
	}
	clear(s.Secrets[len(kept):])
	s.Secrets = kept
	return out
}

// sourceFile and sourceEntry split a Source "file#secrets[i]".
func sourceFile(src string) string {
	f, _, _ := strings.Cut(src, "#")
	return f
}

func sourceEntry(src string) string {
	_, e, _ := strings.Cut(src, "#")
	return e
}

// decodeDoc decodes one snapshot document from r as a stream. ferr is set
// when the document as a whole cannot be used; problems are the entries and
// fields dropped.
func decodeDoc(r io.Reader, name string, lim boundedio.Limits) (part *Snapshot, problems []*FileError, ferr *FileError) {
	s := jsonstream.New(r, lim.MaxRecord, "snapshot entry")
	d := &docDecoder{s: s, name: name, lim: lim, part: &Snapshot{}}
	c, err := s.Peek()
	if err != nil {
		return nil, nil, d.structural(err)
	}
	if c != '{' {
		raw, at, err := s.Value()
		if err != nil {
			return nil, nil, d.structural(err)
		}
		var v Snapshot
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, nil, d.jsonError(raw, at, "", err)
		}
		d.part = &v
	} else if err := s.Object(d.member); err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, d.problems, fe
		}
		return nil, d.problems, d.structural(err)
	}
	if _, err := s.Peek(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, d.problems, d.structural(err)
		}
		return nil, d.problems, &FileError{Path: name, Msg: fmt.Sprintf("%s: unexpected data after the snapshot object", s.Pos())}
	}
	probs, err := d.part.check(name)
	d.problems = append(d.problems, probs...)
	if err != nil {
		var fe *FileError
		errors.As(err, &fe)
		return nil, d.problems, fe
	}
	return d.part, d.problems, nil
}

// docDecoder decodes the members of one document.
type docDecoder struct {
	s        *jsonstream.Scanner
	name     string
	lim      boundedio.Limits
	part     *Snapshot
	problems []*FileError
}

func (d *docDecoder) problem(field string, at jsonstream.Pos, msg string) {
	d.problems = append(d.problems, &FileError{Path: d.name, Field: field, Msg: at.String() + ": " + msg})
}

// structural describes an error of the document's structure (or of
// reading it).
func (d *docDecoder) structural(err error) *FileError {
	var se *jsonstream.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.As(err, &se) && se.EOF:
		return &FileError{Path: d.name, Msg: "malformed JSON: unexpected end of file"}
	case se != nil:
		return &FileError{Path: d.name, Msg: fmt.Sprintf("%s: malformed JSON: %s", se.Pos, se.Msg)}
	}
	return &FileError{Path: d.name, Msg: "cannot read: " + err.Error()}
}

// jsonError describes an encoding/json error of raw (at at), for field.
func (d *docDecoder) jsonError(raw []byte, at jsonstream.Pos, field string, err error) *FileError {
	p, _ := jsonstream.ErrorPos(raw, at, err)
	return &FileError{Path: d.name, Field: field, Msg: p.String() + ": " + describeJSON(err)}
}

// describeJSON words an encoding/json error.
func describeJSON(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "malformed JSON: " + se.Error()
	case errors.As(err, &te):
		return fmt.Sprintf("cannot use JSON %s as %s", te.Value, te.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: unexpected end of file"
	}
	return jsonstream.JSONErrorText(err)
}

// member decodes one top-level member. Names match case-insensitively, as
// encoding/json matches them; a repeated member replaces the earlier one.
func (d *docDecoder) member(key string, _ jsonstream.Pos) error {
	switch {
	case strings.EqualFold(key, "secrets"):
		return d.secrets()
	case strings.EqualFold(key, "accounts"):
		d.part.Accounts = nil
		return d.list("accounts", func(raw []byte, at jsonstream.Pos, field string) {
			var a Account
			if err := json.Unmarshal(raw, &a); err != nil {
				d.problems = append(d.problems, d.jsonError(raw, at, field, err))
				return
			}
			d.part.Accounts = append(d.part.Accounts, a)
		})
	case strings.EqualFold(key, "keys"):
		d.part.Keys = nil
		return d.list("keys", func(raw []byte, at jsonstream.Pos, field string) {
			var k Key
			if err := json.Unmarshal(raw, &k); err != nil {
				fe := d.jsonError(raw, at, field, err)
				d.problems = append(d.problems, fe)
				// Keep the key by its name, unusable: the secrets using it
				// get error findings rather than an "unknown key" fail.
				var ref struct{ Arn, KeyId string }
				if json.Unmarshal(raw, &ref) == nil && (ref.Arn != "" || ref.KeyId != "") {
					d.part.Keys = append(d.part.Keys, Key{Arn: ref.Arn, KeyID: ref.KeyId, Error: "the snapshot entry of the key could not be read: " + fe.Msg})
				}
				return
			}
			d.part.Keys = append(d.part.Keys, k)
		})
	case strings.EqualFold(key, "aliases"):
		d.part.Aliases = nil
		return d.list("aliases", func(raw []byte, at jsonstream.Pos, field string) {
			var a Alias
			if err := json.Unmarshal(raw, &a); err != nil {
				d.problems = append(d.problems, d.jsonError(raw, at, field, err))
				return
			}
			d.part.Aliases = append(d.part.Aliases, a)
		})
	}
	raw, at, err := d.s.Value()
	if err != nil {
		return err
	}
	var target any
	field := key
	switch {
	case strings.EqualFold(key, "schema_version"):
		target, field = &d.part.SchemaVersion, "schema_version"
	case strings.EqualFold(key, "taken_at"):
		target, field = &d.part.TakenAt, "taken_at"
	case strings.EqualFold(key, "organization"):
		target, field = &d.part.Organization, "organization"
	case strings.EqualFold(key, "organization_error"):
		target, field = &d.part.OrganizationError, "organization_error"
	default:
		return nil // unknown members are ignored, as encoding/json does
	}
	if err := json.Unmarshal(raw, target); err != nil {
		// The document's own fields are not entries: without them the
		// document cannot be placed (which organization, which instant).
		return d.jsonError(raw, at, field, err)
	}
	return nil
}

// list reads an array of entries (null is an empty list), each with fn.
func (d *docDecoder) list(name string, fn func(raw []byte, at jsonstream.Pos, field string)) error {
	c, err := d.s.Peek()
	if err != nil {
		return err
	}
	if c != '[' {
		raw, at, err := d.s.Value()
		if err != nil {
			return err
		}
		if string(raw) == "null" {
			return nil
		}
		return &FileError{Path: d.name, Field: name, Msg: at.String() + ": cannot use JSON " + jsonKind(raw) + " as a list"}
	}
	return d.s.Array(func(i int, _ jsonstream.Pos) error {
		raw, at, err := d.s.Value()
		if err != nil {
			return err
		}
		fn(raw, at, fmt.Sprintf("%s[%d]", name, i))
		return nil
	})
}

// jsonKind names the JSON type of a raw value.
func jsonKind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// rawEntry is one element of the secrets array, awaiting decoding.
type rawEntry struct {
	raw []byte
	at  jsonstream.Pos
	idx int
}

// entryBatch is a run of elements decoded by one worker.
type entryBatch struct {
	in       []rawEntry
	out      []SecretEntry
	keep     []bool
	problems []*FileError
	done     chan struct{}
}

// secrets reads the secrets array: elements are decoded in parallel
// batches (go-json, with encoding/json and the lenient decoder for the
// elements it refuses), in order.
func (d *docDecoder) secrets() error {
	c, err := d.s.Peek()
	if err != nil {
		return err
	}
	if c != '[' {
		raw, at, err := d.s.Value()
		if err != nil {
			return err
		}
		if string(raw) == "null" {
			d.part.Secrets = nil
			return nil
		}
		return &FileError{Path: d.name, Field: "secrets", Msg: at.String() + ": cannot use JSON " + jsonKind(raw) + " as a list"}
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *entryBatch, workers)
	var batches []*entryBatch
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				d.decodeBatch(b)
				close(b.done)
			}
		}()
	}
	const batchSize = 256
	var arena []byte
	cur := &entryBatch{done: make(chan struct{})}
	flush := func() {
		if len(cur.in) == 0 {
			return
		}
		batches = append(batches, cur)
		jobs <- cur
		cur = &entryBatch{done: make(chan struct{})}
		arena = nil
	}
	n := 0
	err = d.s.Array(func(i int, _ jsonstream.Pos) error {
		raw, at, err := d.s.Value()
		if err != nil {
			return err
		}
		if arena == nil {
			arena = make([]byte, 0, 256<<10)
		}
		start := len(arena)
		arena = append(arena, raw...)
		cur.in = append(cur.in, rawEntry{raw: arena[start:len(arena):len(arena)], at: at, idx: i})
		n++
		if len(cur.in) == batchSize || len(arena) >= 1<<20 {
			flush()
		}
		return nil
	})
	flush()
	close(jobs)
	wg.Wait()
	if err != nil {
		return err
	}
	out := make([]SecretEntry, 0, n)
	for _, b := range batches {
		for i := range b.out {
			if b.keep[i] {
				out = append(out, b.out[i])
			}
		}
		d.problems = append(d.problems, b.problems...)
	}
	d.part.Secrets = out
	return nil
}

// decodeBatch decodes a batch of secrets-array elements.
func (d *docDecoder) decodeBatch(b *entryBatch) {
	b.out = make([]SecretEntry, len(b.in))
	b.keep = make([]bool, len(b.in))
	for i, e := range b.in {
		field := "secrets[" + strconv.Itoa(e.idx) + "]"
		if gojson.Unmarshal(e.raw, &b.out[i]) != nil {
			b.out[i] = SecretEntry{}
			probs, ok := d.lenient(e, field, &b.out[i])
			b.problems = append(b.problems, probs...)
			if !ok {
				continue
			}
		}
		b.problems = append(b.problems, d.validate(&b.out[i], e, field)...)
		b.out[i].Line = e.at.Line
		b.keep[i] = true
	}
}
