package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/store"
)

const (
	arnA = "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-111111"
	arnB = "arn:aws:secretsmanager:us-east-1:111122223333:secret:b-222222"
	arnC = "arn:aws:secretsmanager:eu-west-1:444455556666:secret:c-333333"
)

func TestAccessLedger(t *testing.T) {
	s, fake, c := newStore(t)
	ctx := context.Background()
	fake.PageSize = 1 // exercise pagination
	keys := []string{"AROAEXAMPLE:sess", "ASIAEXAMPLE", "AROAEXAMPLE:sess", ""}
	if err := s.RecordRead(ctx, keys, arnA, t0); err != nil {
		t.Fatal(err) // duplicate keys would make DynamoDB reject the batch
	}
	if err := s.RecordRead(ctx, []string{"ASIAEXAMPLE"}, arnB, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRead(ctx, []string{"someone-else"}, arnC, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Reads(ctx, []string{"ASIAEXAMPLE", "AROAEXAMPLE:sess"}, t0.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{arnA, arnB}; !reflect.DeepEqual(got, want) {
		t.Fatalf("reads = %v, want %v", got, want)
	}
	got, _ = s.Reads(ctx, []string{"ASIAEXAMPLE"}, t0.Add(time.Minute))
	if want := []string{arnB}; !reflect.DeepEqual(got, want) {
		t.Fatalf("reads since = %v, want %v", got, want)
	}
	// After the ledger TTL the entries are ignored even before TTL deletes them.
	c.Advance(store.LedgerTTL + 2*time.Hour)
	got, _ = s.Reads(ctx, []string{"ASIAEXAMPLE", "AROAEXAMPLE:sess"}, time.Time{})
	if len(got) != 0 {
		t.Fatalf("expired reads returned: %v", got)
	}
}

func TestRecordReadRetriesUnprocessed(t *testing.T) {
	s, fake, _ := newStore(t)
	ctx := context.Background()
	fake.Unprocessed = 3
	if err := s.RecordRead(ctx, []string{"k1", "k2", "k3"}, arnA, t0); err != nil {
		t.Fatal(err)
	}
	if fake.Calls("BatchWriteItem") != 2 {
		t.Fatalf("want one retry, got %d calls", fake.Calls("BatchWriteItem"))
	}
	got, _ := s.Reads(ctx, []string{"k3"}, time.Time{})
	if len(got) != 1 {
		t.Fatal("retried entry not written")
	}
	fake.Unprocessed = 1000
	if err := s.RecordRead(ctx, []string{"k1"}, arnB, t0); err == nil {
		t.Fatal("want an error when requests stay unprocessed")
	}
}

func TestDeniedReadSlidingWindow(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	w := 15 * time.Minute
	p := "arn:aws:iam::999988887777:role/attacker"
	for i := range 4 { // a burst within one second: four distinct denials
		n, err := s.DeniedRead(ctx, p, t0, w)
		if err != nil || n != i+1 {
			t.Fatalf("denial %d: n=%d err=%v", i, n, err)
		}
	}
	if n, _ := s.DeniedRead(ctx, p, t0.Add(w), w); n != 5 {
		t.Fatalf("at the window's edge: n=%d, want 5", n)
	}
	if n, _ := s.DeniedRead(ctx, p, t0.Add(w+time.Second), w); n != 2 {
		t.Fatalf("after the window: n=%d, want 2", n)
	}
	if n, _ := s.DeniedRead(ctx, "other", t0, w); n != 1 {
		t.Fatalf("principals are independent: n=%d", n)
	}
	if _, err := s.DeniedRead(ctx, "", t0, w); err == nil {
		t.Fatal("empty principal is an error")
	}
}

func TestErrorsAreWrapped(t *testing.T) {
	s, fake, _ := newStore(t)
	boom := errors.New("boom")
	fake.Err["UpdateItem"] = boom
	if _, err := s.Take(context.Background(), "b", 1, time.Hour, t0); !errors.Is(err, boom) {
		t.Fatalf("want wrapped boom, got %v", err)
	}
}
