package event_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/event"
)

// A number out of range in one record of a CloudTrail log file costs that
// record only: it is reported at its line and column, and its siblings are
// decided.
func TestOutOfRangeNumberCostsOneRecord(t *testing.T) {
	bad := strings.Replace(goodRecord, `"awsRegion":"us-east-1"`, `"awsRegion":"us-east-1","additionalEventData":{"bytes":1e400}`, 1)
	in := "{\"Records\": [\n" + goodRecord + ",\n" + bad + ",\n" + goodRecord + "\n]}\n"
	evs, errs := event.Decode([]byte(in), "trail.json")
	if len(evs) != 2 {
		t.Errorf("got %d events, want the 2 good records", len(evs))
	}
	col := strings.Index(bad, "1e400") + 1
	want := "trail.json#2: malformed JSON at line 3, column " + itoa(col) + ": number 1e400 is out of range"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("errors %v, want %q", errs, want)
	}
	// The same in JSON Lines and in a one-line log file.
	evs, errs = event.Decode([]byte(goodRecord+"\n"+bad+"\n"+goodRecord+"\n"), "trail.jsonl")
	if len(evs) != 2 || len(errs) != 1 || errs[0].Error() != "trail.jsonl:2: malformed JSON at column "+itoa(col)+": number 1e400 is out of range" {
		t.Errorf("JSON Lines: %d events, %v", len(evs), errs)
	}
	oneLine := `{"Records":[` + goodRecord + `,` + bad + `]}`
	evs, errs = event.Decode([]byte(oneLine), "t.json")
	if len(evs) != 1 || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "t.json#2: malformed JSON at column ") {
		t.Errorf("one line: %d events, %v", len(evs), errs)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// noHang fails the test when f blocks.
func noHang(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("blocked (a FIFO was opened?)")
	}
}

func TestFIFOIsRefusedNotWaitedOn(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", []byte(goodRecord))
	fifo := filepath.Join(dir, "z.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	noHang(t, func() {
		evs, errs := event.ReadPath(fifo)
		if len(evs) != 0 || len(errs) != 1 || errs[0].Error() != fifo+": not a regular file (named pipe (FIFO)): only regular files and - (standard input) are read" {
			t.Errorf("FIFO: %d events, %v", len(evs), errs)
		}
		evs, errs = event.ReadPath(dir)
		if len(evs) != 1 || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), fifo+": not a regular file") {
			t.Errorf("directory with a FIFO: %d events, %v", len(evs), errs)
		}
	})
}

func TestDirectoryProblemsAreReported(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", []byte(goodRecord))
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	evs, errs := event.ReadPath(dir)
	if len(evs) != 1 || len(errs) != 1 || errs[0].Error() != filepath.Join(dir, "loop")+": symbolic link loop: it leads back to "+dir {
		t.Errorf("link loop: %d events, %v", len(evs), errs)
	}
	empty := t.TempDir()
	writeFile(t, empty, "notes.txt", []byte("x"))
	evs, errs = event.ReadPath(empty)
	if len(evs) != 0 || len(errs) != 1 || errs[0].Error() != empty+": no event files (*.json, *.jsonl, *.gz) in the directory: nothing to replay" {
		t.Errorf("empty directory: %d events, %v", len(evs), errs)
	}
}

func TestLimits(t *testing.T) {
	// A gzip bomb: refused at the decompressed limit, whatever it inflates to.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(goodRecord + "\n"))
	io.CopyN(zw, spaces{}, 8<<20)
	zw.Close()
	evs, errs := event.ReadReaderLimits(bytes.NewReader(buf.Bytes()), "bomb.gz", boundedio.Limits{MaxInput: 1 << 20})
	if len(evs) != 1 || len(errs) != 1 || errs[0].Error() != "bomb.gz: decompressed input larger than 1 MiB (raise it with --max-input-size)" {
		t.Errorf("bomb: %d events, %v", len(evs), errs)
	}
	// JSON Lines past the input limit: the lines before it are kept, then
	// one error (not a loop on it).
	lines := strings.Repeat(goodRecord+"\n", 100)
	noHang(t, func() {
		evs, errs = event.ReadReaderLimits(strings.NewReader(lines), "big.jsonl", boundedio.Limits{MaxInput: 4096})
	})
	if len(evs) == 0 || len(evs) >= 100 || len(errs) != 1 || errs[0].Error() != "big.jsonl: input larger than 4 KiB (raise it with --max-input-size)" {
		t.Errorf("JSON Lines past the input limit: %d events, %v", len(evs), errs)
	}
	// A record past the record limit is one error; the lines after it are read.
	big := strings.Replace(goodRecord, `"prod/db"`, `"`+strings.Repeat("x", 5000)+`"`, 1)
	evs, errs = event.DecodeStream(strings.NewReader(goodRecord+"\n"+big+"\n"+goodRecord+"\n"), "in.jsonl", boundedio.Limits{MaxRecord: 4096})
	if len(evs) != 2 || len(errs) != 1 || errs[0].Error() != "in.jsonl:2: record larger than 4 KiB (raise it with --max-record-size)" {
		t.Errorf("big JSON Lines record: %d events, %v", len(evs), errs)
	}
	evs, errs = event.DecodeStream(strings.NewReader(`{"Records":[`+goodRecord+`,`+big+`]}`), "in.json", boundedio.Limits{MaxRecord: 4096})
	if len(evs) != 1 || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "in.json: column ") || !strings.HasSuffix(errs[0].Error(), "record larger than 4 KiB (raise it with --max-record-size)") {
		t.Errorf("big log file record: %d events, %v", len(evs), errs)
	}
}

// spaces reads blanks forever.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// Errors past MaxErrorsPerInput are counted, not listed (a file of a
// million bad lines does not make a million messages).
func TestErrorsAreCapped(t *testing.T) {
	in := strings.Repeat("{\"eventTime\":\"2024-01-02T03:04:05Z\"}\n", event.MaxErrorsPerInput+50)
	_, errs := event.Decode([]byte(in), "bad.jsonl")
	if len(errs) != event.MaxErrorsPerInput+1 || errs[len(errs)-1].Error() != "bad.jsonl: 50 more error(s) not shown" {
		t.Errorf("got %d errors, last %v", len(errs), errs[len(errs)-1])
	}
	var de *event.DecodeError
	if !errors.As(errs[0], &de) {
		t.Errorf("%T", errs[0])
	}
}
