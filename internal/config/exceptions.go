package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/secretwarden/warden/internal/snapshot"
)

// Exception exempts the secrets it matches from one policy until it expires.
type Exception struct {
	ID       string        `json:"id"`
	PolicyID string        `json:"policy_id"`
	Match    Match         `json:"match"`
	Reason   string        `json:"reason"`
	Expires  snapshot.Time `json:"expires"`
}

// Applies reports whether the exception covers policyID for the secret.
func (e *Exception) Applies(policyID string, acct *snapshot.Account, accountID string, s *snapshot.Secret) bool {
	return (e.PolicyID == "*" || e.PolicyID == policyID) && e.Match.Matches(acct, accountID, s)
}

// Expired reports whether the exception has expired at now.
func (e *Exception) Expired(now time.Time) bool { return !now.Before(e.Expires.Time) }

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func parseExceptions(doc map[string]any) ([]Exception, error) {
	warden, _ := doc["warden"].(map[string]any)
	raw, ok := warden["exceptions"]
	if !ok || raw == nil {
		return nil, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("encode exceptions: %w", err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("warden.exceptions: want a list")
	}
	seen := map[string]bool{}
	out := make([]Exception, 0, len(list))
	for i, item := range list {
		var e Exception
		where := fmt.Sprintf("warden.exceptions[%d]", i)
		if err := strictDecode(item, &e); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		switch {
		case e.ID == "":
			return nil, fmt.Errorf("%s.id: missing", where)
		case seen[e.ID]:
			return nil, fmt.Errorf("%s.id: duplicate %q", where, e.ID)
		case e.PolicyID == "":
			return nil, fmt.Errorf("%s.policy_id: missing (a policy id or \"*\")", where)
		case e.Reason == "":
			return nil, fmt.Errorf("%s.reason: missing", where)
		case e.Expires.IsZero():
			return nil, fmt.Errorf("%s.expires: missing (nothing is exempt forever)", where)
		case e.Match.Empty():
			return nil, fmt.Errorf("%s.match: empty (set arn, ou_path, account or tag)", where)
		}
		for _, g := range []string{e.Match.ARN, e.Match.OuPath} {
			if err := validGlob(g); err != nil {
				return nil, fmt.Errorf("%s.match: bad glob %q: %w", where, g, err)
			}
		}
		seen[e.ID] = true
		out = append(out, e)
	}
	return out, nil
}
