package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretwarden/warden/internal/finding"
)

// The two global secondary indexes over current findings (the deployment
// contract: cdk/stacks creates them). Every finding item carries their keys;
// no other item does, so both are sparse and hold findings only.
//
//	ByAccount  gsi1pk = ACCOUNT#<account id>  gsi1sk = <status>#<policy id>#<secret ARN>
//	ByPolicy   gsi2pk = POLICY#<policy id>    gsi2sk = <status>#<account id>#<secret ARN>
//
// Both project KEYS_ONLY: an update that changes neither index key nor a
// projected attribute writes nothing to the index ("Using Global Secondary
// Indexes in DynamoDB", Provisioned throughput considerations: writes), so
// a sweep re-recording an unchanged finding (only last_seen and the message
// change) costs no index write; only a status change does. Listing then
// reads the items themselves with BatchGetItem.
const (
	IndexByAccount = "ByAccount"
	IndexByPolicy  = "ByPolicy"
	AttrGSI1PK     = "gsi1pk"
	AttrGSI1SK     = "gsi1sk"
	AttrGSI2PK     = "gsi2pk"
	AttrGSI2SK     = "gsi2sk"
)

// batchGetMax is BatchGetItem's limit of keys per call.
const batchGetMax = 100

// findingIndexKeys are the index key values of a finding.
func findingIndexKeys(f *finding.Finding) (gsi1pk, gsi1sk, gsi2pk, gsi2sk string) {
	return "ACCOUNT#" + f.AccountID, string(f.Status) + "#" + f.PolicyID + "#" + f.SecretARN,
		"POLICY#" + f.PolicyID, string(f.Status) + "#" + f.AccountID + "#" + f.SecretARN
}

// FindingQuery selects current findings. Every field is optional; with
// neither AccountID nor PolicyID, the findings of Policies are listed.
type FindingQuery struct {
	// AccountID keeps the findings of one account.
	AccountID string
	// PolicyID keeps the findings of one policy.
	PolicyID string
	// Status keeps the findings with this status.
	Status finding.Status
	// Policies are the policy ids listed when neither AccountID nor
	// PolicyID is set (the findings table is partitioned by secret; the
	// indexes by account and by policy).
	Policies []string
}

// indexQuery is one Query of an index: a partition and a sort key prefix.
type indexQuery struct {
	index, pkAttr, skAttr, pk, prefix string
}

// plan turns q into index queries, each reading only matching items: the
// read cost is the size of the answer, whatever the size of the table.
func (q FindingQuery) plan() ([]indexQuery, error) {
	statuses := []string{""}
	if q.Status != "" {
		statuses = []string{string(q.Status) + "#"}
	}
	byAccount := func(prefix string) indexQuery {
		return indexQuery{IndexByAccount, AttrGSI1PK, AttrGSI1SK, "ACCOUNT#" + q.AccountID, prefix}
	}
	byPolicy := func(policy, prefix string) indexQuery {
		return indexQuery{IndexByPolicy, AttrGSI2PK, AttrGSI2SK, "POLICY#" + policy, prefix}
	}
	var out []indexQuery
	switch {
	case q.AccountID != "" && q.PolicyID != "" && q.Status != "":
		out = append(out, byAccount(string(q.Status)+"#"+q.PolicyID+"#"))
	case q.AccountID != "" && q.PolicyID != "":
		// One query per status: <status>#<policy>#… in the account.
		for _, st := range finding.Statuses {
			out = append(out, byAccount(string(st)+"#"+q.PolicyID+"#"))
		}
	case q.AccountID != "":
		out = append(out, byAccount(statuses[0]))
	case q.PolicyID != "":
		out = append(out, byPolicy(q.PolicyID, statuses[0]))
	default:
		if len(q.Policies) == 0 {
			return nil, fmt.Errorf("list findings: name an account, a policy, or the policies to list")
		}
		seen := map[string]bool{}
		for _, p := range q.Policies {
			if !seen[p] {
				seen[p] = true
				out = append(out, byPolicy(p, statuses[0]))
			}
		}
	}
	return out, nil
}

// ListFindings hands the current findings q selects to fn, in batches of
// at most 100, each batch sorted by account, region, secret and policy. It
// queries the indexes (never a Scan) and reads the items with BatchGetItem
// (the indexes project keys only). Index reads are eventually consistent:
// a finding recorded a moment ago may be missing or have its former
// status.
func (s *Store) ListFindings(ctx context.Context, q FindingQuery, fn func([]finding.Finding) error) error {
	plan, err := q.plan()
	if err != nil {
		return err
	}
	for _, iq := range plan {
		err := s.queryIndex(ctx, iq, func(keys []map[string]types.AttributeValue) error {
			fs, err := s.getFindings(ctx, keys)
			if err != nil {
				return err
			}
			if len(fs) == 0 {
				return nil
			}
			finding.Sort(fs) // BatchGetItem returns items in no particular order
			return fn(fs)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// queryIndex runs one index query, handing each page's base keys to fn in
// slices of at most batchGetMax.
func (s *Store) queryIndex(ctx context.Context, iq indexQuery, fn func([]map[string]types.AttributeValue) error) error {
	cond := "#pk = :pk"
	values := map[string]types.AttributeValue{":pk": str(iq.pk)}
	names := map[string]string{"#pk": iq.pkAttr}
	if iq.prefix != "" {
		cond += " AND begins_with(#sk, :prefix)"
		values[":prefix"] = str(iq.prefix)
		names["#sk"] = iq.skAttr
	}
	in := &dynamodb.QueryInput{
		TableName:                 s.table(),
		IndexName:                 aws.String(iq.index),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("query findings index %s for %s: %w", iq.index, iq.pk, err)
		}
		keys := make([]map[string]types.AttributeValue, 0, len(out.Items))
		for _, it := range out.Items {
			keys = append(keys, map[string]types.AttributeValue{AttrPK: it[AttrPK], AttrSK: it[AttrSK]})
		}
		for start := 0; start < len(keys); start += batchGetMax {
			if err := fn(keys[start:min(start+batchGetMax, len(keys))]); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// getFindings reads up to 100 finding items, retrying unprocessed keys with
// exponential backoff (BatchGetItem returns what throughput did not allow in
// UnprocessedKeys).
func (s *Store) getFindings(ctx context.Context, keys []map[string]types.AttributeValue) ([]finding.Finding, error) {
	var out []finding.Finding
	pending := keys
	delay := 50 * time.Millisecond
	for attempt := 1; len(pending) > 0; attempt++ {
		res, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{s.Table: {Keys: pending}},
		})
		if err != nil {
			return nil, fmt.Errorf("read findings: %w", err)
		}
		for _, item := range res.Responses[s.Table] {
			if stringAttr(item, "status") == "" {
				continue
			}
			var it findingItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("decode finding %s: %w", strings.TrimPrefix(stringAttr(item, AttrPK), "SECRET#"), err)
			}
			out = append(out, it.finding())
		}
		pending = res.UnprocessedKeys[s.Table].Keys
		if len(pending) == 0 {
			break
		}
		if attempt >= batchAttempts {
			return nil, fmt.Errorf("read findings: %d key(s) still unprocessed after %d attempts", len(pending), attempt)
		}
		if err := s.sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("read findings: %w", err)
		}
		delay *= 2
	}
	return out, nil
}
