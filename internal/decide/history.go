package decide

import (
	"slices"
	"sort"
	"time"

	"github.com/secretwarden/warden/internal/event"
)

// History remembers what earlier events tell about later ones: recent
// access-denied reads per principal, the access ledger (which principal read
// which secret) and recent emergency rotations (dedupe). Replay keeps it in
// memory; the Lambdas keep it in DynamoDB.
type History interface {
	// DeniedRead records a failed read and returns how many the principal
	// made within the window ending at t.
	DeniedRead(principal string, t time.Time) int
	// Read records that principal keys read secret at t.
	Read(keys []string, secret string, t time.Time)
	// Reads returns the secrets any of keys read within the window ending at t.
	Reads(keys []string, t time.Time) []string
	// Rotated records an emergency rotation of secret at t and reports
	// whether one was already recorded within the dedupe window.
	Rotated(secret string, t time.Time) (duplicate bool)
}

// Memory is an in-memory History.
type Memory struct {
	// DeniedWindow is the access-denied burst window (default 15 minutes).
	DeniedWindow time.Duration
	// LedgerTTL is how long reads are remembered (default 30 days).
	LedgerTTL time.Duration
	// DedupeWindow is the emergency-rotation dedupe window (default 60 minutes).
	DedupeWindow time.Duration

	denied  map[string][]time.Time
	ledger  map[string]map[string]time.Time
	rotated map[string]time.Time
}

// NewMemory returns an empty in-memory history with the default windows.
func NewMemory() *Memory {
	return &Memory{
		DeniedWindow: 15 * time.Minute,
		LedgerTTL:    30 * 24 * time.Hour,
		DedupeWindow: time.Hour,
		denied:       map[string][]time.Time{},
		ledger:       map[string]map[string]time.Time{},
		rotated:      map[string]time.Time{},
	}
}

// DeniedRead implements History.
func (m *Memory) DeniedRead(principal string, t time.Time) int {
	kept := m.denied[principal][:0]
	for _, x := range m.denied[principal] {
		if t.Sub(x) <= m.DeniedWindow {
			kept = append(kept, x)
		}
	}
	kept = append(kept, t)
	m.denied[principal] = kept
	return len(kept)
}

// Read implements History.
func (m *Memory) Read(keys []string, secret string, t time.Time) {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if m.ledger[k] == nil {
			m.ledger[k] = map[string]time.Time{}
		}
		m.ledger[k][secret] = t
	}
}

// Reads implements History.
func (m *Memory) Reads(keys []string, t time.Time) []string {
	set := map[string]bool{}
	for _, k := range keys {
		for s, at := range m.ledger[k] {
			if t.Sub(at) <= m.LedgerTTL {
				set[s] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Rotated implements History.
func (m *Memory) Rotated(secret string, t time.Time) bool {
	if last, ok := m.rotated[secret]; ok && t.Sub(last) < m.DedupeWindow {
		return true
	}
	m.rotated[secret] = t
	return false
}

// ActorKeys are the identifiers the access ledger knows a principal by:
// the first is the principal itself (the principal id CloudTrail gives,
// else the first ARN), the others are aliases of it (the session and
// principal ARNs, the access key id).
func ActorKeys(a event.Actor) []string {
	keys := []string{}
	for _, k := range []string{a.PrincipalID, a.ARN, a.PrincipalARN, a.AccessKeyID} {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// GuardDutyKeys are the identifiers a GuardDuty finding names its principal by.
func GuardDutyKeys(g *event.GuardDutyFinding) []string {
	if g == nil {
		return nil
	}
	keys := []string{}
	for _, k := range []string{g.PrincipalID, g.AccessKeyID} {
		if k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}
