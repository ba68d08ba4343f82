package metrics

import (
	"io"
	"sort"
	"time"

	"github.com/secretwarden/warden/internal/finding"
)

// Compliance metrics, written by the sweep for each account-region it
// evaluates (the CloudWatch compliance dashboard graphs them). Their
// dimensions are bounded: {Policy, Severity} (one pair per policy, a policy
// has one severity) and {AccountId}; docs/dashboards.md counts the custom
// metrics and their cost.
const (
	// Compliance is one value per evaluated finding: 100 when it complies
	// (pass, or exempt by a live exception), 0 when it does not (fail, or
	// error: not evaluated is never a pass); not_applicable is left out. Its
	// Average over a period is the exact compliance percentage of the
	// findings of that period. Dimensions {Policy, Severity}.
	Compliance = "Compliance"
	// FailingFindings counts fail and error findings. Dimensions {Policy,
	// Severity} and {AccountId}.
	FailingFindings = "FailingFindings"
	// ExceptionsExpiringSoon counts exempt findings whose exception expires
	// within ExpiringWithin. Dimensions {Policy, Severity}.
	ExceptionsExpiringSoon = "ExceptionsExpiringSoon"

	// DimensionPolicy, DimensionSeverity and DimensionAccount name the
	// compliance metrics' dimensions.
	DimensionPolicy   = "Policy"
	DimensionSeverity = "Severity"
	DimensionAccount  = "AccountId"
)

// ExpiringWithin is how soon an exception's expiry counts as "expiring".
const ExpiringWithin = 30 * 24 * time.Hour

type policyKey struct{ policy, severity string }

type postureCounts struct {
	compliance []float64 // 100 or 0 per finding
	failing    int
	expiring   int
}

// Posture accumulates the compliance metrics of one sweep unit.
type Posture struct {
	now      time.Time
	policies map[policyKey]*postureCounts
	accounts map[string]int // failing findings per account
}

// NewPosture returns an empty accumulator; now decides which exceptions
// expire soon.
func NewPosture(now time.Time) *Posture {
	return &Posture{now: now, policies: map[policyKey]*postureCounts{}, accounts: map[string]int{}}
}

// Add counts one finding.
func (p *Posture) Add(f *finding.Finding) {
	k := policyKey{f.PolicyID, f.Severity}
	c := p.policies[k]
	if c == nil {
		c = &postureCounts{}
		p.policies[k] = c
	}
	if _, ok := p.accounts[f.AccountID]; !ok {
		p.accounts[f.AccountID] = 0
	}
	switch f.Status {
	case finding.StatusPass:
		c.compliance = append(c.compliance, 100)
	case finding.StatusExempt:
		c.compliance = append(c.compliance, 100)
		if exp, err := time.Parse(time.RFC3339, f.ExceptionExpires); err == nil && exp.Sub(p.now) <= ExpiringWithin {
			c.expiring++
		}
	case finding.StatusFail, finding.StatusError:
		c.compliance = append(c.compliance, 0)
		c.failing++
		p.accounts[f.AccountID]++
	}
}

// Write writes the accumulated metrics as EMF lines timestamped at ts (the
// sweep's start, so that every unit of one sweep falls in the same period):
// per (policy, severity) FailingFindings, ExceptionsExpiringSoon and the
// Compliance values (100 a line at most, EMF's limit), and per account
// FailingFindings.
func (p *Posture) Write(w io.Writer, ts time.Time) error {
	keys := make([]policyKey, 0, len(p.policies))
	for k := range p.policies {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].policy < keys[j].policy || keys[i].policy == keys[j].policy && keys[i].severity < keys[j].severity
	})
	ms := ts.UnixMilli()
	policyDims := [][]string{{DimensionPolicy, DimensionSeverity}}
	for _, k := range keys {
		c := p.policies[k]
		dims := map[string]string{DimensionPolicy: k.policy, DimensionSeverity: k.severity}
		doc := map[string]any{FailingFindings: c.failing, ExceptionsExpiringSoon: c.expiring}
		defs := []emfMetric{{Name: FailingFindings, Unit: "Count"}, {Name: ExceptionsExpiringSoon, Unit: "Count"}}
		values := c.compliance
		for first := true; first || len(values) > 0; first = false {
			if !first {
				doc, defs = map[string]any{}, nil
			}
			if n := min(len(values), maxValues); n > 0 {
				doc[Compliance] = values[:n]
				defs = append(defs, emfMetric{Name: Compliance, Unit: "Percent"})
				values = values[n:]
			}
			if err := writeEMF(w, doc, ms, policyDims, dims, defs); err != nil {
				return err
			}
		}
	}
	accounts := make([]string, 0, len(p.accounts))
	for a := range p.accounts {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts)
	for _, a := range accounts {
		doc := map[string]any{FailingFindings: p.accounts[a]}
		if err := writeEMF(w, doc, ms, [][]string{{DimensionAccount}}, map[string]string{DimensionAccount: a},
			[]emfMetric{{Name: FailingFindings, Unit: "Count"}}); err != nil {
			return err
		}
	}
	return nil
}
