package rules

import (
	"math"
	"strings"
)

// Match reports whether an EventBridge event (decoded JSON) matches an
// event pattern, for the subset of the pattern language these rules use and
// a little more:
//
//   - a nested object matches the event's object at the same key;
//   - an array lists alternatives: exact strings, numbers, booleans, null,
//     or content filters {"prefix": s}, {"suffix": s},
//     {"equals-ignore-case": s}, {"exists": bool},
//     {"anything-but": value or [values]} (exact values only);
//   - when the event's value is an array, any of its elements may match.
//
// Every key of the pattern must match. A pattern value of any other shape,
// or an unknown filter, matches nothing.
func Match(pattern map[string]any, event map[string]any) bool {
	for key, want := range pattern {
		got, present := event[key]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !present || !ok || !Match(w, sub) {
				return false
			}
		case []any:
			if !matchAlternatives(w, got, present) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// matchAlternatives matches the event value against a list of alternatives.
func matchAlternatives(alts []any, got any, present bool) bool {
	for _, alt := range alts {
		if f, ok := alt.(map[string]any); ok {
			if exists, ok := f["exists"].(bool); ok && len(f) == 1 {
				if exists == present {
					return true
				}
				continue
			}
		}
		if !present {
			continue
		}
		for _, v := range values(got) {
			if matchOne(alt, v) {
				return true
			}
		}
	}
	return false
}

// values spreads an array into its elements; a scalar is its own list.
func values(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// matchOne matches one event scalar against one alternative.
func matchOne(alt, v any) bool {
	f, ok := alt.(map[string]any)
	if !ok {
		return equal(alt, v)
	}
	if len(f) != 1 {
		return false
	}
	s, isString := v.(string)
	for op, arg := range f {
		switch op {
		case "prefix":
			p, ok := arg.(string)
			return ok && isString && strings.HasPrefix(s, p)
		case "suffix":
			p, ok := arg.(string)
			return ok && isString && strings.HasSuffix(s, p)
		case "equals-ignore-case":
			p, ok := arg.(string)
			return ok && isString && strings.EqualFold(s, p)
		case "anything-but":
			for _, x := range values(arg) {
				if _, nested := x.(map[string]any); nested || equal(x, v) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// equal compares two JSON scalars; numbers by value.
func equal(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.Abs(x-y) < 1e-9)
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	default:
		return false
	}
}
