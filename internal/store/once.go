package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// claimCondition lets a marker be written when none exists or the one stored
// has expired (DynamoDB's TTL deletes expired items late, up to days after).
const claimCondition = "attribute_not_exists(#pk) OR #exp <= :now"

// claim writes a marker item that expires at now+ttl, unless a live one is
// there; first reports whether this call wrote it.
func (s *Store) claim(ctx context.Context, pk, sk string, ttl time.Duration, now time.Time, attrs map[string]types.AttributeValue) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("claim %s: window must be positive, got %s", pk, ttl)
	}
	item := itemKey(pk, sk)
	for k, v := range attrs {
		item[k] = v
	}
	item[AttrExpires] = num(epoch(now.Add(ttl)))
	item["created_at"] = str(ts(now))
	_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 s.table(),
		Item:                      item,
		ConditionExpression:       aws.String(claimCondition),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#exp": AttrExpires},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("write marker %s: %w", pk, err)
	}
	return true, nil
}

// ProcessedPK is the partition key of a processed event id.
func ProcessedPK(eventID string) string { return "EVENT#" + eventID }

// MarkProcessed records that the event was handled and reports whether this
// is the first time (a conditional PutItem, so of a redelivered or
// duplicated event exactly one delivery gets first=true). The marker lives
// ttl.
func (s *Store) MarkProcessed(ctx context.Context, eventID string, ttl time.Duration) (first bool, err error) {
	if eventID == "" {
		return false, fmt.Errorf("mark event processed: empty event id")
	}
	first, err = s.claim(ctx, ProcessedPK(eventID), "EVENT", ttl, s.now(), nil)
	if err != nil {
		return false, fmt.Errorf("mark event %s processed: %w", eventID, err)
	}
	return first, nil
}

// UnmarkProcessed forgets a processed event id, so a redelivery is handled
// again (for a handler that failed after MarkProcessed).
func (s *Store) UnmarkProcessed(ctx context.Context, eventID string) error {
	return s.deleteItem(ctx, ProcessedPK(eventID), "EVENT")
}

// OncePK is the partition key of a dedupe marker.
func OncePK(key string) string { return "ONCE#" + key }

// Once reports whether this is the first call for key within window from
// now: the first caller writes a marker that expires at now+window, later
// callers see it until then. Conditional PutItem: concurrent callers get
// exactly one first=true.
func (s *Store) Once(ctx context.Context, key string, window time.Duration, now time.Time) (first bool, err error) {
	first, err = s.claim(ctx, OncePK(key), "ONCE", window, now.UTC(), nil)
	if err != nil {
		return false, fmt.Errorf("dedupe %s: %w", key, err)
	}
	return first, nil
}

// Seen reports whether a live (unexpired at now) Once marker exists for key,
// without writing one.
func (s *Store) Seen(ctx context.Context, key string, now time.Time) (bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table(),
		Key:            itemKey(OncePK(key), "ONCE"),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fmt.Errorf("read dedupe marker %s: %w", key, err)
	}
	exp, ok := numberAttr(out.Item, AttrExpires)
	return ok && exp > now.Unix(), nil
}

// Release deletes the Once marker of key, so the next Once is first again
// (used when the deduplicated work failed and may be retried).
func (s *Store) Release(ctx context.Context, key string) error {
	if err := s.deleteItem(ctx, OncePK(key), "ONCE"); err != nil {
		return fmt.Errorf("release %s: %w", key, err)
	}
	return nil
}

// RotationDedupeKey is the Once key of a secret's emergency rotation: the
// rails claim it when they allow a rotation, and the decision history reads
// it to tell whether the secret was rotated within the window.
func RotationDedupeKey(secretARN string) string { return "rotation#" + secretARN }

func (s *Store) deleteItem(ctx context.Context, pk, sk string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table(), Key: itemKey(pk, sk)})
	if err != nil {
		return fmt.Errorf("delete %s: %w", pk, err)
	}
	return nil
}
