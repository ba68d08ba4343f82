package cfn

import (
	"errors"
	"strings"
	"testing"
)

// lineOf is the 1-based line of the first line of text containing needle.
func lineOf(t *testing.T, text, needle string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, needle) {
			return i + 1
		}
	}
	t.Fatalf("%q not in the text", needle)
	return 0
}

const yamlTemplate = `AWSTemplateFormatVersion: "2010-09-09"
# a comment line
Parameters:
  Env: {Type: String, Default: prod}
Resources:

  Key:
    Type: AWS::KMS::Key
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      KmsKeyId: !GetAtt Key.Arn
      Name: !Sub "${Env}/db"
      Tags:
        - {Key: owner, Value: !Ref Env}
`

const jsonTemplate = "{\r\n" + `  "AWSTemplateFormatVersion": "2010-09-09",
	"Parameters": {"Env": {"Type": "String", "Default": "prod"}},
  "Resources": {
    "Key": {"Type": "AWS::KMS::Key"},

    "Secret": {
      "Type": "AWS::SecretsManager::Secret",
      "Properties": {
        "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
        "Name": {"Fn::Sub": "${Env}/db"},
        "Tags": [{"Key": "owner", "Value": {"Ref": "Env"}}]
      }
    }
  }
}
`

// TestLinesYAMLAndJSON: a resource's Line is the line of its logical id,
// in YAML (blank and comment lines before it) and in JSON (CRLF, tabs).
func TestLinesYAMLAndJSON(t *testing.T) {
	for name, text := range map[string]string{"yaml": yamlTemplate, "json": jsonTemplate} {
		t.Run(name, func(t *testing.T) {
			tm, err := Parse("t."+name, []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tm.Resources {
				needle := "  " + r.LogicalID + ":"
				if name == "json" {
					needle = `"` + r.LogicalID + `": {`
				}
				if want := lineOf(t, text, needle); r.Line != want {
					t.Errorf("%s: line %d, want %d", r.LogicalID, r.Line, want)
				}
			}
			sec := tm.Resource("Secret")
			kms := sec.Properties.Get("KmsKeyId")
			if want := lineOf(t, text, "KmsKeyId"); kms.Line != want {
				t.Errorf("KmsKeyId value: line %d, want %d", kms.Line, want)
			}
			tags := sec.Properties.Get("Tags")
			if want := lineOf(t, text, `owner`); tags.Items[0].Line != want {
				t.Errorf("Tags[0]: line %d, want %d", tags.Items[0].Line, want)
			}
		})
	}
}

// TestYAMLAndJSONSameTree: the short forms read as the long forms.
func TestYAMLAndJSONSameTree(t *testing.T) {
	y, err := Parse("t.yaml", []byte(yamlTemplate))
	if err != nil {
		t.Fatal(err)
	}
	j, err := Parse("t.json", []byte(jsonTemplate))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"Key", "Secret"} {
		a, b := y.Resource(id).Properties.String(), j.Resource(id).Properties.String()
		if a != b {
			t.Errorf("%s: YAML %s, JSON %s", id, a, b)
		}
	}
	if got := y.Resource("Secret").Properties.Get("KmsKeyId").String(); got != "{Fn::GetAtt: [Key, Arn]}" {
		t.Errorf("!GetAtt Key.Arn read as %s", got)
	}
}

func TestJSONColumns(t *testing.T) {
	text := "{\"a\": {\"b\": \"é\", \"c\": [1, {\"d\": null}]}}"
	n, err := ParseDocument("x.json", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	c := n.Get("a").Get("c")
	// Columns count characters: é is one.
	if c.Line != 1 || c.Column != 23 {
		t.Errorf("c at %d:%d, want 1:23", c.Line, c.Column)
	}
	d := c.Items[1].Get("d")
	if d.Kind != KindNull || d.Column != 33 {
		t.Errorf("d: %v at column %d, want null at 33", d.Kind, d.Column)
	}
}

func TestShortForms(t *testing.T) {
	cases := map[string]string{
		"!Ref X":                                   "{Ref: X}",
		"!GetAtt Db.Endpoint.Address":              "{Fn::GetAtt: [Db, Endpoint.Address]}",
		"!GetAtt [Db, Arn]":                        "{Fn::GetAtt: [Db, Arn]}",
		"!Sub 'a-${X}'":                            `{Fn::Sub: "a-${X}"}`,
		"!Sub ['a-${Y}', {Y: !Ref X}]":             `{Fn::Sub: ["a-${Y}", {Y: {Ref: X}}]}`,
		"!Join ['', [a, !Ref X]]":                  "{Fn::Join: [\"\", [a, {Ref: X}]]}",
		"!If [C, 1, !Ref AWS::NoValue]":            "{Fn::If: [C, 1, {Ref: AWS::NoValue}]}",
		"!ImportValue shared-key":                  "{Fn::ImportValue: shared-key}",
		"!Select [0, !GetAZs '']":                  "{Fn::Select: [0, {Fn::GetAZs: \"\"}]}",
		"!Split [',', a]":                          "{Fn::Split: [\",\", a]}",
		"!FindInMap [M, !Ref X, k]":                "{Fn::FindInMap: [M, {Ref: X}, k]}",
		"!Base64 x":                                "{Fn::Base64: x}",
		"!Equals [a, b]":                           "{Fn::Equals: [a, b]}",
		"!And [!Condition A, !Not [!Condition B]]": "{Fn::And: [{Condition: A}, {Fn::Not: [{Condition: B}]}]}",
		"!Or [!Condition A, !Condition B]":         "{Fn::Or: [{Condition: A}, {Condition: B}]}",
		"!Cidr [10.0.0.0/16, 4, 8]":                "{Fn::Cidr: [10.0.0.0/16, 4, 8]}",
	}
	for src, want := range cases {
		n, err := ParseDocument("x.yaml", []byte("v: "+src+"\n"))
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := n.Get("v").String(); got != want {
			t.Errorf("%s: got %s, want %s", src, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"yaml syntax", "Resources:\n  A:\n    Type: x\n   Properties: {}\n", 4, "invalid YAML"},
		{"yaml unknown tag", "Resources:\n  A:\n    Type: !Fetch x\n", 3, "unknown tag !Fetch"},
		{"yaml duplicate", "Resources:\n  A: {Type: x}\n  A: {Type: y}\n", 3, `duplicate key "A"`},
		{"yaml two documents", "Resources: {}\n---\nResources: {}\n", 2, "more than one YAML document"},
		{"yaml merge key", "x: &a {k: 1}\ny:\n  <<: *a\n", 3, "merge keys"},
		{"yaml getatt", "v: !GetAtt NoDot\n", 1, "want Resource.Attribute"},
		{"json syntax", "{\n  \"Resources\": {\n    \"A\": {\"Type\": \"x\",}\n  }\n}\n", 3, "invalid JSON"},
		{"json truncated", "{\n  \"Resources\": {\n", 3, "unexpected end of file"},
		{"json duplicate", "{\"a\": 1,\n \"a\": 2}", 2, `duplicate key "a"`},
		{"json trailing", "{}\n{}", 2, "after the JSON document"},
		{"not utf-8", "Resources: \xff\n", 0, "not UTF-8"},
		{"empty", "", 0, "empty document"},
	}
	for _, c := range cases {
		_, err := ParseDocument("f", []byte(c.text))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want *Error", c.name, err)
			continue
		}
		if e.Line != c.line || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%s: %v; want line %d and %q", c.name, err, c.line, c.msg)
		}
	}
}

// TestAliasBomb: YAML aliases expanding to billions of nodes cost an error.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString(strings.ReplaceAll("aN: &aN [*aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP]\n", "N", string(rune('0'+i))))
		s := b.String()
		s = strings.ReplaceAll(s, "aP", "a"+string(rune('0'+i-1)))
		b.Reset()
		b.WriteString(s)
	}
	_, err := ParseDocument("bomb.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("an alias bomb parsed")
	}
	if !strings.Contains(err.Error(), "more than") && !strings.Contains(err.Error(), "alias") {
		t.Errorf("error %v", err)
	}
}

func TestTemplateShapeErrors(t *testing.T) {
	cases := map[string]string{
		"Resources: []\n":                              "Resources: want a map",
		"AWSTemplateFormatVersion: x\n":                "no Resources section",
		"Resources:\n  A: {Properties: {}}\n":          "resource A: Type is missing",
		"Resources:\n  A: {Type: x, Properties: 1}\n":  "Properties: want a map",
		"Resources:\n  A: {Type: x, Condition: [1]}\n": "Condition: want a condition name",
		"Resources: {}\nParameters:\n  P: {}\n":        "parameter P: Type is missing",
	}
	for text, want := range cases {
		_, err := Parse("t.yaml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

func TestLooks(t *testing.T) {
	for text, want := range map[string]bool{
		"Resources: {}\n":                          true,
		"AWSTemplateFormatVersion: '2010-09-09'\n": true,
		"name: package\n":                          false,
		"[1, 2]":                                   false,
	} {
		n, err := ParseDocument("x", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if got := Looks(n); got != want {
			t.Errorf("%q: Looks %v, want %v", text, got, want)
		}
	}
}

// FuzzParse: no input makes the parser or the resolver panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(yamlTemplate))
	f.Add([]byte(jsonTemplate))
	f.Add([]byte("Resources:\n  A:\n    Type: x\n    Properties: {K: !Sub ['${A.B}${!x}${AWS::Region}', {}]}\n"))
	f.Add([]byte("{\"Resources\": {\"A\": {\"Type\": \"x\", \"Properties\": {\"K\": {\"Fn::If\": [\"C\", 1, 2]}}}}, \"Conditions\": {\"C\": {\"Condition\": \"C\"}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tm, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		r := NewResolver(tm, Env{})
		for _, res := range tm.Resources {
			_ = r.Resolve(res.Properties)
			if res.Condition != "" {
				r.Condition(res.Condition)
			}
		}
	})
}
