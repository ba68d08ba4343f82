package action

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/rails"
)

// RotationRequest asks for the emergency rotation of one secret (the body
// of a rotate-queue message).
type RotationRequest struct {
	SecretARN string    `json:"secret_arn"`
	Rule      string    `json:"rule"`
	Reason    string    `json:"reason"`
	Severity  string    `json:"severity"`
	EventID   string    `json:"event_id,omitempty"`
	EventName string    `json:"event_name,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	Requested time.Time `json:"requested_at"`
}

// ID identifies the request across deliveries: its ClientRequestToken
// (RotationToken), derived from the secret and the event that asked for the
// rotation, so a redelivered or re-sent request has the same id.
func (r RotationRequest) ID() string { return RotationToken(r) }

// Decision wraps the request as a one-action decision, so the rotate
// handler runs it through an Executor (modes, rails, alerts) like any other.
func (r RotationRequest) Decision() *decide.Decision {
	d := &decide.Decision{
		EventID: r.EventID, EventName: r.EventName, Time: r.Requested, SecretARN: r.SecretARN,
		Actions: []decide.Action{{Kind: KindRotate, Rule: r.Rule, Reason: r.Reason, Severity: r.Severity, SecretARN: r.SecretARN}},
	}
	if ref, err := parseSecretARN(r.SecretARN); err == nil {
		d.AccountID, d.Region = ref.account, ref.region
	}
	return d
}

// RotationResult is what a Rotator did.
type RotationResult struct {
	// Rotated is true when RotateSecret started a rotation.
	Rotated bool
	// Queued is true when the request was handed to the rotate handler.
	Queued bool
	// Blocked says why a safety rail refused (or what a dry run would decide).
	Blocked string
	// Rail names the rail that decided.
	Rail rails.Rail
	// VersionID is the new version's id.
	VersionID string
}

// Rotator performs (or hands over) an emergency rotation.
type Rotator interface {
	Rotate(ctx context.Context, req RotationRequest) (RotationResult, error)
}

// Checker is the rails; *rails.Rails satisfies it.
type Checker interface {
	Check(ctx context.Context, secretARN string) (rails.Verdict, error)
	Inspect(ctx context.Context, secretARN string) (rails.Verdict, error)
	Release(ctx context.Context, secretARN string) error
}

// DirectRotator rotates through the safety rails: RotateSecret with
// RotateImmediately only when the rails allow it.
type DirectRotator struct {
	Rails Checker
	// Clients reaches Secrets Manager in the secret's account and region.
	Clients ClientFor[RotateSecretAPI]
	// DryRun only inspects the rails (claims nothing) and rotates nothing.
	DryRun bool
	// Log receives failures (default slog.Default()).
	Log *slog.Logger
}

// Rotate implements Rotator. The ClientRequestToken is derived from the
// secret and the request (event id, else the hour requested), so a retried
// call creates no second version. When RotateSecret fails the rails' dedupe
// claim is released, so the rotation can be retried.
func (r *DirectRotator) Rotate(ctx context.Context, req RotationRequest) (RotationResult, error) {
	if r.Rails == nil {
		return RotationResult{Blocked: "no safety rails configured: alert only", Rail: rails.RailError}, errors.New("rotate: no rails configured")
	}
	check := r.Rails.Check
	if r.DryRun {
		check = r.Rails.Inspect
	}
	v, err := check(ctx, req.SecretARN)
	if err != nil || !v.Allowed {
		return RotationResult{Blocked: v.Reason, Rail: v.Rail}, err
	}
	if r.DryRun {
		return RotationResult{Blocked: "dry-run: the rails would allow the rotation (" + v.Reason + ")", Rail: v.Rail}, nil
	}
	ref, err := parseSecretARN(req.SecretARN)
	if err == nil && r.Clients == nil {
		err = errors.New("no Secrets Manager client configured")
	}
	var api RotateSecretAPI
	if err == nil {
		api, err = r.Clients(ctx, ref.account, ref.region)
	}
	var out *secretsmanager.RotateSecretOutput
	if err == nil {
		out, err = api.RotateSecret(ctx, &secretsmanager.RotateSecretInput{
			SecretId:           aws.String(req.SecretARN),
			RotateImmediately:  aws.Bool(true),
			ClientRequestToken: aws.String(RotationToken(req)),
		})
	}
	if err != nil {
		if rerr := r.Rails.Release(ctx, req.SecretARN); rerr != nil {
			r.log().Warn("could not release the rotation claim", slog.String("secret_arn", req.SecretARN), slog.String("error", rerr.Error()))
		}
		return RotationResult{Rail: v.Rail}, fmt.Errorf("rotate secret: %w", err)
	}
	return RotationResult{Rotated: true, Rail: v.Rail, VersionID: aws.ToString(out.VersionId)}, nil
}

func (r *DirectRotator) log() *slog.Logger { return defaults.Logger(r.Log) }

// RotationToken is the ClientRequestToken of a rotation request: a UUID
// derived from the secret ARN and the event id (or, without one, the hour
// the rotation was requested), so retries of one request share it.
func RotationToken(req RotationRequest) string {
	basis := req.EventID
	if basis == "" {
		basis = req.Requested.UTC().Truncate(time.Hour).Format(time.RFC3339)
	}
	sum := sha256.Sum256([]byte("secretwarden-rotation\x00" + req.SecretARN + "\x00" + basis))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50 // version 5-style (name-based)
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
