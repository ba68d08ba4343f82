package boundedio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
)

// PathError is one path of a walk that is not read, with the reason.
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *PathError) Unwrap() error { return e.Err }

// ErrLinkLoop is the reason of a symbolic link that leads back to a
// directory the walk is in (or that never resolves).
var ErrLinkLoop = errors.New("symbolic link loop")

// Walk lists the regular files under dir whose base name match accepts, in
// lexical order of their paths, descending into subdirectories and
// following symbolic links to files and to directories. What it does not
// read, it reports, one *PathError each, and goes on with the rest:
//
//   - a symbolic link that leads back to a directory being walked (a loop),
//     or that the system cannot resolve (ELOOP), whatever its name;
//   - a matching name that is not a regular file (a FIFO, a socket, a
//     device), that dangles, or that cannot be stat'ed;
//   - a directory that cannot be listed.
//
// A directory reached a second time through another link is not walked
// again (its files would be read twice).
func Walk(dir string, match func(name string) bool) ([]string, []error) {
	w := &walker{match: match}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, []error{&PathError{Path: dir, Err: err}}
	}
	if !info.IsDir() {
		return nil, []error{&PathError{Path: dir, Err: errors.New("not a directory")}}
	}
	w.dir(dir, info, nil)
	slices.Sort(w.files)
	return w.files, w.errs
}

type walker struct {
	match   func(string) bool
	files   []string
	errs    []error
	visited []fs.FileInfo
}

// ancestor is a directory on the way down, for loop detection.
type ancestor struct {
	path string
	info fs.FileInfo
	up   *ancestor
}

func (w *walker) fail(path string, err error) {
	w.errs = append(w.errs, &PathError{Path: path, Err: err})
}

func (w *walker) dir(path string, info fs.FileInfo, up *ancestor) {
	for _, v := range w.visited {
		if os.SameFile(v, info) {
			return // reached again through another link: already listed
		}
	}
	w.visited = append(w.visited, info)
	here := &ancestor{path: path, info: info, up: up}
	entries, err := os.ReadDir(path) // sorted by name
	if err != nil {
		w.fail(path, fmt.Errorf("list directory: %w", errText(err)))
	}
	for _, e := range entries {
		p := filepath.Join(path, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			sub, err := os.Stat(p)
			if err != nil {
				w.fail(p, errText(err))
				continue
			}
			w.dir(p, sub, here)
		case t&fs.ModeSymlink != 0:
			w.link(p, e.Name(), here)
		case t.IsRegular():
			if w.match(e.Name()) {
				w.files = append(w.files, p)
			}
		default:
			if w.match(e.Name()) {
				w.fail(p, &NotRegularError{Kind: kind(t)})
			}
		}
	}
}

// link follows a symbolic link.
func (w *walker) link(p, name string, here *ancestor) {
	target, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			w.fail(p, fmt.Errorf("%w (the link never resolves)", ErrLinkLoop))
		} else if w.match(name) {
			w.fail(p, fmt.Errorf("cannot follow symbolic link: %w", errText(err)))
		}
		return
	}
	switch {
	case target.IsDir():
		for a := here; a != nil; a = a.up {
			if os.SameFile(a.info, target) {
				w.fail(p, fmt.Errorf("%w: it leads back to %s", ErrLinkLoop, a.path))
				return
			}
		}
		w.dir(p, target, here)
	case target.Mode().IsRegular():
		if w.match(name) {
			w.files = append(w.files, p)
		}
	default:
		if w.match(name) {
			w.fail(p, &NotRegularError{Kind: kind(target.Mode())})
		}
	}
}

// errText drops the path an *fs.PathError repeats.
func errText(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
