package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTakeLimitsPerWindow(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	now := t0.Add(10 * time.Minute)
	for i := range 3 {
		ok, err := s.Take(ctx, "acct", 3, time.Hour, now)
		if err != nil || !ok {
			t.Fatalf("take %d: %v %v", i, ok, err)
		}
	}
	if ok, _ := s.Take(ctx, "acct", 3, time.Hour, now.Add(49*time.Minute)); ok {
		t.Fatal("the 4th in the same window must be refused")
	}
	if n, _ := s.Count(ctx, "acct", time.Hour, now); n != 3 {
		t.Fatalf("count = %d, want 3 (a refused take does not count)", n)
	}
	if ok, _ := s.Take(ctx, "acct", 3, time.Hour, t0.Add(time.Hour)); !ok {
		t.Fatal("a new window starts empty")
	}
	if ok, _ := s.Take(ctx, "other", 3, time.Hour, now); !ok {
		t.Fatal("buckets are independent")
	}
	if ok, err := s.Take(ctx, "zero", 0, time.Hour, now); ok || err != nil {
		t.Fatalf("limit 0 allows nothing: %v %v", ok, err)
	}
}

func TestTakeConcurrentNeverExceedsLimit(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Take(ctx, "org", 10, time.Hour, t0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 10 {
		t.Fatalf("%d allowed, want exactly 10", allowed.Load())
	}
}
