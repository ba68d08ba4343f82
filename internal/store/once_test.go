package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMarkProcessedActsOnce(t *testing.T) {
	s, _, c := newStore(t)
	ctx := context.Background()
	first, err := s.MarkProcessed(ctx, "ev-1", time.Hour)
	if err != nil || !first {
		t.Fatalf("first delivery: %v %v", first, err)
	}
	first, err = s.MarkProcessed(ctx, "ev-1", time.Hour)
	if err != nil || first {
		t.Fatalf("redelivery must not be first: %v %v", first, err)
	}
	// Concurrent duplicates of another event: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := s.MarkProcessed(ctx, "ev-2", time.Hour); err == nil && ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent deliveries acted, want 1", wins.Load())
	}
	// An expired marker TTL has not yet removed counts as absent.
	c.Advance(time.Hour + time.Second)
	if first, _ := s.MarkProcessed(ctx, "ev-1", time.Hour); !first {
		t.Fatal("an expired marker must not block")
	}
	if err := s.UnmarkProcessed(ctx, "ev-2"); err != nil {
		t.Fatal(err)
	}
	if first, _ := s.MarkProcessed(ctx, "ev-2", time.Hour); !first {
		t.Fatal("an unmarked event must be first again")
	}
}

func TestOnceSeenRelease(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	k := "rotation#" + arn
	if seen, _ := s.Seen(ctx, k, t0); seen {
		t.Fatal("nothing claimed yet")
	}
	if first, err := s.Once(ctx, k, time.Hour, t0); err != nil || !first {
		t.Fatalf("first: %v %v", first, err)
	}
	if first, _ := s.Once(ctx, k, time.Hour, t0.Add(59*time.Minute)); first {
		t.Fatal("within the window: duplicate")
	}
	if seen, _ := s.Seen(ctx, k, t0.Add(30*time.Minute)); !seen {
		t.Fatal("Seen within the window")
	}
	if seen, _ := s.Seen(ctx, k, t0.Add(time.Hour)); seen {
		t.Fatal("Seen after the window")
	}
	if first, _ := s.Once(ctx, k, time.Hour, t0.Add(time.Hour)); !first {
		t.Fatal("after the window: first again")
	}
	if err := s.Release(ctx, k); err != nil {
		t.Fatal(err)
	}
	if first, _ := s.Once(ctx, k, time.Hour, t0.Add(time.Hour+time.Minute)); !first {
		t.Fatal("after Release: first again")
	}
	if _, err := s.Once(ctx, k, 0, t0); err == nil {
		t.Fatal("a zero window is an error")
	}
}
