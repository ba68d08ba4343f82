package event_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/event"
)

// gz compresses b.
func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeFile writes a file under dir, creating directories.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadPathDirectory(t *testing.T) {
	dir := t.TempDir()
	logFile := readTestFile(t, "22_Records_nextwork.json")
	record := []byte(goodRecord)
	lines := []byte(goodRecord + "\n" + goodRecord + "\n")
	gzLog := gz(t, logFile)

	writeFile(t, dir, "a/log.json.gz", gzLog)                          // 20 events
	writeFile(t, dir, "a/b/lines.jsonl.gz", gz(t, lines))              // 2 events
	writeFile(t, dir, "c.json", record)                                // 1 event
	writeFile(t, dir, "d.jsonl", lines)                                // 2 events
	writeFile(t, dir, "e_gzip_named_json.json", gz(t, record))         // 1 event: magic bytes, not name
	writeFile(t, dir, "f_truncated.json.gz", gzLog[:len(gzLog)/2])     // 1 error, the records before the cut kept
	writeFile(t, dir, "g_malformed.json", []byte("{\"Records\": [\n")) // 1 error
	writeFile(t, dir, "h_empty.json", nil)                             // 1 error
	writeFile(t, dir, "notes.txt", []byte("not read"))
	writeFile(t, dir, "README.md", []byte("not read"))
	writeFile(t, dir, "z_multi.gz", append(gz(t, record), gz(t, []byte("\n"+goodRecord))...)) // 2 events (multi-member)
	if err := os.Symlink(filepath.Join(dir, "c.json"), filepath.Join(dir, "c_link.json")); err != nil {
		t.Fatal(err)
	}

	truncated, _ := event.ReadPath(filepath.Join(dir, "f_truncated.json.gz"))
	if len(truncated) == 0 || len(truncated) >= 20 {
		t.Errorf("truncated log file: %d of its 20 records kept, want the ones before the cut", len(truncated))
	}
	evs, errs := event.ReadPath(dir)
	if want := 20 + 2 + 1 + 1 + 2 + 1 + 2 + len(truncated); len(evs) != want {
		t.Errorf("got %d events, want %d", len(evs), want)
	}
	want := []string{
		filepath.Join(dir, "f_truncated.json.gz") + ": decompress gzip: unexpected EOF",
		filepath.Join(dir, "g_malformed.json") + ": malformed JSON: unexpected end of input",
		filepath.Join(dir, "h_empty.json") + ": empty input",
	}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %v", errs, want)
	}
	for i, err := range errs {
		if err.Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, err, want[i])
		}
		var de *event.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("error %d is %T, want *DecodeError", i, err)
		}
	}
	// Lexical order of paths: a/b/… before a/log…, then c.json.
	if !strings.HasSuffix(evs[0].Where, filepath.Join("a", "b", "lines.jsonl.gz")+":1") {
		t.Errorf("first event from %q", evs[0].Where)
	}
	if !strings.HasSuffix(evs[2].Where, filepath.Join("a", "log.json.gz")+"#1") {
		t.Errorf("third event from %q", evs[2].Where)
	}
}

func TestReadPathErrors(t *testing.T) {
	_, errs := event.ReadPath(filepath.Join(t.TempDir(), "missing.json"))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "missing.json: stat path:") {
		t.Errorf("missing file: %v", errs)
	}
	var de *event.DecodeError
	if !errors.As(errs[0], &de) || !errors.Is(errs[0], os.ErrNotExist) {
		t.Errorf("missing file error %#v does not unwrap to ErrNotExist", errs[0])
	}
}

func TestReadReader(t *testing.T) {
	evs, errs := event.ReadReader(bytes.NewReader(gz(t, []byte(goodRecord))), "stdin")
	if len(errs) != 0 || len(evs) != 1 || evs[0].Where != "stdin" {
		t.Errorf("gzip from reader: %d events %v", len(evs), errs)
	}
	evs, errs = event.ReadReader(strings.NewReader(goodRecord+"\n"+goodRecord), "stdin")
	if len(errs) != 0 || len(evs) != 2 || evs[1].Where != "stdin:2" {
		t.Errorf("JSON Lines from reader: %d events %v", len(evs), errs)
	}
	_, errs = event.ReadReader(bytes.NewReader([]byte{0x1f, 0x8b, 0x08}), "stdin")
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "stdin: decompress gzip:") {
		t.Errorf("broken gzip header: %v", errs)
	}
	_, errs = event.ReadReader(bytes.NewReader(nil), "stdin")
	if len(errs) != 1 || errs[0].Error() != "stdin: empty input" {
		t.Errorf("empty reader: %v", errs)
	}
}
