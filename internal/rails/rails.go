// Package rails implements the safety rails of emergency rotation
// (DESIGN.md): rotate only where a rotation function is configured, never
// while a rotation is in progress, at most once per secret within a dedupe
// window, and within per-account and organization-wide rate limits guarded
// by a circuit breaker that falls back to alert-only and announces itself
// once per window. Every decision is recorded with its reason.
package rails

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/store"
)

// DescribeSecretAPI is the Secrets Manager DescribeSecret call.
type DescribeSecretAPI interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// DescribeFor returns the DescribeSecret client of a member account and
// region (typically through the assumed audit role).
type DescribeFor func(ctx context.Context, accountID, region string) (DescribeSecretAPI, error)

// Store is the state the rails keep; *store.Store satisfies it.
type Store interface {
	Once(ctx context.Context, key string, window time.Duration, now time.Time) (bool, error)
	Seen(ctx context.Context, key string, now time.Time) (bool, error)
	Release(ctx context.Context, key string) error
	Take(ctx context.Context, bucket string, limit int, window time.Duration, now time.Time) (bool, error)
	Count(ctx context.Context, bucket string, window time.Duration, now time.Time) (int, error)
	Audit(ctx context.Context, d store.RotationDecision) error
}

// Notice announces that a circuit breaker opened.
type Notice struct {
	// Scope is "account" or "organization".
	Scope string
	// AccountID is the account whose limit was hit (empty for the organization).
	AccountID string
	// SecretARN is the secret whose rotation found the breaker open.
	SecretARN string
	// Limit is the limit that was reached per Window.
	Limit  int
	Window time.Duration
	// Until is when the breaker closes (the end of the window).
	Until time.Time
	// Message is the human-readable announcement.
	Message string
}

// Announcer publishes breaker notices (an SNS alert in the Lambdas).
type Announcer interface {
	Announce(ctx context.Context, n Notice) error
}

// Rails decides whether an emergency rotation may run now.
type Rails struct {
	// Describe reaches DescribeSecret in the secret's account and region.
	Describe DescribeFor
	// Store keeps dedupe markers, counters and the decision audit.
	Store Store
	// Limits are the windows and limits (see DefaultLimits).
	Limits Limits
	// Announcer is told once per window when a breaker opens (optional).
	Announcer Announcer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives every decision (default slog.Default()).
	Log *slog.Logger
}

// Rail names the rail that decided a verdict.
type Rail string

// Rails, in the order they are checked.
const (
	RailSecret       Rail = "secret"              // the ARN is not a secret ARN, or the secret is gone
	RailDeleted      Rail = "deleted"             // scheduled for deletion
	RailConfigured   Rail = "rotation-configured" // no rotation function
	RailInProgress   Rail = "in-progress"         // AWSPENDING on a version that is not AWSCURRENT
	RailDedupe       Rail = "dedupe"              // already rotated within the window
	RailAccountLimit Rail = "account-limit"       // per-account breaker open
	RailOrgLimit     Rail = "org-limit"           // organization-wide breaker open
	RailError        Rail = "error"               // a check could not be made: fail closed
	RailAllowed      Rail = "allowed"             // every rail passed
)

// Verdict is a rails decision.
type Verdict struct {
	Allowed bool
	Reason  string
	// Rail is the rail that decided.
	Rail Rail
	// Until is when a breaker closes or the dedupe window ends, when known.
	Until time.Time
}

func (r *Rails) now() time.Time { return defaults.Now(r.Now) }

func (r *Rails) log() *slog.Logger { return defaults.Logger(r.Log) }

// secretRef is the account and region a secret ARN names.
type secretRef struct{ account, region string }

func parseSecretARN(s string) (secretRef, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return secretRef{}, fmt.Errorf("parse secret ARN: %w", err)
	}
	if a.Service != "secretsmanager" || !strings.HasPrefix(a.Resource, "secret:") || a.AccountID == "" || a.Region == "" {
		return secretRef{}, fmt.Errorf("parse secret ARN: %q is not a Secrets Manager secret ARN", s)
	}
	return secretRef{account: a.AccountID, region: a.Region}, nil
}

func accountBucket(account string) string { return "rotation#account#" + account }

const orgBucket = "rotation#org"

// rateLimit is one of the rotation rate limits.
type rateLimit struct {
	rail   Rail
	bucket string
	limit  int
	scope  string // "account" or "organization"
	where  string // "for account …" or "organization-wide", for messages
}

// rateLimits are the limits a rotation in account must pass, in order.
func (r *Rails) rateLimits(account string) [2]rateLimit {
	return [2]rateLimit{
		{RailAccountLimit, accountBucket(account), r.Limits.AccountLimit, "account", "for account " + account},
		{RailOrgLimit, orgBucket, r.Limits.OrgLimit, "organization", "organization-wide"},
	}
}

// paused says that the limit's breaker is open until until.
func (l rateLimit) paused(until time.Time, window time.Duration) string {
	return fmt.Sprintf("circuit open: emergency rotation paused %s until %s (limit of %d per %s reached)",
		l.where, until.Format(time.RFC3339), l.limit, window)
}

// preflight runs the rails Check and Inspect both start with: the
// configuration, then what DescribeSecret tells (see describe). A verdict
// with a Rail set, or an error, decides.
func (r *Rails) preflight(ctx context.Context, secretARN, op string) (Verdict, describedRef, error) {
	if err := r.Limits.Validate(); err != nil {
		return deny(RailError, "rotation limits misconfigured: alert only"), describedRef{}, err
	}
	if r.Store == nil {
		return deny(RailError, "no state store configured: alert only"), describedRef{}, fmt.Errorf("%s rotation rails: no store", op)
	}
	return r.describe(ctx, secretARN)
}

func deny(rail Rail, format string, args ...any) Verdict {
	return Verdict{Rail: rail, Reason: fmt.Sprintf(format, args...)}
}
