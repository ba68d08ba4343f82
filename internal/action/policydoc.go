package action

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// policyDoc is a parsed resource policy: its top-level fields and its
// statements (Statement may be one object or a list).
type policyDoc struct {
	fields     map[string]any
	statements []any
}

// parsePolicy parses a policy document, keeping numbers exact.
func parsePolicy(text string) (*policyDoc, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("parse resource policy: %w", err)
	}
	if fields == nil {
		return nil, fmt.Errorf("parse resource policy: not a JSON object")
	}
	doc := &policyDoc{fields: fields}
	switch st := fields["Statement"].(type) {
	case nil:
	case []any:
		doc.statements = st
	case map[string]any:
		doc.statements = []any{st}
	default:
		return nil, fmt.Errorf("parse resource policy: Statement is neither an object nor a list")
	}
	return doc, nil
}

// sid is a statement's Sid, "" when it has none.
func sid(stmt any) string {
	if m, ok := stmt.(map[string]any); ok {
		if s, ok := m["Sid"].(string); ok {
			return s
		}
	}
	return ""
}

func sameStatement(a, b any) bool { return reflect.DeepEqual(a, b) }

// render writes the policy with the given statements, keeping the other
// top-level fields (Version, Id).
func (d *policyDoc) render(statements []any) (string, error) {
	out := make(map[string]any, len(d.fields))
	for k, v := range d.fields {
		out[k] = v
	}
	out["Statement"] = statements
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", fmt.Errorf("render resource policy: %w", err)
	}
	return string(bytes.TrimSpace(b.Bytes())), nil
}
