package policy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// An input path names a part of the policy input by its object keys, e.g.
// secret.RotationRules or params.max_rotation_days. A check that declares
// the paths it reads (METADATA custom.inputs) has its outcome cached per
// distinct projection of the input on those paths.
var inputPath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// parseInputs reads a custom.inputs declaration: nil (no declaration) or a
// list of dotted input paths.
func parseInputs(raw any, file, pkg string) ([][]string, bool, error) {
	if raw == nil {
		return nil, false, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, false, fmt.Errorf("%s: package %s: METADATA custom.inputs must be a list of input paths", file, pkg)
	}
	out := make([][]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok || !inputPath.MatchString(s) {
			return nil, false, fmt.Errorf("%s: package %s: METADATA custom.inputs: %v is not an input path such as secret.RotationRules", file, pkg, v)
		}
		out = append(out, strings.Split(s, "."))
	}
	return out, true, nil
}

// inputRead is one read of the policy input found by readInputs.
type inputRead struct {
	// Path is the ground part of the ref after input (empty when the whole
	// input is read, e.g. passed to a function).
	Path []string
	// Location is where the ref is, for messages.
	Location *ast.Location
}

// String renders the read as input.a.b.
func (r inputRead) String() string {
	if len(r.Path) == 0 {
		return "input"
	}
	return "input." + strings.Join(r.Path, ".")
}

// readInputs walks every rule of package pkg (e.g. "posture.unused") and,
// transitively, every rule and function those reach through data refs, and
// returns the input reads found and the non-deterministic built-ins called.
// A ref is reduced to its leading string keys: input.secret.Tags[i].Key reads
// secret.Tags, input.secret[k] reads secret and a bare input reads all of it.
func readInputs(c *ast.Compiler, pkg string) (reads []inputRead, nondeterministic []string) {
	root := ast.MustParseRef("data." + pkg)
	seen := map[*ast.Rule]bool{}
	var queue []*ast.Rule
	push := func(rules []*ast.Rule) {
		for _, r := range rules {
			if !seen[r] {
				seen[r] = true
				queue = append(queue, r)
			}
		}
	}
	push(c.GetRules(root))
	nd := map[string]bool{}
	for len(queue) > 0 {
		rule := queue[0]
		queue = queue[1:]
		ast.WalkRefs(rule, func(ref ast.Ref) bool {
			switch {
			case ref.HasPrefix(ast.InputRootRef):
				reads = append(reads, inputRead{Path: groundKeys(ref[1:]), Location: locationOf(ref, rule)})
			case ref.HasPrefix(ast.DefaultRootRef):
				prefix := ref.GroundPrefix()
				push(c.GetRules(prefix))
			default:
				if b, ok := ast.BuiltinMap[ref.String()]; ok && b.IsNondeterministic() && !nd[b.Name] {
					nd[b.Name] = true
					nondeterministic = append(nondeterministic, b.Name)
				}
			}
			return false
		})
	}
	sort.Strings(nondeterministic)
	return reads, nondeterministic
}

// groundKeys is the leading run of string keys of a ref tail.
func groundKeys(tail ast.Ref) []string {
	var out []string
	for _, t := range tail {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		out = append(out, string(s))
	}
	return out
}

func locationOf(ref ast.Ref, rule *ast.Rule) *ast.Location {
	if len(ref) > 0 && ref[0].Location != nil {
		return ref[0].Location
	}
	return rule.Location
}

// covered reports whether a read lies under one of the declared paths.
func covered(read []string, declared [][]string) bool {
	for _, d := range declared {
		if len(d) <= len(read) && equalStrings(d, read[:len(d)]) {
			return true
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// verifyInputs fails when a check that declares its inputs reads the input
// outside them or calls a non-deterministic built-in: its cached outcome
// could then differ from an evaluation.
func verifyInputs(c *ast.Compiler, ch *Check, declared [][]string) error {
	reads, nd := readInputs(c, ch.Package)
	if len(nd) > 0 {
		return fmt.Errorf("%s: package %s declares METADATA custom.inputs but calls %s, whose result is not a function of the input; remove the inputs declaration",
			ch.File, ch.Package, strings.Join(nd, ", "))
	}
	for _, r := range reads {
		if !covered(r.Path, declared) {
			at := ""
			if r.Location != nil {
				at = fmt.Sprintf(" (at %s:%d)", r.Location.File, r.Location.Row)
			}
			return fmt.Errorf("%s: package %s reads %s%s, which its METADATA custom.inputs do not cover (add it, or a prefix of it)",
				ch.File, ch.Package, r, at)
		}
	}
	return nil
}
