package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A rotate request is carried out at most once, however late it is
// delivered again: SQS delivers a message at least once (Amazon SQS
// Developer Guide, "Amazon SQS standard queues": "more than one copy of a
// message might be delivered"), a message whose handling failed comes back
// after its visibility timeout, and one redriven from the dead-letter queue
// comes back days later — long after the rails' dedupe window (an hour).
// The request's record keeps its outcome for RequestRetention.

// RequestRetention is how long a rotate request's outcome is kept. A
// message of the rotate queue lives at most its retention period, 4 days
// (cdk/constructs/durablequeue: RetentionPeriod of the main queue), then
// at most the dead-letter queue's, 14 days, counted from the original
// enqueue time (Amazon SQS Developer Guide, "Using dead-letter queues": "The
// expiration of a message is always based on its original enqueue
// timestamp"); a redrive from the dead-letter queue sends it again (a new
// message, "Configuring a dead-letter queue redrive"), which may wait the
// main queue's 4 days again. 14 + 4 days, plus one of margin.
// TestRequestRetentionCoversTheQueues holds it to the CDK values.
const RequestRetention = 19 * 24 * time.Hour

// RequestPK is the partition key of a rotate request's record.
func RequestPK(id string) string { return "ROTREQ#" + id }

const requestSK = "REQUEST"

// Attributes of a request record.
const (
	attrLease   = "lease_until" // epoch seconds; present while a handling runs
	attrOutcome = "outcome"     // present once handled
)

// beginCondition lets a handling begin when the request has no record, when
// the handling that claimed it ran past its lease (it crashed or timed out),
// or when its record has expired (TTL deletes late). A finished record has
// no lease: it never matches.
const beginCondition = "attribute_not_exists(#pk) OR #lease <= :now OR #exp <= :now"

// BeginRequest claims rotate request id for one handling of at most lease.
// begun is true for exactly one of concurrent or repeated deliveries (a
// conditional PutItem). When it is false, outcome is the recorded outcome of
// the request, already carried out, or "" while another delivery is
// handling it (retry later).
func (s *Store) BeginRequest(ctx context.Context, id string, lease time.Duration) (begun bool, outcome string, err error) {
	if id == "" || lease <= 0 {
		return false, "", fmt.Errorf("begin rotate request %q: empty id or lease %s", id, lease)
	}
	now := s.now()
	item := itemKey(RequestPK(id), requestSK)
	item[attrLease] = num(epoch(now.Add(lease)))
	item[AttrExpires] = num(epoch(now.Add(RequestRetention)))
	item["created_at"] = str(ts(now))
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 s.table(),
		Item:                      item,
		ConditionExpression:       aws.String(beginCondition),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#lease": attrLease, "#exp": AttrExpires},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	if err == nil {
		return true, "", nil
	}
	if !conditionFailed(err) {
		return false, "", fmt.Errorf("begin rotate request %s: %w", id, err)
	}
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table(),
		Key:            itemKey(RequestPK(id), requestSK),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, "", fmt.Errorf("read rotate request %s: %w", id, err)
	}
	return false, stringAttr(out.Item, attrOutcome), nil
}

// FinishRequest records the outcome of a request handled (rotated, or
// refused by a rail and alerted), kept RequestRetention: a later delivery
// is dropped.
func (s *Store) FinishRequest(ctx context.Context, id, outcome string) error {
	if outcome == "" {
		outcome = "handled"
	}
	now := s.now()
	item := itemKey(RequestPK(id), requestSK)
	item[attrOutcome] = str(outcome)
	item[AttrExpires] = num(epoch(now.Add(RequestRetention)))
	item["handled_at"] = str(ts(now))
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table(), Item: item}); err != nil {
		return fmt.Errorf("record rotate request %s: %w", id, err)
	}
	return nil
}

// AbandonRequest forgets a claim whose handling failed, so that the
// redelivery carries the request out.
func (s *Store) AbandonRequest(ctx context.Context, id string) error {
	if err := s.deleteItem(ctx, RequestPK(id), requestSK); err != nil {
		return fmt.Errorf("abandon rotate request %s: %w", id, err)
	}
	return nil
}
