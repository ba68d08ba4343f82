package action

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Mode says whether a policy's or rule's remediation and rotation run.
type Mode string

// Modes a rule can be in.
const (
	// ModeAlertOnly (the default) alerts and records, and never changes a secret.
	ModeAlertOnly Mode = "alert-only"
	// ModeEnforce also remediates and rotates.
	ModeEnforce Mode = "enforce"
)

// Modes maps policy or rule ids to modes; the key "*" sets the default
// for ids not listed (alert-only when absent).
type Modes map[string]Mode

// ParseModes reads WARDEN_MODES: a JSON object of policy or rule id to
// "alert-only" or "enforce". An empty string is no override.
func ParseModes(s string) (Modes, error) {
	m := Modes{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	var raw map[string]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("parse modes: want a JSON object of policy id to \"alert-only\" or \"enforce\": %w", err)
	}
	var bad []string
	for id, v := range raw {
		switch Mode(v) {
		case ModeAlertOnly, ModeEnforce:
			m[id] = Mode(v)
		default:
			bad = append(bad, fmt.Sprintf("%s: %q", id, v))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("parse modes: unknown mode for %s (want \"alert-only\" or \"enforce\")", strings.Join(bad, ", "))
	}
	return m, nil
}

// For returns the mode of a policy or rule id.
func (m Modes) For(id string) Mode {
	if v, ok := m[id]; ok {
		return v
	}
	if v, ok := m["*"]; ok {
		return v
	}
	return ModeAlertOnly
}
