package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/lambda/config"
	"github.com/secretwarden/warden/internal/lambda/wire"
	"github.com/secretwarden/warden/internal/store"
)

// handlerEnv is the deployment's environment for the handlers, pointing at
// resources created in the emulator.
type handlerEnv struct {
	vars       map[string]string
	table      string
	topic      *alertTopic
	rotateURL  string
	rotateARN  string
	sweepURL   string
	busName    string
	actionsOut *bus // "secretwarden" events on the bus, routed to a queue
}

// newHandlerEnv creates the table, the alert topic (with a queue
// subscribed), the rotate and sweep queues and the organization bus (with a
// rule sending "secretwarden" events to a queue), and the WARDEN_* variables
// naming them.
func newHandlerEnv(ctx context.Context, t *testing.T, o *testOrg, modes string) *handlerEnv {
	t.Helper()
	cfg := emu.sdkConfig()
	_, table := createTable(ctx, t)
	env := &handlerEnv{table: table, topic: newAlertTopic(ctx, t)}
	q := sqs.NewFromConfig(cfg)
	suffix := randomID()[:8]
	env.rotateURL, env.rotateARN = newQueue(ctx, t, q, "warden-rotate-"+suffix)
	env.sweepURL, _ = newQueue(ctx, t, q, "warden-sweep-"+suffix)
	env.busName = "secret-warden-" + suffix
	eb := eventbridge.NewFromConfig(cfg)
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(env.busName)}); err != nil {
		t.Fatalf("CreateEventBus: %v", err)
	}
	t.Cleanup(func() {
		_, _ = eb.DeleteEventBus(context.Background(), &eventbridge.DeleteEventBusInput{Name: aws.String(env.busName)})
	})
	out := &bus{sqs: q, eb: eb}
	out.queueURL, out.queueARN = newQueue(ctx, t, q, "warden-out-"+suffix)
	rule := "warden-out-" + suffix
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(rule), EventBusName: aws.String(env.busName), EventPattern: aws.String(`{"source":["secretwarden"]}`)}); err != nil {
		t.Fatalf("PutRule: %v", err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), EventBusName: aws.String(env.busName),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(out.queueARN)}}}); err != nil {
		t.Fatalf("PutTargets: %v", err)
	}
	env.actionsOut = out
	env.vars = map[string]string{
		config.EnvTableName:      table,
		config.EnvTopicARN:       env.topic.ARN,
		config.EnvEventBusName:   env.busName,
		config.EnvSweepQueueURL:  env.sweepURL,
		config.EnvRotateQueueURL: env.rotateURL,
		config.EnvOrganizationID: o.ID, // AWS-shaped by the front door (see emulator)
		config.EnvRegions:        region,
		config.EnvModes:          modes,
		config.EnvSecurityHub:    "true",
	}
	return env
}

// logBuffer is a concurrency-safe buffer for the handlers' JSON logs.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// wired is the handlers' dependencies built the way main does (config.Load
// over the environment, then wire), over an SDK configuration for the
// emulator with the suite's recorder, a request capture, and Security Hub
// answered in-process (kumo has none: the test asserts on the requests).
type wired struct {
	deps    *wire.Deps
	capture *inputCapture
	logs    *logBuffer
	metrics *logBuffer
}

func wireHandlers(ctx context.Context, t *testing.T, vars map[string]string, adjust func(*aws.Config)) *wired {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	awsCfg := emu.sdkConfig()
	w := &wired{capture: &inputCapture{}, logs: &logBuffer{}, metrics: &logBuffer{}}
	w.capture.install(&awsCfg)
	fakeOps{
		"SecurityHub:BatchImportFindings": func(in any) (any, error) {
			return &securityhub.BatchImportFindingsOutput{FailedCount: aws.Int32(0)}, nil
		},
	}.install(&awsCfg)
	if adjust != nil {
		adjust(&awsCfg)
	}
	d, err := wire.NewFromAWS(ctx, cfg, awsCfg)
	if err != nil {
		t.Fatalf("wire: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(w.logs, nil))
	d.Log = log
	d.Store.Log = log
	d.Rails.Log = log
	w.deps = d
	return w
}

// sqsEvent turns queue messages into the Lambda event the SQS trigger
// delivers.
func sqsEvent(queueARN string, msgs ...sqstypes.Message) events.SQSEvent {
	var ev events.SQSEvent
	for _, m := range msgs {
		attrs := map[string]string{}
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Md5OfBody: aws.ToString(m.MD5OfBody), Attributes: attrs, EventSource: "aws:sqs", EventSourceARN: queueARN, AWSRegion: region,
		})
	}
	return ev
}

func failedIDs(r events.SQSEventResponse) []string {
	var ids []string
	for _, f := range r.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// rotationConfigured marks secrets as having a rotation function in the
// decoded DescribeSecret answers. kumo v0.33.1 has no RotateSecret, so none
// of its secrets can have rotation configured, and the safety rails (rightly)
// refuse every emergency rotation on its real answers; the marked secrets
// let the rest of the rotation path run: evaluate queues the request, the
// rotate handler checks the rails and calls RotateSecret, which is answered
// in-process (fakeOps) and asserted on.
func rotationConfigured(names ...string) func(*aws.Config) {
	return func(cfg *aws.Config) {
		patchOutput(cfg, "Secrets Manager:DescribeSecret", func(out any) {
			d := out.(*secretsmanager.DescribeSecretOutput)
			for _, n := range names {
				if aws.ToString(d.Name) == n {
					d.RotationEnabled = aws.Bool(true)
					d.RotationLambdaARN = aws.String("arn:aws:lambda:us-east-1:" + dataAccount + ":function:rotate-" + strings.ReplaceAll(n, "/", "-"))
					d.RotationRules = &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}
				}
			}
		})
		fakeOps{"Secrets Manager:RotateSecret": func(in any) (any, error) {
			r := in.(*secretsmanager.RotateSecretInput)
			return &secretsmanager.RotateSecretOutput{ARN: r.SecretId, VersionId: r.ClientRequestToken}, nil
		}}.install(cfg)
	}
}

// alertKey is "type policy_id secret_name" of an alert.
func alertKeys(alerts []received) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.Alert.Type+" "+a.Alert.PolicyID+" "+a.Alert.SecretName)
	}
	sort.Strings(out)
	return out
}

// metricSum adds up one EMF metric over every line written.
func metricSum(emf, name string) float64 {
	var sum float64
	for _, line := range strings.Split(emf, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			if v, ok := m[name].(float64); ok {
				sum += v
			}
		}
	}
	return sum
}

// receiveAll drains a queue (messages stay in flight for 5 minutes).
func receiveAll(ctx context.Context, t *testing.T, url string, wait time.Duration) []sqstypes.Message {
	t.Helper()
	q := sqs.NewFromConfig(emu.sdkConfig())
	var out []sqstypes.Message
	end := time.Now().Add(wait)
	for {
		res, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 300,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		out = append(out, res.Messages...)
		if len(res.Messages) == 0 {
			if time.Now().After(end) {
				return out
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestEvaluateHandler is the event path end to end: real-shaped CloudTrail
// events go through EventBridge rules built from rules/*.json into the
// events queue; the queue's messages are fed, as the SQS trigger does, to
// the evaluate handler built like handlers/evaluate (config.Load, wire);
// then the rotate-queue messages it produced are fed to the rotate handler.
// It checks the alerts published (read from a queue subscribed to the SNS
// topic), the findings in DynamoDB, the remediation in Secrets Manager, the
// rotation request, and that a duplicated or redelivered event acts once;
// and that a malformed message, access denied in one account and DynamoDB
// throttling each stay local and are reported.
func TestEvaluateHandler(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	f := seedRoutingFixture(ctx, t)
	o := f.org
	env := newHandlerEnv(ctx, t, o, `{"read-outside-organization":"enforce","resource-policy-exposed":"enforce"}`)
	w := wireHandlers(ctx, t, env.vars, rotationConfigured("platform/terraform-state-key", "payments/db-primary"))
	h := w.deps.Evaluate()
	h.Metrics = w.metrics

	// The pipeline's events, plus two that go wrong on purpose: an
	// UpdateSecret in the account whose audit role cannot be assumed, and a
	// TagResource whose once-per-event claim DynamoDB throttles.
	evs := f.pipelineEvents(t)
	sandboxRewrite := map[string]string{"445566778899": o.Sandbox}
	denied := with(loadTrailEvent(t, "17_UpdateSecret_datadog-api-key-aws-managed-key.json", sandboxRewrite, nil), "secretsmanager-api-calls")
	throttled := with(loadTrailEvent(t, "02_TagResource_vendors-acme-sftp-owner.json", f.rewrite, nil), "secretsmanager-api-calls")
	evs = append(evs, denied, throttled)
	b := newBus(ctx, t)
	got := routeEvents(ctx, t, b, evs)
	order := map[string]int{}
	for i, ev := range evs {
		order[ev.ID] = i
	}
	sortDelivered(got, order) // SQS does not order: the test does (event 05 feeds the ledger GuardDuty reads)
	byEvent := map[string]sqstypes.Message{}
	var batch1 []sqstypes.Message
	for _, d := range got {
		byEvent[d.EventID] = d.Message
		batch1 = append(batch1, d.Message)
	}
	publicPut := evs[0]
	if publicPut.Name != "PutResourcePolicy" || !strings.Contains(publicPut.Detail, "shared/public-api-token") {
		t.Fatalf("first pipeline event is %s", publicPut.Label)
	}
	// The same message delivered twice in one batch, and a malformed one.
	malformed := sqstypes.Message{MessageId: aws.String("malformed-" + randomID()), Body: aws.String(`{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":`)}
	batch1 = append(batch1, byEvent[publicPut.ID], malformed)

	throttle := &fault{name: "throttle-claim", code: "ProvisionedThroughputExceededException", message: "The level of configured provisioned throughput for the table was exceeded.",
		match: func(r *request) bool {
			return r.Service == "dynamodb" && strings.Contains(fmtParams(r.Params), "EVENT#"+throttled.ID)
		}}
	removeThrottle := emu.addFault(throttle)
	denyRole := &fault{name: "deny-sandbox-role", status: http.StatusForbidden, code: "AccessDenied", message: "not authorized to perform: sts:AssumeRole",
		match: func(r *request) bool {
			role, _ := r.Params["RoleArn"].(string)
			return r.Operation == "AssumeRole" && strings.Contains(role, ":"+o.Sandbox+":")
		}}
	defer emu.addFault(denyRole)()

	m := emu.mark()
	resp, err := h.Handle(ctx, sqsEvent(b.queueARN, batch1...))
	removeThrottle()
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	// Only the throttled message is returned for a retry; the malformed one
	// is dropped (logged, counted), everything else is done.
	if ids := failedIDs(resp); len(ids) != 1 || ids[0] != aws.ToString(byEvent[throttled.ID].MessageId) {
		t.Errorf("batch item failures %v, want only the throttled message %s", ids, aws.ToString(byEvent[throttled.ID].MessageId))
	}
	if emu.faultHits(throttle) < 2 {
		t.Errorf("the throttled claim was sent %d times: the SDK should have retried it", emu.faultHits(throttle))
	}
	logs := w.logs.String()
	if !strings.Contains(logs, `"msg":"malformed message dropped (not retried)","message_id":"`+aws.ToString(malformed.MessageId)+`"`) {
		t.Errorf("the malformed message is not reported in the logs:\n%s", logs)
	}
	if strings.Contains(logs, "detail-type") {
		t.Errorf("a message body leaked into the logs:\n%s", logs)
	}
	emf := w.metrics.String()
	if metricSum(emf, "MalformedMessages") != 1 || metricSum(emf, "DuplicateEvents") != 1 || metricSum(emf, "MessagesFailed") != 1 {
		t.Errorf("metrics: malformed %v duplicates %v failed %v, want 1 each\n%s", metricSum(emf, "MalformedMessages"), metricSum(emf, "DuplicateEvents"), metricSum(emf, "MessagesFailed"), emf)
	}

	// Alerts: findings that start failing (only changes alert) and the
	// incident rules' responses, each once.
	alerts := env.topic.drain(ctx, t, 500*time.Millisecond)
	sandboxARN := "arn:aws:secretsmanager:us-east-1:" + o.Sandbox + ":secret:platform/datadog-api-key-pkdVbc"
	label := map[string]string{sandboxARN: "sandbox:platform/datadog-api-key"}
	for name, arn := range f.arns {
		label[arn] = name
	}
	var keys []string
	for _, a := range alerts {
		keys = append(keys, a.Alert.Type+" "+a.Alert.PolicyID+" "+label[a.Alert.SecretARN])
	}
	sort.Strings(keys)
	t.Logf("alerts after the first delivery:\n  %s", strings.Join(keys, "\n  "))
	wantAlerts := []string{
		"action guardduty-credential-compromise ",                             // the finding itself
		"action guardduty-credential-compromise payments/db-primary",          // what the principal read (event 05, access ledger)
		"action key-switched-to-aws-managed sandbox:platform/datadog-api-key", // decided from the event, state unreadable
		"action read-outside-organization platform/terraform-state-key",
		"action resource-policy-exposed shared/public-api-token",
		"action rotation-failed payments/card-vault-hsm-pin",
		"finding no-external-access shared/public-api-token",
		"finding no-wildcard-principal shared/public-api-token",
		"finding rotation-enabled payments/card-vault-hsm-pin",
		"finding rotation-enabled platform/github-app-private-key",
		"finding rotation-enabled shared/public-api-token",
	}
	// The secret in the account whose role cannot be assumed: every posture
	// check is reported as not evaluated (error), never a pass.
	for _, pid := range []string{"kms-customer-managed", "no-external-access", "no-wildcard-principal", "replication-present", "required-tags",
		"rotated-recently", "rotation-enabled", "rotation-succeeding", "unused"} {
		wantAlerts = append(wantAlerts, "finding "+pid+" sandbox:platform/datadog-api-key")
	}
	sort.Strings(wantAlerts)
	if strings.Join(keys, "\n") != strings.Join(wantAlerts, "\n") {
		t.Errorf("alerts:\n  %s\nwant:\n  %s", strings.Join(keys, "\n  "), strings.Join(wantAlerts, "\n  "))
	}
	for _, a := range alerts {
		if strings.Contains(a.Raw, "placeholder-never-read") {
			t.Errorf("an alert carries a secret value: %s", a.Raw)
		}
		if a.Alert.PolicyID == "resource-policy-exposed" && (a.Alert.Severity != "critical" || !strings.Contains(a.Alert.Done, "resource policy was deleted")) {
			t.Errorf("resource-policy-exposed alert: severity %q done %q", a.Alert.Severity, a.Alert.Done)
		}
		if a.Alert.PolicyID == "read-outside-organization" && (a.Alert.Severity != "critical" || !strings.Contains(a.Alert.Done, "queued")) {
			t.Errorf("read-outside-organization alert: severity %q done %q, want critical and the rotation queued", a.Alert.Severity, a.Alert.Done)
		}
		if a.Alert.PolicyID == "guardduty-credential-compromise" && a.Alert.SecretName != "" && !strings.Contains(a.Alert.Done, "alert-only") {
			t.Errorf("guardduty alert: done %q, want rotation not executed (alert-only mode)", a.Alert.Done)
		}
		if a.Alert.Type == "finding" && a.Alert.AccountID == o.Sandbox && (a.Alert.Status != "error" || !strings.Contains(a.Alert.Reason, "AccessDenied")) {
			t.Errorf("sandbox finding alert %s: status %q reason %q, want an error naming AccessDenied", a.Alert.PolicyID, a.Alert.Status, a.Alert.Reason)
		}
	}
	// Access denied in one account: the secret there is reported as not
	// evaluated (error findings, alerted), never a pass.
	sandboxItems := queryPK(ctx, t, w.dynamo(), env.table, store.FindingPK(sandboxARN))
	if len(sandboxItems) == 0 {
		t.Errorf("no findings recorded for %s", sandboxARN)
	}
	for _, it := range sandboxItems {
		if it["status"] != "error" || !strings.Contains(it["message"], "AccessDenied") {
			t.Errorf("sandbox finding %s: status %q message %q", it["policy_id"], it["status"], it["message"])
		}
	}

	// Findings in DynamoDB for the secret made public (its state when the
	// event was decided), and the prior policy saved by the remediation.
	public := f.arns["shared/public-api-token"]
	items := queryPK(ctx, t, w.dynamo(), env.table, store.FindingPK(public))
	status := map[string]string{}
	for _, it := range items {
		if strings.HasPrefix(it[store.AttrSK], "POLICY#") {
			status[it["policy_id"]] = it["status"]
		}
	}
	for pid, want := range map[string]string{"no-external-access": "fail", "no-wildcard-principal": "fail", "kms-customer-managed": "pass", "required-tags": "pass", "rotation-enabled": "fail"} {
		if status[pid] != want {
			t.Errorf("stored %s of shared/public-api-token: %q, want %q (all: %v)", pid, status[pid], want, status)
		}
	}
	if prior, ok, err := w.deps.Store.GetPriorPolicy(ctx, public, "resource-policy-exposed"); err != nil || !ok || !sameJSON(prior.Policy, publicPolicyAsPut) {
		t.Errorf("prior policy saved with the finding: %+v %v %v", prior, ok, err)
	}
	// Enforce mode: the public statement was the only one, so the policy is
	// deleted in Secrets Manager, with the audit credentials of the account.
	sm := secretsmanager.NewFromConfig(emu.sdkConfig())
	if pol, err := sm.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(public)}); err != nil || aws.ToString(pol.ResourcePolicy) != "" {
		t.Errorf("policy of shared/public-api-token after remediation: %q %v, want none", aws.ToString(pol.ResourcePolicy), err)
	}
	ops := emu.ops(m)
	if ops["secretsmanager:DeleteResourcePolicy"] != 1 || ops["secretsmanager:PutResourcePolicy"] != 0 {
		t.Errorf("resource-policy writes %v, want exactly one DeleteResourcePolicy", ops)
	}
	// Each routed event was claimed once.
	for _, ev := range evs {
		if ev.ID == throttled.ID {
			continue
		}
		if items := queryPK(ctx, t, w.dynamo(), env.table, store.ProcessedPK(ev.ID)); ev.Rule != "" && len(items) != 1 {
			t.Errorf("%s: %d processed markers, want 1", ev.Label, len(items))
		}
	}
	// Security Hub (not in kumo): the failing findings were imported, as
	// the central account's, with stable ids.
	var imported []string
	for _, in := range w.capture.find("SecurityHub", "BatchImportFindings") {
		for _, fd := range in.(*securityhub.BatchImportFindingsInput).Findings {
			if aws.ToString(fd.AwsAccountId) != dataAccount || aws.ToString(fd.ProductArn) != "arn:aws:securityhub:us-east-1:"+dataAccount+":product/"+dataAccount+"/default" {
				t.Errorf("imported finding %s: account %s product %s", aws.ToString(fd.Id), aws.ToString(fd.AwsAccountId), aws.ToString(fd.ProductArn))
			}
			imported = append(imported, fd.ProductFields["secretwarden/PolicyId"]+" "+string(fd.Compliance.Status)+" "+aws.ToString(fd.Resources[0].Id))
		}
	}
	if !contains(imported, "no-external-access FAILED "+public) {
		t.Errorf("Security Hub imports %v lack no-external-access FAILED for %s", imported, public)
	}
	// The emergency rotation of the secret read from outside the
	// organization is queued for the rotate handler, once.
	rotations := receiveAll(ctx, t, env.rotateURL, 300*time.Millisecond)
	if len(rotations) != 1 || !strings.Contains(aws.ToString(rotations[0].Body), f.arns["platform/terraform-state-key"]) {
		t.Fatalf("rotate queue: %d messages, want one for platform/terraform-state-key", len(rotations))
	}
	// "secretwarden" events on the organization bus.
	outEvents := env.actionsOut.receive(ctx, t, 1, 3*time.Second, 300*time.Millisecond)
	types := map[string]int{}
	for _, d := range outEvents {
		types[d.Envelope.DetailType]++
	}
	if types["Secret Warden Action"] == 0 || types["Secret Warden Finding"] == 0 {
		t.Errorf("events on the bus: %v, want actions and findings", types)
	}

	// Redelivery of the whole batch (the SQS visibility timeout expired):
	// every event already handled acts no more; the throttled one, whose
	// claim was never written, is handled now.
	w.metrics.mu.Lock()
	w.metrics.b.Reset()
	w.metrics.mu.Unlock()
	m2 := emu.mark()
	resp, err = h.Handle(ctx, sqsEvent(b.queueARN, batch1...))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("redelivery: failures %v err %v, want none", failedIDs(resp), err)
	}
	if again := env.topic.drain(ctx, t, 300*time.Millisecond); len(again) != 0 {
		t.Errorf("redelivery published %d alerts, want none: %v", len(again), alertKeys(again))
	}
	if n := len(receiveAll(ctx, t, env.rotateURL, 100*time.Millisecond)); n != 0 {
		t.Errorf("redelivery queued %d rotations, want none", n)
	}
	if ops := emu.ops(m2); ops["secretsmanager:DeleteResourcePolicy"]+ops["secretsmanager:PutResourcePolicy"]+ops["sqs:SendMessage"] != 0 {
		t.Errorf("redelivery acted: %v", ops)
	}
	if n := metricSum(w.metrics.String(), "DuplicateEvents"); n != float64(len(got)) {
		t.Errorf("redelivery: %v duplicate events, want %d (every routed event but the throttled one, and the in-batch duplicate)", n, len(got))
	}
	if items := queryPK(ctx, t, w.dynamo(), env.table, store.ProcessedPK(throttled.ID)); len(items) != 1 {
		t.Errorf("the throttled event was not handled on redelivery")
	}

	// The rotate handler takes the queued request: the rails pass (rotation
	// configured, none in progress, first in the window, within limits),
	// RotateSecret is sent with RotateImmediately; the same request again is
	// dropped (its outcome is recorded in DynamoDB, kept past the dedupe
	// window); another request for the secret within the window is refused
	// by the dedupe rail. Neither sends anything.
	rh := w.deps.Rotate()
	rh.Metrics = w.metrics
	rresp, err := rh.Handle(ctx, sqsEvent(env.rotateARN, rotations...))
	if err != nil || len(rresp.BatchItemFailures) != 0 {
		t.Fatalf("rotate handler: %v %v", failedIDs(rresp), err)
	}
	sent := w.capture.find("Secrets Manager", "RotateSecret")
	if len(sent) != 1 {
		t.Fatalf("%d RotateSecret requests, want 1", len(sent))
	}
	if in := sent[0].(*secretsmanager.RotateSecretInput); aws.ToString(in.SecretId) != f.arns["platform/terraform-state-key"] || !aws.ToBool(in.RotateImmediately) || aws.ToString(in.ClientRequestToken) == "" {
		t.Errorf("RotateSecret request %+v", in)
	}
	rotated := env.topic.drain(ctx, t, 300*time.Millisecond)
	if len(rotated) != 1 || !strings.Contains(rotated[0].Alert.Done, "emergency rotation started") {
		t.Errorf("rotation alerts %v, want one saying the rotation started", alertKeys(rotated))
	}
	if _, err := rh.Handle(ctx, sqsEvent(env.rotateARN, rotations...)); err != nil {
		t.Fatal(err)
	}
	if n := len(w.capture.find("Secrets Manager", "RotateSecret")); n != 1 {
		t.Errorf("RotateSecret sent %d times after a redelivery, want 1", n)
	}
	if again := env.topic.drain(ctx, t, 300*time.Millisecond); len(again) != 0 {
		t.Errorf("redelivered rotation request: alerts %v, want none (dropped as a duplicate)", alertKeys(again))
	}
	req, err := action.DecodeRotationRequest(aws.ToString(rotations[0].Body))
	if err != nil {
		t.Fatal(err)
	}
	if items := queryPK(ctx, t, w.dynamo(), env.table, store.RequestPK(req.ID())); len(items) != 1 || items[0]["outcome"] == "" {
		t.Errorf("the request's outcome is recorded: %v", items)
	}
	other := req
	other.EventID += "-another"
	body, _ := json.Marshal(other)
	msg := rotations[0]
	msg.Body = aws.String(string(body))
	if _, err := rh.Handle(ctx, sqsEvent(env.rotateARN, msg)); err != nil {
		t.Fatal(err)
	}
	if n := len(w.capture.find("Secrets Manager", "RotateSecret")); n != 1 {
		t.Errorf("RotateSecret sent %d times after another request, want 1", n)
	}
	if refused := env.topic.drain(ctx, t, 300*time.Millisecond); len(refused) != 1 || !strings.Contains(refused[0].Alert.Done, "dedupe window") {
		t.Errorf("another rotation request: alerts %+v, want one saying the dedupe rail refused", refused)
	}
}

func (w *wired) dynamo() *dynamodb.Client { return dynamodb.NewFromConfig(emu.sdkConfig()) }

func fmtParams(p map[string]any) string {
	b, _ := json.Marshal(p)
	return string(b)
}

func count(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

func contains(ss []string, s string) bool { return count(ss, s) > 0 }

func sortDelivered(ds []delivered, order map[string]int) {
	sort.SliceStable(ds, func(i, j int) bool { return order[ds[i].EventID] < order[ds[j].EventID] })
}

// TestSweepHandler runs the sweep handler built by wire: the scheduled
// event fans out one sweep-queue message per active account and region;
// units are then fed back as the SQS trigger does. A unit whose account
// cannot be read records error findings (never a silent pass); a secret
// fixed since the last sweep is resolved; an account-region readable again
// has its error findings closed.
func TestSweepHandler(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	o := seedOrg(t)
	key := createKey(ctx, t, "sweep CMK")
	owner := map[string]string{"owner": "team-sweep"}
	public := createSecret(ctx, t, secretSpec{Name: "sweep/public", KmsKeyID: *key.Arn, Tags: owner, Policy: publicPolicy()})
	plain := createSecret(ctx, t, secretSpec{Name: "sweep/aws-key"})
	env := newHandlerEnv(ctx, t, o, "")
	w := wireHandlers(ctx, t, env.vars, nil)
	h := w.deps.Sweep()
	h.Metrics = w.metrics
	denyRole := &fault{name: "deny-sandbox-role", status: http.StatusForbidden, code: "AccessDenied", message: "not authorized to perform: sts:AssumeRole",
		match: func(r *request) bool {
			role, _ := r.Params["RoleArn"].(string)
			return r.Operation == "AssumeRole" && strings.Contains(role, ":"+o.Sandbox+":")
		}}
	removeDeny := emu.addFault(denyRole)
	defer removeDeny()

	// Fan-out: one unit per active account of the organization and region.
	scheduled := `{"version":"0","id":"` + randomID() + `","detail-type":"Scheduled Event","source":"aws.events","account":"` + dataAccount +
		`","time":"` + time.Now().UTC().Format(time.RFC3339) + `","region":"us-east-1","resources":["arn:aws:events:us-east-1:` + dataAccount + `:rule/sweep"],"detail":{}}`
	if resp, err := h.Handle(ctx, json.RawMessage(scheduled)); err != nil || resp != nil {
		t.Fatalf("fan-out: %v %v", resp, err)
	}
	units := receiveAll(ctx, t, env.sweepURL, 300*time.Millisecond)
	byAccount := map[string]sqstypes.Message{}
	for _, m := range units {
		var u struct {
			AccountID string `json:"account_id"`
			Region    string `json:"region"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &u); err != nil || u.Region != region {
			t.Errorf("unit %s: %v", aws.ToString(m.Body), err)
		}
		byAccount[u.AccountID] = m
	}
	if got := keys(byAccount); strings.Join(got, ",") != strings.Join(o.accounts(), ",") {
		t.Fatalf("units for %v, want one per account %v", got, o.accounts())
	}

	// kumo keeps one account's data: every account would read the same
	// secrets (and the findings table keys them by ARN). The data account
	// (where the secrets are) and the unreadable sandbox are swept; once the
	// sandbox's role works it reads the same secrets with the same statuses,
	// which records no change.
	sweepUnits := func(msgs ...sqstypes.Message) events.SQSEventResponse {
		t.Helper()
		raw, _ := json.Marshal(sqsEvent("arn:aws:sqs:us-east-1:000000000000:warden-sweep", msgs...))
		resp, err := h.Handle(ctx, raw)
		if err != nil || resp == nil {
			t.Fatalf("sweep units: %v %v", resp, err)
		}
		return *resp
	}
	resp := sweepUnits(byAccount[dataAccount], byAccount[o.Sandbox])
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("sweep failures %v", failedIDs(resp))
	}
	stored := func(arn string) map[string]string {
		out := map[string]string{}
		for _, it := range queryPK(ctx, t, w.dynamo(), env.table, store.FindingPK(arn)) {
			out[it["policy_id"]] = it["status"]
		}
		return out
	}
	if s := stored(public); s["no-wildcard-principal"] != "fail" || s["no-external-access"] != "fail" || s["kms-customer-managed"] != "pass" || s["required-tags"] != "pass" {
		t.Errorf("sweep/public findings %v", s)
	}
	if s := stored(plain); s["kms-customer-managed"] != "fail" || s["required-tags"] != "fail" || s["no-external-access"] != "pass" {
		t.Errorf("sweep/aws-key findings %v", s)
	}
	placeholder := "arn:aws:secretsmanager:us-east-1:" + o.Sandbox + ":secret:*"
	ph := stored(placeholder)
	if len(ph) == 0 {
		t.Errorf("no error findings for the unreadable account-region %s", placeholder)
	}
	for pid, st := range ph {
		if st != "error" {
			t.Errorf("sandbox %s: %s, want error", pid, st)
		}
	}
	first := env.topic.drain(ctx, t, 300*time.Millisecond)
	var sandboxAlerts, publicAlerts int
	for _, a := range first {
		switch a.Alert.SecretARN {
		case placeholder:
			sandboxAlerts++
		case public:
			publicAlerts++
		}
	}
	if sandboxAlerts != len(ph) || publicAlerts == 0 {
		t.Errorf("alerts: %d for the unreadable account (want %d), %d for sweep/public", sandboxAlerts, len(ph), publicAlerts)
	}

	// The public policy is removed and the sandbox role fixed: the next
	// sweep resolves both, and alerts only those changes.
	sm := secretsmanager.NewFromConfig(emu.sdkConfig())
	if _, err := sm.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	removeDeny()
	resp = sweepUnits(byAccount[dataAccount], byAccount[o.Sandbox])
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("second sweep failures %v", failedIDs(resp))
	}
	if s := stored(public); s["no-wildcard-principal"] != "pass" || s["no-external-access"] != "pass" {
		t.Errorf("sweep/public after the fix %v", s)
	}
	for pid, st := range stored(placeholder) {
		if st == "error" {
			t.Errorf("sandbox %s still error after the account became readable", pid)
		}
	}
	second := env.topic.drain(ctx, t, 300*time.Millisecond)
	resolved := map[string]int{}
	for _, a := range second {
		if !a.Alert.Resolved {
			t.Errorf("second sweep alerted %s %s %s: only resolutions changed", a.Alert.PolicyID, a.Alert.SecretName, a.Alert.Status)
		}
		resolved[a.Alert.SecretARN]++
	}
	if resolved[public] != 2 || resolved[placeholder] != len(ph) {
		t.Errorf("resolved alerts %v, want 2 for sweep/public and %d for the account-region", resolved, len(ph))
	}
}
