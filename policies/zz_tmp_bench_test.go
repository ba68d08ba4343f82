package policies_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

func BenchmarkEach(b *testing.B) {
	mods := modulesOf(loadPolicies(b), false)
	input, _ := ast.ParseTerm(benchInput)
	for _, q := range []string{"input.now", "data.lib.time.now_ns", "data.posture.required_tags.skip", "data.posture.required_tags.deny", "data.posture.required_tags",
		"data.posture.rotation_enabled", "data.posture.rotation_succeeding", "data.posture.rotated_recently", "data.posture.unused",
		"data.posture.kms_customer_managed", "data.posture.no_wildcard_principal", "data.posture.no_external_access", "data.posture.replication_present", "data.posture"} {
		opts := []func(*rego.Rego){rego.Query(q)}
		for _, m := range mods {
			opts = append(opts, rego.ParsedModule(m))
		}
		pq, err := rego.New(opts...).PrepareForEval(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pq.Eval(context.Background(), rego.EvalParsedInput(input.Value)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
