package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// tmpl is a synthesized template as plain Go values.
type tmpl map[string]any

func toTmpl(t assertions.Template) tmpl { return tmpl(*t.ToJSON()) }

func (t tmpl) resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range t["Resources"].(map[string]any) {
		out[id] = r.(map[string]any)
	}
	return out
}

// ofType returns the resources of one type, by logical id.
func (t tmpl) ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range t.resources() {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// statement is one IAM policy statement found anywhere in a template.
type statement struct {
	where string
	body  map[string]any
}

// statements walks the whole template and returns every object that looks
// like an IAM statement (has Effect and Action or NotAction): identity
// policies, inline role policies, trust policies and resource policies alike.
func (t tmpl) statements() []statement {
	var out []statement
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["Effect"]; ok {
				if _, a := x["Action"]; a {
					out = append(out, statement{path, x})
				} else if _, na := x["NotAction"]; na {
					out = append(out, statement{path, x})
				}
			}
			for k, e := range x {
				walk(path+"/"+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("", map[string]any(t))
	return out
}

// strs flattens a string or list of strings (other values are rendered).
func strs(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, strs(e)...)
		}
		return out
	default:
		b, _ := json.Marshal(x)
		return []string{string(b)}
	}
}

// actionMatches reports whether an IAM action pattern (with * and ?
// wildcards, case-insensitive) covers the action.
func actionMatches(pattern, action string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(strings.ToLower(pattern))) + "$"
	return regexp.MustCompile(re).MatchString(strings.ToLower(action))
}

// allows reports whether the statement allows the action.
func (s statement) allows(action string) bool {
	if s.body["Effect"] != "Allow" {
		return false
	}
	if na, ok := s.body["NotAction"]; ok {
		for _, p := range strs(na) {
			if actionMatches(p, action) {
				return false
			}
		}
		return true
	}
	for _, p := range strs(s.body["Action"]) {
		if actionMatches(p, action) {
			return true
		}
	}
	return false
}

// nagSuppressions returns every cdk-nag suppression in the template's metadata.
func (t tmpl) nagSuppressions() map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for id, r := range t.resources() {
		md, _ := r["Metadata"].(map[string]any)
		nag, _ := md["cdk_nag"].(map[string]any)
		rules, _ := nag["rules_to_suppress"].([]any)
		for _, s := range rules {
			out[id] = append(out[id], s.(map[string]any))
		}
	}
	return out
}

// rulePatternFiles reads rules/*.json directly (not through package rules).
func rulePatternFiles(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "rules", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rules/*.json: %v", err)
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = p
	}
	return out
}

// contractEnvVars reads the variable names of the deployment contract
// (docs/contracts.md), and which of them are optional (their meaning starts
// with "optional"): the CDK sets those only when configured.
func contractEnvVars(t *testing.T) (all []string, optional map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "contracts.md"))
	if err != nil {
		t.Fatal(err)
	}
	optional = map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| (WARDEN_[A-Z_]+) \| ([^|\n]*)`).FindAllSubmatch(b, -1) {
		all = append(all, string(m[1]))
		if strings.HasPrefix(strings.TrimSpace(string(m[2])), "optional") {
			optional[string(m[1])] = true
		}
	}
	sort.Strings(all)
	if len(all) < 10 {
		t.Fatalf("found only %d WARDEN_ variables in docs/contracts.md", len(all))
	}
	return all, optional
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
