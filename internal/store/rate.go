package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	takeUpdate    = "ADD #n :one SET #exp = :exp"
	takeCondition = "attribute_not_exists(#n) OR #n < :limit"
)

// RatePK is the partition key of a rate-limit bucket.
func RatePK(bucket string) string { return "RATE#" + bucket }

// WindowStart is the start of the fixed window of length window that holds now.
func WindowStart(now time.Time, window time.Duration) time.Time {
	return now.UTC().Truncate(window)
}

func rateSK(start time.Time) string { return "WINDOW#" + strconv.FormatInt(start.Unix(), 10) }

// Take takes one unit from bucket's counter for the fixed window holding
// now, if fewer than limit were taken: one atomic UpdateItem (ADD with the
// condition "attribute_not_exists(n) OR n < :limit"), so concurrent callers
// never take more than limit in total. The counter expires after its window.
func (s *Store) Take(ctx context.Context, bucket string, limit int, window time.Duration, now time.Time) (allowed bool, err error) {
	if window <= 0 {
		return false, fmt.Errorf("take from %s: window must be positive, got %s", bucket, window)
	}
	if limit <= 0 {
		return false, nil
	}
	start := WindowStart(now, window)
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table(),
		Key:                      itemKey(RatePK(bucket), rateSK(start)),
		UpdateExpression:         aws.String(takeUpdate),
		ConditionExpression:      aws.String(takeCondition),
		ExpressionAttributeNames: map[string]string{"#n": "n", "#exp": AttrExpires},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": num(1), ":limit": num(int64(limit)), ":exp": num(epoch(start.Add(window))),
		},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take from %s: %w", bucket, err)
	}
	return true, nil
}

// Count returns how many units were taken from bucket in the window holding now.
func (s *Store) Count(ctx context.Context, bucket string, window time.Duration, now time.Time) (int, error) {
	if window <= 0 {
		return 0, fmt.Errorf("count %s: window must be positive, got %s", bucket, window)
	}
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table(),
		Key:            itemKey(RatePK(bucket), rateSK(WindowStart(now, window))),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", bucket, err)
	}
	n, _ := numberAttr(out.Item, "n")
	return int(n), nil
}
