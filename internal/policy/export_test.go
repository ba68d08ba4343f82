package policy

import (
	"context"

	"github.com/open-policy-agent/opa/v1/ast"
)

// EvaluateUncached is Evaluate without the memo: every check in Rego.
func (e *Engine) EvaluateUncached(ctx context.Context, input ast.Value) ([]Result, error) {
	return e.evaluate(ctx, input, false)
}
