package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/synth"
)

// BenchmarkScan100k runs the real binary: `warden scan --output json` over a
// generated 100,000-secret snapshot (targets: ≤ 10 s, ≤ 500 MB peak RSS).
// It reports seconds per scan and the peak resident memory in MB.
func BenchmarkScan100k(b *testing.B) {
	benchScan(b, 100_000)
}

// BenchmarkScan10k is the same at a tenth of the size, for quick checks.
func BenchmarkScan10k(b *testing.B) {
	benchScan(b, 10_000)
}

func benchScan(b *testing.B, n int) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "warden")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/warden").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	snap := filepath.Join(dir, "snapshot.json")
	f, err := os.Create(snap)
	if err != nil {
		b.Fatal(err)
	}
	if err := json.NewEncoder(f).Encode(synth.Generate(n, 42)); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	var peak int64
	var total time.Duration
	for i := 0; i < b.N; i++ {
		// The findings go to a file, as a CI job would redirect them: capturing
		// hundreds of MB in this process would compete for the CPU it measures.
		out, err := os.Create(filepath.Join(dir, "findings.json"))
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bin, "scan", "--snapshot", snap, "--output", "json")
		cmd.Stdout = out
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		err = cmd.Run()
		total += time.Since(start)
		info, _ := out.Stat()
		out.Close()
		if err != nil {
			b.Fatalf("scan: %v\n%s", err, stderr.String())
		}
		if info == nil || info.Size() == 0 {
			b.Fatal("no output")
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
			peak = ru.Maxrss
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/scan")
	b.ReportMetric(float64(peak)/1024, "peak-MB")
	if n >= 100_000 && peak/1024 > 500 {
		b.Errorf("peak memory %d MB exceeds the 500 MB budget", peak/1024)
	}
}
