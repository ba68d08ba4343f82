package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Error is a problem in a template, with where it is (Line 0: the file as a
// whole).
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// maxNodes bounds the values of one document (YAML aliases included), so
// that an alias bomb costs an error, not the machine's memory.
const maxNodes = 2_000_000

// maxDepth bounds nesting.
const maxDepth = 200

// IsJSON reports whether data is a JSON document (its first character that
// is not blank is '{' or '['); anything else is read as YAML.
func IsJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// ParseDocument reads one JSON or YAML document into a tree with
// positions. file names the document in errors.
func ParseDocument(file string, data []byte) (*Node, error) {
	if !utf8.Valid(data) {
		return nil, &Error{File: file, Msg: "not UTF-8 text"}
	}
	if IsJSON(data) {
		return parseJSON(file, data)
	}
	return parseYAML(file, data)
}

// ---- JSON ------------------------------------------------------------------

type jsonParser struct {
	file  string
	data  []byte
	dec   *json.Decoder
	lines []int // offsets at which lines start
	nodes int
}

func parseJSON(file string, data []byte) (*Node, error) {
	p := &jsonParser{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	p.lines = append(p.lines, 0)
	for i, c := range data {
		if c == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		line, col := p.pos(p.start(p.dec.InputOffset()))
		return nil, &Error{File: file, Line: line, Column: col, Msg: "unexpected data after the JSON document"}
	}
	return n, nil
}

// pos converts a byte offset to a 1-based line and column (in characters).
func (p *jsonParser) pos(off int) (int, int) {
	i := sort.Search(len(p.lines), func(i int) bool { return p.lines[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, utf8.RuneCount(p.data[p.lines[i]:min(off, len(p.data))]) + 1
}

// start is the offset of the next token at or after off: past blanks and
// the ':' and ',' separators the decoder consumes with a token.
func (p *jsonParser) start(off int64) int {
	i := int(off)
	for i < len(p.data) {
		switch p.data[i] {
		case ' ', '\t', '\r', '\n', ':', ',':
			i++
			continue
		}
		if i == 0 && bytes.HasPrefix(p.data, []byte("\ufeff")) {
			i += 3
			continue
		}
		break
	}
	return i
}

func (p *jsonParser) fail(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := p.pos(int(se.Offset) - 1)
		return &Error{File: p.file, Line: line, Column: col, Msg: "invalid JSON: " + se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		line, col := p.pos(len(p.data))
		return &Error{File: p.file, Line: line, Column: col, Msg: "invalid JSON: unexpected end of file"}
	}
	return &Error{File: p.file, Msg: "invalid JSON: " + err.Error()}
}

func (p *jsonParser) value(depth int) (*Node, error) {
	off := p.start(p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(err)
	}
	line, col := p.pos(off)
	if p.nodes++; p.nodes > maxNodes {
		return nil, &Error{File: p.file, Line: line, Column: col, Msg: fmt.Sprintf("more than %d values", maxNodes)}
	}
	if depth > maxDepth {
		return nil, &Error{File: p.file, Line: line, Column: col, Msg: fmt.Sprintf("nested deeper than %d", maxDepth)}
	}
	n := &Node{Line: line, Column: col}
	switch t := tok.(type) {
	case nil:
		n.Kind = KindNull
	case bool:
		n.Kind, n.Text = KindBool, fmt.Sprint(t)
	case json.Number:
		n.Kind, n.Text = KindNumber, string(t)
	case string:
		n.Kind, n.Text = KindString, t
	case json.Delim:
		switch t {
		case '[':
			n.Kind = KindList
			for p.dec.More() {
				it, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Items = append(n.Items, it)
			}
		case '{':
			n.Kind = KindMap
			seen := map[string]bool{}
			for p.dec.More() {
				koff := p.start(p.dec.InputOffset())
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.fail(err)
				}
				key, _ := kt.(string)
				kl, kc := p.pos(koff)
				if seen[key] {
					return nil, &Error{File: p.file, Line: kl, Column: kc, Msg: fmt.Sprintf("duplicate key %q", key)}
				}
				seen[key] = true
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Fields = append(n.Fields, Field{Key: key, Line: kl, Value: v})
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, p.fail(err)
		}
	}
	return n, nil
}

// ---- YAML ------------------------------------------------------------------

// shortForms are the YAML tags of the intrinsic functions and condition
// functions ("Intrinsic function reference": each function's "YAML" syntax).
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!FindInMap": "Fn::FindInMap", "!GetAtt": "Fn::GetAtt",
	"!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform", "!If": "Fn::If",
	"!Equals": "Fn::Equals", "!And": "Fn::And", "!Or": "Fn::Or", "!Not": "Fn::Not",
	"!Length": "Fn::Length", "!ToJsonString": "Fn::ToJsonString", "!ForEach": "Fn::ForEach",
}

type yamlConv struct {
	file  string
	nodes int
}

func parseYAML(file string, data []byte) (*Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "empty document"}
		}
		e := yamlError(file, err)
		e.Line = problemLine(data, e)
		return nil, e
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Msg: "more than one YAML document"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	c := &yamlConv{file: file}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &Error{File: file, Msg: "empty document"}
		}
		root = root.Content[0]
	}
	return c.node(root, 0)
}

// yamlError turns "yaml: line 12: did not find expected key" into a
// positioned error.
func yamlError(file string, err error) *Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// maxProblemScan bounds the lines problemLine tries.
const maxProblemScan = 400

// problemLine finds the line of a YAML syntax error. The parser reports the
// line of the construct it was parsing (a block mapping opened lines
// before), not of the offending token; the offending line is the first
// line whose inclusion makes the document fail the same way. It returns
// e.Line when no prefix within maxProblemScan lines of it does.
func problemLine(data []byte, e *Error) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	start := max(e.Line-1, 1)
	for k := start; k <= len(lines) && k < start+maxProblemScan; k++ {
		prefix := bytes.Join(lines[:k], nil)
		var n yaml.Node
		err := yaml.Unmarshal(prefix, &n)
		if err == nil {
			continue
		}
		if yamlError(e.File, err).Msg == e.Msg {
			return k
		}
	}
	return e.Line
}

func (c *yamlConv) errf(y *yaml.Node, format string, args ...any) error {
	return &Error{File: c.file, Line: y.Line, Column: y.Column, Msg: fmt.Sprintf(format, args...)}
}

func (c *yamlConv) node(y *yaml.Node, depth int) (*Node, error) {
	if c.nodes++; c.nodes > maxNodes {
		return nil, c.errf(y, "more than %d values (YAML aliases included)", maxNodes)
	}
	if depth > maxDepth {
		return nil, c.errf(y, "nested deeper than %d", maxDepth)
	}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			return nil, c.errf(y, "alias to an unknown anchor")
		}
		n, err := c.node(y.Alias, depth+1)
		if err != nil {
			return nil, err
		}
		cp := *n
		cp.Line, cp.Column = y.Line, y.Column
		return &cp, nil
	}
	tag := y.Tag
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		name, ok := shortForms[tag]
		if !ok {
			return nil, c.errf(y, "unknown tag %s (CloudFormation's short forms are !Ref, !Sub, !GetAtt, !If, ...)", tag)
		}
		plain := *y
		plain.Tag = ""
		if y.Kind == yaml.ScalarNode {
			plain.Tag = "!!str"
		}
		arg, err := c.node(&plain, depth+1)
		if err != nil {
			return nil, err
		}
		if name == "Fn::GetAtt" && arg.Kind == KindString {
			// !GetAtt Resource.Attribute: the attribute may itself hold
			// dots (Endpoint.Address), the logical id never does.
			res, attr, ok := strings.Cut(arg.Text, ".")
			if !ok {
				return nil, c.errf(y, "!GetAtt %s: want Resource.Attribute", arg.Text)
			}
			arg = &Node{Kind: KindList, Line: arg.Line, Column: arg.Column, Items: []*Node{
				{Kind: KindString, Text: res, Line: arg.Line, Column: arg.Column},
				{Kind: KindString, Text: attr, Line: arg.Line, Column: arg.Column},
			}}
		}
		return &Node{Kind: KindMap, Line: y.Line, Column: y.Column, Fields: []Field{{Key: name, Line: y.Line, Value: arg}}}, nil
	}
	n := &Node{Line: y.Line, Column: y.Column}
	switch y.Kind {
	case yaml.ScalarNode:
		n.Text = y.Value
		switch y.ShortTag() {
		case "!!null":
			n.Kind = KindNull
		case "!!bool":
			n.Kind = KindBool
			n.Text = strings.ToLower(y.Value)
		case "!!int", "!!float":
			n.Kind = KindNumber
		default:
			n.Kind = KindString
		}
	case yaml.SequenceNode:
		n.Kind = KindList
		n.Items = make([]*Node, 0, len(y.Content))
		for _, it := range y.Content {
			v, err := c.node(it, depth+1)
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, v)
		}
	case yaml.MappingNode:
		n.Kind = KindMap
		seen := map[string]bool{}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				return nil, c.errf(k, "YAML merge keys (<<) are not supported in templates")
			}
			if k.Kind != yaml.ScalarNode {
				return nil, c.errf(k, "a map key must be a string")
			}
			if seen[k.Value] {
				return nil, c.errf(k, "duplicate key %q", k.Value)
			}
			seen[k.Value] = true
			val, err := c.node(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.Fields = append(n.Fields, Field{Key: k.Value, Line: k.Line, Value: val})
		}
	default:
		return nil, c.errf(y, "unexpected YAML node")
	}
	return n, nil
}
