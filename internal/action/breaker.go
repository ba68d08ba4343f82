package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/rails"
)

// BreakerAnnouncer publishes the rails' circuit-breaker notices as SNS
// alerts (it implements rails.Announcer).
type BreakerAnnouncer struct {
	Alerts *SNS
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Announce implements rails.Announcer.
func (b *BreakerAnnouncer) Announce(ctx context.Context, n rails.Notice) error {
	if b.Alerts == nil {
		return errors.New("announce open breaker: no alert topic configured")
	}
	now := defaults.Now(b.Now)
	_, err := b.Alerts.Publish(ctx, Alert{
		Type: AlertBreaker, Severity: "high", AccountID: n.AccountID, SecretARN: n.SecretARN,
		Reason: n.Message,
		Done:   fmt.Sprintf("emergency rotations %s fall back to alert-only until %s", scopeText(n), n.Until.Format(time.RFC3339)),
		Time:   now,
	})
	if err != nil {
		return fmt.Errorf("announce open breaker: %w", err)
	}
	return nil
}

func scopeText(n rails.Notice) string {
	if n.Scope == "account" {
		return "in account " + n.AccountID
	}
	return "organization-wide"
}
