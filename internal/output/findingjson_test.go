package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/finding"
)

// nasty are strings that exercise every branch of encoding/json's string
// escaping.
var nasty = []string{
	"",
	"plain ascii",
	`"quoted" and \back\slashed\`,
	"<script>alert('x') && y > z</script>",
	"ctl \x00\x01\x07\b\t\n\v\f\r\x0e\x1b\x1f\x7f end",
	"line\u2028sep\u2029para",
	"\u2028",
	"\u2027\u202a", // neighbours of U+2028/U+2029, not escaped
	"bad utf8 \xff\xfe tail",
	"\xc3",             // truncated 2-byte sequence at the end
	"\xe2\x80",         // truncated U+2028 at the end
	"\xe2\x80\xa8\xe2", // U+2028 followed by a truncated sequence
	"\xed\xa0\x80",     // surrogate half encoded in UTF-8: invalid
	"\xf4\x90\x80\x80", // above U+10FFFF: invalid
	"héllo wörld — ünïcödé ✓ 🔑 日本語",
	"\U0010FFFF\uFFFD\uFEFF",
	strings.Repeat("long &amp; ", 200),
	"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
}

func pick(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return nasty[r.IntN(len(nasty))]
	}
	// Random bytes, biased towards the interesting ones.
	alphabet := []byte("aZ09 \"\\<>&/\x00\x1f\x7f\n\t\xe2\x80\xa8\xa9\xff\xc3\xa9\xf0\x9f\x94\x91")
	b := make([]byte, r.IntN(24))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func randomFinding(r *rand.Rand) finding.Finding {
	maybe := func() string {
		if r.IntN(2) == 0 {
			return ""
		}
		return pick(r)
	}
	var controls []string
	switch r.IntN(4) {
	case 0: // nil: null
	case 1:
		controls = []string{} // empty: []
	default:
		for range 1 + r.IntN(4) {
			controls = append(controls, pick(r))
		}
	}
	times := []time.Time{
		{},
		time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 20, 1, 2, 3, 456789000, time.UTC),
		time.Date(1999, 1, 2, 3, 4, 5, 1, time.FixedZone("x", -(7*3600+30*60))),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("y", 5*3600)),
		time.Unix(1795132800, 0), // local zone
	}
	return finding.Finding{
		PolicyID:    pick(r),
		Title:       pick(r),
		Severity:    pick(r),
		Status:      finding.Status(pick(r)),
		SecretARN:   pick(r),
		SecretName:  maybe(),
		AccountID:   pick(r),
		Region:      pick(r),
		Message:     pick(r),
		Controls:    controls,
		Remediation: pick(r),
		Exception:   maybe(),
		FirstSeen:   times[r.IntN(len(times))],
		LastSeen:    times[r.IntN(len(times))],

		AccountName:      maybe(),
		OuPath:           maybe(),
		ExceptionExpires: maybe(),
	}
}

func TestAppendFindingMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	for i := range 20000 {
		f := randomFinding(r)
		want, err := json.Marshal(&f)
		if err != nil {
			t.Fatal(err)
		}
		buf, err = appendFinding(buf[:0], &f)
		if err != nil {
			t.Fatalf("finding %d: %v", i, err)
		}
		if !bytes.Equal(buf, want) {
			t.Fatalf("finding %d differs from encoding/json:\n got %s\nwant %s", i, buf, want)
		}
	}
}

// stringAsFinding encodes s as a finding's message, with appendFinding and
// with encoding/json.
func stringAsFinding(s string) (got, want []byte) {
	f := finding.Finding{PolicyID: "p", Message: s}
	got, _ = appendFinding(nil, &f)
	want, _ = json.Marshal(&f)
	return got, want
}

func TestAppendFindingStringsMatchEncodingJSON(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := stringAsFinding(s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
	for _, s := range nasty {
		check(s)
	}
	for b := range 256 { // every single byte, and each inside text
		check(string([]byte{byte(b)}))
		check("a" + string([]byte{byte(b)}) + "z")
	}
	for _, c := range []rune{0x7f, 0x80, 0x7ff, 0x800, 0x2027, 0x2028, 0x2029, 0x202a, 0xfffd, 0xffff, 0x10000, 0x10ffff} {
		check(string(c))
		check("<" + string(c) + ">")
	}
}

func FuzzAppendFindingString(f *testing.F) {
	for _, s := range nasty {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := stringAsFinding(s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	})
}

// refWriters are plain encoding/json writers: the output of the real ones
// must be byte-identical.
type refJSON struct {
	w     io.Writer
	count int
}

func (j *refJSON) Write(batch []finding.Finding) error {
	for i := range batch {
		b, err := json.Marshal(&batch[i])
		if err != nil {
			return fmt.Errorf("encode finding: %w", err)
		}
		sep := ",\n  "
		if j.count == 0 {
			sep = "{\"findings\": [\n  "
		}
		j.count++
		if _, err := io.WriteString(j.w, sep); err != nil {
			return fmt.Errorf("write finding: %w", err)
		}
		if _, err := j.w.Write(b); err != nil {
			return fmt.Errorf("write finding: %w", err)
		}
	}
	return nil
}

func (j *refJSON) Close(sum *finding.Summary) error {
	return (&jsonFindings{w: j.w, count: j.count}).Close(sum)
}

type refJSONL struct{ enc *json.Encoder }

func (j *refJSONL) Write(batch []finding.Finding) error {
	for i := range batch {
		if err := j.enc.Encode(&batch[i]); err != nil {
			return fmt.Errorf("write finding: %w", err)
		}
	}
	return nil
}

func (j *refJSONL) Close(*finding.Summary) error { return nil }

func render(t *testing.T, w FindingWriter, batches [][]finding.Finding) {
	t.Helper()
	sum := finding.NewSummary()
	for _, b := range batches {
		sum.Add(b...)
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(sum); err != nil {
		t.Fatal(err)
	}
}

func TestJSONWritersMatchEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	batchSets := map[string][][]finding.Finding{
		"none":        nil,
		"empty batch": {{}},
	}
	var many [][]finding.Finding
	for range 40 {
		b := make([]finding.Finding, r.IntN(300)) // some batches empty, some past flushAt
		for i := range b {
			b[i] = randomFinding(r)
		}
		many = append(many, b)
	}
	batchSets["many"] = many
	batchSets["one"] = [][]finding.Finding{{randomFinding(r)}}
	for name, batches := range batchSets {
		for _, format := range []Format{JSON, JSONL} {
			var got, want bytes.Buffer
			w, err := NewFindingWriter(format, &got)
			if err != nil {
				t.Fatal(err)
			}
			render(t, w, batches)
			var ref FindingWriter = &refJSON{w: &want}
			if format == JSONL {
				ref = &refJSONL{enc: json.NewEncoder(&want)}
			}
			render(t, ref, batches)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s, %s: output differs from encoding/json (%d vs %d bytes)", name, format, got.Len(), want.Len())
			}
		}
	}
}

// A timestamp RFC 3339 cannot hold fails as it did with encoding/json, after
// writing the findings before it.
func TestJSONWritersUnencodableTime(t *testing.T) {
	good := finding.Finding{PolicyID: "p", Status: finding.StatusPass}
	bad := good
	bad.LastSeen = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := []finding.Finding{good, bad, good}
	for _, format := range []Format{JSON, JSONL} {
		var got, want bytes.Buffer
		w, _ := NewFindingWriter(format, &got)
		var ref FindingWriter = &refJSON{w: &want}
		if format == JSONL {
			ref = &refJSONL{enc: json.NewEncoder(&want)}
		}
		gerr, werr := w.Write(batch), ref.Write(batch)
		if gerr == nil || werr == nil || gerr.Error() != werr.Error() {
			t.Errorf("%s: error %v, want %v", format, gerr, werr)
		}
		if got.String() != want.String() {
			t.Errorf("%s: wrote %q, want %q", format, got.String(), want.String())
		}
	}
}

// benchFindings is a scan-like workload: nine findings per secret.
func benchFindings(n int) []finding.Finding {
	fs := make([]finding.Finding, n)
	seen := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i := range fs {
		status := finding.StatusPass
		if i%3 == 0 {
			status = finding.StatusFail
		}
		fs[i] = finding.Finding{
			PolicyID:    fmt.Sprintf("SW-%03d", i%9),
			Title:       "Secret is encrypted with a customer managed KMS key",
			Severity:    "high",
			Status:      status,
			SecretARN:   fmt.Sprintf("arn:aws:secretsmanager:us-east-1:2000000000%02d:secret:svc-%d/db-%d-A9B830", i%53, i/9, i/9),
			SecretName:  fmt.Sprintf("svc-%d/db-%d", i/9, i/9),
			AccountID:   fmt.Sprintf("2000000000%02d", i%53),
			Region:      "us-east-1",
			Message:     "rotation is not enabled; last changed 143 days ago (> 90) & <never rotated>",
			Controls:    []string{"CIS-AWS-2.1", "NIST-800-53:SC-12"},
			Remediation: "Enable automatic rotation with a rotation Lambda and a schedule of at most 90 days.",
			FirstSeen:   seen,
			LastSeen:    seen,
		}
	}
	return fs
}

// BenchmarkFindingsJSON compares the JSON writer with the encoding/json one
// it replaced, on batches of 1152 findings (128 secrets × 9 policies).
//
//	go test ./internal/output -run '^$' -bench FindingsJSON -benchmem
func BenchmarkFindingsJSON(b *testing.B) {
	batch := benchFindings(1152)
	for _, c := range []struct {
		name string
		new  func(io.Writer) FindingWriter
	}{
		{"encoding-json", func(w io.Writer) FindingWriter { return &refJSON{w: w} }},
		{"appender", func(w io.Writer) FindingWriter { f, _ := NewFindingWriter(JSON, w); return f }},
		{"jsonl/encoding-json", func(w io.Writer) FindingWriter { return &refJSONL{enc: json.NewEncoder(w)} }},
		{"jsonl/appender", func(w io.Writer) FindingWriter { f, _ := NewFindingWriter(JSONL, w); return f }},
	} {
		b.Run(c.name, func(b *testing.B) {
			w := c.new(io.Discard)
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Write(batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/finding")
		})
	}
}
