package store_test

import (
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const table = "warden-test"

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func newStore(t *testing.T) (*store.Store, *storetest.Fake, *clock) {
	t.Helper()
	fake := storetest.New(t, table)
	c := &clock{now: t0}
	s := store.New(fake, table)
	s.Now = c.Now
	return s, fake, c
}
