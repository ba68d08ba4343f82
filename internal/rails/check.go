package rails

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretwarden/warden/internal/store"
)

// Check decides whether secretARN may be rotated now, and if so claims the
// rotation: it writes the dedupe marker and takes one unit from the
// account's and the organization's rate limits. The rails, in order:
//
//  1. the secret exists and is not scheduled for deletion;
//  2. a rotation function is configured (RotationLambdaARN, or the secret
//     is managed by another service, OwningService);
//  3. no rotation is in progress (no AWSPENDING on a version that is not
//     AWSCURRENT);
//  4. no emergency rotation of the secret within the dedupe window;
//  5. the account's limit, then the organization's, is not reached;
//     otherwise the breaker is open: the rotation falls back to alert-only
//     until the window ends, and the opening is announced once per window.
//
// Every verdict is logged and recorded with its reason. Any failure to
// check fails closed: the verdict is not allowed and the error is returned.
// A dedupe claim is released when a limit refuses the rotation, so the
// rotation may be retried once the breaker closes; a token taken from the
// account limit stays taken when the organization limit then refuses
// (the limits err on the side of fewer rotations).
func (r *Rails) Check(ctx context.Context, secretARN string) (Verdict, error) {
	v, err := r.check(ctx, secretARN)
	r.record(ctx, secretARN, v, err)
	return v, err
}

func (r *Rails) check(ctx context.Context, secretARN string) (Verdict, error) {
	now := r.now()
	v, ref, err := r.preflight(ctx, secretARN, "check")
	if err != nil || v.Rail != "" {
		return v, err
	}

	dedupe := store.RotationDedupeKey(secretARN)
	first, err := r.Store.Once(ctx, dedupe, r.Limits.DedupeWindow, now)
	if err != nil {
		return deny(RailError, "could not check the dedupe window: alert only"), fmt.Errorf("check rotation dedupe: %w", err)
	}
	if !first {
		return deny(RailDedupe, "already rotated within the dedupe window (%s): alert only", r.Limits.DedupeWindow), nil
	}

	until := store.WindowStart(now, r.Limits.Window).Add(r.Limits.Window)
	for _, lim := range r.rateLimits(ref.account) {
		ok, err := r.Store.Take(ctx, lim.bucket, lim.limit, r.Limits.Window, now)
		if err != nil {
			r.release(ctx, dedupe)
			return deny(RailError, "could not check the %s rate limit: alert only", lim.scope), fmt.Errorf("check %s rate limit: %w", lim.scope, err)
		}
		if ok {
			continue
		}
		r.release(ctx, dedupe)
		n := Notice{Scope: lim.scope, SecretARN: secretARN, Limit: lim.limit, Window: r.Limits.Window, Until: until}
		n.Message = lim.paused(until, r.Limits.Window) + "; falling back to alert-only"
		if lim.scope == "account" {
			n.AccountID = ref.account
		}
		r.announce(ctx, n, now)
		v := deny(lim.rail, "%s", n.Message)
		v.Until = until
		return v, nil
	}
	return Verdict{Allowed: true, Rail: RailAllowed, Reason: ref.why}, nil
}

// describedRef is what DescribeSecret told about an allowed secret.
type describedRef struct {
	secretRef
	why string
}

// describe runs the rails DescribeSecret can judge; a verdict with a Rail
// set refuses, a zero one lets the caller go on.
func (r *Rails) describe(ctx context.Context, secretARN string) (Verdict, describedRef, error) {
	ref, err := parseSecretARN(secretARN)
	if err != nil {
		return deny(RailSecret, "not a secret ARN: alert only"), describedRef{}, err
	}
	if r.Describe == nil {
		return deny(RailError, "no DescribeSecret client configured: alert only"), describedRef{}, errors.New("check rotation rails: no DescribeSecret client")
	}
	api, err := r.Describe(ctx, ref.account, ref.region)
	if err != nil {
		return deny(RailError, "could not reach account %s in %s: alert only", ref.account, ref.region), describedRef{},
			fmt.Errorf("reach secrets manager in %s/%s: %w", ref.account, ref.region, err)
	}
	out, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretARN)})
	var notFound *smtypes.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return deny(RailSecret, "secret not found: nothing to rotate"), describedRef{}, nil
	}
	if err != nil {
		return deny(RailError, "could not describe the secret: alert only"), describedRef{}, fmt.Errorf("describe secret: %w", err)
	}
	switch {
	case out.DeletedDate != nil:
		return deny(RailDeleted, "secret is scheduled for deletion: not rotated"), describedRef{}, nil
	case aws.ToString(out.RotationLambdaARN) == "" && aws.ToString(out.OwningService) == "":
		return deny(RailConfigured, "no rotation function configured (no RotationLambdaARN, not managed by a service): alert only"), describedRef{}, nil
	}
	if pending := pendingVersions(out.VersionIdsToStages); len(pending) > 0 {
		return deny(RailInProgress, "a rotation is already in progress (AWSPENDING on version %s, which is not AWSCURRENT): alert only", pending[0]), describedRef{}, nil
	}
	why := "every rail passed: rotation function " + aws.ToString(out.RotationLambdaARN)
	if aws.ToString(out.RotationLambdaARN) == "" {
		why = "every rail passed: rotation managed by " + aws.ToString(out.OwningService)
	}
	return Verdict{}, describedRef{secretRef: ref, why: why + ", none in progress, first in the dedupe window, within the account and organization limits"}, nil
}

// pendingVersions are the versions labelled AWSPENDING but not AWSCURRENT.
func pendingVersions(stages map[string][]string) []string {
	var out []string
	for id, ss := range stages {
		cur, pend := false, false
		for _, s := range ss {
			cur = cur || s == "AWSCURRENT"
			pend = pend || s == "AWSPENDING"
		}
		if pend && !cur {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// announce tells the Announcer that a breaker opened, once per window: the
// first refusal in the window claims the announcement; a failed
// announcement is released so the next refusal tries again.
func (r *Rails) announce(ctx context.Context, n Notice, now time.Time) {
	if r.Announcer == nil {
		return
	}
	key := fmt.Sprintf("breaker#%s#%s#%d", n.Scope, n.AccountID, n.Until.Unix())
	first, err := r.Store.Once(ctx, key, n.Until.Sub(now), now)
	if err != nil {
		r.log().Warn("could not claim the circuit-breaker announcement", slog.String("scope", n.Scope), slog.String("error", err.Error()))
		return
	}
	if !first {
		return
	}
	if err := r.Announcer.Announce(ctx, n); err != nil {
		r.log().Warn("could not announce the open circuit breaker", slog.String("scope", n.Scope), slog.String("error", err.Error()))
		r.release(ctx, key)
	}
}

// Release forgets the dedupe claim of a rotation that was allowed but did
// not happen (RotateSecret failed), so it may be retried within the window.
func (r *Rails) Release(ctx context.Context, secretARN string) error {
	if err := r.Store.Release(ctx, store.RotationDedupeKey(secretARN)); err != nil {
		return fmt.Errorf("release rotation claim: %w", err)
	}
	return nil
}

func (r *Rails) release(ctx context.Context, key string) {
	if err := r.Store.Release(ctx, key); err != nil {
		r.log().Warn("could not release a claim", slog.String("error", err.Error()))
	}
}

// record logs the verdict and stores it with its reason.
func (r *Rails) record(ctx context.Context, secretARN string, v Verdict, checkErr error) {
	attrs := []any{slog.String("secret_arn", secretARN), slog.Bool("allowed", v.Allowed),
		slog.String("rail", string(v.Rail)), slog.String("reason", v.Reason)}
	if checkErr != nil {
		attrs = append(attrs, slog.String("error", checkErr.Error()))
	}
	r.log().Info("emergency rotation decision", attrs...)
	if r.Store == nil {
		return
	}
	d := store.RotationDecision{SecretARN: secretARN, At: r.now(), Allowed: v.Allowed, Rail: string(v.Rail), Reason: v.Reason}
	if err := r.Store.Audit(ctx, d); err != nil {
		r.log().Warn("could not record the emergency rotation decision", slog.String("secret_arn", secretARN), slog.String("error", err.Error()))
	}
}
