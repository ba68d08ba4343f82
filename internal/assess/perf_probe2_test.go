package assess_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/secretwarden/warden/internal/synth"
)

func BenchmarkProbeRotated(b *testing.B) {
	snap := synth.Generate(300, 1)
	a := setup(b, snap, "")
	ctx := context.Background()
	var inputs []ast.Value
	for i := range snap.Secrets {
		v, _ := a.Builder.Build(ctx, &snap.Secrets[i])
		inputs = append(inputs, v)
	}
	pq, _ := rego.New(rego.Query("data.posture.rotated_recently.deny"), rego.Compiler(a.Engine.Compiler())).PrepareForEval(ctx)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pq.Eval(ctx, rego.EvalParsedInput(inputs[i%len(inputs)]))
	}
}
