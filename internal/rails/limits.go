package rails

import (
	"fmt"
	"time"
)

// Limits configure the rails (WARDEN_ROTATION_DEDUPE_MINUTES,
// WARDEN_ROTATION_ACCOUNT_LIMIT, WARDEN_ROTATION_ORG_LIMIT).
type Limits struct {
	// DedupeWindow is how long after an emergency rotation of a secret
	// another one is refused (default 60 minutes).
	DedupeWindow time.Duration
	// AccountLimit is the maximum of emergency rotations per account per
	// Window (default 10).
	AccountLimit int
	// OrgLimit is the maximum of emergency rotations organization-wide per
	// Window (default 50).
	OrgLimit int
	// Window is the rate-limit window (default one hour). Windows are
	// fixed (aligned to multiples of Window), so a breaker that opens
	// closes at the end of the current one.
	Window time.Duration
}

// DefaultLimits are the deployment contract's defaults.
func DefaultLimits() Limits {
	return Limits{DedupeWindow: time.Hour, AccountLimit: 10, OrgLimit: 50, Window: time.Hour}
}

// Validate reports a limit that cannot work. A limit of 0 is valid: it
// keeps that breaker open (alert-only).
func (l Limits) Validate() error {
	switch {
	case l.DedupeWindow <= 0:
		return fmt.Errorf("validate rotation limits: dedupe window must be positive, got %s", l.DedupeWindow)
	case l.Window <= 0:
		return fmt.Errorf("validate rotation limits: rate-limit window must be positive, got %s", l.Window)
	case l.AccountLimit < 0 || l.OrgLimit < 0:
		return fmt.Errorf("validate rotation limits: limits must not be negative (account %d, organization %d)", l.AccountLimit, l.OrgLimit)
	}
	return nil
}
