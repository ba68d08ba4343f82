package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretwarden/warden/internal/store"
)

const (
	arnA = "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-111111"
	arnB = "arn:aws:secretsmanager:us-east-1:111122223333:secret:b-222222"
	arnC = "arn:aws:secretsmanager:eu-west-1:444455556666:secret:c-333333"
)

// updates records the UpdateItem requests a store sends, to assert their shape.
type updates struct {
	store.DB
	reqs []*dynamodb.UpdateItemInput
}

func (u *updates) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	u.reqs = append(u.reqs, in)
	return u.DB.UpdateItem(ctx, in, opts...)
}

func TestAccessLedger(t *testing.T) {
	s, fake, c := newStore(t)
	ctx := context.Background()
	fake.PageSize = 1 // exercise pagination
	keys := []string{"AROAEXAMPLE:sess", "ASIAEXAMPLE", "AROAEXAMPLE:sess", ""}
	if err := s.RecordRead(ctx, keys, arnA, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRead(ctx, []string{"ASIAOTHER"}, arnB, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRead(ctx, []string{"someone-else"}, arnC, t0); err != nil {
		t.Fatal(err)
	}
	// The access key is an alias of the principal id: either finds arnA.
	for _, k := range [][]string{{"ASIAEXAMPLE"}, {"AROAEXAMPLE:sess"}} {
		got, err := s.Reads(ctx, k, t0.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{arnA}; !reflect.DeepEqual(got, want) {
			t.Fatalf("reads of %v = %v, want %v", k, got, want)
		}
	}
	got, _ := s.Reads(ctx, []string{"ASIAEXAMPLE", "ASIAOTHER"}, t0.Add(-time.Minute))
	if want := []string{arnA, arnB}; !reflect.DeepEqual(got, want) {
		t.Fatalf("reads = %v, want %v", got, want)
	}
	// By day: a read earlier on since's day counts, one the day before not.
	if got, _ := s.Reads(ctx, []string{"ASIAEXAMPLE"}, t0.Add(time.Hour)); len(got) != 1 {
		t.Fatalf("same UTC day: %v", got)
	}
	if got, _ := s.Reads(ctx, []string{"ASIAEXAMPLE"}, t0.Add(24*time.Hour)); len(got) != 0 {
		t.Fatalf("the next day: %v", got)
	}
	// After the ledger TTL (from the end of the day) the entries are
	// ignored even before TTL deletes them.
	c.Advance(store.LedgerTTL + 14*time.Hour - time.Second)
	if got, _ := s.Reads(ctx, []string{"ASIAEXAMPLE"}, time.Time{}); len(got) != 1 {
		t.Fatalf("still within TTL after the end of the day: %v", got)
	}
	c.Advance(2 * time.Second)
	if got, _ := s.Reads(ctx, []string{"ASIAEXAMPLE", "AROAEXAMPLE:sess"}, time.Time{}); len(got) != 0 {
		t.Fatalf("expired reads returned: %v", got)
	}
}

// One write per (principal, secret, UTC day): a conditional UpdateItem
// (DynamoDB Developer Guide, "Condition expressions": a failed condition
// writes nothing), refused the same day, accepted the next.
func TestRecordReadDayIsConditional(t *testing.T) {
	s, fake, _ := newStore(t)
	rec := &updates{DB: fake}
	s.DB = rec
	ctx := context.Background()
	for i, tc := range []struct {
		at    time.Time
		wrote bool
	}{{t0, true}, {t0.Add(15 * time.Hour), true}, {t0.Add(10 * time.Hour), false}, {t0.Add(15*time.Hour + time.Minute), false}} {
		// t0 is 10:00: +15h is the next UTC day.
		wrote, err := s.RecordReadDay(ctx, "AIDAUSER", arnA, tc.at)
		if err != nil || wrote != tc.wrote {
			t.Fatalf("write %d at %s: wrote %v err %v, want %v", i, tc.at, wrote, err, tc.wrote)
		}
	}
	in := rec.reqs[0]
	if aws.ToString(in.ConditionExpression) != "attribute_not_exists(#day) OR #day < :day" ||
		in.ExpressionAttributeNames["#day"] != "read_day" || in.ExpressionAttributeValues[":day"].(*types.AttributeValueMemberS).Value != "2026-11-20" {
		t.Errorf("conditional request %+v", in)
	}
	if in.Key["pk"].(*types.AttributeValueMemberS).Value != "PRINCIPAL#AIDAUSER" || in.Key["sk"].(*types.AttributeValueMemberS).Value != "SECRET#"+arnA {
		t.Errorf("key %v", in.Key)
	}
	if exp := in.ExpressionAttributeValues[":exp"].(*types.AttributeValueMemberN).Value; exp != fmt.Sprint(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC).Add(store.LedgerTTL).Unix()) {
		t.Errorf("expires at the end of the day plus the TTL: %s", exp)
	}
	item := fake.Item("PRINCIPAL#AIDAUSER", "SECRET#"+arnA)
	if item["read_day"].(*types.AttributeValueMemberS).Value != "2026-11-21" || !strings.HasPrefix(item["first_read_at"].(*types.AttributeValueMemberS).Value, "2026-11-20T10:00") {
		t.Errorf("item %v", item)
	}
	s.LedgerTTL = 2 * 24 * time.Hour
	if _, err := s.RecordAlias(ctx, "ASIAKEY", "AIDAUSER", t0); err != nil {
		t.Fatal(err)
	}
	last := rec.reqs[len(rec.reqs)-1]
	if exp := last.ExpressionAttributeValues[":exp"].(*types.AttributeValueMemberN).Value; exp != fmt.Sprint(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).Unix()) {
		t.Errorf("WARDEN_LEDGER_DAYS sets the TTL: %s", exp)
	}
	if _, err := s.RecordReadDay(ctx, "", arnA, t0); err == nil {
		t.Error("an empty principal is an error")
	}
}

func TestLedgerCoverage(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, ok, err := s.Coverage(ctx); ok || err != nil {
		t.Fatalf("no coverage yet: %v %v", ok, err)
	}
	for i, at := range []time.Time{t0, t0.Add(time.Hour), t0.Add(48 * time.Hour)} {
		wrote, err := s.RecordCoverage(ctx, at)
		if err != nil || wrote != (i != 1) {
			t.Fatalf("coverage write %d: %v %v", i, wrote, err)
		}
	}
	since, ok, err := s.Coverage(ctx)
	if err != nil || !ok || !since.Equal(t0) {
		t.Fatalf("since %v %v %v, want %v", since, ok, err, t0)
	}
	if err := s.ResetCoverage(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Coverage(ctx); ok {
		t.Fatal("reset coverage")
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
