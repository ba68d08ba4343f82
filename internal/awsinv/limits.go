package awsinv

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/time/rate"
)

// Limits are request rates (per second) for one account-region and API
// family. Quotas count against the account whose credentials sign the call,
// which is the member account for an assumed role: each account-region has
// its own budget.
type Limits struct {
	// ListSecrets: quota 100 TPS.
	ListSecrets float64
	// DescribeSecret: quota 40,000 TPS.
	DescribeSecret float64
	// GetResourcePolicy: quota 50 TPS, shared with Put/Delete/
	// ValidateResourcePolicy and not adjustable.
	GetResourcePolicy float64
	// DescribeKey: KMS; cached per key, so calls are rare.
	DescribeKey float64
	// ListAliases: KMS; cached per account-region.
	ListAliases float64
}

// Headroom is the share of a quota a sweep uses, leaving the rest to the
// account's own workloads and to the event-driven handlers.
const Headroom = 0.8

// DefaultLimits are Headroom times the quotas of DESIGN.md (DescribeSecret
// capped at 2,000 TPS, KMS well below its quotas).
func DefaultLimits() Limits {
	return Limits{
		ListSecrets:       100 * Headroom,
		DescribeSecret:    2000,
		GetResourcePolicy: 50 * Headroom,
		DescribeKey:       100,
		ListAliases:       10,
	}
}

// family names an API family with its own limiter.
type family int

const (
	famListSecrets family = iota
	famDescribeSecret
	famGetResourcePolicy
	famDescribeKey
	famListAliases
	numFamilies
)

func (f family) String() string {
	return [...]string{"ListSecrets", "DescribeSecret", "GetResourcePolicy", "DescribeKey", "ListAliases"}[f]
}

// regionLimiters are the limiters of one account-region.
type regionLimiters [numFamilies]*rate.Limiter

// limiters hands out one set of limiters per account-region.
type limiters struct {
	limits Limits
	mu     sync.Mutex
	m      map[string]*regionLimiters
}

func newLimiters(l Limits) *limiters {
	return &limiters{limits: l, m: map[string]*regionLimiters{}}
}

// newLimiter allows tps per second with a small burst (a tenth of a second's
// worth, at least 1). A non-positive tps means unlimited.
func newLimiter(tps float64) *rate.Limiter {
	if tps <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	burst := int(tps / 10)
	if burst < 1 {
		burst = 1
	}
	return rate.NewLimiter(rate.Limit(tps), burst)
}

// get returns the limiters of an account-region, creating them once.
func (l *limiters) get(account, region string) *regionLimiters {
	key := account + "|" + region
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.m[key]; ok {
		return r
	}
	r := &regionLimiters{
		famListSecrets:       newLimiter(l.limits.ListSecrets),
		famDescribeSecret:    newLimiter(l.limits.DescribeSecret),
		famGetResourcePolicy: newLimiter(l.limits.GetResourcePolicy),
		famDescribeKey:       newLimiter(l.limits.DescribeKey),
		famListAliases:       newLimiter(l.limits.ListAliases),
	}
	l.m[key] = r
	return r
}

// wait blocks until a call of family f may be made.
func (r *regionLimiters) wait(ctx context.Context, f family) error {
	if err := r[f].Wait(ctx); err != nil {
		return fmt.Errorf("wait for %s rate limit: %w", f, err)
	}
	return nil
}
