package store

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// History is the DynamoDB-backed decide.History the Lambdas decide with.
//
// decide.History has no error returns, so History degrades on a failed
// DynamoDB call, logs the failure (never the request) and counts it in
// Errors; each method fails towards the safe side:
//   - DeniedRead returns 1 (this denial alone): a burst is not claimed
//     without evidence, and one failed read is still counted by the caller.
//   - Read drops the ledger entry (a later GuardDuty finding may then not
//     rotate that secret; the failure is logged with the secret ARN).
//   - Reads returns no secret: the decision then alerts that the ledger
//     holds nothing (and the failure is logged) rather than guessing.
//   - Rotated returns true ("duplicate") so a rotation is never repeated
//     because the dedupe marker could not be read.
//
// History reads the rails' dedupe marker (RotationDedupeKey) without
// writing it: the rails claim it when they actually allow a rotation, so a
// rotation that a rate limit stopped does not count as done.
type History struct {
	// Store holds the state.
	Store *Store
	// Ctx bounds every call (History's methods take no context).
	Ctx context.Context
	// DeniedWindow is the access-denied burst window (default 15 minutes).
	DeniedWindow time.Duration
	// LedgerTTL is how far back Reads looks (default LedgerTTL, 30 days).
	LedgerTTL time.Duration
	// Errors counts the calls that failed and were degraded.
	Errors int

	covered bool
}

// NewHistory returns a History over s whose calls are bounded by ctx.
func NewHistory(ctx context.Context, s *Store) *History {
	return &History{Store: s, Ctx: ctx, DeniedWindow: 15 * time.Minute, LedgerTTL: LedgerTTL}
}

func (h *History) ctx() context.Context {
	if h.Ctx != nil {
		return h.Ctx
	}
	return context.Background()
}

// errNoStore is the failure of a History without a store.
var errNoStore = errors.New("no store configured")

func (h *History) fail(op string, err error, attrs ...any) {
	h.Errors++
	log := slog.Default()
	if h.Store != nil {
		log = h.Store.log()
	}
	log.Warn("history degraded: "+op+" failed", append(attrs, slog.String("error", err.Error()))...)
}

// DeniedRead implements decide.History.
func (h *History) DeniedRead(principal string, t time.Time) int {
	window := h.DeniedWindow
	if window <= 0 {
		window = 15 * time.Minute
	}
	n, err := 0, errNoStore
	if h.Store != nil {
		n, err = h.Store.DeniedRead(h.ctx(), principal, t, window)
	}
	if err != nil {
		h.fail("count access-denied reads", err)
		return 1
	}
	return n
}

// Read implements decide.History. The ledger's coverage is noted too (a
// read event reached a handler that records it; coverage starts at the
// first recorded read's time), at most one write a day.
func (h *History) Read(keys []string, secret string, t time.Time) {
	err := errNoStore
	if h.Store != nil {
		err = h.Store.RecordRead(h.ctx(), keys, secret, t)
		if err == nil && !h.covered {
			if _, cerr := h.Store.RecordCoverage(h.ctx(), t); cerr != nil {
				h.fail("record the access ledger's coverage", cerr)
			}
			h.covered = true
		}
	}
	if err != nil {
		h.fail("record read in the access ledger", err, slog.String("secret_arn", secret))
	}
}

// Reads implements decide.History.
func (h *History) Reads(keys []string, t time.Time) []string {
	ttl := h.LedgerTTL
	if ttl <= 0 {
		ttl = LedgerTTL
	}
	var out []string
	err := errNoStore
	if h.Store != nil {
		out, err = h.Store.Reads(h.ctx(), keys, t.Add(-ttl))
	}
	if err != nil {
		h.fail("read the access ledger", err)
		return []string{}
	}
	return out
}

// Rotated implements decide.History: whether the rails allowed an emergency
// rotation of secret within the dedupe window (the marker is live at t).
func (h *History) Rotated(secret string, t time.Time) bool {
	seen, err := true, errNoStore
	if h.Store != nil {
		seen, err = h.Store.Seen(h.ctx(), RotationDedupeKey(secret), t)
	}
	if err != nil {
		h.fail("read the rotation dedupe marker", err, slog.String("secret_arn", secret))
		return true
	}
	return seen
}
