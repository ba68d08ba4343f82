package rotate

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/action"
)

func decode(t *testing.T, body string) action.RotationRequest {
	t.Helper()
	r, err := action.DecodeRotationRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// queueRetentions reads the RetentionPeriod of the main and dead-letter
// queues from cdk/constructs/durablequeue (awscdk.Duration_Days(jsii.Number(N))
// in the QueueProps of "Queue" and "DeadLetterQueue"), so that the store's
// retention follows the deployment.
func queueRetentions(t *testing.T) (main, dlq time.Duration) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../../cdk/constructs/durablequeue/durablequeue.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]time.Duration{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 3 {
			return true
		}
		id, ok := call.Args[1].(*ast.CallExpr)
		if !ok || len(id.Args) != 1 {
			return true
		}
		name, ok := id.Args[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		props, ok := call.Args[2].(*ast.UnaryExpr)
		if !ok {
			return true
		}
		lit, ok := props.X.(*ast.CompositeLit)
		if !ok {
			return true
		}
		for _, el := range lit.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok || kv.Key.(*ast.Ident).Name != "RetentionPeriod" {
				continue
			}
			days, ok := kv.Value.(*ast.CallExpr)
			if !ok || len(days.Args) != 1 {
				continue
			}
			num, ok := days.Args[0].(*ast.CallExpr)
			if !ok || len(num.Args) != 1 {
				continue
			}
			v, ok := num.Args[0].(*ast.BasicLit)
			if !ok {
				continue
			}
			n, err := strconv.Atoi(v.Value)
			if err != nil || days.Fun.(*ast.SelectorExpr).Sel.Name != "Duration_Days" {
				t.Fatalf("RetentionPeriod of %s is not awscdk.Duration_Days(jsii.Number(N))", name.Value)
			}
			found[name.Value] = time.Duration(n) * 24 * time.Hour
		}
		return true
	})
	main, ok1 := found[`"Queue"`]
	dlq, ok2 := found[`"DeadLetterQueue"`]
	if !ok1 || !ok2 {
		t.Fatalf("retention periods not found in durablequeue.go: %v", found)
	}
	return main, dlq
}
