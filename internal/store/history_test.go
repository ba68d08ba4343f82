package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/store"
)

var _ decide.History = (*store.History)(nil)

func TestHistory(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	h := store.NewHistory(ctx, s)

	if n := h.DeniedRead("p", t0); n != 1 {
		t.Fatalf("DeniedRead = %d", n)
	}
	if n := h.DeniedRead("p", t0.Add(time.Minute)); n != 2 {
		t.Fatalf("DeniedRead = %d", n)
	}
	h.Read([]string{"AKIA1", "AIDA1"}, arnA, t0)
	if got := h.Reads([]string{"AIDA1"}, t0.Add(24*time.Hour)); len(got) != 1 || got[0] != arnA {
		t.Fatalf("Reads = %v", got)
	}
	if h.Rotated(arnA, t0) {
		t.Fatal("not rotated yet")
	}
	// The rails claim the marker when they allow a rotation; History only reads it.
	if _, err := s.Once(ctx, store.RotationDedupeKey(arnA), time.Hour, t0); err != nil {
		t.Fatal(err)
	}
	if !h.Rotated(arnA, t0.Add(time.Minute)) {
		t.Fatal("rotated within the window")
	}
	if h.Rotated(arnA, t0.Add(2*time.Hour)) {
		t.Fatal("window over")
	}
	if h.Errors != 0 {
		t.Fatalf("errors = %d", h.Errors)
	}
}

func TestHistoryDegradesSafely(t *testing.T) {
	s, fake, _ := newStore(t)
	h := store.NewHistory(context.Background(), s)
	down := errors.New("dynamodb unavailable")
	for _, op := range []string{"GetItem", "PutItem", "Query", "UpdateItem"} {
		fake.Err[op] = down
	}
	if !h.Rotated(arnA, t0) {
		t.Fatal("a failed dedupe check must count as a duplicate (never rotate twice)")
	}
	if n := h.DeniedRead("p", t0); n != 1 {
		t.Fatalf("a failed count must report only this denial, got %d", n)
	}
	if got := h.Reads([]string{"k"}, t0); got == nil || len(got) != 0 {
		t.Fatalf("a failed ledger read returns an empty list, got %#v", got)
	}
	h.Read([]string{"k"}, arnA, t0)
	if h.Errors != 4 {
		t.Fatalf("errors = %d, want 4", h.Errors)
	}
}

func TestHistoryWithoutStoreDegrades(t *testing.T) {
	h := &store.History{}
	if !h.Rotated(arnA, t0) || h.DeniedRead("p", t0) != 1 || len(h.Reads([]string{"k"}, t0)) != 0 {
		t.Fatal("a History without a store degrades like a failing one")
	}
	h.Read([]string{"k"}, arnA, t0)
	if h.Errors != 4 {
		t.Fatalf("errors = %d", h.Errors)
	}
}
