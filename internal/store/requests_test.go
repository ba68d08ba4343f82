package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/store"
)

func TestRotateRequestIsBegunOnce(t *testing.T) {
	s, db, c := newStore(t)
	ctx := context.Background()
	// Concurrent deliveries: exactly one begins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _, err := s.BeginRequest(ctx, "r1", 4*time.Minute); err == nil && ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d deliveries began, want 1", wins.Load())
	}
	// While it runs, another delivery learns nothing is recorded yet.
	if ok, outcome, err := s.BeginRequest(ctx, "r1", 4*time.Minute); ok || outcome != "" || err != nil {
		t.Errorf("running: %v %q %v", ok, outcome, err)
	}
	if err := s.FinishRequest(ctx, "r1", "rotated"); err != nil {
		t.Fatal(err)
	}
	// Long after the lease and the rails' window, until the retention.
	c.Advance(store.RequestRetention - time.Minute)
	if ok, outcome, err := s.BeginRequest(ctx, "r1", 4*time.Minute); ok || outcome != "rotated" || err != nil {
		t.Errorf("done: %v %q %v", ok, outcome, err)
	}
	item := db.Item(store.RequestPK("r1"), "REQUEST")
	if item["expires_at"] == nil || item["lease_until"] != nil {
		t.Errorf("record %v: want a TTL and no lease", item)
	}
	// Past the retention (TTL deletes late) the id is free again.
	c.Advance(2 * time.Minute)
	if ok, _, err := s.BeginRequest(ctx, "r1", 4*time.Minute); !ok || err != nil {
		t.Errorf("expired: %v %v", ok, err)
	}
	// An abandoned claim is free at once; a crashed one after its lease.
	if err := s.AbandonRequest(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := s.BeginRequest(ctx, "r1", 4*time.Minute); !ok {
		t.Error("abandoned: not free")
	}
	c.Advance(4*time.Minute + time.Second)
	if ok, _, _ := s.BeginRequest(ctx, "r1", 4*time.Minute); !ok {
		t.Error("lease run out: not free")
	}
}
