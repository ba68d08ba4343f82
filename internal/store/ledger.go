package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// LedgerTTL is how long the access ledger remembers a read.
const LedgerTTL = 30 * 24 * time.Hour

// batchSize is BatchWriteItem's limit of requests per call.
const batchSize = 25

// batchAttempts bounds the retries of unprocessed BatchWriteItem requests.
const batchAttempts = 6

// LedgerPK is the partition key of a principal's reads.
func LedgerPK(principalKey string) string { return "PRINCIPAL#" + principalKey }

// RecordRead records in the access ledger that the principal known by each
// of principalKeys (principal id, access key id, ARNs) read secretARN at
// at. Entries expire LedgerTTL after the read. A later read of the same
// secret by the same key overwrites the entry.
func (s *Store) RecordRead(ctx context.Context, principalKeys []string, secretARN string, at time.Time) error {
	if secretARN == "" {
		return nil
	}
	seen := map[string]bool{}
	var reqs []types.WriteRequest
	for _, k := range principalKeys {
		if k == "" || seen[k] {
			continue // a batch may not hold the same key twice
		}
		seen[k] = true
		item := itemKey(LedgerPK(k), "SECRET#"+secretARN)
		item["secret_arn"] = str(secretARN)
		item["read_at"] = str(ts(at))
		item[AttrExpires] = num(epoch(at.Add(LedgerTTL)))
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	if err := s.batchWrite(ctx, reqs); err != nil {
		return fmt.Errorf("record read of %s: %w", secretARN, err)
	}
	return nil
}

// batchWrite writes reqs in batches of 25, retrying unprocessed requests
// with exponential backoff.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	for len(reqs) > 0 {
		n := min(len(reqs), batchSize)
		pending := reqs[:n]
		reqs = reqs[n:]
		delay := 50 * time.Millisecond
		for attempt := 1; len(pending) > 0; attempt++ {
			out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{s.Table: pending},
			})
			if err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			pending = out.UnprocessedItems[s.Table]
			if len(pending) == 0 {
				break
			}
			if attempt >= batchAttempts {
				return fmt.Errorf("batch write: %d request(s) still unprocessed after %d attempts", len(pending), attempt)
			}
			if err := s.sleep(ctx, delay); err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			delay *= 2
		}
	}
	return nil
}

// Reads returns the secrets that any of principalKeys read at or after
// since, according to the access ledger, sorted and without duplicates.
func (s *Store) Reads(ctx context.Context, principalKeys []string, since time.Time) ([]string, error) {
	set := map[string]bool{}
	now := s.now().Unix()
	done := map[string]bool{}
	for _, k := range principalKeys {
		if k == "" || done[k] {
			continue
		}
		done[k] = true
		items, err := s.queryPrefix(ctx, LedgerPK(k), "SECRET#")
		if err != nil {
			return nil, fmt.Errorf("read access ledger: %w", err)
		}
		for _, it := range items {
			if exp, ok := numberAttr(it, AttrExpires); ok && exp <= now {
				continue // expired, not yet removed by TTL
			}
			at := parseTS(stringAttr(it, "read_at"))
			if at.Before(since) {
				continue
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
