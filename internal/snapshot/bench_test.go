package snapshot_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/synth"
)

var bigSnapshot struct {
	once sync.Once
	path string
	err  error
}

// bigSnapshotFile writes synth.Generate(100000, 42) once per test binary (as
// BenchmarkScan100k's file) and returns its path.
func bigSnapshotFile(b *testing.B) string {
	bigSnapshot.once.Do(func() {
		dir, err := os.MkdirTemp("", "warden-snapshot-bench")
		if err != nil {
			bigSnapshot.err = err
			return
		}
		bigSnapshot.path = filepath.Join(dir, "snapshot.json")
		f, err := os.Create(bigSnapshot.path)
		if err != nil {
			bigSnapshot.err = err
			return
		}
		defer f.Close()
		bigSnapshot.err = json.NewEncoder(f).Encode(synth.Generate(100_000, 42))
	})
	if bigSnapshot.err != nil {
		b.Fatal(bigSnapshot.err)
	}
	return bigSnapshot.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigSnapshot.path != "" {
		os.RemoveAll(filepath.Dir(bigSnapshot.path))
	}
	os.Exit(code)
}

// BenchmarkLoad100k loads a 100,000-secret snapshot file (77 MB): "serial" is
// the single encoding/json pass that Load used to be (and still falls back
// to for malformed files), "Load" what Load does now.
//
//	go test ./internal/snapshot -run '^$' -bench Load100k -benchmem
func BenchmarkLoad100k(b *testing.B) {
	path := bigSnapshotFile(b)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			s, err := snapshot.DecodeSerial(data, path)
			if err != nil || len(s.Secrets) != 100_000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := snapshot.Load(path)
			if err != nil || len(s.Secrets) != 100_000 {
				b.Fatal(err)
			}
		}
	})
}
