package awsinv

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// forbidden are the calls that read secret values. Secret Warden never makes
// them; its IAM policies deny them too.
var forbidden = map[string]bool{
	"GetSecretValue":                  true,
	"BatchGetSecretValue":             true,
	"NewBatchGetSecretValuePaginator": true,
}

// forbiddenText is the fallback for a file that does not parse.
var forbiddenText = regexp.MustCompile(`\.(Batch)?GetSecretValue\(|NewBatchGetSecretValuePaginator\(`)

// secretValueCalls returns the positions of forbidden calls in one file:
// calls of a selector (x.GetSecretValue(…), pkg.NewBatchGetSecretValuePaginator(…))
// or of a bare identifier. Mentions in strings and comments are fine.
func secretValueCalls(name string, src []byte) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		var out []string
		for i, line := range strings.Split(string(src), "\n") {
			if forbiddenText.MatchString(line) {
				out = append(out, name+":"+strconv.Itoa(i+1))
			}
		}
		return out
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		var id string
		switch fun := call.Fun.(type) {
		case *ast.SelectorExpr:
			id = fun.Sel.Name
		case *ast.Ident:
			id = fun.Name
		}
		if forbidden[id] {
			out = append(out, fset.Position(call.Pos()).String())
		}
		return true
	})
	return out
}

// repoRoot is the directory of the module holding this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatal("no go.mod above the package")
		}
	}
}

func TestNoCodePathReadsSecretValues(t *testing.T) {
	root := repoRoot(t)
	files := 0
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (strings.HasPrefix(name, ".") || name == "vendor" || name == "node_modules" || name == "cdk.out" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		found = append(found, secretValueCalls(p, src)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("only %d Go files under %s: wrong root?", files, root)
	}
	for _, f := range found {
		t.Errorf("%s reads a secret value: Secret Warden must never call GetSecretValue or BatchGetSecretValue", f)
	}
}

func TestSecretValueDetector(t *testing.T) {
	bad := []string{
		`package x; func f() { c.GetSecretValue(ctx, in) }`,
		`package x; func f() { _, _ = client.BatchGetSecretValue(ctx, &in) }`,
		`package x; func f() { secretsmanager.NewBatchGetSecretValuePaginator(c, in) }`,
		`package x; func f() { GetSecretValue(1) }`,
		"package x; func f( { c.GetSecretValue(ctx, in) }", // does not parse: text fallback
	}
	for _, src := range bad {
		if len(secretValueCalls("x.go", []byte(src))) == 0 {
			t.Errorf("not detected: %s", src)
		}
	}
	good := []string{
		`package x; const a = "secretsmanager:GetSecretValue"; var _ = "GetSecretValue("`,
		`package x; // GetSecretValue(ctx) is never called
		func f() { _ = permissions.GetSecretValue; g(ev.Name == "BatchGetSecretValue") }`,
	}
	for _, src := range good {
		if got := secretValueCalls("x.go", []byte(src)); len(got) != 0 {
			t.Errorf("false positive %v: %s", got, src)
		}
	}
}

// The member Responder role holds lambda:InvokeFunction because RotateSecret
// requires it of its caller on the rotation function (Secrets Manager API
// Reference, RotateSecret, "Required permissions"). Secret Warden itself
// never invokes a function: no Go file may import the Lambda API client.
func TestNoCodePathInvokesFunctions(t *testing.T) {
	root := repoRoot(t)
	const lambdaAPI = "github.com/aws/aws-sdk-go-v2/service/lambda"
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (strings.HasPrefix(name, ".") || name == "vendor" || name == "node_modules" || name == "cdk.out") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return nil // a file that does not parse imports nothing the build uses
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == lambdaAPI || strings.HasPrefix(path, lambdaAPI+"/") {
				t.Errorf("%s imports %s: Secret Warden never invokes a Lambda function itself", p, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
