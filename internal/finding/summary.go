package finding

import "sort"

// Summary counts findings.
type Summary struct {
	// Secrets is the number of secrets evaluated.
	Secrets int `json:"secrets"`
	// Findings is the number of findings.
	Findings int `json:"findings"`
	// ByStatus counts findings per status.
	ByStatus map[Status]int `json:"by_status"`
	// FailingBySeverity counts fail and error findings per severity.
	FailingBySeverity map[string]int `json:"failing_by_severity"`
	// ByPolicy counts findings per policy and status.
	ByPolicy map[string]map[Status]int `json:"by_policy"`
}

// NewSummary returns an empty summary.
func NewSummary() *Summary {
	return &Summary{
		ByStatus:          map[Status]int{},
		FailingBySeverity: map[string]int{},
		ByPolicy:          map[string]map[Status]int{},
	}
}

// Add counts findings.
func (s *Summary) Add(fs ...Finding) {
	for i := range fs {
		f := &fs[i]
		s.Findings++
		s.ByStatus[f.Status]++
		if f.Status.Failing() {
			s.FailingBySeverity[f.Severity]++
		}
		m := s.ByPolicy[f.PolicyID]
		if m == nil {
			m = map[Status]int{}
			s.ByPolicy[f.PolicyID] = m
		}
		m[f.Status]++
	}
}

// FailingAtLeast counts fail and error findings at or above severity t.
func (s *Summary) FailingAtLeast(t string) int {
	n := 0
	for sev, c := range s.FailingBySeverity {
		if AtLeast(sev, t) {
			n += c
		}
	}
	return n
}

// Policies returns the policy ids in the summary, sorted.
func (s *Summary) Policies() []string {
	out := make([]string, 0, len(s.ByPolicy))
	for p := range s.ByPolicy {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Sort orders findings by account, region, secret ARN and policy id.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if a.SecretARN != b.SecretARN {
			return a.SecretARN < b.SecretARN
		}
		return a.PolicyID < b.PolicyID
	})
}
