package awsinv

import (
	"log/slog"
	"time"
)

// DefaultRoleName is the audit role assumed in member accounts.
const DefaultRoleName = "SecretWardenAudit"

// Options configure the inventory.
type Options struct {
	// Regions to read; empty means the base configuration's region.
	Regions []string
	// Accounts restricts the accounts read (ids); empty means every active
	// account of the organization. Organization still returns every account.
	Accounts []string
	// RoleName is the role assumed in member accounts (default
	// DefaultRoleName). It may carry an IAM path: "audit/SecretWarden".
	RoleName string
	// ExternalID is passed to AssumeRole when not empty.
	ExternalID string
	// AssumeRoleInCallerAccount assumes RoleName in the caller's own account
	// too, instead of using the base credentials there.
	AssumeRoleInCallerAccount bool
	// DescribeReplicatedOnly uses ListSecrets entries as they are and calls
	// DescribeSecret only for secrets with a PrimaryRegion (replicated); by
	// default every secret is described (see the package documentation).
	DescribeReplicatedOnly bool
	// Concurrency is the number of account-regions read at once (default 16).
	Concurrency int
	// PerRegionConcurrency is the number of secrets described at once within
	// one account-region (default 8); the rate limiters bound the rate.
	PerRegionConcurrency int
	// Limits are the per account-region request rates (default DefaultLimits).
	Limits *Limits
	// Progress, when set, is called with the number of account-regions done
	// and their total, from the goroutine that called Secrets.
	Progress func(done, total int)
	// Logger receives what the inventory wants the operator to know
	// (fallbacks, skipped accounts); default discards.
	Logger *slog.Logger
	// Now is the clock (default time.Now); used by Snapshot.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.RoleName == "" {
		o.RoleName = DefaultRoleName
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.PerRegionConcurrency <= 0 {
		o.PerRegionConcurrency = 8
	}
	if o.Limits == nil {
		l := DefaultLimits()
		o.Limits = &l
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
