package main

import (
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// maxBadInputRSS is the most resident memory refusing a bad input may cost,
// whatever its size (issue 9).
const maxBadInputRSS = 256 << 20

// repeat reads b over and over.
type repeat struct {
	b   []byte
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

// gzipFile writes head, then n bytes of fill, then tail, gzip-compressed.
func gzipFile(t *testing.T, path, head string, fill byte, n int64, tail string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed) // 1 GiB of one byte: 1.3 MB, in 2 s
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(zw, head)
	if _, err := io.CopyN(zw, &repeat{b: []byte{fill}}, n); err != nil {
		t.Fatal(err)
	}
	io.WriteString(zw, tail)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBadInputCostsBoundedMemory runs the real binary on inputs it must
// refuse, of any size — /dev/zero, a sparse gigabyte, gzip bombs that inflate
// past a gigabyte — and holds its peak resident memory (the child's rusage)
// to maxBadInputRSS each. Before issue 9, /dev/zero grew past 3 GB, the
// sparse gigabyte cost 2.2 GB and a 1 MB gzip bomb 2.7 GB.
func TestBadInputCostsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and inflates gigabytes")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "warden")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sparse := filepath.Join(dir, "sparse.json")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// A gigabyte of zeros (1 MB compressed), a gigabyte and more of JSON
	// whitespace (all of it must be read to know), and one record holding
	// a gigabyte-long string.
	zeros := filepath.Join(dir, "zeros.json.gz")
	gzipFile(t, zeros, "", 0, 1<<30, "")
	spaces := filepath.Join(dir, "spaces.json.gz")
	gzipFile(t, spaces, "", ' ', 1<<30+1<<20, "")
	str := filepath.Join(dir, "string.json.gz")
	gzipFile(t, str, `{"Records":[{"eventName":"`, 'a', 1<<30, `"}]}`)
	org := filepath.Join("..", "..", "testdata", "org")

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"scan /dev/zero", []string{"scan", "--snapshot", "/dev/zero"}, "not a regular file (character device)"},
		{"scan sparse", []string{"scan", "--snapshot", sparse}, `sparse.json: line 1, column 1: malformed JSON: invalid character '\x00' looking for beginning of value`},
		{"eval /dev/zero", []string{"eval", "--input", "/dev/zero"}, "not a regular file (character device)"},
		{"eval sparse", []string{"eval", "--input", sparse}, "input document larger than 16 MiB (raise it with --max-record-size)"},
		{"replay /dev/zero", []string{"replay", "--snapshot", org, "/dev/zero"}, "not a regular file (character device)"},
		{"replay sparse", []string{"replay", "--snapshot", org, sparse}, `malformed JSON at column 1: invalid character '\x00' looking for beginning of value`},
		{"replay zeros bomb", []string{"replay", "--snapshot", org, zeros}, `malformed JSON at column 1: invalid character '\x00' looking for beginning of value`},
		{"replay whitespace bomb", []string{"replay", "--snapshot", org, spaces}, "decompressed input larger than 1 GiB (raise it with --max-input-size)"},
		{"replay string bomb", []string{"replay", "--snapshot", org, str}, "record larger than 16 MiB (raise it with --max-record-size)"},
		{"scan --data sparse", []string{"scan", "--snapshot", org, "--data", sparse}, "data file larger than 16 MiB (raise it with --max-record-size)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			cmd.Stdout = io.Discard
			err := cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %v, stderr %q, want exit 2 and %q", err, stderr.String(), c.want)
			}
			ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if !ok {
				t.Skip("no rusage on this system")
			}
			peak := ru.Maxrss << 10 // kilobytes on Linux
			t.Logf("%s: peak RSS %d MB", c.name, peak>>20)
			if peak > maxBadInputRSS {
				t.Errorf("peak RSS %d MB, want at most %d MB", peak>>20, maxBadInputRSS>>20)
			}
		})
	}
}
