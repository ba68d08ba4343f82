package event

import (
	"strconv"
	"strings"
)

// field returns m[name], or the value of the first key equal to name under
// Unicode case folding ("aRN" for "arn", "SecretId" for "secretId").
func field(m map[string]any, name string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// path follows nested objects: path(m, "a", "b") is m.a.b.
func path(m map[string]any, keys ...string) (any, bool) {
	var cur any = m
	for _, k := range keys {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = field(obj, k); !ok {
			return nil, false
		}
	}
	return cur, true
}

// obj returns the object at the path, or nil.
func obj(m map[string]any, keys ...string) map[string]any {
	v, _ := path(m, keys...)
	o, _ := v.(map[string]any)
	return o
}

// str returns the value at the path as a string: strings as they are,
// numbers and booleans formatted, anything else "".
func str(m map[string]any, keys ...string) string {
	v, _ := path(m, keys...)
	return scalarString(v)
}

// scalarString formats a JSON scalar; objects, arrays and null give "".
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		return ""
	}
}

// boolish reads a boolean that may arrive as a bool or as a string
// ("true", "True", "1"); anything else is false.
func boolish(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return err == nil && b
	case float64:
		return x != 0
	default:
		return false
	}
}

// number reads a float that may arrive as a number or a numeric string.
func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0
		}
		return f
	default:
		return 0
	}
}

// jsonType names the JSON type of a decoded value for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return "an unknown value"
	}
}
