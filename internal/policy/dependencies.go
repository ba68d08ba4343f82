package policy

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Dependencies returns, for each posture check (in Checks order), the input paths
// its verdict on input can depend on, as dotted paths ("secret.KmsKeyId";
// "" is the whole input). For a check that declares its inputs, these are
// the paths of its deny and skip definitions: each definition's guard paths,
// plus what it reads elsewhere when its guards hold on input (a definition
// whose guard fails yields nothing whatever else the input holds). For any
// other check, every path its rules can read (static analysis of the
// package and every rule it reaches).
//
// A caller that knows some part of an input is unknown, or cannot exist yet,
// uses it to tell which verdicts that part can change (see assess).
func (e *Engine) Dependencies(input ast.Value) [][]string {
	obj, _ := input.(ast.Object)
	out := make([][]string, len(e.checks))
	for i := range e.posture {
		pc := &e.posture[i]
		var paths [][]string
		if obj == nil || (pc.skipRules == nil && pc.denyRules == nil) {
			paths = pc.reads
		} else {
			for _, defs := range [][]int{pc.skipRules, pc.denyRules} {
				for _, d := range defs {
					mr := &e.memoized[d]
					holds := true
					for gi := range mr.guards {
						g := &mr.guards[gi]
						paths = append(paths, g.path)
						if t, ok := lookupPath(obj, g.keys); ok && !g.holds(t) {
							holds = false
						}
					}
					if holds {
						paths = append(paths, mr.reads...)
					}
				}
			}
		}
		paths = minimalPaths(append([][]string(nil), paths...))
		dotted := make([]string, len(paths))
		for k, p := range paths {
			dotted[k] = strings.Join(p, ".")
		}
		out[i] = dotted
	}
	return out
}

// packageReads is every input path the rules of pkg can read, transitively.
func packageReads(c *ast.Compiler, pkg string) [][]string {
	reads, _ := readInputs(c, pkg)
	paths := make([][]string, len(reads))
	for i, r := range reads {
		paths[i] = r.Path
	}
	return minimalPaths(paths)
}

// Overlaps reports whether two dotted input paths overlap: one lies under
// the other ("" is the whole input).
func Overlaps(a, b string) bool {
	if a == "" || b == "" || a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasPrefix(b, a) && b[len(a)] == '.'
}
