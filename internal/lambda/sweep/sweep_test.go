package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/lambda/live"
	"github.com/secretwarden/warden/internal/lambda/rotate"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const (
	central = "111111111111"
	payProd = "222222222222"
	denied  = "333333333333"
	gone    = "444444444444"
	east    = "us-east-1"
	west    = "eu-west-1"
	table   = "warden"
)

var now = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

type rig struct {
	h       *Handler
	fac     *lambdatest.Factory
	db      *storetest.Fake
	store   *store.Store
	alerts  *lambdatest.SNS
	queue   *lambdatest.SQS
	out     *bytes.Buffer
	logs    *bytes.Buffer
	regions []string
}

func newRig(t *testing.T, regions ...string) *rig {
	t.Helper()
	eng, cfg := lambdatest.Engine(t)
	fac := lambdatest.NewFactory(central, payProd, denied)
	fac.Suspended = []string{gone}
	src, err := live.New(fac.ClientFactory(), awsinv.Options{Regions: regions}, 0)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.New(t, table)
	st := store.New(db, table)
	st.Now = func() time.Time { return now }
	alerts := &lambdatest.SNS{}
	queue := &lambdatest.SQS{FailIDs: map[string]bool{}}
	var out, logs bytes.Buffer
	r := &rig{fac: fac, db: db, store: st, alerts: alerts, queue: queue, out: &out, logs: &logs, regions: regions}
	r.h = &Handler{
		Org: src, OrganizationID: "o-exampleorg1", Regions: regions, Queue: queue, QueueURL: "https://sqs.us-east-1.amazonaws.com/111111111111/sweep",
		Units: src, Engine: eng, Policy: cfg,
		Recorder: &action.Recorder{Store: st, Alerts: &action.SNS{API: alerts, TopicARN: "arn:aws:sns:us-east-1:111111111111:alerts"}},
		Findings: st, Metrics: &out, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Now: func() time.Time { return now },
	}
	return r
}

func emf(t *testing.T, out *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var doc map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &doc); err != nil {
		t.Fatalf("EMF line: %v: %q", err, out.String())
	}
	return doc
}

const scheduled = `{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events",
"account":"111111111111","time":"2026-11-20T00:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:111111111111:rule/sweep"],"detail":{}}`

func TestScheduledEventFansOutInBatchesOfTen(t *testing.T) {
	r := newRig(t, "us-east-1", "eu-west-1", "us-west-2", "ap-south-1")
	r.queue.FailIDs["u3"] = true // one entry fails once and is sent again
	resp, err := r.h.Handle(context.Background(), json.RawMessage(scheduled))
	if err != nil || resp != nil {
		t.Fatalf("%v %v\n%s", resp, err, r.logs)
	}
	// 3 active accounts (the suspended one is skipped) × 4 regions.
	bodies := r.queue.Sent()
	if len(bodies) != 12 {
		t.Fatalf("12 units, got %d: %v", len(bodies), bodies)
	}
	if got := r.queue.Batches; len(got) != 3 || got[0] != 10 || got[1] != 1 || got[2] != 2 {
		t.Errorf("batches of at most 10, the failed entry resent alone: %v", got)
	}
	seen := map[Unit]bool{}
	for _, b := range bodies {
		u, err := DecodeUnit(b)
		if err != nil {
			t.Fatal(err)
		}
		if u.AccountID == gone {
			t.Error("a suspended account is not swept")
		}
		if !u.Started.Equal(now) {
			t.Errorf("every unit carries the sweep's start: %v", u.Started)
		}
		u.Started = time.Time{}
		seen[u] = true
	}
	if len(seen) != 12 || !seen[Unit{AccountID: denied, Region: "ap-south-1"}] {
		t.Errorf("every account-region once: %v", seen)
	}
	if m := emf(t, r.out); m["UnitsQueued"] != 12.0 {
		t.Errorf("metrics %v", m)
	}
}

func TestFanOutFailureIsAnError(t *testing.T) {
	r := newRig(t, east)
	r.queue.Err = lambdatest.Throttled()
	if _, err := r.h.Handle(context.Background(), json.RawMessage(scheduled)); err == nil || !strings.Contains(err.Error(), "3 of 3 not queued") {
		t.Errorf("an incomplete fan-out fails the invocation (it is retried): %v", err)
	}
}

func TestUnrecognizedInputIsAnError(t *testing.T) {
	r := newRig(t, east)
	for _, in := range []string{`{"detail-type":"Object Created","source":"aws.s3"}`, `[1]`, `"x"`} {
		if _, err := r.h.Handle(context.Background(), json.RawMessage(in)); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
}

func sqsBatch(t *testing.T, bodies ...string) json.RawMessage {
	t.Helper()
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "m" + string(rune('0'+i)), Body: b, EventSource: "aws:sqs"})
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func unitBody(account, region string) string {
	b, _ := json.Marshal(Unit{AccountID: account, Region: region})
	return string(b)
}

func findingsOf(t *testing.T, st *store.Store, arn string) map[string]finding.Finding {
	t.Helper()
	fs, err := st.Findings(context.Background(), arn)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]finding.Finding{}
	for _, f := range fs {
		out[f.PolicyID] = f
	}
	return out
}

func TestUnitsRecordFindingsAndWhatCouldNotBeRead(t *testing.T) {
	r := newRig(t, east)
	good := r.fac.Region(payProd, east,
		lambdatest.Secret{Name: "app/db", RotationLambdaARN: "arn:aws:lambda:us-east-1:222222222222:function:rot", KmsKeyID: "k1", Tags: map[string]string{"owner": "payments"}},
		lambdatest.Secret{Name: "app/public", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`},
	)
	r.fac.Region(denied, east, lambdatest.Secret{Name: "x"})
	r.fac.AssumeErr[denied] = lambdatest.APIError("AccessDenied", "not authorized to perform sts:AssumeRole")

	resp, err := r.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east), unitBody(denied, east), `{"account_id":"12","region":"us-east-1"}`, "garbage"))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("access denied is recorded, not retried; malformed units are dropped: %v\n%s", resp.BatchItemFailures, r.logs)
	}
	db := findingsOf(t, r.store, good.ARN("app/db"))
	pub := findingsOf(t, r.store, good.ARN("app/public"))
	if len(db) < 5 || db["rotation-enabled"].Status != finding.StatusPass {
		t.Errorf("the readable account-region is recorded: %v", db)
	}
	if pub["no-wildcard-principal"].Status != finding.StatusFail {
		t.Errorf("a public policy fails: %v", pub["no-wildcard-principal"])
	}
	unread := findingsOf(t, r.store, PlaceholderARN(denied, east))
	if len(unread) == 0 {
		t.Fatal("the unreadable account-region gets error findings")
	}
	for id, f := range unread {
		if f.Status != finding.StatusError || !strings.Contains(f.Message, "AccessDenied") {
			t.Errorf("%s: %+v", id, f)
		}
	}
	m := emf(t, r.out)
	if m["MalformedMessages"] != 2.0 || m["FindingsError"].(float64) < 1 || m["FindingsFailed"].(float64) < 1 || m["ActionsExecuted"].(float64) < 1 {
		t.Errorf("metrics %v", m)
	}
	if !strings.Contains(r.logs.String(), `"account_region_unreadable":true`) {
		t.Errorf("the unreadable unit is logged: %s", r.logs)
	}

	// The public policy is removed and the role becomes assumable: the next
	// sweep resolves the failure and closes the account-region's errors.
	good.Secrets[1].Policy = ""
	delete(r.fac.AssumeErr, denied)
	before := r.alerts.Len()
	r.h.Now = func() time.Time { return now.Add(6 * time.Hour) }
	resp, err = r.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east), unitBody(denied, east)))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%v %v", resp, err)
	}
	if f := findingsOf(t, r.store, good.ARN("app/public"))["no-wildcard-principal"]; f.Status != finding.StatusPass {
		t.Errorf("became compliant: %+v", f)
	}
	for id, f := range findingsOf(t, r.store, PlaceholderARN(denied, east)) {
		if f.Status != finding.StatusNotApplicable {
			t.Errorf("%s: the account-region's error is closed: %+v", id, f)
		}
	}
	if x := findingsOf(t, r.store, lambdatest.SecretARN(denied, east, "x")); len(x) == 0 {
		t.Error("the account-region's secrets are now evaluated")
	}
	resolved := 0
	for _, msg := range r.alerts.Messages[before:] {
		if strings.Contains(msg, `"resolved":true`) {
			resolved++
		}
	}
	if resolved < 2 {
		t.Errorf("resolutions alert (the public policy and the unread account-region): %d", resolved)
	}
}

func TestUnitRecordFailureIsRetried(t *testing.T) {
	r := newRig(t, east)
	r.fac.Region(payProd, east, lambdatest.Secret{Name: "app/db"})
	r.db.Err["UpdateItem"] = lambdatest.APIError("InternalServerError", "try again")
	resp, err := r.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east)))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m0" {
		t.Errorf("a unit whose findings could not be recorded is retried: %v", resp.BatchItemFailures)
	}
}

func TestFanOutRefusesAnotherOrganization(t *testing.T) {
	r := newRig(t, east)
	r.h.OrganizationID = "o-otherorg123"
	if _, err := r.h.Handle(context.Background(), json.RawMessage(scheduled)); err == nil || !strings.Contains(err.Error(), "want organization o-otherorg123") {
		t.Errorf("fan-out against the wrong organization: %v", err)
	}
	if len(r.queue.Sent()) != 0 {
		t.Error("nothing queued")
	}
}

// handoffRig is a sweep that hands its exposures to a rotate handler over
// the same fake account, as the rotate queue would carry them.
type handoffRig struct {
	*rig
	orders *lambdatest.SQS
	rot    *rotate.Handler
	region *lambdatest.Region
}

const exposedPolicy = `{"Version":"2012-10-17","Statement":[` +
	`{"Sid":"Own","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"},` +
	`{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

func newHandoff(t *testing.T, modes action.Modes) *handoffRig {
	t.Helper()
	r := newRig(t, east)
	region := r.fac.Region(payProd, east,
		lambdatest.Secret{Name: "app/exposed", Policy: exposedPolicy, RotationLambdaARN: "arn:aws:lambda:us-east-1:222222222222:function:rot", KmsKeyID: "k1"},
		lambdatest.Secret{Name: "app/fine", KmsKeyID: "k1"})
	src := r.h.Units.(*live.Source)
	orders := &lambdatest.SQS{}
	r.h.States = src
	r.h.Orders = &action.QueueRotator{API: orders, QueueURL: "https://sqs.us-east-1.amazonaws.com/111111111111/rotate"}
	r.h.History = func(ctx context.Context) decide.History { return store.NewHistory(ctx, r.store) }
	clock := func() time.Time { return now }
	sns := &action.SNS{API: r.alerts, TopicARN: "arn:aws:sns:us-east-1:111111111111:alerts"}
	responder := func(context.Context, string, string) (action.ResourcePolicyWriteAPI, error) { return region, nil }
	audit := func(context.Context, string, string) (action.GetResourcePolicyAPI, error) { return region, nil }
	rails := &rails.Rails{
		Describe: func(context.Context, string, string) (rails.DescribeSecretAPI, error) { return region, nil },
		Store:    r.store, Limits: rails.DefaultLimits(), Now: clock, Log: slog.New(slog.DiscardHandler),
	}
	rotator := &action.DirectRotator{Rails: rails, Clients: func(context.Context, string, string) (action.RotateSecretAPI, error) { return region, nil }}
	rot := &rotate.Handler{
		Executor: &action.Executor{Modes: modes, Alerts: sns, Rotator: rotator, Now: clock},
		Orders: &action.Executor{Modes: modes, Alerts: sns, Rotator: rotator, Now: clock, Dedupe: r.store, PriorPolicies: r.store,
			Remediator: &action.Remediator{Reads: audit, Writes: responder}},
		Metrics: &bytes.Buffer{}, Log: slog.New(slog.DiscardHandler),
	}
	return &handoffRig{rig: r, orders: orders, rot: rot, region: region}
}

func (h *handoffRig) deliver(t *testing.T) events.SQSEventResponse {
	t.Helper()
	var ev events.SQSEvent
	for i, b := range h.orders.Sent() {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "o" + string(rune('0'+i)), Body: b})
	}
	resp, err := h.rot.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// The sweep decides an exposed secret as the event path decides a
// PutResourcePolicy (rule resource-policy-exposed: alert, remove the
// offending statement, rotate) and hands the decision to the rotate
// handler, which applies the rule's mode and rails and acts through the
// Responder: the sweep itself has nothing that could write.
func TestSweepHandsExposuresToTheRotateHandler(t *testing.T) {
	h := newHandoff(t, action.Modes{"resource-policy-exposed": action.ModeEnforce})
	resp, err := h.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east)))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%v %v\n%s", resp, err, h.logs)
	}
	sent := h.orders.Sent()
	if len(sent) != 1 {
		t.Fatalf("one order, for the exposed secret: %v", sent)
	}
	_, order, err := action.DecodeRotateMessage(sent[0])
	if err != nil || order == nil {
		t.Fatalf("an order of kind remediate: %v %q", err, sent[0])
	}
	kinds := map[string]decide.Action{}
	for _, a := range order.Decision.Actions {
		kinds[a.Kind] = a
	}
	if a := kinds["remediate"]; a.Rule != "resource-policy-exposed" || len(a.Statements) != 1 || a.Statements[0] != 1 || a.SecretARN != h.region.ARN("app/exposed") {
		t.Errorf("remediation of statement 1: %+v", a)
	}
	if _, ok := kinds["alert"]; !ok {
		t.Error("the rule's alert")
	}
	if a, ok := kinds["rotate"]; !ok || a.Blocked != "" {
		t.Errorf("the rule's rotation (the policy let anyone read the value): %+v", a)
	}
	if order.PolicyAsPut != exposedPolicy || order.Decision.EventName != SweepEventName {
		t.Errorf("order %+v", order)
	}
	if m := emf(t, h.out); m["RemediationsHandedOff"] != 1.0 {
		t.Errorf("metrics %v", m)
	}

	// The rotate handler acts: the public statement is removed (the rest
	// put back with BlockPublicPolicy), the prior policy saved, the secret
	// rotated through the rails, all alerted.
	if resp := h.deliver(t); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("order failed: %v", resp.BatchItemFailures)
	}
	if len(h.region.Puts) != 1 || !aws.ToBool(h.region.Puts[0].BlockPublicPolicy) || strings.Contains(aws.ToString(h.region.Puts[0].ResourcePolicy), `"Public"`) {
		t.Fatalf("PutResourcePolicy without the public statement, BlockPublicPolicy set: %+v", h.region.Puts)
	}
	if got := h.region.Rotated(); len(got) != 1 || got[0] != h.region.ARN("app/exposed") {
		t.Errorf("rotated through the rails: %v", got)
	}
	if prior, ok, _ := h.store.GetPriorPolicy(context.Background(), h.region.ARN("app/exposed"), "resource-policy-exposed"); !ok || prior.Policy != exposedPolicy {
		t.Errorf("the prior policy is saved with the finding: %+v %v", prior, ok)
	}
	// The same order again (a redelivery): each action was claimed once.
	if resp := h.deliver(t); len(resp.BatchItemFailures) != 0 || len(h.region.Puts) != 1 || len(h.region.Rotated()) != 1 {
		t.Fatalf("a redelivered order acts once: %v puts %d", resp.BatchItemFailures, len(h.region.Puts))
	}
}

func TestSweepExposureFollowsAlertOnlyMode(t *testing.T) {
	h := newHandoff(t, nil)
	if _, err := h.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east))); err != nil {
		t.Fatal(err)
	}
	before := h.alerts.Len()
	if resp := h.deliver(t); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	if len(h.region.Puts)+len(h.region.Deletes)+len(h.region.Rotated()) != 0 {
		t.Fatal("alert-only: nothing is changed")
	}
	alerted := strings.Join(h.alerts.Messages[before:], "\n")
	if !strings.Contains(alerted, "alert-only mode") || !strings.Contains(alerted, "resource-policy-exposed") {
		t.Errorf("the alert says what was not done and why: %s", alerted)
	}
	// A later sweep finds the same exposure: same event id, so the order's
	// actions are not repeated; a changed policy is a new exposure.
	first, _, _ := strings.Cut(h.orders.Sent()[0], `"time"`)
	if _, err := h.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east))); err != nil {
		t.Fatal(err)
	}
	again, _, _ := strings.Cut(h.orders.Sent()[1], `"time"`)
	if first != again {
		t.Errorf("the same exposure has the same event id:\n%s\n%s", first, again)
	}
	h.region.Secrets[0].Policy = strings.Replace(exposedPolicy, `"Sid":"Public"`, `"Sid":"Public2"`, 1)
	if _, err := h.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east))); err != nil {
		t.Fatal(err)
	}
	if third, _, _ := strings.Cut(h.orders.Sent()[2], `"time"`); third == first {
		t.Error("a changed policy is a new exposure, with its own event id")
	}
}

// With read events off, each fan-out resets the ledger's coverage: turned on
// again, the ledger only counts from then, its gap never taken for coverage.
func TestFanOutResetsLedgerCoverageWhenReadsAreOff(t *testing.T) {
	r := newRig(t, east)
	if _, err := r.store.RecordCoverage(context.Background(), now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	r.h.Coverage = r.store
	if _, err := r.h.Handle(context.Background(), json.RawMessage(scheduled)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.store.Coverage(context.Background()); !ok {
		t.Fatal("reads on: the coverage stays")
	}
	r.h.LedgerOff = true
	if _, err := r.h.Handle(context.Background(), json.RawMessage(scheduled)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.store.Coverage(context.Background()); ok {
		t.Fatal("reads off: the coverage is reset")
	}
}

// A unit writes the compliance metrics of its findings, timestamped at the
// sweep's start; a unit whose findings could not be recorded writes none
// (its retry will).
func TestUnitWritesComplianceMetricsAtTheSweepsStart(t *testing.T) {
	r := newRig(t, east)
	r.fac.Region(payProd, east,
		lambdatest.Secret{Name: "app/db", RotationLambdaARN: "arn:aws:lambda:us-east-1:222222222222:function:rot", KmsKeyID: "k1", Tags: map[string]string{"owner": "payments"}},
		lambdatest.Secret{Name: "app/public", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`},
	)
	started := now.Add(-2 * time.Hour)
	b, _ := json.Marshal(Unit{AccountID: payProd, Region: east, Started: started})
	if _, err := r.h.Handle(context.Background(), sqsBatch(t, string(b))); err != nil {
		t.Fatal(err)
	}
	perPolicy, perAccount := 0, 0.0
	for _, l := range strings.Split(strings.TrimSpace(r.out.String()), "\n") {
		var doc struct {
			AWS struct {
				Timestamp         int64
				CloudWatchMetrics []struct{ Dimensions [][]string }
			} `json:"_aws"`
			Policy, AccountId string
			FailingFindings   *float64
		}
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatal(err)
		}
		switch {
		case doc.Policy != "":
			perPolicy++
			if doc.AWS.Timestamp != started.UnixMilli() {
				t.Errorf("policy line at %d, want the sweep's start", doc.AWS.Timestamp)
			}
		case doc.AccountId != "":
			perAccount += *doc.FailingFindings
		}
	}
	if perPolicy < 9 || perAccount < 1 {
		t.Errorf("%d policy lines, %v failing in the account:\n%s", perPolicy, perAccount, r.out)
	}

	failing := newRig(t, east)
	failing.fac.Region(payProd, east, lambdatest.Secret{Name: "app/db"})
	failing.db.Err["UpdateItem"] = lambdatest.APIError("InternalServerError", "try again")
	if _, err := failing.h.Handle(context.Background(), sqsBatch(t, unitBody(payProd, east))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(failing.out.String(), `"Policy"`) {
		t.Errorf("a unit to be retried writes no compliance metrics: %s", failing.out)
	}
}
