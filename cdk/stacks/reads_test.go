package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/rules"
)

// ruleStates returns the State of every pattern rule, by rule file name.
func ruleStates(t *testing.T, tp tmpl) map[string]any {
	t.Helper()
	out := map[string]any{}
	for id, r := range tp.ofType("AWS::Events::Rule") {
		p := props(r)
		pattern, ok := p["EventPattern"]
		if !ok {
			continue
		}
		found := false
		for name, want := range testPatterns {
			if reflect.DeepEqual(pattern, want) {
				out[name] = p["State"]
				found = true
			}
		}
		if !found {
			t.Errorf("%s: a pattern of no rules/*.json file", id)
		}
	}
	return out
}

// Read-only management events (GetSecretValue, BatchGetSecretValue) reach
// only rules in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (EventBridge
// User Guide, "Receiving read-only management events from AWS services";
// AWS::Events::Rule State): the reads rule has that state on the member
// forwarding rule AND on the central org-bus rule; every other rule stays
// ENABLED so that no other read-only traffic is pulled in.
func TestRuleStates_ReadOnlyManagementEventsReachTheReadsRuleOnBothBuses(t *testing.T) {
	want := map[string]any{
		rules.APICalls:      "ENABLED",
		rules.ServiceEvents: "ENABLED",
		rules.GuardDuty:     "ENABLED",
		rules.Reads:         "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
	}
	for name, tp := range map[string]tmpl{"central": centralTpl, "member": memberTpl,
		"management eu-west-1": mgmtTpls["eu-west-1"], "management us-east-1": mgmtTpls["us-east-1"]} {
		if got := ruleStates(t, tp); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: rule states %v, want %v", name, got, want)
		}
	}
	// The same, with CDK assertions on the synthesized templates.
	readsPattern := testPatterns[rules.Reads]
	for _, tp := range []tmpl{centralTpl, memberTpl, mgmtTpls["us-east-1"]} {
		assertions.Template_FromJSON((*map[string]any)(&tp), nil).HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventPattern": readsPattern,
			"State":        "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
		})
		assertions.Template_FromJSON((*map[string]any)(&tp), nil).HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventPattern": testPatterns[rules.APICalls],
			"State":        "ENABLED",
		})
	}
	// The reads pattern: Secrets Manager's two value reads, nothing else.
	if got := mustJSON(readsPattern); got != `{"detail":{"eventName":["GetSecretValue","BatchGetSecretValue"],`+
		`"eventSource":["secretsmanager.amazonaws.com"]},"detail-type":["AWS API Call via CloudTrail"],"source":["aws.secretsmanager"]}` {
		t.Errorf("reads pattern %s", got)
	}
	for _, tp := range []tmpl{offTpl, offMemberTpl} {
		if s, ok := ruleStates(t, tp)[rules.Reads]; ok {
			t.Errorf("readEvents=off: a reads rule in state %v", s)
		}
	}
}

// The reads path: its queue (with DLQ and alarms), its function with a
// large batch and a batching window, its own reserved concurrency (Lambda
// Developer Guide, "Using Lambda with Amazon SQS": BatchSize up to 10,000
// for standard queues; above 10 requires MaximumBatchingWindowInSeconds ≥ 1).
func TestReadsPath(t *testing.T) {
	tp := assertions.Template_FromJSON((*map[string]any)(&centralTpl), nil)
	tp.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
		"BatchSize":                      ReadsBatchSize,
		"MaximumBatchingWindowInSeconds": ReadsBatchingWindowSecond,
		"FunctionResponseTypes":          []any{"ReportBatchItemFailures"},
		"ScalingConfig":                  map[string]any{"MaximumConcurrency": testCfg.Concurrency.Reads},
		"EventSourceArn":                 map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("^ReadsQueue"))})},
		"FunctionName":                   map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ReadsHandlerFunction"))},
	})
	if ReadsBatchSize <= 10 || ReadsBatchSize > 10000 || ReadsBatchingWindowSecond < 1 || ReadsBatchingWindowSecond > 300 {
		t.Errorf("batch %d, window %d s: outside what Lambda accepts for a large standard-queue batch", ReadsBatchSize, ReadsBatchingWindowSecond)
	}
	var reads map[string]any
	for id, f := range centralTpl.ofType("AWS::Lambda::Function") {
		if handlerOf(t, id) == HandlerReads {
			reads = f
		}
	}
	p := props(reads)
	if p["MemorySize"] != 512.0 || p["Timeout"] != 120.0 {
		t.Errorf("reads: memory %v timeout %v", p["MemorySize"], p["Timeout"])
	}
	// The reads queue: visibility ≥ 6× the timeout plus the window, a DLQ,
	// and both queue alarms.
	main := 0
	for id, q := range centralTpl.ofType("AWS::SQS::Queue") {
		if strings.HasPrefix(id, "ReadsQueue") && props(q)["RedrivePolicy"] != nil {
			main++
			if v := props(q)["VisibilityTimeout"]; v != float64(6*120+ReadsBatchingWindowSecond) {
				t.Errorf("reads queue visibility %v", v)
			}
			if !strings.Contains(mustJSON(props(q)["RedrivePolicy"]), "ReadsQueueDeadLetterQueue") {
				t.Errorf("reads queue redrives to %v", props(q)["RedrivePolicy"])
			}
		}
	}
	if main != 1 {
		t.Errorf("%d reads queues with a DLQ, want 1", main)
	}
	alarms := 0
	for id := range centralTpl.ofType("AWS::CloudWatch::Alarm") {
		if strings.HasPrefix(id, "ReadsQueue") || strings.HasPrefix(id, "MonitoringreadsErrorsAlarm") {
			alarms++
		}
	}
	if alarms != 3 {
		t.Errorf("%d reads alarms, want 3 (DLQ depth, oldest message, function errors)", alarms)
	}
	// The reads queue admits the reads rule only.
	var readsRule string
	for id, r := range centralTpl.ofType("AWS::Events::Rule") {
		if reflect.DeepEqual(props(r)["EventPattern"], testPatterns[rules.Reads]) {
			readsRule = id
		}
	}
	for id, qp := range centralTpl.ofType("AWS::SQS::QueuePolicy") {
		body := mustJSON(props(qp))
		if strings.Contains(body, "AllowSecretWardenRules") && strings.HasPrefix(id, "ReadsQueue") {
			if !strings.Contains(body, readsRule) || strings.Count(body, `"Fn::GetAtt":["Rule`) != 1 {
				t.Errorf("%s: reads queue policy %s, want only %s", id, body, readsRule)
			}
		}
	}
}

// With readEvents=off nothing depends on the read stream: no reads rule
// (member or central), queue, function, mapping, alarm, output or
// parameter; every handler is told WARDEN_READ_EVENTS=off.
func TestReadEventsOff(t *testing.T) {
	for name, tp := range map[string]tmpl{"central": offTpl, "member": offMemberTpl} {
		body := mustJSON(tp)
		for _, s := range []string{"Reads", "GetSecretValue\",\"BatchGetSecretValue", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"} {
			// The Deny of secret values names GetSecretValue too; the
			// pattern's list of both is what must be absent.
			if strings.Contains(body, s) {
				t.Errorf("readEvents=off %s template contains %q", name, s)
			}
		}
	}
	fns := offTpl.ofType("AWS::Lambda::Function")
	for id, f := range fns {
		if v := envVars(f)["WARDEN_READ_EVENTS"]; v != "off" {
			t.Errorf("%s: WARDEN_READ_EVENTS = %v, want off", id, v)
		}
	}
	if len(fns) != 3 {
		t.Errorf("%d functions, want 3", len(fns))
	}
}

// A batch of CloudTrail reads fits the 6 MB invocation payload (Lambda
// Developer Guide, "Lambda quotas": 6 MB for synchronous invocations, which
// SQS event source mappings use; Lambda cuts the batch there). The largest
// real GetSecretValue/BatchGetSecretValue events, as Lambda delivers them
// (an SQS record whose body is the EventBridge envelope, with a receipt
// handle of SQS's maximum length), times the batch size, leave room for
// events much larger than the samples.
func TestReadsBatchFitsTheInvocationPayload(t *testing.T) {
	var largest int
	var which string
	for _, dir := range []string{filepath.Join("..", "..", "testdata", "real-events"), filepath.Join("..", "..", "testdata", "events")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			recs := []any{doc}
			if r, ok := doc["Records"].([]any); ok {
				recs = r
			}
			for _, r := range recs {
				rec := r.(map[string]any)
				if d, ok := rec["detail"].(map[string]any); ok {
					rec = d
				}
				env := map[string]any{"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "AWS API Call via CloudTrail",
					"source": "aws.secretsmanager", "account": "111122223333", "time": "2024-01-01T00:00:00Z", "region": "eu-west-1",
					"resources": []any{}, "detail": rec}
				if !rules.Match(testPatterns[rules.Reads], env) {
					continue
				}
				if n := sqsRecordSize(t, env); n > largest {
					largest, which = n, f
				}
			}
		}
	}
	if largest == 0 {
		t.Fatal("no real read events found")
	}
	batch := ReadsBatchSize * largest
	t.Logf("largest read as an SQS record: %d bytes (%s); a batch of %d: %d bytes of %d", largest, filepath.Base(which), ReadsBatchSize, batch, MaxInvokePayloadBytes)
	// Half the quota: twice the largest sample still fits.
	if 2*batch > MaxInvokePayloadBytes {
		t.Errorf("a batch of %d reads of %d bytes is %d bytes: less than 2× headroom under the %d-byte payload quota", ReadsBatchSize, largest, batch, MaxInvokePayloadBytes)
	}
}

// sqsRecordSize is the size of env delivered as one SQS record of a Lambda
// event, with every field at a realistic or maximal length.
func sqsRecordSize(t *testing.T, env map[string]any) int {
	t.Helper()
	body, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	rec := events.SQSMessage{
		MessageId:     "059f36b4-87a3-44ab-83d2-661975830a7d",
		ReceiptHandle: strings.Repeat("A", 1024), // SQS: at most 1,024 characters
		Body:          string(body),
		Md5OfBody:     "e4e68fb7bd0e697a0ae8f1bb342846b3",
		Attributes: map[string]string{
			"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183",
			"SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185",
			"AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		},
		EventSourceARN: "arn:aws:sqs:eu-west-1:111122223333:SecretWarden-ReadsQueueQueue" + strconv.Itoa(12345678) + "-abcdefghijkl",
		EventSource:    "aws:sqs",
		AWSRegion:      "eu-west-1",
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return len(b) + 1 // the comma between records
}
