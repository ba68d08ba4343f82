package boundedio_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/boundedio"
)

// within fails the test when f does not return within a few seconds (a
// FIFO open or read that blocks would hang it forever).
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "events.json")
	mkfifo(t, fifo)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, kind string }{
		{fifo, "named pipe (FIFO)"},
		{link, "named pipe (FIFO)"},
		{"/dev/zero", "character device"},
		{"/dev/null", "character device"},
		{dir, "directory"},
	} {
		within(t, "Open "+c.path, func() {
			f, _, err := boundedio.Open(c.path)
			if f != nil {
				f.Close()
			}
			var nr *boundedio.NotRegularError
			if !errors.As(err, &nr) || nr.Kind != c.kind {
				t.Errorf("Open(%s) = %v, want a NotRegularError of kind %q", c.path, err, c.kind)
			}
			if err != nil && !strings.Contains(err.Error(), "not a regular file ("+c.kind+")") {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestOpenReadsARegularFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.json")
	if err := os.WriteFile(p, []byte(`{"a":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f, info, err := boundedio.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil || string(b) != `{"a":1}` || info.Size() != 7 {
		t.Errorf("read %q %v size %d", b, err, info.Size())
	}
	if _, _, err := boundedio.Open(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadFileRefusesALargeFileFromItsSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sparse.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse gigabyte: refused from its size, never read.
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = boundedio.ReadFile(p, 1<<20, "data file", boundedio.FlagMaxRecord)
	var tl *boundedio.TooLargeError
	if !errors.As(err, &tl) || err.Error() != "data file larger than 1 MiB (raise it with --max-record-size)" {
		t.Errorf("got %v", err)
	}
	if err := os.Truncate(p, 1<<20); err != nil {
		t.Fatal(err)
	}
	b, err := boundedio.ReadFile(p, 1<<20, "data file", "")
	if err != nil || len(b) != 1<<20 {
		t.Errorf("at the limit: %d bytes, %v", len(b), err)
	}
}

func TestCounterStopsAtTheLimit(t *testing.T) {
	for _, n := range []int{0, 9, 10, 11, 1000} {
		c := boundedio.NewCounter(bytes.NewReader(bytes.Repeat([]byte("x"), n)), 10, "input", boundedio.FlagMaxInput)
		b, err := io.ReadAll(c)
		if n <= 10 {
			if err != nil || len(b) != n {
				t.Errorf("%d bytes under a limit of 10: %d read, %v", n, len(b), err)
			}
			continue
		}
		var tl *boundedio.TooLargeError
		if !errors.As(err, &tl) || len(b) > 10 {
			t.Errorf("%d bytes over a limit of 10: %d read, %v", n, len(b), err)
		}
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

func TestInputBoundsTheDecompressedSize(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.CopyN(zw, &zeros{}, 64<<20); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	r, gz, err := boundedio.Input(bytes.NewReader(buf.Bytes()), boundedio.Limits{MaxInput: 1 << 20})
	if err != nil || !gz {
		t.Fatalf("Input: %v gzip %v", err, gz)
	}
	n, err := io.Copy(io.Discard, r)
	var tl *boundedio.TooLargeError
	if !errors.As(err, &tl) || n > 1<<20 || tl.What != "decompressed input" {
		t.Errorf("bomb: %d bytes read, %v", n, err)
	}
	// An endless stream is cut at the limit.
	z := &zeros{}
	r, gz, err = boundedio.Input(z, boundedio.Limits{MaxInput: 4 << 20})
	if err != nil || gz {
		t.Fatal(err)
	}
	n, err = io.Copy(io.Discard, r)
	if !errors.As(err, &tl) || n != 4<<20 || z.n > 4<<20+64<<10 {
		t.Errorf("endless input: %d bytes handed on, %d read, %v", n, z.n, err)
	}
	// A corrupt stream says so.
	r, _, err = boundedio.Input(bytes.NewReader(buf.Bytes()[:100]), boundedio.Limits{})
	if err == nil {
		_, err = io.Copy(io.Discard, r)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "decompress gzip: ") {
		t.Errorf("truncated gzip: %v", err)
	}
}

func TestWalkReportsLoopsAndSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "a.json"))
	write(filepath.Join(dir, "sub", "b.json"))
	write(filepath.Join(dir, "notes.txt"))
	mkfifo(t, filepath.Join(dir, "z.json"))
	link(dir, filepath.Join(dir, "sub", "up")) // loop to the root
	link("self", filepath.Join(dir, "self"))   // never resolves
	link(filepath.Join(dir, "missing.json"), filepath.Join(dir, "dangling.json"))
	link(filepath.Join(dir, "a.json"), filepath.Join(dir, "c.json")) // a file by another name
	other := t.TempDir()
	write(filepath.Join(other, "d.json"))
	link(other, filepath.Join(dir, "other"))
	link(other, filepath.Join(dir, "other2")) // the same directory again

	var files []string
	var errs []error
	within(t, "Walk", func() {
		files, errs = boundedio.Walk(dir, func(n string) bool { return strings.HasSuffix(n, ".json") })
	})
	want := []string{"a.json", "c.json", "other/d.json", "sub/b.json"}
	if len(files) != len(want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	for i := range want {
		if files[i] != filepath.Join(dir, want[i]) {
			t.Errorf("file %d = %s, want %s", i, files[i], want[i])
		}
	}
	wantErrs := []string{
		filepath.Join(dir, "dangling.json") + ": cannot follow symbolic link: no such file or directory",
		filepath.Join(dir, "self") + ": symbolic link loop (the link never resolves)",
		filepath.Join(dir, "sub", "up") + ": symbolic link loop: it leads back to " + dir,
		filepath.Join(dir, "z.json") + ": not a regular file (named pipe (FIFO)): only regular files and - (standard input) are read",
	}
	if len(errs) != len(wantErrs) {
		t.Fatalf("errors %v, want %d", errs, len(wantErrs))
	}
	for i, e := range errs {
		if e.Error() != wantErrs[i] {
			t.Errorf("error %d = %q\n want %q", i, e, wantErrs[i])
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1024": 1024, "1KiB": 1024, "1k": 1024, "2GiB": 2 << 30, "512MiB": 512 << 20, "100MB": 100e6, "1gb": 1e9, "3 MiB": 3 << 20,
	} {
		if got, err := boundedio.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "0", "1PB", "1.5GiB", "99999999999TiB"} {
		if _, err := boundedio.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	if s := boundedio.FormatSize(1 << 30); s != "1 GiB" {
		t.Errorf("FormatSize = %q", s)
	}
}
