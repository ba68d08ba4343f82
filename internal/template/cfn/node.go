// Package cfn reads AWS CloudFormation templates, JSON and YAML (short-form
// intrinsic tags included), into a tree that keeps each value's line and
// column, and resolves the intrinsic functions of a template statically:
// parameters (with their defaults or given values), pseudo parameters,
// conditions, mappings, Fn::Sub, Fn::Join, Fn::If and the others. A value
// that cannot be known before deploy (Fn::ImportValue, a parameter without a
// default, an attribute only known once a resource exists) is reported as
// unresolved with the expression that could not be resolved, never guessed.
//
// Template anatomy: "Template anatomy", AWS CloudFormation User Guide,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html;
// intrinsic functions: "Intrinsic function reference",
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html.
package cfn

import (
	"sort"
	"strconv"
	"strings"
)

// Kind is the kind of a template value.
type Kind uint8

// Kinds of template values. YAML short-form tags (!Ref, !Sub, ...) are read
// as the long form: a map with one key, "Ref", "Condition" or "Fn::<name>".
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindBool
	KindList
	KindMap
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "boolean"
	case KindList:
		return "list"
	default:
		return "map"
	}
}

// Node is one value of a template with its position (1-based line and
// column) in the file.
type Node struct {
	Kind Kind
	// Text is a scalar's text: the string, the number as written, "true" or
	// "false".
	Text string
	// Items are a list's elements.
	Items []*Node
	// Fields are a map's entries, in file order.
	Fields []Field
	Line   int
	Column int
}

// Field is one key of a map with its value.
type Field struct {
	Key   string
	Line  int // the key's line
	Value *Node
}

// Get returns the value of key in a map node, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != KindMap {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			return n.Fields[i].Value
		}
	}
	return nil
}

// Intrinsic returns the function name and argument when n is a map with a
// single key naming an intrinsic function ("Ref", "Condition" or "Fn::…").
func (n *Node) Intrinsic() (string, *Node, bool) {
	if n == nil || n.Kind != KindMap || len(n.Fields) != 1 {
		return "", nil, false
	}
	k := n.Fields[0].Key
	if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
		return k, n.Fields[0].Value, true
	}
	return "", nil, false
}

// KindString renders a value compactly, as in messages:
// {Fn::ImportValue: shared-key}, {Fn::GetAtt: [Key, Arn]}, [a, b].
func (n *Node) String() string {
	var b strings.Builder
	n.render(&b, 0)
	return b.String()
}

// maxRender bounds a rendering, so that a message stays one short line.
const maxRender = 200

func (n *Node) render(b *strings.Builder, depth int) {
	if b.Len() > maxRender {
		return
	}
	if n == nil {
		b.WriteString("null")
		return
	}
	if depth > 8 {
		b.WriteString("…")
		return
	}
	switch n.Kind {
	case KindNull:
		b.WriteString("null")
	case KindString:
		b.WriteString(scalarText(n.Text))
	case KindNumber, KindBool:
		b.WriteString(n.Text)
	case KindList:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			it.render(b, depth+1)
		}
		b.WriteByte(']')
	case KindMap:
		b.WriteByte('{')
		for i, f := range n.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(scalarText(f.Key))
			b.WriteString(": ")
			f.Value.render(b, depth+1)
		}
		b.WriteByte('}')
	}
	if b.Len() > maxRender {
		s := b.String()
		b.Reset()
		b.WriteString(s[:maxRender])
		b.WriteString("…")
	}
}

// scalarText quotes a string only when it would otherwise be ambiguous.
func scalarText(s string) string {
	if s == "" || strings.ContainsAny(s, "{}[],\"\n") || strings.Contains(s, ": ") ||
		strings.TrimSpace(s) != s {
		return strconv.Quote(s)
	}
	return s
}

// Keys returns the keys of a map node, sorted.
func (n *Node) Keys() []string {
	if n == nil || n.Kind != KindMap {
		return nil
	}
	out := make([]string, len(n.Fields))
	for i, f := range n.Fields {
		out[i] = f.Key
	}
	sort.Strings(out)
	return out
}
