package policies_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

func benchModules(b *testing.B, name string, src string, query string) {
	input, _ := ast.ParseTerm(benchInput)
	pq, err := rego.New(rego.Query(query), rego.Module("x.rego", src)).PrepareForEval(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pq.Eval(context.Background(), rego.EvalParsedInput(input.Value)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCalib(b *testing.B) {
	benchModules(b, "empty-set", "package posture.a\nskip contains x if { x := input.secret.DeletedDate }\n", "data.posture")
	benchModules(b, "two-rules", "package posture.a\nskip contains x if { x := input.secret.DeletedDate }\ndeny contains x if { x := input.secret.Foo }\n", "data.posture")
	benchModules(b, "parse-time", "package posture.a\nt := time.parse_rfc3339_ns(input.now)\n", "data.posture")
	benchModules(b, "sprintf", "package posture.a\nt := sprintf(\"%s x %d\", [input.now, 5])\n", "data.posture")
	benchModules(b, "func", "package posture.a\nf(x) := x\nt := f(1)\n", "data.posture")
	benchModules(b, "iter-tags", "package posture.a\nt contains k if { some tag in input.secret.Tags; k := tag.Key }\n", "data.posture")
}
