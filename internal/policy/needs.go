package policy

import "sort"

// Which checks need which input is derived from the policies themselves:
// the static analysis that verifies METADATA custom.inputs (readInputs)
// lists, for every posture check, the input paths its rules and the rules
// and functions they call read. When part of a secret's input could not be
// read (its resource policy, its KMS key, an invalid field), only the checks
// that read that part are error; the others are evaluated.

// computeReads records the input paths every posture check reads.
func (e *Engine) computeReads() {
	e.reads = make(map[string][][]string, len(e.checks))
	for i := range e.checks {
		pkg := e.checks[i].Package
		reads, _ := readInputs(e.compiler, pkg)
		seen := map[string]bool{}
		var paths [][]string
		for _, r := range reads {
			k := r.String()
			if seen[k] {
				continue
			}
			seen[k] = true
			paths = append(paths, r.Path)
		}
		sort.Slice(paths, func(a, b int) bool { return lessPath(paths[a], paths[b]) })
		e.reads[pkg] = paths
	}
}

func lessPath(a, b []string) bool {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// Reads returns the input paths check reads (a nil path: the whole input),
// found by static analysis of its rules. The result must not be modified.
func (e *Engine) Reads(check *Check) [][]string { return e.reads[check.Package] }

// Needs reports whether check reads part, an input path: whether one of
// the paths it reads is part, lies under it, or contains it (reading
// input.secret needs input.secret.RotationRules; reading
// input.ages.days.CreatedDate needs input.ages).
func (e *Engine) Needs(check *Check, part []string) bool {
	for _, r := range e.reads[check.Package] {
		n := min(len(r), len(part))
		if equalStrings(r[:n], part[:n]) {
			return true
		}
	}
	return false
}

// NeedsWithin reports whether check reads part or something under it, not
// counting reads of what contains it. It is for the parts of the input the
// engine derives and leaves out when their source is invalid (input.ages.days.X
// for an invalid date X): a check reading input.ages.days as a whole sees
// the other dates, correct, and the invalid one absent.
func (e *Engine) NeedsWithin(check *Check, part []string) bool {
	for _, r := range e.reads[check.Package] {
		if len(r) >= len(part) && equalStrings(r[:len(part)], part) {
			return true
		}
	}
	return false
}
