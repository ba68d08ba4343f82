// Package storetest is an in-memory fake of the DynamoDB calls the store
// makes, for tests. It honours exactly the expressions the store sends
// (conditions with OR, attribute_not_exists, < and <=; SET with
// if_not_exists; ADD; key conditions with begins_with and BETWEEN), rejects
// unused expression names and values and duplicate keys in a batch like
// DynamoDB, and fails the test on anything else, so a change to the store's
// requests cannot pass against semantics the fake made up.
package storetest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Fake is one in-memory table with key attributes pk and sk (both S), and
// optionally global secondary indexes (AddIndex) that project keys only.
// Every call is linearized under one lock, as DynamoDB serializes writes
// to one item.
type Fake struct {
	// Table is the only table name accepted.
	Table string
	// PageSize limits the items a Query page returns (0: no limit), to
	// exercise pagination.
	PageSize int
	// Unprocessed is how many put requests the next BatchWriteItem calls
	// hand back as UnprocessedItems (decremented as they are).
	Unprocessed int
	// UnprocessedGets is how many keys the next BatchGetItem calls hand
	// back as UnprocessedKeys (decremented as they are).
	UnprocessedGets int
	// Err makes the named operation ("GetItem", "PutItem", …) fail.
	Err map[string]error

	t       testing.TB
	mu      sync.Mutex
	items   map[[2]string]map[string]types.AttributeValue
	calls   map[string]int
	indexes map[string][2]string // index name → its partition and sort key attributes
	queries []dynamodb.QueryInput
	read    int // items Query returned, all calls
}

// AddIndex declares a global secondary index with partition key attribute
// pk and sort key attribute sk (both S), projecting keys only: an item is in
// it when it has both attributes (a sparse index), and a Query of it returns
// the table's and the index's key attributes.
func (f *Fake) AddIndex(name, pk, sk string) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.indexes == nil {
		f.indexes = map[string][2]string{}
	}
	f.indexes[name] = [2]string{pk, sk}
	return f
}

// Queries returns a copy of every Query request made, in order.
func (f *Fake) Queries() []dynamodb.QueryInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]dynamodb.QueryInput(nil), f.queries...)
}

// ItemsQueried is the number of items every Query so far returned (the
// read cost Query bills: it counts what the key condition selects).
func (f *Fake) ItemsQueried() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.read
}

// New returns an empty fake table named table that reports unsupported
// requests to t.
func New(t testing.TB, table string) *Fake {
	return &Fake{Table: table, t: t, Err: map[string]error{},
		items: map[[2]string]map[string]types.AttributeValue{}, calls: map[string]int{}}
}

// Calls returns how many times the operation was called.
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Item returns a copy of the stored item (nil when absent).
func (f *Fake) Item(pk, sk string) map[string]types.AttributeValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	it, ok := f.items[[2]string{pk, sk}]
	if !ok {
		return nil
	}
	return clone(it)
}

// Len is the number of stored items.
func (f *Fake) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.items)
}

// unsupported reports a request the fake does not implement: it fails the
// test and returns an error.
func (f *Fake) unsupported(err error) error {
	if f.t != nil {
		f.t.Helper()
		f.t.Errorf("storetest: %v", err)
	}
	return err
}

func (f *Fake) begin(op string, table *string) error {
	f.calls[op]++
	if err := f.Err[op]; err != nil {
		return err
	}
	if aws.ToString(table) != f.Table {
		return fmt.Errorf("ResourceNotFoundException: table %q", aws.ToString(table))
	}
	return nil
}

func keyOf(m map[string]types.AttributeValue) ([2]string, error) {
	pk, ok1 := m["pk"].(*types.AttributeValueMemberS)
	sk, ok2 := m["sk"].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 || pk.Value == "" || sk.Value == "" {
		return [2]string{}, fmt.Errorf("ValidationException: key must have non-empty S attributes pk and sk")
	}
	return [2]string{pk.Value, sk.Value}, nil
}

func conditionFailed() error {
	return &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
}

// GetItem implements store.GetItemAPI.
func (f *Fake) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("GetItem", in.TableName); err != nil {
		return nil, err
	}
	if in.ProjectionExpression != nil || len(in.AttributesToGet) > 0 || len(in.ExpressionAttributeNames) > 0 {
		return nil, f.unsupported(fmt.Errorf("GetItem projection unsupported"))
	}
	k, err := keyOf(in.Key)
	if err != nil || len(in.Key) != 2 {
		return nil, fmt.Errorf("ValidationException: GetItem key must be exactly pk and sk")
	}
	out := &dynamodb.GetItemOutput{}
	if it, ok := f.items[k]; ok {
		out.Item = clone(it)
	}
	return out, nil
}

// PutItem implements store.PutItemAPI.
func (f *Fake) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("PutItem", in.TableName); err != nil {
		return nil, err
	}
	if in.ReturnValues != "" && in.ReturnValues != types.ReturnValueNone {
		return nil, f.unsupported(fmt.Errorf("PutItem ReturnValues %s unsupported", in.ReturnValues))
	}
	if len(in.Expected) > 0 || in.ReturnValuesOnConditionCheckFailure != "" {
		return nil, f.unsupported(fmt.Errorf("PutItem legacy conditions unsupported"))
	}
	k, err := keyOf(in.Item)
	if err != nil {
		return nil, err
	}
	if in.ConditionExpression != nil {
		env := newEnv(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		ok, err := env.condition(*in.ConditionExpression, f.items[k])
		if err != nil {
			return nil, f.unsupported(err)
		}
		if err := env.checkAllUsed(); err != nil {
			return nil, err
		}
		if !ok {
			return nil, conditionFailed()
		}
	} else if len(in.ExpressionAttributeNames)+len(in.ExpressionAttributeValues) > 0 {
		return nil, fmt.Errorf("ValidationException: expression attributes without an expression")
	}
	item, err := cloneChecked(in.Item)
	if err != nil {
		return nil, f.unsupported(err)
	}
	f.items[k] = item
	return &dynamodb.PutItemOutput{}, nil
}

// UpdateItem implements store.UpdateItemAPI.
func (f *Fake) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("UpdateItem", in.TableName); err != nil {
		return nil, err
	}
	if in.UpdateExpression == nil || len(in.AttributeUpdates) > 0 || len(in.Expected) > 0 || in.ReturnValuesOnConditionCheckFailure != "" {
		return nil, f.unsupported(fmt.Errorf("UpdateItem without an UpdateExpression, or with legacy parameters, unsupported"))
	}
	if in.ReturnValues != "" && in.ReturnValues != types.ReturnValueNone && in.ReturnValues != types.ReturnValueAllOld {
		return nil, f.unsupported(fmt.Errorf("UpdateItem ReturnValues %s unsupported", in.ReturnValues))
	}
	k, err := keyOf(in.Key)
	if err != nil || len(in.Key) != 2 {
		return nil, fmt.Errorf("ValidationException: UpdateItem key must be exactly pk and sk")
	}
	old := f.items[k]
	env := newEnv(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if in.ConditionExpression != nil {
		ok, err := env.condition(*in.ConditionExpression, old)
		if err != nil {
			return nil, f.unsupported(err)
		}
		if !ok {
			// Still validate the update so a bad expression never hides behind a failed condition.
			if err := env.update(*in.UpdateExpression, old, clone(old)); err != nil {
				return nil, f.unsupported(err)
			}
			if err := env.checkAllUsed(); err != nil {
				return nil, err
			}
			return nil, conditionFailed()
		}
	}
	item := clone(old)
	if item == nil {
		item = clone(in.Key)
	}
	if err := env.update(*in.UpdateExpression, old, item); err != nil {
		return nil, f.unsupported(err)
	}
	if err := env.checkAllUsed(); err != nil {
		return nil, err
	}
	if _, err := keyOf(item); err != nil || !sameKey(item, in.Key) {
		return nil, fmt.Errorf("ValidationException: an update may not change the key")
	}
	if _, err := cloneChecked(item); err != nil {
		return nil, f.unsupported(err)
	}
	f.items[k] = item
	out := &dynamodb.UpdateItemOutput{}
	if in.ReturnValues == types.ReturnValueAllOld && old != nil {
		out.Attributes = clone(old)
	}
	return out, nil
}

// DeleteItem implements store.DeleteItemAPI.
func (f *Fake) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("DeleteItem", in.TableName); err != nil {
		return nil, err
	}
	if in.ConditionExpression != nil || in.ReturnValues != "" || len(in.Expected) > 0 {
		return nil, f.unsupported(fmt.Errorf("DeleteItem conditions and return values unsupported"))
	}
	k, err := keyOf(in.Key)
	if err != nil || len(in.Key) != 2 {
		return nil, fmt.Errorf("ValidationException: DeleteItem key must be exactly pk and sk")
	}
	delete(f.items, k)
	return &dynamodb.DeleteItemOutput{}, nil
}

// Query implements store.QueryAPI, on the table or on an index (AddIndex).
func (f *Fake) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Query", in.TableName); err != nil {
		return nil, err
	}
	f.queries = append(f.queries, *in)
	if in.KeyConditionExpression == nil || in.FilterExpression != nil || in.ProjectionExpression != nil ||
		in.ScanIndexForward != nil || in.Limit != nil || len(in.KeyConditions) > 0 {
		return nil, f.unsupported(fmt.Errorf("Query supports only KeyConditionExpression, IndexName, Select and ExclusiveStartKey"))
	}
	if in.Select != "" && in.Select != types.SelectCount && in.Select != types.SelectAllAttributes {
		return nil, f.unsupported(fmt.Errorf("Query Select %s unsupported", in.Select))
	}
	pkAttr, skAttr, index := "pk", "sk", ""
	if in.IndexName != nil {
		index = *in.IndexName
		ix, ok := f.indexes[index]
		if !ok {
			return nil, fmt.Errorf("ValidationException: The table does not have the specified index: %s", index)
		}
		if aws.ToBool(in.ConsistentRead) {
			return nil, fmt.Errorf("ValidationException: Consistent reads are not supported on global secondary indexes")
		}
		if in.Select == types.SelectAllAttributes {
			return nil, fmt.Errorf("ValidationException: One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", index)
		}
		pkAttr, skAttr = ix[0], ix[1]
	}
	env := newEnv(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	km, err := env.keyCondition(*in.KeyConditionExpression, pkAttr, skAttr)
	if err != nil {
		return nil, f.unsupported(err)
	}
	if err := env.checkAllUsed(); err != nil {
		return nil, err
	}
	// Rows in key order: the sort key, then (in an index, where sort keys
	// may repeat) the table's keys.
	type row struct {
		sk   string
		base [2]string
	}
	var rows []row
	for k, it := range f.items {
		pk, sk := k[0], k[1]
		if index != "" {
			p, ok1 := it[pkAttr].(*types.AttributeValueMemberS)
			s, ok2 := it[skAttr].(*types.AttributeValueMemberS)
			if !ok1 || !ok2 {
				continue // not in the sparse index
			}
			pk, sk = p.Value, s.Value
		}
		if pk == km.pk && km.match(sk) {
			rows = append(rows, row{sk, k})
		}
	}
	less := func(a, b row) bool {
		if a.sk != b.sk {
			return a.sk < b.sk
		}
		return a.base[0] < b.base[0] || a.base[0] == b.base[0] && a.base[1] < b.base[1]
	}
	sort.Slice(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
	if in.ExclusiveStartKey != nil {
		start, err := keyOf(in.ExclusiveStartKey)
		if err != nil {
			return nil, fmt.Errorf("ValidationException: bad ExclusiveStartKey")
		}
		from := row{sk: start[1], base: start}
		if index != "" {
			p, ok1 := in.ExclusiveStartKey[pkAttr].(*types.AttributeValueMemberS)
			s, ok2 := in.ExclusiveStartKey[skAttr].(*types.AttributeValueMemberS)
			if !ok1 || !ok2 || p.Value != km.pk {
				return nil, fmt.Errorf("ValidationException: bad ExclusiveStartKey for index %s", index)
			}
			from.sk = s.Value
		} else if start[0] != km.pk {
			return nil, fmt.Errorf("ValidationException: bad ExclusiveStartKey")
		}
		i := sort.Search(len(rows), func(i int) bool { return less(from, rows[i]) })
		rows = rows[i:]
	}
	out := &dynamodb.QueryOutput{}
	if f.PageSize > 0 && len(rows) > f.PageSize {
		rows = rows[:f.PageSize]
		last := rows[len(rows)-1]
		out.LastEvaluatedKey = map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: last.base[0]}, "sk": &types.AttributeValueMemberS{Value: last.base[1]},
		}
		if index != "" {
			out.LastEvaluatedKey[pkAttr] = &types.AttributeValueMemberS{Value: km.pk}
			out.LastEvaluatedKey[skAttr] = &types.AttributeValueMemberS{Value: last.sk}
		}
	}
	out.Count = int32(len(rows))
	out.ScannedCount = out.Count
	f.read += len(rows)
	if in.Select != types.SelectCount {
		for _, r := range rows {
			it := f.items[r.base]
			if index != "" { // KEYS_ONLY
				it = map[string]types.AttributeValue{"pk": it["pk"], "sk": it["sk"], pkAttr: it[pkAttr], skAttr: it[skAttr]}
			}
			out.Items = append(out.Items, clone(it))
		}
	}
	return out, nil
}

// BatchGetItem implements store.BatchGetItemAPI (keys only: no projection).
func (f *Fake) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["BatchGetItem"]++
	if err := f.Err["BatchGetItem"]; err != nil {
		return nil, err
	}
	total := 0
	for table, ka := range in.RequestItems {
		if table != f.Table {
			return nil, fmt.Errorf("ResourceNotFoundException: table %q", table)
		}
		if ka.ProjectionExpression != nil || len(ka.AttributesToGet) > 0 || len(ka.ExpressionAttributeNames) > 0 {
			return nil, f.unsupported(fmt.Errorf("BatchGetItem projection unsupported"))
		}
		total += len(ka.Keys)
	}
	if total == 0 || total > 100 {
		return nil, fmt.Errorf("ValidationException: Too many items requested for the BatchGetItem call (1 to 100, got %d)", total)
	}
	keys := in.RequestItems[f.Table].Keys
	seen := map[[2]string]bool{}
	for _, k := range keys {
		kk, err := keyOf(k)
		if err != nil || len(k) != 2 {
			return nil, fmt.Errorf("ValidationException: The provided key element does not match the schema")
		}
		if seen[kk] {
			return nil, fmt.Errorf("ValidationException: Provided list of item keys contains duplicates")
		}
		seen[kk] = true
	}
	bounce := min(f.UnprocessedGets, len(keys))
	f.UnprocessedGets -= bounce
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}, UnprocessedKeys: map[string]types.KeysAndAttributes{}}
	for _, k := range keys[:len(keys)-bounce] {
		kk, _ := keyOf(k)
		if it, ok := f.items[kk]; ok {
			out.Responses[f.Table] = append(out.Responses[f.Table], clone(it))
		}
	}
	if bounce > 0 {
		out.UnprocessedKeys[f.Table] = types.KeysAndAttributes{Keys: append([]map[string]types.AttributeValue(nil), keys[len(keys)-bounce:]...)}
	}
	return out, nil
}

// BatchWriteItem implements store.BatchWriteItemAPI (put requests only).
func (f *Fake) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["BatchWriteItem"]++
	if err := f.Err["BatchWriteItem"]; err != nil {
		return nil, err
	}
	total := 0
	for table, reqs := range in.RequestItems {
		if table != f.Table {
			return nil, fmt.Errorf("ResourceNotFoundException: table %q", table)
		}
		total += len(reqs)
	}
	if total == 0 || total > 25 {
		return nil, fmt.Errorf("ValidationException: a batch holds 1 to 25 requests, got %d", total)
	}
	reqs := in.RequestItems[f.Table]
	seen := map[[2]string]bool{}
	for _, r := range reqs {
		if r.PutRequest == nil || r.DeleteRequest != nil {
			return nil, f.unsupported(fmt.Errorf("BatchWriteItem supports put requests only"))
		}
		k, err := keyOf(r.PutRequest.Item)
		if err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, fmt.Errorf("ValidationException: Provided list of item keys contains duplicates")
		}
		seen[k] = true
	}
	bounce := min(f.Unprocessed, len(reqs))
	f.Unprocessed -= bounce
	keep := reqs[:len(reqs)-bounce]
	for _, r := range keep {
		k, _ := keyOf(r.PutRequest.Item)
		item, err := cloneChecked(r.PutRequest.Item)
		if err != nil {
			return nil, f.unsupported(err)
		}
		f.items[k] = item
	}
	out := &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]types.WriteRequest{}}
	if bounce > 0 {
		out.UnprocessedItems[f.Table] = append([]types.WriteRequest(nil), reqs[len(reqs)-bounce:]...)
	}
	return out, nil
}

func sameKey(item, key map[string]types.AttributeValue) bool {
	a, err1 := keyOf(item)
	b, err2 := keyOf(key)
	return err1 == nil && err2 == nil && a == b
}

func clone(m map[string]types.AttributeValue) map[string]types.AttributeValue {
	if m == nil {
		return nil
	}
	out, _ := cloneChecked(m)
	return out
}

// cloneChecked deep-copies an item, refusing attribute types the store never writes.
func cloneChecked(m map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		c, err := cloneValue(v)
		if err != nil {
			return out, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = c
	}
	return out, nil
}

func cloneValue(v types.AttributeValue) (types.AttributeValue, error) {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return &types.AttributeValueMemberS{Value: x.Value}, nil
	case *types.AttributeValueMemberN:
		return &types.AttributeValueMemberN{Value: x.Value}, nil
	case *types.AttributeValueMemberBOOL:
		return &types.AttributeValueMemberBOOL{Value: x.Value}, nil
	case *types.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: x.Value}, nil
	case *types.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(x.Value))
		for i, e := range x.Value {
			c, err := cloneValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = c
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case *types.AttributeValueMemberM:
		m, err := cloneChecked(x.Value)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("attribute type %T unsupported", v)
}
