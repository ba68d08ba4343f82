package rails

import (
	"context"
	"fmt"

	"github.com/secretwarden/warden/internal/store"
)

// Inspect previews Check without claiming anything: it runs the same rails
// but only reads the dedupe marker and the counters, so a plan (the CLI's
// `warden rotate` without --execute, or a dry run) can show what Check
// would decide now. It records nothing.
func (r *Rails) Inspect(ctx context.Context, secretARN string) (Verdict, error) {
	now := r.now()
	v, ref, err := r.preflight(ctx, secretARN, "inspect")
	if err != nil || v.Rail != "" {
		return v, err
	}
	seen, err := r.Store.Seen(ctx, store.RotationDedupeKey(secretARN), now)
	if err != nil {
		return deny(RailError, "could not check the dedupe window: alert only"), fmt.Errorf("inspect rotation dedupe: %w", err)
	}
	if seen {
		return deny(RailDedupe, "already rotated within the dedupe window (%s): alert only", r.Limits.DedupeWindow), nil
	}
	until := store.WindowStart(now, r.Limits.Window).Add(r.Limits.Window)
	for _, lim := range r.rateLimits(ref.account) {
		n, err := r.Store.Count(ctx, lim.bucket, r.Limits.Window, now)
		if err != nil {
			return deny(RailError, "could not read the rate limit: alert only"), fmt.Errorf("inspect rate limit: %w", err)
		}
		if n >= lim.limit {
			v := deny(lim.rail, "%s", lim.paused(until, r.Limits.Window))
			v.Until = until
			return v, nil
		}
	}
	return Verdict{Allowed: true, Rail: RailAllowed, Reason: ref.why}, nil
}
