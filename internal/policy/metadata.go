package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/finding"
)

// Kind separates posture checks from event (incident) rules.
type Kind string

// Policy kinds.
const (
	// KindPosture is a check evaluated per secret (package posture.*).
	KindPosture Kind = "posture"
	// KindEvent is an incident rule evaluated per event (package events.*).
	KindEvent Kind = "event"
)

// Check is a policy's METADATA.
type Check struct {
	ID          string   `json:"id"`
	Kind        Kind     `json:"kind"`
	Package     string   `json:"package"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Severity    string   `json:"severity"`
	Controls    []string `json:"controls,omitempty"`
	Remediation string   `json:"remediation,omitempty"`
	Parameters  []string `json:"parameters,omitempty"`
	File        string   `json:"file"`
}

// readMetadata collects the package METADATA of every posture.* and events.*
// package. Packages without METADATA or with an incomplete custom block are
// errors naming the file.
//
// inputs[i] are the input paths out[i] declares in custom.inputs (nil when
// it declares none).
func readMetadata(c *ast.Compiler, modules map[string]*ast.Module) (out []Check, inputs [][][]string, err error) {
	byPath := map[string]*ast.Annotations{}
	for _, ref := range c.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a == nil || (a.Scope != "package" && a.Scope != "subpackages") {
			continue
		}
		byPath[ref.Path.String()] = a
	}
	seenPkg := map[string]bool{}
	ids := map[string]string{}
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, file := range names {
		m := modules[file]
		path := m.Package.Path.String()
		pkg := strings.TrimPrefix(path, "data.")
		var kind Kind
		switch {
		case strings.HasPrefix(pkg, "posture."):
			kind = KindPosture
		case strings.HasPrefix(pkg, "events."):
			kind = KindEvent
		default:
			continue
		}
		if seenPkg[pkg] {
			continue
		}
		a, ok := byPath[path]
		if !ok {
			continue // a package split over files: metadata is on one of them
		}
		seenPkg[pkg] = true
		ch, err := checkFrom(a, kind, pkg, file)
		if err != nil {
			return nil, nil, err
		}
		if prev, dup := ids[ch.ID]; dup {
			return nil, nil, fmt.Errorf("%s: policy id %q already used by %s", file, ch.ID, prev)
		}
		in, _, err := parseInputs(a.Custom["inputs"], file, pkg)
		if err != nil {
			return nil, nil, err
		}
		ids[ch.ID] = file
		out = append(out, ch)
		inputs = append(inputs, in)
	}
	for _, file := range names {
		pkg := strings.TrimPrefix(modules[file].Package.Path.String(), "data.")
		if (strings.HasPrefix(pkg, "posture.") || strings.HasPrefix(pkg, "events.")) && !seenPkg[pkg] {
			return nil, nil, fmt.Errorf("%s: package %s has no METADATA block with scope package (custom.id and custom.severity are required)", file, pkg)
		}
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return out[order[i]].ID < out[order[j]].ID })
	sortedOut := make([]Check, len(out))
	sortedIn := make([][][]string, len(out))
	for i, k := range order {
		sortedOut[i], sortedIn[i] = out[k], inputs[k]
	}
	return sortedOut, sortedIn, nil
}

func checkFrom(a *ast.Annotations, kind Kind, pkg, file string) (Check, error) {
	ch := Check{Kind: kind, Package: pkg, Title: a.Title, Description: a.Description, File: file}
	str := func(k string) string {
		s, _ := a.Custom[k].(string)
		return s
	}
	list := func(k string) []string {
		raw, _ := a.Custom[k].([]any)
		out := make([]string, 0, len(raw))
		for _, v := range raw {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	ch.ID = str("id")
	ch.Severity = str("severity")
	ch.Remediation = str("remediation")
	ch.Controls = list("controls")
	ch.Parameters = list("parameters")
	switch {
	case ch.ID == "":
		return ch, fmt.Errorf("%s: package %s: METADATA custom.id is missing", file, pkg)
	case finding.SeverityRank(ch.Severity) < 0:
		return ch, fmt.Errorf("%s: package %s: METADATA custom.severity %q is not one of %s", file, pkg, ch.Severity, strings.Join(finding.Severities, "|"))
	case ch.Title == "":
		return ch, fmt.Errorf("%s: package %s: METADATA title is missing", file, pkg)
	}
	return ch, nil
}
