package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// AuditTTL is how long rotation decisions are kept.
const AuditTTL = 90 * 24 * time.Hour

// RotationDecision is one emergency-rotation decision of the safety rails.
type RotationDecision struct {
	SecretARN string
	At        time.Time
	Allowed   bool
	// Rail names the rail that decided ("allowed" when every rail passed).
	Rail   string
	Reason string
}

// Audit records a rotation decision with its reason, under the secret's
// partition (pk "SECRET#<arn>", sk "ROTATION#<time>#<nonce>"), kept AuditTTL.
func (s *Store) Audit(ctx context.Context, d RotationDecision) error {
	nonce, err := randomHex(4)
	if err != nil {
		return fmt.Errorf("audit rotation decision: %w", err)
	}
	item := itemKey(FindingPK(d.SecretARN), "ROTATION#"+ts(d.At)+"#"+nonce)
	item["secret_arn"] = str(d.SecretARN)
	item["at"] = str(ts(d.At))
	item["allowed"] = &types.AttributeValueMemberBOOL{Value: d.Allowed}
	item["rail"] = str(d.Rail)
	item["reason"] = str(d.Reason)
	item[AttrExpires] = num(epoch(d.At.Add(AuditTTL)))
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table(), Item: item}); err != nil {
		return fmt.Errorf("audit rotation decision for %s: %w", d.SecretARN, err)
	}
	return nil
}

// RotationDecisions returns the recorded rotation decisions of a secret, oldest first.
func (s *Store) RotationDecisions(ctx context.Context, secretARN string) ([]RotationDecision, error) {
	items, err := s.queryPrefix(ctx, FindingPK(secretARN), "ROTATION#")
	if err != nil {
		return nil, fmt.Errorf("list rotation decisions of %s: %w", secretARN, err)
	}
	out := make([]RotationDecision, 0, len(items))
	for _, it := range items {
		allowed := false
		if b, ok := it["allowed"].(*types.AttributeValueMemberBOOL); ok {
			allowed = b.Value
		}
		out = append(out, RotationDecision{
			SecretARN: stringAttr(it, "secret_arn"), At: parseTS(stringAttr(it, "at")),
			Allowed: allowed, Rail: stringAttr(it, "rail"), Reason: stringAttr(it, "reason"),
		})
	}
	return out, nil
}
