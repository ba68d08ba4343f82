package policies_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

func BenchmarkEach(b *testing.B) {
	mods := modulesOf(loadPolicies(b), false)
	input, _ := ast.ParseTerm(typicalInput)
	for _, p := range []string{"rotation_enabled", "rotation_succeeding", "rotated_recently", "unused", "kms_customer_managed", "no_wildcard_principal", "no_external_access", "replication_present", "required_tags"} {
		for _, r := range []string{"skip", "deny"} {
			q := "x := data.posture." + p + "." + r
			opts := []func(*rego.Rego){rego.Query(q)}
			for _, m := range mods {
				opts = append(opts, rego.ParsedModule(m))
			}
			pq, err := rego.New(opts...).PrepareForEval(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.Run(p+"."+r, func(b *testing.B) { benchEval(b, pq, input.Value) })
		}
	}
}
