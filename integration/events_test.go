package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/secretwarden/warden/rules"
)

// sampleOrgID is the sample organization's id (testdata/org).
const sampleOrgID = "o-a1b2c3d4e5"

// The sample organization's account ids in testdata/events.
var sampleAccounts = []string{"111111111111", "334455667788", "445566778899", "556677889900"}

// trailEvent is one CloudTrail event to put on the bus.
type trailEvent struct {
	// Label names it in failures.
	Label string
	// Source and DetailType of the EventBridge entry.
	Source, DetailType string
	// Detail is the CloudTrail record (or GuardDuty finding), as JSON.
	Detail string
	// ID is the record's eventID (or the finding's id), unique per run.
	ID string
	// Name is the eventName.
	Name string
	// Rule is the rules/*.json pattern that must route it ("" = none).
	Rule string
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// loadTrailEvent reads a testdata/events file (an EventBridge envelope or
// a raw CloudTrail record) and returns it as an entry for the bus. rewrite
// maps strings of the sample organization (secret ARNs, account ids) to
// the emulator's; the event id is replaced by a fresh one, so that every
// run is new to the handler's once-per-event store.
func loadTrailEvent(t *testing.T, file string, rewrite map[string]string, mutate func(map[string]any)) trailEvent {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "events", file))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	// Longest first: a secret ARN before the account id inside it.
	olds := make([]string, 0, len(rewrite))
	for k := range rewrite {
		olds = append(olds, k)
	}
	sort.Slice(olds, func(i, j int) bool { return len(olds[i]) > len(olds[j]) })
	for _, k := range olds {
		text = strings.ReplaceAll(text, k, rewrite[k])
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	ev := trailEvent{Label: file}
	detail := doc
	if d, ok := doc["detail"].(map[string]any); ok {
		detail = d
		ev.Source, _ = doc["source"].(string)
		ev.DetailType, _ = doc["detail-type"].(string)
	} else {
		ev.Source = "aws.secretsmanager"
		ev.DetailType = "AWS API Call via CloudTrail"
		if detail["eventType"] == "AwsServiceEvent" {
			ev.DetailType = "AWS Service Event via CloudTrail"
		}
	}
	if mutate != nil {
		mutate(detail)
	}
	ev.ID = randomID()
	if _, ok := detail["eventID"]; ok {
		detail["eventID"] = ev.ID
		ev.Name, _ = detail["eventName"].(string)
	} else {
		detail["id"] = ev.ID // a GuardDuty finding
		ev.Name = "GuardDutyFinding"
	}
	b, err := json.Marshal(detail)
	if err != nil {
		t.Fatal(err)
	}
	ev.Detail = string(b)
	return ev
}

// productRule is the rule the product's own model of EventBridge
// (rules.Delivers: the pattern, and the rule's state for read-only
// management events) delivers ev to, "" for none.
func productRule(t *testing.T, ev trailEvent) string {
	t.Helper()
	rs, err := rules.Rules()
	if err != nil {
		t.Fatal(err)
	}
	var detail map[string]any
	_ = json.Unmarshal([]byte(ev.Detail), &detail)
	envelope := map[string]any{"source": ev.Source, "detail-type": ev.DetailType, "detail": detail}
	var hit []string
	for _, r := range rs {
		if r.Deliver(envelope) {
			hit = append(hit, r.Name)
		}
	}
	sort.Strings(hit)
	return strings.Join(hit, ",")
}

// bus is an EventBridge → SQS route built from rules/*.json.
type bus struct {
	sqs      *sqs.Client
	eb       *eventbridge.Client
	queueURL string
	queueARN string
	rules    []string
}

func newQueue(ctx context.Context, t *testing.T, c *sqs.Client, name string) (url, arn string) {
	t.Helper()
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("GetQueueAttributes %s: %v", name, err)
	}
	t.Cleanup(func() { _, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}) })
	return aws.ToString(q.QueueUrl), attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
}

// newBus creates the events queue and one rule per rules/*.json file, the
// pattern passed unchanged, each targeting the queue (as the CDK app does).
func newBus(ctx context.Context, t *testing.T) *bus {
	t.Helper()
	cfg := emu.sdkConfig()
	b := &bus{sqs: sqs.NewFromConfig(cfg), eb: eventbridge.NewFromConfig(cfg)}
	suffix := randomID()[:8]
	b.queueURL, b.queueARN = newQueue(ctx, t, b.sqs, "warden-events-"+suffix)
	files, err := rules.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".json") {
			continue
		}
		pattern, err := rules.FS.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		name := "warden-" + strings.TrimSuffix(f.Name(), ".json") + "-" + suffix
		// Each rule in the state the CDK gives it: the reads rule in
		// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (kumo does not
		// model that state's meaning; rules.Delivers does).
		state := ebtypes.RuleState(rules.State(strings.TrimSuffix(f.Name(), ".json")))
		if _, err := b.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(string(pattern)), State: state}); err != nil {
			t.Fatalf("PutRule %s: %v", name, err)
		}
		if _, err := b.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []ebtypes.Target{{Id: aws.String("events-queue"), Arn: aws.String(b.queueARN)}}}); err != nil {
			t.Fatalf("PutTargets %s: %v", name, err)
		}
		b.rules = append(b.rules, name)
		t.Cleanup(func() {
			ctx := context.Background()
			_, _ = b.eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), Ids: []string{"events-queue"}})
			_, _ = b.eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name)})
		})
	}
	if len(b.rules) != 4 {
		t.Fatalf("rules %v: want the 4 patterns of rules/", b.rules)
	}
	return b
}

// put puts the events on the default bus.
func (b *bus) put(ctx context.Context, t *testing.T, evs []trailEvent) {
	t.Helper()
	var entries []ebtypes.PutEventsRequestEntry
	for _, ev := range evs {
		entries = append(entries, ebtypes.PutEventsRequestEntry{
			Source: aws.String(ev.Source), DetailType: aws.String(ev.DetailType), Detail: aws.String(ev.Detail), Time: aws.Time(time.Now()),
		})
	}
	for len(entries) > 0 {
		n := min(10, len(entries)) // PutEvents takes 10 entries at most
		out, err := b.eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries[:n]})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %v (%d failed)", err, aws.ToInt32(&out.FailedEntryCount))
		}
		entries = entries[n:]
	}
}

// delivered is a message of the events queue with the envelope it carries.
type delivered struct {
	Message  sqstypes.Message
	Envelope struct {
		ID         string          `json:"id"`
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Account    string          `json:"account"`
		Region     string          `json:"region"`
		Detail     json.RawMessage `json:"detail"`
	}
	// EventID is detail.eventID (detail.id for a GuardDuty finding).
	EventID string
}

// receive reads the queue until want messages arrived (or the deadline),
// then keeps listening for settle to catch any that should not arrive.
func (b *bus) receive(ctx context.Context, t *testing.T, want int, deadline, settle time.Duration) []delivered {
	t.Helper()
	var out []delivered
	end := time.Now().Add(deadline)
	var quietUntil time.Time
	for {
		now := time.Now()
		if len(out) >= want && quietUntil.IsZero() {
			quietUntil = now.Add(settle)
		}
		if (!quietUntil.IsZero() && now.After(quietUntil)) || now.After(end) {
			return out
		}
		res, err := b.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(b.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 0,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			VisibilityTimeout:           300,
		})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		for _, m := range res.Messages {
			d := delivered{Message: m}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &d.Envelope); err != nil {
				t.Errorf("message %s is not an EventBridge envelope: %v", aws.ToString(m.MessageId), err)
				continue
			}
			var ids struct {
				EventID string `json:"eventID"`
				ID      string `json:"id"`
			}
			_ = json.Unmarshal(d.Envelope.Detail, &ids)
			d.EventID = ids.EventID
			if d.EventID == "" {
				d.EventID = ids.ID
			}
			out = append(out, d)
		}
		if len(res.Messages) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// kumoDelivered asks kumo which events its EventBridge matched, for a
// failure message that tells "not matched" from "delivered elsewhere".
func kumoDelivered() string {
	resp, err := http.Get(emu.URL + "/kumo/eventbridge/delivered-events")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4000))
	return string(b)
}

// routingFixture is the estate the event pipeline acts on: the secrets the
// sample events name, created in the emulator under the same names.
type routingFixture struct {
	org     *testOrg
	rewrite map[string]string
	arns    map[string]string // name → emulator ARN
}

// The sample secrets the pipeline's events name, with their testdata ARNs.
var sampleSecrets = map[string]string{
	"shared/public-api-token":         "arn:aws:secretsmanager:us-east-1:445566778899:secret:shared/public-api-token-uLqzOa",
	"platform/github-app-private-key": "arn:aws:secretsmanager:us-east-1:445566778899:secret:platform/github-app-private-key-v4fHSr",
	"payments/db-primary":             "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/db-primary-Kw0EJ3",
	"payments/card-vault-hsm-pin":     "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/card-vault-hsm-pin-1n4xvV",
	"platform/terraform-state-key":    "arn:aws:secretsmanager:us-east-1:445566778899:secret:platform/terraform-state-key-1Rihno",
}

// seedRoutingFixture creates the sample secrets in the state the events
// leave them in: shared/public-api-token with the public policy event 03
// puts, platform/github-app-private-key with the org-restricted one of 04.
// The events happen where kumo keeps the secrets: the sample organization's
// account ids become dataAccount (a member of the organization, see
// emulator); 999988887777 stays outside the organization.
func seedRoutingFixture(ctx context.Context, t *testing.T) *routingFixture {
	t.Helper()
	o := seedOrg(t)
	key := createKey(ctx, t, "pipeline CMK")
	owner := map[string]string{"owner": "team-platform"}
	f := &routingFixture{org: o, rewrite: map[string]string{}, arns: map[string]string{}}
	specs := map[string]secretSpec{
		"shared/public-api-token":         {Tags: owner, KmsKeyID: *key.Arn, Policy: publicPolicyAsPut},
		"platform/github-app-private-key": {Tags: owner, KmsKeyID: *key.Arn, Policy: orgRestrictedPolicy(o.ID)},
		"payments/db-primary":             {Tags: owner, KmsKeyID: *key.Arn},
		"payments/card-vault-hsm-pin":     {Tags: owner, KmsKeyID: *key.Arn},
		"platform/terraform-state-key":    {Tags: owner, KmsKeyID: *key.Arn},
	}
	for _, a := range sampleAccounts {
		f.rewrite[a] = o.Data
	}
	f.rewrite[sampleOrgID] = o.ID
	// platform/github-app-private-key holds the policy event 04 puts.
	put := loadTrailEvent(t, "04_PutResourcePolicy_github-app-key-org-restricted.json", f.rewrite, nil)
	var rec struct {
		RequestParameters struct {
			ResourcePolicy string `json:"resourcePolicy"`
		} `json:"requestParameters"`
	}
	if err := json.Unmarshal([]byte(put.Detail), &rec); err != nil || rec.RequestParameters.ResourcePolicy == "" {
		t.Fatalf("event 04 has no resource policy: %v", err)
	}
	spec := specs["platform/github-app-private-key"]
	spec.Policy = rec.RequestParameters.ResourcePolicy
	specs["platform/github-app-private-key"] = spec
	for name, spec := range specs {
		spec.Name = name
		f.arns[name] = createSecret(ctx, t, spec)
		f.rewrite[sampleSecrets[name]] = f.arns[name]
	}
	return f
}

// publicPolicyAsPut is the policy event 03 puts (its requestParameters).
const publicPolicyAsPut = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Effect\": \"Allow\",\n            \"Principal\": \"*\",\n            \"Action\": \"secretsmanager:GetSecretValue\",\n            \"Resource\": \"*\"\n        }\n    ]\n}"

// pipelineEvents are the events of the pipeline: those a rule routes and
// read-only calls no rule may route.
func (f *routingFixture) pipelineEvents(t *testing.T) []trailEvent {
	t.Helper()
	api, reads, service, guardduty := rules.APICalls, rules.Reads, rules.ServiceEvents, rules.GuardDuty
	evs := []trailEvent{
		with(loadTrailEvent(t, "03_PutResourcePolicy_public-api-token-public.json", f.rewrite, nil), api),
		with(loadTrailEvent(t, "04_PutResourcePolicy_github-app-key-org-restricted.json", f.rewrite, nil), api),
		with(loadTrailEvent(t, "05_GetSecretValue_payments-db-primary-app-role.json", f.rewrite, nil), reads),
		with(loadTrailEvent(t, "14_RotationFailed_card-vault-hsm-pin.json", f.rewrite, nil), service),
		with(loadTrailEvent(t, "18_GetSecretValue_terraform-state-key-external-account.json", f.rewrite, nil), reads),
		with(loadTrailEvent(t, "27_GuardDutyFinding_payments-api-ec2-credential-exfiltration.json", f.rewrite, nil), guardduty),
		// Read-only calls: never routed.
		with(loadTrailEvent(t, "05_GetSecretValue_payments-db-primary-app-role.json", f.rewrite, func(d map[string]any) {
			d["eventName"] = "DescribeSecret"
		}), ""),
		with(loadTrailEvent(t, "05_GetSecretValue_payments-db-primary-app-role.json", f.rewrite, func(d map[string]any) {
			d["eventName"] = "ListSecrets"
			d["requestParameters"] = map[string]any{"maxResults": 100}
		}), ""),
		with(loadTrailEvent(t, "23_ValidateResourcePolicy_read-only-no-op.json", f.rewrite, nil), ""),
		with(loadTrailEvent(t, "24_ListSecretReplicas_unknown-event-name.json", f.rewrite, nil), ""),
	}
	for i := range evs {
		if evs[i].Rule == "" {
			evs[i].Label += " as " + evs[i].Name
		}
	}
	return evs
}

func with(ev trailEvent, rule string) trailEvent {
	ev.Rule = rule
	return ev
}

// routeEvents puts the events on the bus and returns what reached the
// queue, after checking that exactly the routed events arrived, once each,
// with the CloudTrail record unchanged.
func routeEvents(ctx context.Context, t *testing.T, b *bus, evs []trailEvent) []delivered {
	t.Helper()
	wantRouted := map[string]trailEvent{}
	for _, ev := range evs {
		// The product's matcher and kumo's must agree with the table.
		if got := productRule(t, ev); got != ev.Rule {
			t.Errorf("%s: rules.Delivers routes it to %q, the test expects %q", ev.Label, got, ev.Rule)
		}
		if ev.Rule != "" {
			wantRouted[ev.ID] = ev
		}
	}
	b.put(ctx, t, evs)
	got := b.receive(ctx, t, len(wantRouted), 10*time.Second, 750*time.Millisecond)
	seen := map[string]int{}
	for _, d := range got {
		seen[d.EventID]++
		ev, ok := wantRouted[d.EventID]
		if !ok {
			label := d.EventID
			for _, e := range evs {
				if e.ID == d.EventID {
					label = e.Label
				}
			}
			t.Errorf("delivered but no rule should route it: %s", label)
			continue
		}
		if d.Envelope.Source != ev.Source || d.Envelope.DetailType != ev.DetailType || !sameJSON(string(d.Envelope.Detail), ev.Detail) {
			t.Errorf("%s: delivered envelope source %q detail-type %q detail changed=%v", ev.Label, d.Envelope.Source, d.Envelope.DetailType, !sameJSON(string(d.Envelope.Detail), ev.Detail))
		}
	}
	for id, ev := range wantRouted {
		if seen[id] != 1 {
			t.Errorf("%s (rule %s): delivered %d times, want once", ev.Label, ev.Rule, seen[id])
		}
	}
	if len(got) == 0 {
		t.Fatalf("nothing reached the queue. kumo delivers to SQS at http://localhost:$KUMO_PORT (KUMO_PORT=%s, front door %s); kumo's delivery log: %s",
			os.Getenv("KUMO_PORT"), emu.URL, kumoDelivered())
	}
	return got
}

// TestRulesRouteCloudTrailEvents creates one EventBridge rule per
// rules/*.json file (pattern unchanged) targeting an SQS queue, puts
// real-shaped CloudTrail events (testdata/events) and checks that exactly
// the events a rule routes reach the queue, and DescribeSecret,
// ListSecrets, ValidateResourcePolicy and an unknown event name do not.
// It also proves kumo delivers to this run's emulator (see
// internal/loopback).
func TestRulesRouteCloudTrailEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f := seedRoutingFixture(ctx, t)
	b := newBus(ctx, t)
	evs := f.pipelineEvents(t)
	got := routeEvents(ctx, t, b, evs)
	t.Logf("%d of %d events routed", len(got), len(evs))
	if want := fmt.Sprint(countRouted(evs)); fmt.Sprint(len(got)) != want {
		t.Errorf("%d messages, want %s", len(got), want)
	}
}

func countRouted(evs []trailEvent) int {
	n := 0
	for _, ev := range evs {
		if ev.Rule != "" {
			n++
		}
	}
	return n
}
