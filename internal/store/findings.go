package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretwarden/warden/internal/finding"
)

// FindingPK is the partition key of a secret's findings.
func FindingPK(secretARN string) string { return "SECRET#" + secretARN }

// FindingSK is the sort key of one policy's finding.
func FindingSK(policyID string) string { return "POLICY#" + policyID }

// findingItem is the stored rendering of a finding.
type findingItem struct {
	PolicyID     string   `dynamodbav:"policy_id"`
	Title        string   `dynamodbav:"title"`
	Severity     string   `dynamodbav:"severity"`
	Status       string   `dynamodbav:"status"`
	SecretARN    string   `dynamodbav:"secret_arn"`
	SecretName   string   `dynamodbav:"secret_name"`
	AccountID    string   `dynamodbav:"account_id"`
	Region       string   `dynamodbav:"region"`
	Message      string   `dynamodbav:"message"`
	Controls     []string `dynamodbav:"controls"`
	Remediation  string   `dynamodbav:"remediation"`
	Exception    string   `dynamodbav:"exception"`
	FirstSeen    string   `dynamodbav:"first_seen"`
	LastSeen     string   `dynamodbav:"last_seen"`
	PriorPolicy  string   `dynamodbav:"prior_policy,omitempty"`
	RemediatedAt string   `dynamodbav:"remediated_at,omitempty"`

	AccountName      string `dynamodbav:"account_name,omitempty"`
	OuPath           string `dynamodbav:"ou_path,omitempty"`
	ExceptionExpires string `dynamodbav:"exception_expires,omitempty"`
}

func (it *findingItem) finding() finding.Finding {
	controls := it.Controls
	if controls == nil {
		controls = []string{}
	}
	return finding.Finding{
		PolicyID: it.PolicyID, Title: it.Title, Severity: it.Severity, Status: finding.Status(it.Status),
		SecretARN: it.SecretARN, SecretName: it.SecretName, AccountID: it.AccountID, Region: it.Region,
		Message: it.Message, Controls: controls, Remediation: it.Remediation, Exception: it.Exception,
		FirstSeen: parseTS(it.FirstSeen), LastSeen: parseTS(it.LastSeen),
		AccountName: it.AccountName, OuPath: it.OuPath, ExceptionExpires: it.ExceptionExpires,
	}
}

// Change classifies what recording a finding did to the stored state.
type Change string

// Changes a Record can report.
const (
	// ChangeNew: no finding was stored for the (secret, policy) pair.
	ChangeNew Change = "new"
	// ChangeUnchanged: the stored status was already this one.
	ChangeUnchanged Change = "unchanged"
	// ChangeChanged: the stored status was another one.
	ChangeChanged Change = "changed"
	// ChangeStale: a newer observation is stored; this one was not written.
	ChangeStale Change = "stale"
)

// Transition is what Record did: the status before and after.
type Transition struct {
	Change Change
	// From is the stored status before (empty for new and stale).
	From finding.Status
	// To is the recorded status.
	To finding.Status
	// FirstSeen is when the pair was first recorded (kept from the first record).
	FirstSeen time.Time
	// LastSeen is this observation's time.
	LastSeen time.Time
	// Owed: the alert of an earlier transition of the pair could not be
	// delivered (see OweAlert); this recording owes it.
	Owed bool
	// HubOwed: the Security Hub import of an earlier recording of the pair
	// failed (see OweHub); this recording owes it.
	HubOwed bool
}

// Changed reports whether the status is new or differs from the stored one.
func (t Transition) Changed() bool { return t.Change == ChangeNew || t.Change == ChangeChanged }

// Resolved reports a failing finding that passes again (or became exempt or
// not applicable): the fail→pass transition.
func (t Transition) Resolved() bool {
	return t.Change == ChangeChanged && t.From.Failing() && !t.To.Failing()
}

// Alerts reports whether the transition deserves an alert: a finding that
// starts failing (new, or changed from a non-failing status, or from fail to
// error and back) or one that is resolved, or an unchanged one whose last
// alert is owed. Stale ones never alert.
func (t Transition) Alerts() bool {
	switch t.Change {
	case ChangeNew:
		return t.To.Failing()
	case ChangeChanged:
		return t.To.Failing() || t.Resolved()
	case ChangeUnchanged:
		return t.Owed
	}
	return false
}

// String renders the transition, e.g. "changed from fail to pass".
func (t Transition) String() string {
	switch t.Change {
	case ChangeChanged:
		return fmt.Sprintf("changed from %s to %s", t.From, t.To)
	case ChangeNew:
		return fmt.Sprintf("new (%s)", t.To)
	case ChangeUnchanged:
		if t.Owed {
			return fmt.Sprintf("unchanged (%s); its alert could not be delivered before", t.To)
		}
		return fmt.Sprintf("unchanged (%s)", t.To)
	}
	return fmt.Sprintf("stale (%s not recorded: a newer observation is stored)", t.To)
}

// recordUpdate sets every field of the finding; first_seen is only set when
// absent. The condition refuses an observation older than the stored one.
const (
	recordUpdate = "SET #policy = :policy, #title = :title, #sev = :sev, #status = :status, " +
		"#arn = :arn, #name = :name, #acct = :acct, #region = :region, #msg = :msg, " +
		"#controls = :controls, #rem = :rem, #exc = :exc, " +
		"#first = if_not_exists(#first, :seen), #last = :seen, " +
		"#acctname = :acctname, #ou = :ou, #excexp = :excexp, " +
		"#g1pk = :g1pk, #g1sk = :g1sk, #g2pk = :g2pk, #g2sk = :g2sk REMOVE #owed, #hubowed"
	recordCondition = "attribute_not_exists(#last) OR #last <= :seen"
)

// Record stores f as the current state of its (secret, policy) pair, with
// the keys of the findings indexes (ByAccount, ByPolicy), and returns the
// transition. One UpdateItem with ReturnValues ALL_OLD both
// writes and reads the previous status, so of two concurrent writers of the
// same new status only one sees "changed". An observation older than the
// stored one (f.LastSeen before the stored last_seen) is not written and is
// reported as stale. A zero f.LastSeen means now.
func (s *Store) Record(ctx context.Context, f finding.Finding) (Transition, error) {
	if f.SecretARN == "" || f.PolicyID == "" {
		return Transition{}, fmt.Errorf("record finding: secret ARN and policy id are required")
	}
	seen := f.LastSeen
	if seen.IsZero() {
		seen = s.now()
	}
	seen = seen.UTC()
	controls, err := attributevalue.Marshal(nonNil(f.Controls))
	if err != nil {
		return Transition{}, fmt.Errorf("marshal controls of %s: %w", f.PolicyID, err)
	}
	g1pk, g1sk, g2pk, g2sk := findingIndexKeys(&f)
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           s.table(),
		Key:                 itemKey(FindingPK(f.SecretARN), FindingSK(f.PolicyID)),
		UpdateExpression:    aws.String(recordUpdate),
		ConditionExpression: aws.String(recordCondition),
		ExpressionAttributeNames: map[string]string{
			"#policy": "policy_id", "#title": "title", "#sev": "severity", "#status": "status",
			"#arn": "secret_arn", "#name": "secret_name", "#acct": "account_id", "#region": "region",
			"#msg": "message", "#controls": "controls", "#rem": "remediation", "#exc": "exception",
			"#first": "first_seen", "#last": "last_seen", "#owed": "alert_owed", "#hubowed": "hub_owed",
			"#acctname": "account_name", "#ou": "ou_path", "#excexp": "exception_expires",
			"#g1pk": AttrGSI1PK, "#g1sk": AttrGSI1SK, "#g2pk": AttrGSI2PK, "#g2sk": AttrGSI2SK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":policy": str(f.PolicyID), ":title": str(f.Title), ":sev": str(f.Severity),
			":status": str(string(f.Status)), ":arn": str(f.SecretARN), ":name": str(f.SecretName),
			":acct": str(f.AccountID), ":region": str(f.Region), ":msg": str(f.Message),
			":controls": controls, ":rem": str(f.Remediation), ":exc": str(f.Exception),
			":seen":     str(ts(seen)),
			":acctname": str(f.AccountName), ":ou": str(f.OuPath), ":excexp": str(f.ExceptionExpires),
			":g1pk": str(g1pk), ":g1sk": str(g1sk), ":g2pk": str(g2pk), ":g2sk": str(g2sk),
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	if conditionFailed(err) {
		return Transition{Change: ChangeStale, To: f.Status, LastSeen: seen}, nil
	}
	if err != nil {
		return Transition{}, fmt.Errorf("record finding %s for %s: %w", f.PolicyID, f.SecretARN, err)
	}
	tr := Transition{To: f.Status, FirstSeen: seen, LastSeen: seen}
	if len(out.Attributes) == 0 {
		tr.Change = ChangeNew
		return tr, nil
	}
	tr.From = finding.Status(stringAttr(out.Attributes, "status"))
	if owed, ok := out.Attributes["alert_owed"].(*types.AttributeValueMemberBOOL); ok {
		tr.Owed = owed.Value
	}
	if owed, ok := out.Attributes["hub_owed"].(*types.AttributeValueMemberBOOL); ok {
		tr.HubOwed = owed.Value
	}
	if first := parseTS(stringAttr(out.Attributes, "first_seen")); !first.IsZero() {
		tr.FirstSeen = first
	}
	if tr.From == tr.To {
		tr.Change = ChangeUnchanged
	} else {
		tr.Change = ChangeChanged
	}
	return tr, nil
}

// OweAlert marks the stored finding of a (secret, policy) pair, recorded at
// seen, as owing its alert: delivering it failed after the transition was
// stored, so the next recording of the pair (a retry, the next sweep)
// reports Owed and alerts even when nothing changed. A newer observation
// stored meanwhile judges for itself: it is left alone.
func (s *Store) OweAlert(ctx context.Context, secretARN, policyID string, seen time.Time) error {
	if err := s.owe(ctx, "alert_owed", secretARN, policyID, seen); err != nil {
		return fmt.Errorf("mark alert owed for %s %s: %w", policyID, secretARN, err)
	}
	return nil
}

// OweHub marks the stored finding of a (secret, policy) pair, recorded at
// seen, as owing its Security Hub import: the import failed after the
// finding was stored, so the next recording of the pair reports HubOwed and
// imports it again, whatever its status.
func (s *Store) OweHub(ctx context.Context, secretARN, policyID string, seen time.Time) error {
	if err := s.owe(ctx, "hub_owed", secretARN, policyID, seen); err != nil {
		return fmt.Errorf("mark Security Hub import owed for %s %s: %w", policyID, secretARN, err)
	}
	return nil
}

// owe sets a flag on the finding recorded at seen; a newer observation
// stored meanwhile judges for itself and is left alone.
func (s *Store) owe(ctx context.Context, attr, secretARN, policyID string, seen time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table(),
		Key:                       itemKey(FindingPK(secretARN), FindingSK(policyID)),
		UpdateExpression:          aws.String("SET #owed = :owed"),
		ConditionExpression:       aws.String("#last = :seen"),
		ExpressionAttributeNames:  map[string]string{"#owed": attr, "#last": "last_seen"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":owed": &types.AttributeValueMemberBOOL{Value: true}, ":seen": str(ts(seen.UTC()))},
	})
	if conditionFailed(err) {
		return nil
	}
	return err
}

// Get returns the stored finding of a (secret, policy) pair; found is false
// when none is stored.
func (s *Store) Get(ctx context.Context, secretARN, policyID string) (f finding.Finding, found bool, err error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table(),
		Key:            itemKey(FindingPK(secretARN), FindingSK(policyID)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return finding.Finding{}, false, fmt.Errorf("get finding %s for %s: %w", policyID, secretARN, err)
	}
	if len(out.Item) == 0 {
		return finding.Finding{}, false, nil
	}
	var it findingItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return finding.Finding{}, false, fmt.Errorf("decode finding %s for %s: %w", policyID, secretARN, err)
	}
	return it.finding(), true, nil
}

// Findings returns every stored finding of a secret, ordered by policy id
// (items that only hold a prior policy saved by a remediation are skipped).
func (s *Store) Findings(ctx context.Context, secretARN string) ([]finding.Finding, error) {
	items, err := s.queryPrefix(ctx, FindingPK(secretARN), "POLICY#")
	if err != nil {
		return nil, fmt.Errorf("list findings of %s: %w", secretARN, err)
	}
	out := make([]finding.Finding, 0, len(items))
	for _, item := range items {
		if stringAttr(item, "status") == "" {
			continue // only a saved prior policy (an incident rule's remediation)
		}
		var it findingItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fmt.Errorf("decode finding of %s: %w", secretARN, err)
		}
		out = append(out, it.finding())
	}
	return out, nil
}

// PriorPolicy is the resource policy a remediation replaced, as stored with
// the finding.
type PriorPolicy struct {
	// PolicyID is the rule whose remediation saved it.
	PolicyID string    `json:"policy_id"`
	Policy   string    `json:"policy"`
	At       time.Time `json:"remediated_at"`
	// RestoredAt is when `warden restore-policy` put it back (zero if never).
	RestoredAt time.Time `json:"restored_at,omitzero"`
}

const priorUpdate = "SET #prior = :prior, #at = :at"

// SavePriorPolicy stores, with the (secret, policy) finding, the resource
// policy text a remediation replaced and when. It does not touch the
// finding's status.
func (s *Store) SavePriorPolicy(ctx context.Context, secretARN, policyID, policy string, at time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table(),
		Key:                      itemKey(FindingPK(secretARN), FindingSK(policyID)),
		UpdateExpression:         aws.String(priorUpdate),
		ExpressionAttributeNames: map[string]string{"#prior": "prior_policy", "#at": "remediated_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":prior": str(policy), ":at": str(ts(at)),
		},
	})
	if err != nil {
		return fmt.Errorf("save prior policy of %s: %w", secretARN, err)
	}
	return nil
}

// GetPriorPolicy returns the resource policy saved by SavePriorPolicy.
func (s *Store) GetPriorPolicy(ctx context.Context, secretARN, policyID string) (PriorPolicy, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table(),
		Key:            itemKey(FindingPK(secretARN), FindingSK(policyID)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return PriorPolicy{}, false, fmt.Errorf("get prior policy of %s: %w", secretARN, err)
	}
	p, ok := out.Item["prior_policy"].(*types.AttributeValueMemberS)
	if !ok {
		return PriorPolicy{}, false, nil
	}
	return priorOf(policyID, out.Item, p.Value), true, nil
}

func priorOf(policyID string, item map[string]types.AttributeValue, policy string) PriorPolicy {
	return PriorPolicy{PolicyID: policyID, Policy: policy, At: parseTS(stringAttr(item, "remediated_at")),
		RestoredAt: parseTS(stringAttr(item, "restored_at"))}
}

// PriorPolicies returns every resource policy a remediation of the secret
// saved, the most recent first.
func (s *Store) PriorPolicies(ctx context.Context, secretARN string) ([]PriorPolicy, error) {
	items, err := s.queryPrefix(ctx, FindingPK(secretARN), "POLICY#")
	if err != nil {
		return nil, fmt.Errorf("list saved policies of %s: %w", secretARN, err)
	}
	var out []PriorPolicy
	for _, it := range items {
		p, ok := it["prior_policy"].(*types.AttributeValueMemberS)
		if !ok {
			continue
		}
		out = append(out, priorOf(strings.TrimPrefix(stringAttr(it, AttrSK), "POLICY#"), it, p.Value))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

// MarkPolicyRestored records, with the saved prior policy, when it was put
// back.
func (s *Store) MarkPolicyRestored(ctx context.Context, secretARN, policyID string, at time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table(),
		Key:                       itemKey(FindingPK(secretARN), FindingSK(policyID)),
		UpdateExpression:          aws.String("SET #restored = :at"),
		ExpressionAttributeNames:  map[string]string{"#restored": "restored_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(ts(at))},
	})
	if err != nil {
		return fmt.Errorf("mark the saved policy of %s restored: %w", secretARN, err)
	}
	return nil
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
