package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// LedgerTTL is how long the access ledger remembers a read by default
// (WARDEN_LEDGER_DAYS sets Store.LedgerTTL).
const LedgerTTL = 30 * 24 * time.Hour

// The access ledger: which principal read which secret, by UTC day.
//
//   - pk PRINCIPAL#<principal>, sk SECRET#<secret ARN>: the principal's
//     reads of the secret, written at most once per UTC day (read_day; a
//     conditional update refuses a second write the same day), with
//     read_at (the first read of that day that was recorded) and
//     first_read_at; it expires LedgerTTL after the end of read_day.
//   - pk ALIAS#<key>, sk PRINCIPAL#<principal>: another identifier of the
//     principal (access key id, session ARN, role or user ARN), written at
//     most once per UTC day (seen_day), expiring like ledger items.
//   - pk LEDGER, sk COVERAGE: since when reads are recorded (since).
//
// The principal is the first of the actor's keys (decide.ActorKeys: the
// principal id when CloudTrail gives one); the others are its aliases.

// LedgerPK is the partition key of a principal's reads.
func LedgerPK(principal string) string { return "PRINCIPAL#" + principal }

// AliasPK is the partition key of the principals an identifier stands for.
func AliasPK(key string) string { return "ALIAS#" + key }

// Coverage item key.
const (
	coveragePK = "LEDGER"
	coverageSK = "COVERAGE"
)

// Day is the UTC day of t, "2006-01-02".
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// dayEnd is the end of the UTC day of t.
func dayEnd(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

func (s *Store) ledgerTTL() time.Duration {
	if s.LedgerTTL > 0 {
		return s.LedgerTTL
	}
	return LedgerTTL
}

// ledgerUpdate writes a ledger or alias item of the day; ledgerCondition
// refuses a second write of the same day (or an older one).
const (
	ledgerUpdate    = "SET #day = :day, #at = :at, #first = if_not_exists(#first, :at), #exp = :exp, #ref = :ref"
	ledgerCondition = "attribute_not_exists(#day) OR #day < :day"
)

// dayWrite is one conditional write of the day: written is false when the
// item already records that day.
func (s *Store) dayWrite(ctx context.Context, pk, sk, refAttr, ref string, at time.Time) (bool, error) {
	at = at.UTC()
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           s.table(),
		Key:                 itemKey(pk, sk),
		UpdateExpression:    aws.String(ledgerUpdate),
		ConditionExpression: aws.String(ledgerCondition),
		ExpressionAttributeNames: map[string]string{
			"#day": "read_day", "#at": "read_at", "#first": "first_read_at", "#exp": AttrExpires, "#ref": refAttr,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":day": str(Day(at)), ":at": str(ts(at)), ":exp": num(epoch(dayEnd(at).Add(s.ledgerTTL()))), ":ref": str(ref),
		},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// RecordReadDay records that principal read secretARN on the UTC day of at:
// one conditional UpdateItem, refused (written false, no error) when the
// ledger already records that day, so each (principal, secret, day) is
// written at most once whoever writes it.
func (s *Store) RecordReadDay(ctx context.Context, principal, secretARN string, at time.Time) (written bool, err error) {
	if principal == "" || secretARN == "" {
		return false, fmt.Errorf("record read: principal and secret are required")
	}
	written, err = s.dayWrite(ctx, LedgerPK(principal), "SECRET#"+secretARN, "secret_arn", secretARN, at)
	if err != nil {
		return false, fmt.Errorf("record read of %s: %w", secretARN, err)
	}
	return written, nil
}

// RecordAlias records that key (an access key id, a session, role or user
// ARN) stood for principal on the UTC day of at, at most once per day.
func (s *Store) RecordAlias(ctx context.Context, key, principal string, at time.Time) (written bool, err error) {
	if key == "" || principal == "" {
		return false, fmt.Errorf("record principal alias: key and principal are required")
	}
	written, err = s.dayWrite(ctx, AliasPK(key), "PRINCIPAL#"+principal, "principal", principal, at)
	if err != nil {
		return false, fmt.Errorf("record principal alias: %w", err)
	}
	return written, nil
}

// RecordRead records in the access ledger that the principal known by
// principalKeys read secretARN at at: principalKeys[0] is the principal
// (decide.ActorKeys), the others its aliases. Each item is written at most
// once per UTC day.
func (s *Store) RecordRead(ctx context.Context, principalKeys []string, secretARN string, at time.Time) error {
	keys := uniqueKeys(principalKeys)
	if secretARN == "" || len(keys) == 0 {
		return nil
	}
	if _, err := s.RecordReadDay(ctx, keys[0], secretARN, at); err != nil {
		return err
	}
	for _, k := range keys[1:] {
		if _, err := s.RecordAlias(ctx, k, keys[0], at); err != nil {
			return err
		}
	}
	return nil
}

// uniqueKeys drops empty and repeated keys, keeping the order.
func uniqueKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// RecordCoverage notes that the access ledger records reads from at: the
// first call sets since, later ones only the day (at most one write a day).
func (s *Store) RecordCoverage(ctx context.Context, at time.Time) (written bool, err error) {
	at = at.UTC()
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table(),
		Key:                      itemKey(coveragePK, coverageSK),
		UpdateExpression:         aws.String("SET #since = if_not_exists(#since, :at), #day = :day"),
		ConditionExpression:      aws.String(ledgerCondition),
		ExpressionAttributeNames: map[string]string{"#since": "since", "#day": "read_day"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": str(ts(at)), ":day": str(Day(at)),
		},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record ledger coverage: %w", err)
	}
	return true, nil
}

// Coverage returns since when the access ledger records reads; ok is false
// when it never did (read events off, or not deployed yet).
func (s *Store) Coverage(ctx context.Context) (since time.Time, ok bool, err error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.table(), Key: itemKey(coveragePK, coverageSK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read ledger coverage: %w", err)
	}
	since = parseTS(stringAttr(out.Item, "since"))
	return since, !since.IsZero(), nil
}

// ResetCoverage forgets the coverage: read events were turned off, so the
// ledger has a gap and only counts again from the next recorded read.
func (s *Store) ResetCoverage(ctx context.Context) error {
	if err := s.deleteItem(ctx, coveragePK, coverageSK); err != nil {
		return fmt.Errorf("reset ledger coverage: %w", err)
	}
	return nil
}

// Reads returns the secrets that the principals any of keys stand for read
// on or after the UTC day of since, according to the access ledger, sorted
// and without duplicates. A key is looked up as a principal and as an
// alias (an access key id finds the principal that used it, a role ARN
// every session of the role). The answer is by day: a secret read earlier
// on since's day is included too.
func (s *Store) Reads(ctx context.Context, keys []string, since time.Time) ([]string, error) {
	now := s.now().Unix()
	live := func(it map[string]types.AttributeValue) bool {
		exp, ok := numberAttr(it, AttrExpires)
		return !ok || exp > now // expired items linger until TTL deletes them
	}
	principals := map[string]bool{}
	var order []string
	add := func(p string) {
		if p != "" && !principals[p] {
			principals[p] = true
			order = append(order, p)
		}
	}
	for _, k := range uniqueKeys(keys) {
		add(k)
		items, err := s.queryPrefix(ctx, AliasPK(k), "PRINCIPAL#")
		if err != nil {
			return nil, fmt.Errorf("read access ledger aliases: %w", err)
		}
		for _, it := range items {
			if live(it) {
				add(stringAttr(it, "principal"))
			}
		}
	}
	day := Day(since)
	set := map[string]bool{}
	for _, p := range order {
		items, err := s.queryPrefix(ctx, LedgerPK(p), "SECRET#")
		if err != nil {
			return nil, fmt.Errorf("read access ledger: %w", err)
		}
		for _, it := range items {
			if !live(it) {
				continue
			}
			if d := stringAttr(it, "read_day"); d != "" {
				if d < day {
					continue
				}
			} else if parseTS(stringAttr(it, "read_at")).Before(since) {
				continue // an item written before days were recorded
			}
			if arn := stringAttr(it, "secret_arn"); arn != "" {
				set[arn] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for arn := range set {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out, nil
}

// DeniedPK is the partition key of a principal's access-denied reads.
func DeniedPK(principal string) string { return "DENIED#" + principal }

// DeniedRead records an access-denied read by principal at at and returns
// how many the principal made within the window ending at at (this one
// included): the access-denied burst count. Each denial is its own item
// (CloudTrail times have one-second precision, so a burst shares
// timestamps) that expires after the window.
func (s *Store) DeniedRead(ctx context.Context, principal string, at time.Time, window time.Duration) (int, error) {
	if principal == "" {
		return 0, fmt.Errorf("record denied read: empty principal")
	}
	nonce, err := randomHex(8)
	if err != nil {
		return 0, fmt.Errorf("record denied read: %w", err)
	}
	pk := DeniedPK(principal)
	item := itemKey(pk, "AT#"+ts(at)+"#"+nonce)
	item[AttrExpires] = num(epoch(at.Add(window)))
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table(), Item: item}); err != nil {
		return 0, fmt.Errorf("record denied read: %w", err)
	}
	// "#~" sorts after "#<hex nonce>": every denial at exactly at is counted.
	n, err := s.countBetween(ctx, pk, "AT#"+ts(at.Add(-window)), "AT#"+ts(at)+"#~")
	if err != nil {
		return 0, fmt.Errorf("count denied reads: %w", err)
	}
	return n, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}
