package rotate

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
)

// rotations is how many times RotateSecret was sent.
func (r *rig) rotations() int { return len(r.region.Rotated()) }

// A request redelivered after the dedupe window (61 minutes later; an hour
// by default) rotates nothing: the request's outcome outlives the window.
func TestLateRedeliveryRotatesOnce(t *testing.T) {
	r := newRig(t, enforce(), rails.DefaultLimits())
	msg := request(t, "app/db", "e1")
	if resp, _ := r.h.Handle(context.Background(), batchOf(msg)); len(resp.BatchItemFailures) != 0 || r.rotations() != 1 {
		t.Fatalf("first delivery: %v, %d rotations", resp, r.rotations())
	}
	alerts := r.alerts.Len()
	for _, late := range []time.Duration{61 * time.Minute, 3 * 24 * time.Hour, 18 * 24 * time.Hour} {
		now = start.Add(late)
		resp, _ := r.h.Handle(context.Background(), batchOf(msg))
		if len(resp.BatchItemFailures) != 0 || r.rotations() != 1 {
			t.Errorf("redelivered %s later: %v, %d rotations, want 1", late, resp, r.rotations())
		}
	}
	if r.alerts.Len() != alerts {
		t.Errorf("a duplicate delivery is not alerted again: %v", r.alerts.Messages[alerts:])
	}
	if !strings.Contains(r.logs.String(), "rotate request already handled: delivery dropped") {
		t.Errorf("the dropped delivery is logged: %s", r.logs)
	}
	if m := emf(t, r.out); m["DuplicateEvents"] != 1.0 {
		t.Errorf("metrics %v", m)
	}
}

// Duplicates in one batch and across batches, and requests in another
// order: every request is handled once, the secret rotated once.
func TestDuplicatedAndReorderedDeliveries(t *testing.T) {
	r := newRig(t, enforce(), rails.DefaultLimits())
	e1, e2 := request(t, "app/db", "e1"), request(t, "app/db", "e2")
	// e2 first, e1 after it (refused by the rails' dedupe: another request
	// for the same secret within the window), then both again.
	resp, _ := r.h.Handle(context.Background(), batchOf(e2, e1, e1, e2))
	if len(resp.BatchItemFailures) != 0 || r.rotations() != 1 {
		t.Fatalf("%v, %d rotations", resp, r.rotations())
	}
	now = start.Add(2 * time.Hour) // past the dedupe window
	resp, _ = r.h.Handle(context.Background(), batchOf(e1, e2))
	if len(resp.BatchItemFailures) != 0 || r.rotations() != 1 {
		t.Errorf("late redelivery of both: %v, %d rotations, want 1", resp, r.rotations())
	}
	decisions, _ := r.store.RotationDecisions(context.Background(), lambdatest.SecretARN(acct, east, "app/db"))
	if len(decisions) != 2 {
		t.Errorf("each request meets the rails once: %+v", decisions)
	}
}

// Concurrent deliveries of one request, at once and again past the dedupe
// window: one handles it, the others are either dropped (it is done) or
// retried (it is being handled); the retries are dropped. One rotation.
func TestConcurrentDeliveries(t *testing.T) {
	r := newRig(t, enforce(), rails.DefaultLimits())
	msg := request(t, "app/db", "e1")
	for _, at := range []time.Duration{0, 61 * time.Minute} {
		now = start.Add(at)
		var wg sync.WaitGroup
		var mu sync.Mutex
		retried := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, _ := r.h.Handle(context.Background(), batchOf(msg))
				mu.Lock()
				retried += len(resp.BatchItemFailures)
				mu.Unlock()
			}()
		}
		wg.Wait()
		for range retried {
			if resp, _ := r.h.Handle(context.Background(), batchOf(msg)); len(resp.BatchItemFailures) != 0 {
				t.Errorf("a retry after the handling finished is dropped: %v", resp)
			}
		}
	}
	if r.rotations() != 1 {
		t.Errorf("%d rotations, want 1", r.rotations())
	}
}

// A handling that died (no outcome, its lease run out) is taken over by
// the redelivery; one still within its lease makes the redelivery wait.
func TestCrashedHandlingIsTakenOver(t *testing.T) {
	r := newRig(t, enforce(), rails.DefaultLimits())
	msg := request(t, "app/db", "e1")
	id := decode(t, msg).ID()
	if begun, _, err := r.store.BeginRequest(context.Background(), id, DefaultLease); err != nil || !begun {
		t.Fatalf("claim: %v %v", begun, err)
	}
	resp, _ := r.h.Handle(context.Background(), batchOf(msg))
	if len(resp.BatchItemFailures) != 1 || r.rotations() != 0 {
		t.Fatalf("within the lease: %v, %d rotations", resp, r.rotations())
	}
	now = start.Add(DefaultLease + time.Second)
	resp, _ = r.h.Handle(context.Background(), batchOf(msg))
	if len(resp.BatchItemFailures) != 0 || r.rotations() != 1 {
		t.Errorf("after the lease: %v, %d rotations", resp, r.rotations())
	}
	item := r.db.Item(store.RequestPK(id), "REQUEST")
	if item == nil || item["outcome"] == nil || item["lease_until"] != nil {
		t.Errorf("the outcome is recorded, the lease gone: %v", item)
	}
}

// The outcome is kept at least as long as a message of the rotate queue
// can come back: the queue's and its dead-letter queue's retention (read
// from the CDK construct that sets them).
func TestRequestRetentionCoversTheQueues(t *testing.T) {
	main, dlq := queueRetentions(t)
	if store.RequestRetention < main+dlq {
		t.Errorf("RequestRetention %s < queue %s + dead-letter queue %s", store.RequestRetention, main, dlq)
	}
	if DefaultLease >= 6*120*time.Second {
		t.Errorf("the lease %s must run out within the rotate queue's visibility timeout", DefaultLease)
	}
}
