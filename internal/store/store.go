// Package store keeps Secret Warden's state in one DynamoDB table (partition
// key "pk" S, sort key "sk" S, TTL attribute "expires_at"): the current
// status of every (secret, policy) finding with its transitions, processed
// event ids, the access ledger, access-denied counters, rate-limit counters,
// dedupe markers and the audit trail of emergency-rotation decisions.
//
// Every write that decides something ("is this new?", "may I take one
// more?") is a single conditional or atomic DynamoDB request, so concurrent
// Lambdas never both win.
package store

import (
	smithytime "github.com/aws/smithy-go/time"

	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretwarden/warden/internal/defaults"
)

// GetItemAPI is the DynamoDB GetItem call.
type GetItemAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// PutItemAPI is the DynamoDB PutItem call.
type PutItemAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// UpdateItemAPI is the DynamoDB UpdateItem call.
type UpdateItemAPI interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// DeleteItemAPI is the DynamoDB DeleteItem call.
type DeleteItemAPI interface {
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// QueryAPI is the DynamoDB Query call.
type QueryAPI interface {
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// BatchGetItemAPI is the DynamoDB BatchGetItem call.
type BatchGetItemAPI interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// DB is every DynamoDB call the store makes; *dynamodb.Client satisfies it.
type DB interface {
	GetItemAPI
	PutItemAPI
	UpdateItemAPI
	DeleteItemAPI
	QueryAPI
	BatchGetItemAPI
}

// Attribute names of the table's keys and TTL (the deployment contract).
const (
	AttrPK      = "pk"
	AttrSK      = "sk"
	AttrExpires = "expires_at"
)

// Store is the DynamoDB-backed state.
type Store struct {
	// DB makes the calls.
	DB DB
	// Table is the table name (WARDEN_TABLE_NAME).
	Table string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives warnings; it never gets request parameters (default slog.Default()).
	Log *slog.Logger
	// LedgerTTL is how long the access ledger keeps a read after the end of
	// its UTC day (WARDEN_LEDGER_DAYS; default LedgerTTL).
	LedgerTTL time.Duration
	// Sleep waits between BatchGetItem retries (default: a context-aware timer).
	Sleep func(ctx context.Context, d time.Duration) error
}

// New returns a store over db and table.
func New(db DB, table string) *Store {
	return &Store{DB: db, Table: table}
}

func (s *Store) now() time.Time { return defaults.Now(s.Now) }

// batchAttempts bounds the retries of unprocessed BatchGetItem keys.
const batchAttempts = 6

func (s *Store) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	return smithytime.SleepWithContext(ctx, d)
}

func (s *Store) log() *slog.Logger { return defaults.Logger(s.Log) }

// tsLayout is a fixed-width RFC 3339 UTC layout: strings in it sort as the
// times they denote, so conditions and key ranges can compare them.
const tsLayout = "2006-01-02T15:04:05.000000000Z07:00"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

// epoch is a TTL value: whole seconds, rounded up so an item never expires early.
func epoch(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func numberAttr(item map[string]types.AttributeValue, name string) (int64, bool) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	return n, err == nil
}

// conditionFailed reports whether err is DynamoDB's ConditionalCheckFailedException.
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func (s *Store) table() *string { return aws.String(s.Table) }
