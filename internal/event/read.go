package event

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MaxInputBytes bounds how much one input may hold once decompressed
// (a guard against gzip bombs).
const MaxInputBytes = 1 << 30

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// readableExts are the file name endings a directory walk reads.
var readableExts = []string{".json", ".jsonl", ".gz"}

// StdinPath is the path ReadPath reads standard input for.
const StdinPath = "-"

// ReadPath decodes the events at path: a file (JSON, JSON Lines, either
// gzip-compressed — gzip is detected by its magic bytes, not by the name), a
// directory (walked recursively in lexical order, reading every regular file
// whose name ends in .json, .jsonl or .gz), or "-" for standard input.
// A file that cannot be read, decompressed or parsed gives an error naming
// it, and the other files are still read. Errors are *DecodeError.
func ReadPath(path string) ([]Event, []error) {
	if path == StdinPath {
		return ReadReader(os.Stdin, "stdin")
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, []error{wrapErr(path, "stat path", err)}
	}
	if !info.IsDir() {
		return readFile(path)
	}
	files, errs := listFiles(path)
	var events []Event
	for _, f := range files {
		evs, ers := readFile(f)
		events = append(events, evs...)
		errs = append(errs, ers...)
	}
	return events, errs
}

// listFiles walks dir and returns the readable files in lexical order.
func listFiles(dir string) ([]string, []error) {
	var files []string
	var errs []error
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, wrapErr(p, "walk directory", err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !hasReadableExt(p) {
			return nil
		}
		if !d.Type().IsRegular() {
			// Follow a symbolic link only to a regular file.
			info, err := os.Stat(p)
			if err != nil || !info.Mode().IsRegular() {
				return nil
			}
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		errs = append(errs, wrapErr(dir, "walk directory", err))
	}
	slices.Sort(files)
	return files, errs
}

// hasReadableExt reports whether p ends in one of readableExts (any case).
func hasReadableExt(p string) bool {
	lp := strings.ToLower(p)
	for _, ext := range readableExts {
		if strings.HasSuffix(lp, ext) {
			return true
		}
	}
	return false
}

// readFile decodes one file.
func readFile(path string) ([]Event, []error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, []error{wrapErr(path, "open file", err)}
	}
	defer f.Close()
	return ReadReader(f, path)
}

// ReadReader decodes everything r holds (JSON, JSON Lines, optionally
// gzip-compressed), naming it where in errors and in Event.Where.
func ReadReader(r io.Reader, where string) ([]Event, []error) {
	data, err := readAll(r)
	if err != nil {
		return nil, []error{err.withWhere(where)}
	}
	return Decode(data, where)
}

// readError is a read failure before its place is known.
type readError struct {
	what string
	err  error
}

// withWhere turns the failure into a *DecodeError at where.
func (e *readError) withWhere(where string) *DecodeError { return wrapErr(where, e.what, e.err) }

// readAll reads r whole, decompressing gzip (possibly multi-member) when the
// input starts with the gzip magic bytes.
func readAll(r io.Reader) ([]byte, *readError) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(gzipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &readError{"read input", err}
	}
	var src io.Reader = br
	what := "read input"
	if bytes.Equal(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &readError{"decompress gzip", err}
		}
		defer zr.Close()
		src, what = zr, "decompress gzip"
	}
	data, err := io.ReadAll(io.LimitReader(src, MaxInputBytes+1))
	if err != nil {
		return nil, &readError{what, err}
	}
	if len(data) > MaxInputBytes {
		return nil, &readError{what, fmt.Errorf("input larger than %d bytes", MaxInputBytes)}
	}
	return data, nil
}
