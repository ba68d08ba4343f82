package policy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/config"
	winput "github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/synth"
)

// synthInputs builds the policy inputs of a generated snapshot of n secrets.
func synthInputs(tb testing.TB, n int, seed uint64) []ast.Value {
	tb.Helper()
	cfg, err := config.Parse(builtinData(tb))
	if err != nil {
		tb.Fatal(err)
	}
	snap := synth.Generate(n, seed)
	b, err := winput.NewBuilder(context.Background(), inventory.NewState(snap), cfg.Params, snap.TakenAt.Time)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]ast.Value, 0, n)
	for i := range snap.Secrets {
		v, err := b.Build(context.Background(), &snap.Secrets[i])
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// BenchmarkEvaluateWarm evaluates inputs whose every projection is memoized
// (the steady state of BenchmarkEvaluateOnly in internal/assess).
func BenchmarkEvaluateWarm(b *testing.B) {
	e := newEngine(b)
	ins := synthInputs(b, 500, 1)
	ctx := context.Background()
	for _, in := range ins {
		if _, err := e.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Evaluate(ctx, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateFirstSight evaluates each secret of a large generated
// organization once, as a scan does: the memo only helps where other secrets
// share the projection a check reads.
func BenchmarkEvaluateFirstSight(b *testing.B) {
	ins := synthInputs(b, 20000, 7)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var e = newEngine(b)
	for i := 0; i < b.N; i++ {
		if i%len(ins) == 0 && i > 0 {
			b.StopTimer()
			e = newEngine(b)
			b.StartTimer()
		}
		if _, err := e.Evaluate(ctx, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateUncached evaluates every check in Rego every time (an
// engine built from sources without inputs declarations behaves the same).
func BenchmarkEvaluateUncached(b *testing.B) {
	e := newEngine(b)
	ins := synthInputs(b, 500, 1)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.EvaluateUncached(ctx, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRespond evaluates every event rule for a value read (the most
// frequent event), which no rule acts on.
func BenchmarkRespond(b *testing.B) {
	e := newEngine(b)
	ev := `,"event":{"id":"1","name":"GetSecretValue","kind":"api_call","source":"secretsmanager.amazonaws.com",
	  "time":"2026-11-15T00:00:00Z","account_id":"111122223333","region":"us-east-1","read_only":true,
	  "actor":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s","principal_arn":"arn:aws:iam::111122223333:role/app","account_id":"111122223333","in_organization":true},
	  "secret":{"raw":"a"}},
	  "history":{"access_denied_count":0,"principal_reads":[]}}`
	in := input(b, strings.TrimSuffix(strings.TrimSpace(baseInput), "}")+ev)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Respond(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
