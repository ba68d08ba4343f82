package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	prefixCondition  = "#pk = :pk AND begins_with(#sk, :prefix)"
	betweenCondition = "#pk = :pk AND #sk BETWEEN :lo AND :hi"
)

// queryPrefix returns every item of partition pk whose sort key starts with
// prefix, following pagination.
func (s *Store) queryPrefix(ctx context.Context, pk, prefix string) ([]map[string]types.AttributeValue, error) {
	in := &dynamodb.QueryInput{
		TableName:                s.table(),
		KeyConditionExpression:   aws.String(prefixCondition),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":prefix": str(prefix),
		},
	}
	var items []map[string]types.AttributeValue
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", pk, err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// countBetween counts the items of partition pk whose sort key is within
// [lo, hi], following pagination.
func (s *Store) countBetween(ctx context.Context, pk, lo, hi string) (int, error) {
	in := &dynamodb.QueryInput{
		TableName:                s.table(),
		KeyConditionExpression:   aws.String(betweenCondition),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":lo": str(lo), ":hi": str(hi),
		},
		Select:         types.SelectCount,
		ConsistentRead: aws.Bool(true),
	}
	n := 0
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("count %s: %w", pk, err)
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
