package cfn

import (
	"fmt"
	"strings"
)

// Template is a parsed CloudFormation template.
type Template struct {
	// File names the template in messages and findings.
	File string
	// Root is the whole document.
	Root *Node
	// Parameters by name.
	Parameters map[string]*Parameter
	// Conditions by name (their definitions, unevaluated).
	Conditions map[string]*Node
	// Mappings is the Mappings section (nil when absent).
	Mappings *Node
	// Resources in file order.
	Resources []*Resource
	// Transforms are the macros the template names (Transform section).
	Transforms []string

	byID map[string]*Resource
}

// Parameter is one template parameter.
type Parameter struct {
	Name    string
	Type    string
	Default *Node // nil when the parameter has no default
	Line    int
}

// FromSSM reports whether the parameter's value is read from Systems
// Manager Parameter Store at deploy ("AWS::SSM::Parameter::Value<…>"): its
// default is then the name of the SSM parameter, not the value.
func (p *Parameter) FromSSM() bool { return strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value<") }

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID  string
	Type       string
	Properties *Node // nil when absent
	Condition  string
	Metadata   *Node
	// Line is where the resource's logical id is written.
	Line int
}

// Resource returns the resource with the logical id, or nil.
func (t *Template) Resource(id string) *Resource { return t.byID[id] }

// Looks reports whether a document has the shape of a CloudFormation
// template: a map with AWSTemplateFormatVersion or Resources.
func Looks(root *Node) bool {
	return root != nil && root.Kind == KindMap && (root.Get("AWSTemplateFormatVersion") != nil || root.Get("Resources") != nil)
}

// Parse reads a template (JSON or YAML) and checks its sections' shapes.
func Parse(file string, data []byte) (*Template, error) {
	root, err := ParseDocument(file, data)
	if err != nil {
		return nil, err
	}
	return FromDocument(file, root)
}

// FromDocument reads the sections of a parsed template.
func FromDocument(file string, root *Node) (*Template, error) {
	errAt := func(n *Node, format string, args ...any) error {
		e := &Error{File: file, Msg: fmt.Sprintf(format, args...)}
		if n != nil {
			e.Line, e.Column = n.Line, n.Column
		}
		return e
	}
	if root == nil || root.Kind != KindMap {
		return nil, errAt(root, "a template is a map of sections")
	}
	t := &Template{
		File:       file,
		Root:       root,
		Parameters: map[string]*Parameter{},
		Conditions: map[string]*Node{},
		byID:       map[string]*Resource{},
	}
	res := root.Get("Resources")
	if res == nil {
		return nil, errAt(root, "no Resources section")
	}
	if res.Kind != KindMap {
		return nil, errAt(res, "Resources: want a map of logical ids, got a %s", res.Kind)
	}
	for _, f := range res.Fields {
		r := f.Value
		if r.Kind != KindMap {
			return nil, errAt(r, "resource %s: want a map, got a %s", f.Key, r.Kind)
		}
		typ := r.Get("Type")
		if typ == nil || typ.Kind != KindString || typ.Text == "" {
			return nil, errAt(r, "resource %s: Type is missing or not a string", f.Key)
		}
		rr := &Resource{LogicalID: f.Key, Type: typ.Text, Properties: r.Get("Properties"), Metadata: r.Get("Metadata"), Line: f.Line}
		if p := rr.Properties; p != nil && p.Kind != KindMap {
			return nil, errAt(p, "resource %s: Properties: want a map, got a %s", f.Key, p.Kind)
		}
		if c := r.Get("Condition"); c != nil {
			if c.Kind != KindString {
				return nil, errAt(c, "resource %s: Condition: want a condition name", f.Key)
			}
			rr.Condition = c.Text
		}
		t.Resources = append(t.Resources, rr)
		t.byID[f.Key] = rr
	}
	if ps := root.Get("Parameters"); ps != nil {
		if ps.Kind != KindMap {
			return nil, errAt(ps, "Parameters: want a map, got a %s", ps.Kind)
		}
		for _, f := range ps.Fields {
			p := f.Value
			if p.Kind != KindMap {
				return nil, errAt(p, "parameter %s: want a map, got a %s", f.Key, p.Kind)
			}
			typ := p.Get("Type")
			if typ == nil || typ.Kind != KindString {
				return nil, errAt(p, "parameter %s: Type is missing or not a string", f.Key)
			}
			t.Parameters[f.Key] = &Parameter{Name: f.Key, Type: typ.Text, Default: p.Get("Default"), Line: f.Line}
		}
	}
	if cs := root.Get("Conditions"); cs != nil {
		if cs.Kind != KindMap {
			return nil, errAt(cs, "Conditions: want a map, got a %s", cs.Kind)
		}
		for _, f := range cs.Fields {
			t.Conditions[f.Key] = f.Value
		}
	}
	if m := root.Get("Mappings"); m != nil {
		if m.Kind != KindMap {
			return nil, errAt(m, "Mappings: want a map, got a %s", m.Kind)
		}
		t.Mappings = m
	}
	if tr := root.Get("Transform"); tr != nil {
		switch tr.Kind {
		case KindString:
			t.Transforms = []string{tr.Text}
		case KindList:
			for _, it := range tr.Items {
				if it.Kind == KindString {
					t.Transforms = append(t.Transforms, it.Text)
				}
			}
		}
	}
	return t, nil
}
