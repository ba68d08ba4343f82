package input

import "github.com/open-policy-agent/opa/v1/ast"

// ParseJSONForTest exposes parseJSON.
func ParseJSONForTest(b []byte) (ast.Value, error) { return parseJSON(b) }
