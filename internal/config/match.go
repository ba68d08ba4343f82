package config

import (
	"sync"

	"github.com/gobwas/glob"

	"github.com/secretwarden/warden/internal/snapshot"
)

// Match selects secrets: every field that is set must match.
type Match struct {
	// ARN is a glob over the secret ARN ("*" matches any run of characters).
	ARN string `json:"arn,omitempty"`
	// OuPath is a glob over the account's OU path, e.g. "r-abcd/ou-prod*".
	OuPath string `json:"ou_path,omitempty"`
	// Account is an account id.
	Account string `json:"account,omitempty"`
	// Tag matches a tag of the secret or of its account; an empty or "*"
	// Value matches any value.
	Tag *snapshot.Tag `json:"tag,omitempty"`
}

// Empty reports whether no field is set.
func (m Match) Empty() bool { return m.ARN == "" && m.OuPath == "" && m.Account == "" && m.Tag == nil }

var globs sync.Map // pattern → glob.Glob

func globMatch(pattern, s string) bool {
	if pattern == s {
		return true
	}
	g, ok := globs.Load(pattern)
	if !ok {
		c, err := glob.Compile(pattern)
		if err != nil {
			return false
		}
		g, _ = globs.LoadOrStore(pattern, c)
	}
	return g.(interface{ Match(string) bool }).Match(s)
}

// validGlob reports a compile error in a pattern.
func validGlob(pattern string) error {
	if pattern == "" {
		return nil
	}
	_, err := glob.Compile(pattern)
	return err
}

// Matches tells whether the secret (in account acct, which may be nil) is selected.
func (m Match) Matches(acct *snapshot.Account, accountID string, s *snapshot.Secret) bool {
	if m.Empty() {
		return false
	}
	if m.Account != "" && m.Account != accountID {
		return false
	}
	if m.ARN != "" && !globMatch(m.ARN, s.ARN) {
		return false
	}
	if m.OuPath != "" && (acct == nil || !globMatch(m.OuPath, acct.OuPath)) {
		return false
	}
	if m.Tag != nil && !tagMatch(*m.Tag, s.Tags) && (acct == nil || !tagMatch(*m.Tag, acct.Tags)) {
		return false
	}
	return true
}

func tagMatch(want snapshot.Tag, tags []snapshot.Tag) bool {
	for _, t := range tags {
		if t.Key == want.Key && (want.Value == "" || want.Value == "*" || globMatch(want.Value, t.Value)) {
			return true
		}
	}
	return false
}
