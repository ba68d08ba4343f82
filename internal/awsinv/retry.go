package awsinv

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// DefaultMaxAttempts is the generous attempt budget of every call: a sweep
// would rather wait than report a throttled account-region.
const DefaultMaxAttempts = 12

// NewRetryer returns the SDK's adaptive retryer (client-side rate adaptation
// on throttling errors, exponential backoff with jitter up to 20 s) with
// maxAttempts attempts (DefaultMaxAttempts when not positive). The retry
// quota token bucket is disabled: the per account-region limiters and the
// adaptive rate already bound the request rate, and a drained bucket would
// turn throttling into errors.
func NewRetryer(maxAttempts int) aws.Retryer {
	return newRetryer(maxAttempts, nil)
}

func newRetryer(maxAttempts int, backoff retry.BackoffDelayer) aws.Retryer {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.MaxBackoff = 20 * time.Second
			so.RateLimiter = ratelimit.None
			if backoff != nil {
				so.Backoff = backoff
			}
		})
	})
}
