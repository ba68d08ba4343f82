package input_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/synth"
)

// BenchmarkBuild measures building the posture input of one secret.
func BenchmarkBuild(b *testing.B) {
	doc, err := builtin.Data()
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Parse(doc)
	if err != nil {
		b.Fatal(err)
	}
	snap := synth.Generate(2000, 1)
	bld, err := input.NewBuilder(context.Background(), inventory.NewState(snap), cfg.Params, snap.TakenAt.Time)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := bld.Build(ctx, &snap.Secrets[i%len(snap.Secrets)]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseJSONMatchesValueFromReader(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `1E3`, `true`, `false`, `null`,
		`{"a": [1, 2.50, {"b": null}], "c": "x\"y\\z\u00e9\ud83d\ude00\n<&>", "d": {"e": true, "f": false}}`,
		` { "id" : "0a1b", "actor": {"type": "AssumedRole", "in_organization": true}, "n": -12 } `,
	}
	paths, _ := filepath.Glob("../../testdata/events/*.json")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	for _, d := range docs {
		want, err := ast.ValueFromReader(strings.NewReader(d))
		if err != nil {
			continue // not one JSON document
		}
		got, err := input.ParseJSONForTest([]byte(d))
		if err != nil {
			t.Errorf("%.60s: %v", d, err)
			continue
		}
		if ast.Compare(got, want) != 0 || got.String() != want.String() {
			t.Errorf("%.60s:\n got %v\nwant %v", d, got, want)
		}
	}
	for _, bad := range []string{`{`, `[1,]`, `{"a" 1}`, `01`, `1.`, `-`, `"abc`, `tru`, `{"a":1}x`, "\"a\x01\""} {
		if _, err := input.ParseJSONForTest([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
