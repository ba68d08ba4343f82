package reads

import (
	"context"
	"fmt"
	"sync"
	"time"

	policyconfig "github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/internal/snapshot"
)

// builderTTL is how long a screen reuses its policy-input builder (the
// organization part of every input).
const builderTTL = time.Minute

// RuleScreen is the Screen of an engine's event rules: it evaluates them on
// the event alone (no secret, the default parameters, no history), the
// organization read from Org. It never evaluates a posture check.
type RuleScreen struct {
	Engine *policy.Engine
	Policy *policyconfig.Config
	Org    Organization
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu   sync.Mutex
	b    *input.Builder
	born time.Time
}

// Responds implements Screen.
func (s *RuleScreen) Responds(ctx context.Context, ev *event.Event, _ func(string) bool) (bool, error) {
	b, err := s.builder(ctx)
	if err != nil {
		return false, err
	}
	in, err := b.BuildEvent(ctx, nil, ev, input.History{PrincipalReads: []string{}})
	if err != nil {
		return false, fmt.Errorf("screen event %s: %w", ev.ID, err)
	}
	resp, err := s.Engine.Respond(ctx, in)
	if err != nil {
		return false, fmt.Errorf("screen event %s: %w", ev.ID, err)
	}
	return len(resp) > 0, nil
}

// builder returns a builder over the organization, renewed every builderTTL.
func (s *RuleScreen) builder(ctx context.Context) (*input.Builder, error) {
	now := defaults.Now(s.Now)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b != nil && now.Sub(s.born) < builderTTL {
		return s.b, nil
	}
	b, err := input.NewBuilder(ctx, orgOnly{s.Org}, s.Policy.Params, now)
	if err != nil {
		return nil, fmt.Errorf("screen reads: %w", err)
	}
	s.b, s.born = b, now
	return b, nil
}

// orgOnly is an inventory of the organization without secrets.
type orgOnly struct{ org Organization }

func (o orgOnly) Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error) {
	return o.org.Organization(ctx)
}

func (orgOnly) Secrets(context.Context, func(*snapshot.SecretEntry) error) error { return nil }

func (orgOnly) Key(context.Context, string, string, string) (*inventory.ResolvedKey, error) {
	return nil, nil
}
