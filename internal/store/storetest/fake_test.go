package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func key() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s("P"), "sk": s("S")}
}

// The fake is built with a nil testing.TB here so unsupported requests only
// return errors (they would fail the calling test otherwise).
func TestFakeRejectsWhatDynamoDBRejects(t *testing.T) {
	f := New(nil, "t")
	ctx := context.Background()
	_, err := f.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("t"), Item: key(),
		ConditionExpression:       aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames:  map[string]string{"#pk": "pk"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":unused": n("1")},
	})
	if err == nil || !strings.Contains(err.Error(), "unused") {
		t.Fatalf("unused value: %v", err)
	}
	_, err = f.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("t"), Item: key(),
		ConditionExpression:      aws.String("attribute_exists(#pk) AND size(#pk) > 1"),
		ExpressionAttributeNames: map[string]string{"#pk": "pk"},
	})
	if err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Fatalf("unsupported condition: %v", err)
	}
	_, err = f.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("t"), Key: key(),
		UpdateExpression:          aws.String("SET #a = #a + :one"),
		ExpressionAttributeNames:  map[string]string{"#a": "a"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
	})
	if err == nil {
		t.Fatal("arithmetic SET is not implemented and must not pass")
	}
	put := types.WriteRequest{PutRequest: &types.PutRequest{Item: key()}}
	_, err = f.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{"t": {put, put}},
	})
	if err == nil || !strings.Contains(err.Error(), "duplicates") {
		t.Fatalf("duplicate keys in a batch: %v", err)
	}
}

func TestFakeConditionsAndUpdates(t *testing.T) {
	f := New(t, "t")
	ctx := context.Background()
	take := func() error {
		_, err := f.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String("t"), Key: key(),
			UpdateExpression:          aws.String("ADD #n :one SET #e = if_not_exists(#e, :e)"),
			ConditionExpression:       aws.String("attribute_not_exists(#n) OR #n < :limit"),
			ExpressionAttributeNames:  map[string]string{"#n": "n", "#e": "e"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":limit": n("2"), ":e": s("first")},
		})
		return err
	}
	if err := take(); err != nil {
		t.Fatal(err)
	}
	if err := take(); err != nil {
		t.Fatal(err)
	}
	var ccf *types.ConditionalCheckFailedException
	if err := take(); !errors.As(err, &ccf) {
		t.Fatalf("third take: %v", err)
	}
	it := f.Item("P", "S")
	if it["n"].(*types.AttributeValueMemberN).Value != "2" || it["e"].(*types.AttributeValueMemberS).Value != "first" {
		t.Fatalf("item: %#v", it)
	}
}

// An index holds only items with both its keys (sparse), returns keys only,
// refuses consistent reads like a global secondary index, and pages.
func TestFakeIndex(t *testing.T) {
	f := New(nil, "t").AddIndex("ix", "ipk", "isk")
	ctx := context.Background()
	for _, it := range []map[string]types.AttributeValue{
		{"pk": s("A"), "sk": s("1"), "ipk": s("X"), "isk": s("b"), "other": s("o")},
		{"pk": s("B"), "sk": s("1"), "ipk": s("X"), "isk": s("a")},
		{"pk": s("C"), "sk": s("1"), "ipk": s("X")}, // no index sort key: not indexed
		{"pk": s("D"), "sk": s("1"), "ipk": s("Y"), "isk": s("a")},
	} {
		if _, err := f.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	q := func(start map[string]types.AttributeValue, consistent bool) (*dynamodb.QueryOutput, error) {
		return f.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String("t"), IndexName: aws.String("ix"), ConsistentRead: aws.Bool(consistent),
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": "ipk"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("X")},
			ExclusiveStartKey:         start,
		})
	}
	if _, err := q(nil, true); err == nil || !strings.Contains(err.Error(), "Consistent reads are not supported") {
		t.Fatalf("consistent read on an index: %v", err)
	}
	f.PageSize = 1
	var got []string
	var start map[string]types.AttributeValue
	for {
		out, err := q(start, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			if _, ok := it["other"]; ok {
				t.Error("keys only: a non-key attribute was projected")
			}
			got = append(got, it["pk"].(*types.AttributeValueMemberS).Value)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	if strings.Join(got, ",") != "B,A" {
		t.Errorf("index order B (isk a), A (isk b); got %v", got)
	}
	if _, err := f.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("nope"),
		KeyConditionExpression: aws.String("#pk = :pk"), ExpressionAttributeNames: map[string]string{"#pk": "ipk"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("X")}}); err == nil {
		t.Error("an undeclared index must be refused")
	}
	// BatchGetItem: limits and unprocessed keys.
	keys := []map[string]types.AttributeValue{{"pk": s("A"), "sk": s("1")}, {"pk": s("Z"), "sk": s("1")}}
	f.UnprocessedGets = 1
	out, err := f.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: keys}}})
	if err != nil || len(out.Responses["t"]) != 1 || len(out.UnprocessedKeys["t"].Keys) != 1 {
		t.Fatalf("batch get: %v %+v", err, out)
	}
	if _, err := f.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: append(keys, keys[0])}}}); err == nil {
		t.Error("duplicate keys must be refused")
	}
}
