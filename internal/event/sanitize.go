package event

import "strings"

// alwaysSecret are keys (lower case) whose value is secret material,
// whatever its JSON type.
var alwaysSecret = map[string]bool{
	"secretstring":   true,
	"secretbinary":   true,
	"randompassword": true,
}

// secretWords mark a key whose string value is secret material
// ("password", "newSecretString", "masterUserPassword", …). A key holding a
// number or a boolean (passwordLength, …) is a setting, not material, and
// is kept.
var secretWords = []string{"secretstring", "secretbinary", "password"}

// Sanitize returns a deep copy of m without any field that can hold secret
// material: secretString, secretBinary and randomPassword (any case, at any
// depth), and any key containing "secretstring", "secretbinary" or
// "password" whose value is not a number, boolean or null. Everything else
// (resourcePolicy, kmsKeyId, rotationRules, tags, …) is kept. A nil map
// gives nil.
func Sanitize(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if isSecretField(k, v) {
			continue
		}
		out[k] = sanitizeValue(v)
	}
	return out
}

// sanitizeValue copies v, sanitizing every object within it.
func sanitizeValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return Sanitize(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sanitizeValue(e)
		}
		return out
	default:
		return v
	}
}

// isSecretField reports whether key k with value v holds secret material.
func isSecretField(k string, v any) bool {
	lk := strings.ToLower(k)
	if alwaysSecret[lk] {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(lk, w) {
			switch v.(type) {
			case float64, bool, nil:
				return false // a setting such as passwordLength
			default:
				return true
			}
		}
	}
	return false
}
