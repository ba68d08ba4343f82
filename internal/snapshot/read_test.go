package snapshot_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/boundedio"
	"github.com/secretwarden/warden/internal/snapshot"
)

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

const head = `{"schema_version":"warden.snapshot/v1","taken_at":"2026-11-20T00:00:00Z","organization":{"Id":"o-a1b2c3d4e5"},"accounts":[{"Id":"111122223333"}]}`

func secretDoc(arns ...string) string {
	var b strings.Builder
	b.WriteString(`{"secrets":[`)
	for i, a := range arns {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"AccountId":"111122223333","Region":"us-east-1","Secret":{"ARN":"` + a + `","Name":"n"}}`)
	}
	b.WriteString("]}")
	return b.String()
}

// noHang fails the test when f blocks (a FIFO opened for reading waits for
// a writer forever).
func noHang(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("blocked")
	}
}

// One bad file in a snapshot directory is reported and the others are
// read; so are a FIFO and a symbolic link loop, neither of which hangs.
func TestReadDirectoryKeepsTheGoodFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.json"), head)
	writeFile(t, filepath.Join(dir, "b.json"), secretDoc("arn:b1", "arn:b2"))
	writeFile(t, filepath.Join(dir, "c.json"), `{"secrets": [`)
	writeFile(t, filepath.Join(dir, "sub", "d.json"), secretDoc("arn:d1"))
	if err := syscall.Mkfifo(filepath.Join(dir, "z.json"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "sub", "loop")); err != nil {
		t.Fatal(err)
	}
	var snap *snapshot.Snapshot
	var problems []*snapshot.FileError
	var err error
	noHang(t, func() { snap, problems, err = snapshot.Read(dir, boundedio.Limits{}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Secrets) != 3 || snap.Organization.ID != "o-a1b2c3d4e5" {
		t.Errorf("read %d secrets of %q, want the 3 of the good files", len(snap.Secrets), snap.Organization.ID)
	}
	want := []string{
		filepath.Join(dir, "sub", "loop") + ": symbolic link loop: it leads back to " + dir,
		filepath.Join(dir, "z.json") + ": not a regular file (named pipe (FIFO)): only regular files and - (standard input) are read",
		filepath.Join(dir, "c.json") + ": malformed JSON: unexpected end of file",
	}
	if len(problems) != len(want) {
		t.Fatalf("problems %v, want %d", problems, len(want))
	}
	for i, p := range problems {
		if p.Error() != want[i] {
			t.Errorf("problem %d = %q\n want %q", i, p, want[i])
		}
	}
	// A FIFO given as the snapshot is refused at once.
	noHang(t, func() {
		_, _, err = snapshot.Read(filepath.Join(dir, "z.json"), boundedio.Limits{})
	})
	if err == nil || !strings.Contains(err.Error(), "not a regular file (named pipe (FIFO))") {
		t.Errorf("FIFO snapshot: %v", err)
	}
	_, _, err = snapshot.Read("/dev/zero", boundedio.Limits{})
	if err == nil || err.Error() != "/dev/zero: cannot read: not a regular file (character device): only regular files and - (standard input) are read" {
		t.Errorf("/dev/zero: %v", err)
	}
}

// A secret ARN read twice is kept once, the last one read, and each
// dropped copy is one line.
func TestReadDeduplicatesSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.json"), head)
	writeFile(t, filepath.Join(dir, "b.json"), strings.Replace(secretDoc("arn:x", "arn:y", "arn:x"), `"Name":"n"`, `"Name":"old"`, 1))
	writeFile(t, filepath.Join(dir, "c.json"), strings.Replace(secretDoc("arn:x"), `"Name":"n"`, `"Name":"newest"`, 1))
	snap, problems, err := snapshot.Read(dir, boundedio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Secrets) != 2 || snap.Secrets[0].Secret.ARN != "arn:y" || snap.Secrets[1].Secret.Name != "newest" {
		t.Errorf("secrets %+v", snap.Secrets)
	}
	b, c := filepath.Join(dir, "b.json"), filepath.Join(dir, "c.json")
	want := []string{
		b + ": secrets[0]: duplicate secret arn:x: dropped for the later entry " + c + "#secrets[0] (the last one read wins: file name order, then position)",
		b + ": secrets[2]: duplicate secret arn:x: dropped for the later entry " + c + "#secrets[0] (the last one read wins: file name order, then position)",
	}
	if len(problems) != 2 || problems[0].Error() != want[0] || problems[1].Error() != want[1] {
		t.Errorf("problems %v\n want %q", problems, want)
	}
}

// Sizes are enforced while reading: a file past --max-input-size and an
// entry past --max-record-size are refused; a sparse gigabyte of zeros is
// refused at its first byte.
func TestReadLimits(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.json")
	writeFile(t, p, head[:len(head)-1]+`,"secrets":[`+strings.Repeat(`{"Secret":{"ARN":"`+strings.Repeat("a", 100)+`"}},`, 100)+`{}]}`)
	if _, _, err := snapshot.Read(p, boundedio.Limits{MaxInput: 4096}); err == nil || !strings.Contains(err.Error(), "big.json: cannot read: snapshot file larger than 4 KiB (raise it with --max-input-size)") {
		t.Errorf("input limit: %v", err)
	}
	_, problems, _ := snapshot.Read(p, boundedio.Limits{MaxRecord: 64})
	if len(problems) == 0 || !strings.Contains(problems[0].Error(), "snapshot entry larger than 64 bytes (raise it with --max-record-size)") {
		t.Errorf("record limit: %v", problems)
	}
	sparse := filepath.Join(dir, "sparse.json")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(1 << 30)
	f.Close()
	start := time.Now()
	_, _, err = snapshot.Read(sparse, boundedio.Limits{})
	if err == nil || !strings.Contains(err.Error(), `sparse.json: line 1, column 1: malformed`) || time.Since(start) > 5*time.Second {
		t.Errorf("sparse file: %v after %s", err, time.Since(start))
	}
}
