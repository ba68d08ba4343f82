package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	warden "github.com/secretwarden/warden"
	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/blast"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/lambda/live"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const table = "warden"

// now is after the sample events (2026-11-14 … 2026-11-19).
var now = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// sampleStates serves the bundled sample organization as live state.
type sampleStates struct {
	mu    sync.Mutex
	calls [][]live.Ref
	// fail is returned by the next calls, then cleared.
	fail error
}

func (s *sampleStates) State(_ context.Context, refs []live.Ref, _ time.Time) (*inventory.State, []string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, refs)
	if err := s.fail; err != nil {
		s.fail = nil
		return nil, nil, err
	}
	snap, err := snapshot.LoadFS(warden.Sample, "testdata/org", "testdata/org")
	if err != nil {
		return nil, nil, err
	}
	st := inventory.NewState(snap)
	var arns []string
	for _, r := range refs {
		if e := st.Lookup(r.AccountID, r.Region, r.SecretID); e != nil {
			arns = append(arns, e.Secret.ARN)
		}
	}
	return st, arns, nil
}

type rig struct {
	h      *Handler
	db     *storetest.Fake
	store  *store.Store
	states *sampleStates
	alerts *lambdatest.SNS
	rotate *lambdatest.SQS
	out    *bytes.Buffer
	logs   *bytes.Buffer
}

func newRig(t *testing.T, modes action.Modes) *rig {
	t.Helper()
	eng, cfg := lambdatest.Engine(t)
	db := storetest.New(t, table)
	st := store.New(db, table)
	st.Now = func() time.Time { return now }
	alerts := &lambdatest.SNS{}
	rotate := &lambdatest.SQS{}
	sns := &action.SNS{API: alerts, TopicARN: "arn:aws:sns:us-east-1:111111111111:alerts"}
	var out, logs bytes.Buffer
	r := &rig{db: db, store: st, states: &sampleStates{}, alerts: alerts, rotate: rotate, out: &out, logs: &logs}
	r.h = &Handler{
		Store: st, States: r.states, Engine: eng, Policy: cfg,
		Recorder: &action.Recorder{Store: st, Alerts: sns},
		Executor: &action.Executor{
			Modes: modes, Alerts: sns, Dedupe: st, PriorPolicies: st,
			Rotator: &action.QueueRotator{API: rotate, QueueURL: "https://sqs.us-east-1.amazonaws.com/111111111111/rotate"},
			Now:     func() time.Time { return now },
		},
		Metrics: &out, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Now: func() time.Time { return now },
	}
	return r
}

// sample returns a bundled event as an EventBridge envelope (raw CloudTrail
// records are wrapped as the org bus delivers them).
func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(warden.Sample, "testdata/events/"+name)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["detail-type"]; ok {
		return string(b)
	}
	env := map[string]any{
		"version": "0", "id": "env-" + doc["eventID"].(string), "detail-type": "AWS API Call via CloudTrail",
		"source": "aws.secretsmanager", "account": doc["recipientAccountId"], "time": doc["eventTime"],
		"region": doc["awsRegion"], "resources": []any{}, "detail": doc,
	}
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func batchOf(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "m" + string(rune('0'+i)), Body: b})
	}
	return ev
}

// emf parses the invocation's EMF line.
func emf(t *testing.T, out *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var doc map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &doc); err != nil {
		t.Fatalf("EMF line: %v: %q", err, out.String())
	}
	if _, ok := doc["_aws"]; !ok {
		t.Fatalf("not EMF: %v", doc)
	}
	return doc
}

func failures(resp events.SQSEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestBatchActsOnceDropsMalformedAndQueuesRotations(t *testing.T) {
	r := newRig(t, action.Modes{"guardduty-credential-compromise": action.ModeEnforce, "resource-policy-exposed": action.ModeEnforce})
	public := sample(t, "03_PutResourcePolicy_public-api-token-public.json")
	read := sample(t, "26_GetSecretValue_payments-db-primary-exfiltrated-creds.json")
	guardduty := sample(t, "27_GuardDutyFinding_payments-api-ec2-credential-exfiltration.json")

	resp, err := r.h.Handle(context.Background(), batchOf(public, "not json {", read, public, `{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ids := failures(resp); len(ids) != 0 {
		t.Fatalf("no message may be retried: %v\n%s", ids, r.logs)
	}
	alertsAfterFirst := r.alerts.Len()
	if alertsAfterFirst == 0 {
		t.Fatal("the public policy must alert")
	}
	m := emf(t, r.out)
	if m["MalformedMessages"] != 2.0 || m["DuplicateEvents"] != 1.0 {
		t.Errorf("metrics %v", m)
	}
	if m["ActionsExecuted"].(float64) < 1 || m["FindingsFailed"].(float64) < 1 {
		t.Errorf("the public policy's alert and failing findings are counted: %v", m)
	}
	// Time to detect: one value per event decided (the duplicate is not),
	// the clock's now minus the event's time, in milliseconds.
	ttd, _ := m["TimeToDetect"].([]any)
	if len(ttd) != 2 {
		t.Fatalf("TimeToDetect values %v, want one per decided event", m["TimeToDetect"])
	}
	for _, v := range ttd {
		if d := time.Duration(v.(float64)) * time.Millisecond; d <= 0 || d > 30*24*time.Hour {
			t.Errorf("time to detect %s", d)
		}
	}
	logs := r.logs.String()
	if !strings.Contains(logs, `"message_id":"m1"`) || !strings.Contains(logs, "malformed message dropped") {
		t.Errorf("a malformed message is logged with its id: %s", logs)
	}
	for _, leak := range []string{"not json {", `\"Principal\": \"*\"`, "blockPublicPolicy", "2012-10-17"} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs must not hold message bodies or request parameters (%q): %s", leak, logs)
		}
	}
	if len(r.states.calls) != 2 {
		t.Errorf("live state is loaded once per new event (2), got %d", len(r.states.calls))
	}

	// The access ledger remembers the read (never a value: there is none).
	reads, err := r.store.Reads(context.Background(), []string{"ASIABGOSNXVABAJGRH5L"}, now.Add(-time.Hour*24*30))
	if err != nil || len(reads) != 1 || !strings.Contains(reads[0], "payments/db-primary") {
		t.Fatalf("ledger: %v %v", reads, err)
	}

	// A GuardDuty finding rotates what the principal read: queued once,
	// even when the finding is delivered twice.
	r.out.Reset()
	resp, err = r.h.Handle(context.Background(), batchOf(guardduty, guardduty))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%v %v\n%s", resp, err, r.logs)
	}
	sent := r.rotate.Sent()
	if len(sent) != 1 {
		t.Fatalf("one rotation request, got %d: %v", len(sent), sent)
	}
	req, err := action.DecodeRotationRequest(sent[0])
	if err != nil || req.SecretARN != "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/db-primary-Kw0EJ3" || req.Rule != "guardduty-credential-compromise" {
		t.Errorf("rotation request %+v %v", req, err)
	}
	last := r.states.calls[len(r.states.calls)-1]
	if len(last) != 1 || last[0].AccountID != "334455667788" {
		t.Errorf("a GuardDuty finding loads the secrets the ledger names: %+v", last)
	}
	if m := emf(t, r.out); m["DuplicateEvents"] != 1.0 {
		t.Errorf("metrics %v", m)
	}

	// Redelivered later: nothing more.
	before := r.alerts.Len()
	if resp, _ := r.h.Handle(context.Background(), batchOf(public, guardduty)); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	if r.alerts.Len() != before || len(r.rotate.Sent()) != 1 {
		t.Errorf("a redelivered event acts once: alerts %d→%d, rotations %d", before, r.alerts.Len(), len(r.rotate.Sent()))
	}
}

func TestRetryableFailureIsRetriedAndThenActs(t *testing.T) {
	r := newRig(t, nil)
	public := sample(t, "03_PutResourcePolicy_public-api-token-public.json")
	read := sample(t, "05_GetSecretValue_payments-db-primary-app-role.json")
	r.states.fail = lambdatest.Throttled()

	resp, err := r.h.Handle(context.Background(), batchOf(public, read))
	if err != nil {
		t.Fatal(err)
	}
	if ids := failures(resp); len(ids) != 1 || ids[0] != "m0" {
		t.Fatalf("the throttled message only is retried: %v\n%s", ids, r.logs)
	}
	if r.alerts.Len() != 0 {
		t.Errorf("nothing acted for the failed event: %d alerts", r.alerts.Len())
	}
	if it := r.db.Item(store.ProcessedPK("48e38e8e-1ed8-4b2d-b9ef-a7fbd6e24d51"), "EVENT"); it != nil {
		t.Error("the processed marker of a failed event is removed, so its retry acts")
	}
	if m := emf(t, r.out); m["MessagesFailed"] != 1.0 {
		t.Errorf("metrics %v", m)
	}
	if !strings.Contains(r.logs.String(), `"retryable":true`) {
		t.Errorf("the failure is logged as retryable: %s", r.logs)
	}

	resp, _ = r.h.Handle(context.Background(), batchOf(public))
	if len(resp.BatchItemFailures) != 0 || r.alerts.Len() == 0 {
		t.Errorf("the retry acts: %v, %d alerts\n%s", resp, r.alerts.Len(), r.logs)
	}
}

func TestStoreFailureIsRetried(t *testing.T) {
	r := newRig(t, nil)
	r.db.Err["PutItem"] = lambdatest.APIError("ProvisionedThroughputExceededException", "slow down")
	resp, _ := r.h.Handle(context.Background(), batchOf(sample(t, "03_PutResourcePolicy_public-api-token-public.json")))
	if ids := failures(resp); len(ids) != 1 {
		t.Fatalf("a message whose processed marker cannot be written is retried: %v", ids)
	}
	if len(r.states.calls) != 0 || r.alerts.Len() != 0 {
		t.Error("nothing is done before the event is marked")
	}
}

func TestPostureOfTheChangedSecretIsRecorded(t *testing.T) {
	r := newRig(t, nil)
	resp, _ := r.h.Handle(context.Background(), batchOf(sample(t, "03_PutResourcePolicy_public-api-token-public.json")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	fs, err := r.store.Findings(context.Background(), "arn:aws:secretsmanager:us-east-1:445566778899:secret:shared/public-api-token-uLqzOa")
	if err != nil {
		t.Fatal(err)
	}
	byPolicy := map[string]string{}
	for _, f := range fs {
		byPolicy[f.PolicyID] = string(f.Status)
	}
	if byPolicy["no-wildcard-principal"] != "fail" || len(byPolicy) < 5 {
		t.Errorf("every posture check of the changed secret is recorded: %v", byPolicy)
	}
	// A read changes no configuration: nothing recorded for it.
	n := r.db.Len()
	resp, _ = r.h.Handle(context.Background(), batchOf(sample(t, "05_GetSecretValue_payments-db-primary-app-role.json")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	fs, _ = r.store.Findings(context.Background(), "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/db-primary-Kw0EJ3")
	if len(fs) != 0 || r.db.Len() <= n {
		t.Errorf("a read only feeds the ledger: %d findings, items %d→%d", len(fs), n, r.db.Len())
	}
}

func TestProcessedMarkerOutlivesTheLeaseAndAnInterruptedLeaseExpires(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	if resp, _ := r.h.Handle(ctx, batchOf(sample(t, "03_PutResourcePolicy_public-api-token-public.json"))); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	it := r.db.Item(store.ProcessedPK("48e38e8e-1ed8-4b2d-b9ef-a7fbd6e24d51"), "EVENT")
	exp, ok := it[store.AttrExpires].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("marker %v", it)
	}
	if n, _ := strconv.ParseInt(exp.Value, 10, 64); n < now.Add(DefaultProcessedTTL-time.Minute).Unix() {
		t.Errorf("a handled event is remembered for %s: expires %s", DefaultProcessedTTL, time.Unix(n, 0).UTC())
	}

	// An invocation died while handling the read: its lease blocks a
	// concurrent delivery, and a redelivery after it expired acts.
	const readID = "7f5239bb-22c5-492e-8e40-4dd14265e927"
	if _, err := r.store.MarkProcessed(ctx, readID, time.Minute); err != nil {
		t.Fatal(err)
	}
	read := sample(t, "05_GetSecretValue_payments-db-primary-app-role.json")
	r.h.Handle(ctx, batchOf(read))
	if reads, _ := r.store.Reads(ctx, []string{"ASIAIU3YUZ2KCP2LLPYG"}, now.Add(-30*24*time.Hour)); len(reads) != 0 {
		t.Fatal("a live lease makes a delivery a duplicate")
	}
	later := now.Add(2 * time.Minute)
	r.store.Now = func() time.Time { return later }
	r.h.Now = r.store.Now
	if resp, _ := r.h.Handle(ctx, batchOf(read)); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	if reads, _ := r.store.Reads(ctx, []string{"ASIAIU3YUZ2KCP2LLPYG"}, now.Add(-30*24*time.Hour)); len(reads) != 1 {
		t.Errorf("the redelivery after the lease expired acts: %v", reads)
	}
}

// lookupTrail is LookupEvents in the sample's payments account: the
// exfiltrated credentials' read of sample 26, by access key.
type lookupTrail struct {
	mu   sync.Mutex
	reqs []*cloudtrail.LookupEventsInput
}

func (l *lookupTrail) LookupEvents(_ context.Context, in *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, in)
	out := &cloudtrail.LookupEventsOutput{}
	if a := in.LookupAttributes[0]; a.AttributeKey == cttypes.LookupAttributeKeyAccessKeyId && aws.ToString(a.AttributeValue) == "ASIABGOSNXVABAJGRH5L" {
		b, err := fs.ReadFile(warden.Sample, "testdata/events/26_GetSecretValue_payments-db-primary-exfiltrated-creds.json")
		if err != nil {
			return nil, err
		}
		out.Events = []cttypes.Event{{CloudTrailEvent: aws.String(string(b))}}
	}
	return out, nil
}

// With read events off (no ledger), a GuardDuty finding is planned from
// CloudTrail LookupEvents in every account and region, through the audit
// role's clients; the rotation says which source covered which window.
func TestGuardDutyPlansFromCloudTrailWithoutTheLedger(t *testing.T) {
	r := newRig(t, action.Modes{"guardduty-credential-compromise": action.ModeEnforce})
	trail := &lookupTrail{}
	var asked []string
	var mu sync.Mutex
	r.h.Blast = &blast.Planner{Now: func() time.Time { return now }, Lookup: &blast.Lookup{
		Accounts: func(context.Context) ([]string, error) { return []string{"334455667788", "445566778899"}, nil },
		Regions:  []string{"us-east-1"},
		Clients: func(_ context.Context, account, region string) (blast.LookupEventsAPI, error) {
			mu.Lock()
			asked = append(asked, account+"/"+region)
			mu.Unlock()
			return trail, nil
		},
		Pacer: &blast.Pacer{Interval: time.Millisecond},
	}}
	r.h.BlastWindow = 30 * 24 * time.Hour
	resp, err := r.h.Handle(context.Background(), batchOf(sample(t, "27_GuardDutyFinding_payments-api-ec2-credential-exfiltration.json")))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%v %v\n%s", resp, err, r.logs)
	}
	if len(asked) != 2 {
		t.Errorf("LookupEvents in each account-region: %v", asked)
	}
	sent := r.rotate.Sent()
	if len(sent) != 1 {
		t.Fatalf("one rotation, of the secret CloudTrail shows the principal read: %v", sent)
	}
	req, _ := action.DecodeRotationRequest(sent[0])
	if req.SecretARN != "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/db-primary-Kw0EJ3" {
		t.Errorf("the read by name is resolved to the secret's ARN: %s", req.SecretARN)
	}
	if !strings.Contains(req.Reason, "CloudTrail LookupEvents 2026-10-21T00:00:00Z to 2026-11-20T00:00:00Z") ||
		!strings.Contains(req.Reason, "read events are off") {
		t.Errorf("the reason says which source covered which window and what was not seen: %s", req.Reason)
	}
	if !strings.Contains(r.logs.String(), "blast radius planned") {
		t.Errorf("the plan is logged: %s", r.logs)
	}
}
