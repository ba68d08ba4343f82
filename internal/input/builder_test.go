package input_test

import (
	"context"
	"testing"

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
