package event

import (
	"errors"
	"io"
	"os"
	"strings"

	"github.com/secretwarden/warden/internal/boundedio"
)

// readableExts are the file name endings a directory walk reads.
var readableExts = []string{".json", ".jsonl", ".gz"}

// StdinPath is the path ReadPath reads standard input for.
const StdinPath = "-"

// ReadPath is ReadPathLimits with the default limits.
func ReadPath(path string) ([]Event, []error) {
	return ReadPathLimits(path, boundedio.Limits{})
}

// ReadPathLimits decodes the events at path: a regular file (JSON, JSON
// Lines, either gzip-compressed — gzip is detected by its magic bytes, not
// by the name), a directory (walked recursively in lexical order, following
// symbolic links, reading every regular file whose name ends in .json,
// .jsonl or .gz), or "-" for standard input. A file that cannot be read,
// decompressed or parsed gives an error naming it, and the other files are
// still read; so does anything that is not a regular file (a FIFO is never
// opened, it could block forever) and a symbolic link loop. A directory
// without any such file is an error too: replaying nothing is not a pass.
// Each input may hold lim.MaxInput bytes once decompressed and each record
// lim.MaxRecord. Errors are *DecodeError.
func ReadPathLimits(path string, lim boundedio.Limits) ([]Event, []error) {
	if path == StdinPath {
		return ReadReaderLimits(os.Stdin, "stdin", lim)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, []error{wrapErr(path, "stat path", err)}
	}
	if !info.IsDir() {
		return readFile(path, lim)
	}
	files, werrs := boundedio.Walk(path, hasReadableExt)
	var errs []error
	for _, e := range werrs {
		var pe *boundedio.PathError
		if errors.As(e, &pe) {
			errs = append(errs, &DecodeError{Where: pe.Path, Msg: pe.Err.Error(), Err: pe.Err})
		} else {
			errs = append(errs, wrapErr(path, "walk directory", e))
		}
	}
	if len(files) == 0 && len(errs) == 0 {
		errs = append(errs, errorf(path, "no event files (*.json, *.jsonl, *.gz) in the directory: nothing to replay"))
	}
	var events []Event
	for _, f := range files {
		evs, ers := readFile(f, lim)
		events = append(events, evs...)
		errs = append(errs, ers...)
	}
	return events, errs
}

// hasReadableExt reports whether name ends in one of readableExts (any case).
func hasReadableExt(name string) bool {
	ln := strings.ToLower(name)
	for _, ext := range readableExts {
		if strings.HasSuffix(ln, ext) {
			return true
		}
	}
	return false
}

// readFile decodes one regular file.
func readFile(path string, lim boundedio.Limits) ([]Event, []error) {
	f, _, err := boundedio.Open(path)
	if err != nil {
		var nr *boundedio.NotRegularError
		if errors.As(err, &nr) {
			return nil, []error{&DecodeError{Where: path, Msg: err.Error(), Err: err}}
		}
		return nil, []error{wrapErr(path, "open file", err)}
	}
	defer f.Close()
	return ReadReaderLimits(f, path, lim)
}

// ReadReader is ReadReaderLimits with the default limits.
func ReadReader(r io.Reader, where string) ([]Event, []error) {
	return ReadReaderLimits(r, where, boundedio.Limits{})
}

// ReadReaderLimits decodes everything r holds (JSON, JSON Lines, optionally
// gzip-compressed, possibly multi-member), as it reads it, naming it where
// in errors and in Event.Where. At most lim.MaxInput bytes are read, and
// as many decompressed: past that, the input is refused with what was
// decoded before kept.
func ReadReaderLimits(r io.Reader, where string, lim boundedio.Limits) ([]Event, []error) {
	rd, _, err := boundedio.Input(r, lim)
	if err != nil {
		return nil, []error{readError(where, err)}
	}
	return DecodeStream(rd, where, lim)
}

// MaxInputBytes is the default bound of one input once decompressed.
const MaxInputBytes = boundedio.DefaultMaxInput
