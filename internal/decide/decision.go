// Package decide decides one event: it applies the event's state change to
// a working copy of the inventory, re-evaluates the secret's posture,
// runs the incident rules and plans actions (never executing them).
package decide

import (
	"time"

	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/finding"
)

// Decision is the outcome of one event (DESIGN.md "Decision for an event").
type Decision struct {
	EventID   string            `json:"event_id"`
	EventName string            `json:"event_name"`
	Time      time.Time         `json:"time"`
	SecretARN string            `json:"secret_arn"`
	AccountID string            `json:"account_id"`
	Region    string            `json:"region"`
	Actor     event.Actor       `json:"actor"`
	Skipped   *string           `json:"skipped"`
	Findings  []finding.Finding `json:"findings"`
	Actions   []Action          `json:"actions"`
	// Source names the file and record the event came from.
	Source string `json:"source,omitempty"`
}

// Action is one planned or executed response.
type Action struct {
	Kind      string `json:"kind"`
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
	Severity  string `json:"severity"`
	SecretARN string `json:"secret_arn,omitempty"`
	// Statements are resource-policy statement indices to remove (remediate).
	Statements []int `json:"statements,omitempty"`
	// Blocked says why a safety rail stops the action (it then falls back to alert-only).
	Blocked  string `json:"blocked,omitempty"`
	Executed bool   `json:"executed"`
}

// Summary counts decisions.
type Summary struct {
	Events   int            `json:"events"`
	Decided  int            `json:"decided"`
	Skipped  int            `json:"skipped"`
	Errors   int            `json:"errors"`
	Actions  map[string]int `json:"actions"`
	Blocked  int            `json:"blocked"`
	Critical int            `json:"critical_actions"`
}

// NewSummary returns an empty summary.
func NewSummary() *Summary { return &Summary{Actions: map[string]int{}} }

// Add counts one decision.
func (s *Summary) Add(d *Decision) {
	s.Events++
	if d.Skipped != nil {
		s.Skipped++
		return
	}
	s.Decided++
	for _, a := range d.Actions {
		s.Actions[a.Kind]++
		if a.Blocked != "" {
			s.Blocked++
		}
		if a.Severity == "critical" {
			s.Critical++
		}
	}
}

func skipped(d *Decision, why string) *Decision {
	d.Skipped = &why
	return d
}
