// Package finding defines the finding (one policy's verdict on one secret)
// and the summary of a set of findings: the contract every output renders.
package finding

import "time"

// Status is a finding's verdict.
type Status string

// Statuses a finding can have.
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusError         Status = "error"
	StatusExempt        Status = "exempt"
	StatusNotApplicable Status = "not_applicable"
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusFail, StatusError, StatusExempt, StatusPass, StatusNotApplicable}

// Failing reports whether the status needs attention (fail or error).
func (s Status) Failing() bool { return s == StatusFail || s == StatusError }

// Finding is one policy's verdict on one secret.
type Finding struct {
	PolicyID   string `json:"policy_id"`
	Title      string `json:"title"`
	Severity   string `json:"severity"`
	Status     Status `json:"status"`
	SecretARN  string `json:"secret_arn"`
	SecretName string `json:"secret_name,omitempty"`
	AccountID  string `json:"account_id"`
	Region     string `json:"region"`
	// ResourceType, LogicalID, File and Line locate the secret in the
	// infrastructure-as-code template that declares it (warden scan
	// --template); they are empty for secrets read from AWS or a snapshot.
	// Line is 1-based, and 0 where the format has no lines (Terraform plans).
	ResourceType string    `json:"resource_type,omitempty"`
	LogicalID    string    `json:"logical_id,omitempty"`
	File         string    `json:"file,omitempty"`
	Line         int       `json:"line,omitempty"`
	Message      string    `json:"message"`
	Controls     []string  `json:"controls"`
	Remediation  string    `json:"remediation"`
	Exception    string    `json:"exception,omitempty"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`

	// AccountName and OuPath are the account's Organizations name and OU
	// path ("r-abcd/ou-prod"), when known.
	AccountName string `json:"account_name,omitempty"`
	OuPath      string `json:"ou_path,omitempty"`
	// ExceptionExpires is the expiry (RFC 3339) of Exception: when it stops
	// applying (exempt), or when it stopped (exception-expired).
	ExceptionExpires string `json:"exception_expires,omitempty"`
}

// Key identifies the (secret, policy) pair a finding is about.
func (f *Finding) Key() string { return f.SecretARN + "|" + f.PolicyID }

// Severities from most to least severe.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// SeverityRank is 0 for critical … 4 for info, and -1 when unknown.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// AtLeast reports whether severity s is at or above threshold t.
func AtLeast(s, t string) bool {
	rs, rt := SeverityRank(s), SeverityRank(t)
	return rs >= 0 && rt >= 0 && rs <= rt
}
