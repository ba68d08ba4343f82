package integration

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
)

// TestStoreOnDynamoDB runs the findings store on the emulator's DynamoDB:
// transitions (only changes alert), once-per-event claims and rate-limit
// counters are single conditional or atomic requests, and the items are
// where the contract says (pk/sk).
func TestStoreOnDynamoDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, table := createTable(ctx, t)
	st := store.New(db, table)
	arn := "arn:aws:secretsmanager:us-east-1:000000000000:secret:store/db-AbCdEf"
	f := finding.Finding{PolicyID: "rotation-enabled", Title: "Automatic rotation is enabled", Severity: "high",
		Status: finding.StatusFail, SecretARN: arn, SecretName: "store/db", AccountID: "111122223333", Region: region,
		Message: "automatic rotation is not enabled", Controls: []string{"SecretsManager.1"}}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

	steps := []struct {
		status finding.Status
		at     time.Time
		change store.Change
		alerts bool
	}{
		{finding.StatusFail, t0, store.ChangeNew, true},
		{finding.StatusFail, t0.Add(time.Hour), store.ChangeUnchanged, false},
		{finding.StatusPass, t0.Add(2 * time.Hour), store.ChangeChanged, true}, // resolved
		{finding.StatusFail, t0.Add(time.Minute), store.ChangeStale, false},    // older than stored
	}
	for i, s := range steps {
		f.Status, f.LastSeen = s.status, s.at
		tr, err := st.Record(ctx, f)
		if err != nil {
			t.Fatalf("step %d: Record: %v", i, err)
		}
		if tr.Change != s.change || tr.Alerts() != s.alerts {
			t.Errorf("step %d (%s at %s): %s alerts=%v, want %s alerts=%v", i, s.status, s.at.Format(time.TimeOnly), tr, tr.Alerts(), s.change, s.alerts)
		}
	}
	// An alert that could not be delivered is owed by the next recording of
	// the same observation (the retry), and only by it.
	if err := st.OweAlert(ctx, arn, "rotation-enabled", t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("OweAlert: %v", err)
	}
	f.Status, f.LastSeen = finding.StatusPass, t0.Add(2*time.Hour)
	if tr, err := st.Record(ctx, f); err != nil || !tr.Owed || !tr.Alerts() {
		t.Errorf("retry after an undelivered alert: %+v %v", tr, err)
	}
	if tr, err := st.Record(ctx, f); err != nil || tr.Owed || tr.Alerts() {
		t.Errorf("after the owed alert: %+v %v", tr, err)
	}
	if err := st.OweAlert(ctx, arn, "rotation-enabled", t0); err != nil { // older than stored: no-op
		t.Fatalf("OweAlert on an older observation: %v", err)
	}
	if tr, _ := st.Record(ctx, f); tr.Owed {
		t.Errorf("an older observation's mark must not stick: %+v", tr)
	}
	items := queryPK(ctx, t, db, table, store.FindingPK(arn))
	if len(items) != 1 || items[0][store.AttrSK] != store.FindingSK("rotation-enabled") || items[0]["status"] != "pass" ||
		!strings.HasPrefix(items[0]["first_seen"], "2026-11-20T10:00:00") || !strings.HasPrefix(items[0]["last_seen"], "2026-11-20T12:00:00") {
		t.Errorf("stored items %v", items)
	}

	// Processed events: the first claim wins, a redelivery does not.
	for i, want := range []bool{true, false} {
		first, err := st.MarkProcessed(ctx, "evt-1", time.Hour)
		if err != nil || first != want {
			t.Errorf("MarkProcessed #%d: %v %v, want %v", i+1, first, err, want)
		}
	}
	if items := queryPK(ctx, t, db, table, store.ProcessedPK("evt-1")); len(items) != 1 || items[0][store.AttrExpires] == "" {
		t.Errorf("processed-event item %v: want one item with %s", items, store.AttrExpires)
	}
	// Rate limit: 2 per window, atomically counted.
	now := time.Now()
	var got []bool
	for range 3 {
		ok, err := st.Take(ctx, "rotation#account#111122223333", 2, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ok)
	}
	if n, err := st.Count(ctx, "rotation#account#111122223333", time.Hour, now); err != nil || n != 2 || !got[0] || !got[1] || got[2] {
		t.Errorf("Take ×3 = %v, Count = %d %v: want true,true,false and 2", got, n, err)
	}
	// Dedupe claims: Once, Seen, Release.
	if first, _ := st.Once(ctx, store.RotationDedupeKey(arn), time.Hour, now); !first {
		t.Error("first Once refused")
	}
	if again, _ := st.Once(ctx, store.RotationDedupeKey(arn), time.Hour, now); again {
		t.Error("second Once allowed")
	}
	if seen, err := st.Seen(ctx, store.RotationDedupeKey(arn), now); err != nil || !seen {
		t.Errorf("Seen = %v %v", seen, err)
	}
	if err := st.Release(ctx, store.RotationDedupeKey(arn)); err != nil {
		t.Fatal(err)
	}
	if first, _ := st.Once(ctx, store.RotationDedupeKey(arn), time.Hour, now); !first {
		t.Error("Once after Release refused")
	}
	// The access ledger.
	if err := st.RecordRead(ctx, []string{"arn:aws:iam::111122223333:role/app"}, arn, now); err != nil {
		t.Fatal(err)
	}
	if reads, err := st.Reads(ctx, []string{"arn:aws:iam::111122223333:role/app"}, now.Add(-time.Hour)); err != nil || len(reads) != 1 || reads[0] != arn {
		t.Errorf("Reads = %v %v", reads, err)
	}
}

// TestRecorderPublishesOnlyChanges records findings through the Recorder
// with every output wired: alerts to SNS (read back from a subscribed SQS
// queue), "Secret Warden Finding" events to EventBridge (read back through
// a rule to SQS), and Security Hub, which kumo lacks: its
// BatchImportFindings requests are captured and
// answered in-process, and the test asserts on them.
func TestRecorderPublishesOnlyChanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, table := createTable(ctx, t)
	topic := newAlertTopic(ctx, t)
	cfg := emu.sdkConfig()
	capture := &inputCapture{}
	capture.install(&cfg)
	fakeOps{
		"SecurityHub:BatchImportFindings": func(any) (any, error) { return &securityhub.BatchImportFindingsOutput{FailedCount: aws.Int32(0)}, nil },
		"SecurityHub:BatchUpdateFindings": func(any) (any, error) { return &securityhub.BatchUpdateFindingsOutput{}, nil },
	}.install(&cfg)

	// "secretwarden" events reach a queue through a rule, as a consumer would.
	ebc := eventbridge.NewFromConfig(cfg)
	evQueue := &bus{sqs: sqsClient(cfg), eb: ebc}
	evQueue.queueURL, evQueue.queueARN = newQueue(ctx, t, evQueue.sqs, "warden-out-"+randomID()[:8])
	rule := "warden-out-" + randomID()[:8]
	if _, err := ebc.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(rule), EventPattern: aws.String(`{"source":["secretwarden"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ebc.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(evQueue.queueARN)}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = ebc.RemoveTargets(context.Background(), &eventbridge.RemoveTargetsInput{Rule: aws.String(rule), Ids: []string{"q"}})
		_, _ = ebc.DeleteRule(context.Background(), &eventbridge.DeleteRuleInput{Name: aws.String(rule)})
	})

	var hubAccounts []string
	rec := &action.Recorder{
		Store:  store.New(dynamodb.NewFromConfig(cfg), table),
		Alerts: &action.SNS{API: sns.NewFromConfig(cfg), TopicARN: topic.ARN},
		Hub: &action.SecurityHub{Clients: func(_ context.Context, account, reg string) (action.BatchImportFindingsAPI, error) {
			// In production the Findings role in the finding's account, in
			// its region: here the suite's client, the account recorded.
			hubAccounts = append(hubAccounts, account+"/"+reg)
			return securityhub.NewFromConfig(cfg, func(o *securityhub.Options) { o.Region = reg }), nil
		}},
		Events: &action.EventBridge{API: ebc, BusName: "default"},
	}
	arn := "arn:aws:secretsmanager:us-east-1:000000000000:secret:rec/public-AbCdEf"
	f := finding.Finding{PolicyID: "no-wildcard-principal", Title: "Resource policy grants no unrestricted wildcard principal", Severity: "high",
		Status: finding.StatusFail, SecretARN: arn, SecretName: "rec/public", AccountID: "111122223333", Region: region,
		Message: "statement 0 allows *", Controls: []string{}}
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

	record := func(status finding.Status, at time.Time) {
		t.Helper()
		f.Status, f.LastSeen = status, at
		if _, err := rec.Record(ctx, []finding.Finding{f}); err != nil {
			t.Fatalf("Record %s: %v", status, err)
		}
	}
	record(finding.StatusFail, t0)
	record(finding.StatusFail, t0.Add(time.Minute)) // unchanged: no alert
	record(finding.StatusPass, t0.Add(2*time.Minute))

	alerts := topic.drain(ctx, t, 500*time.Millisecond)
	if len(alerts) != 2 {
		t.Fatalf("%d alerts, want 2 (new failure, resolved): %+v", len(alerts), alerts)
	}
	a, r := alerts[0], alerts[1]
	if a.Alert.Type != action.AlertFinding || a.Alert.Status != "fail" || a.Alert.Resolved || a.Alert.SecretARN != arn || a.Alert.PolicyID != f.PolicyID ||
		a.Alert.Severity != "high" || a.Alert.AccountID != "111122223333" || a.Alert.Source != action.Source {
		t.Errorf("first alert %+v", a.Alert)
	}
	if !strings.HasPrefix(a.Subject, "[HIGH] Secret Warden: no-wildcard-principal on rec/public") || a.Attributes["severity"] != "high" || a.Attributes["policy_id"] != f.PolicyID {
		t.Errorf("first alert subject %q attributes %v", a.Subject, a.Attributes)
	}
	if !r.Alert.Resolved || r.Alert.Status != "pass" || !strings.Contains(r.Subject, "resolved") {
		t.Errorf("second alert %+v subject %q", r.Alert, r.Subject)
	}

	// Security Hub: imported on every failing record, and on the resolution
	// (PASSED, ARCHIVED), each time with the same stable id, in the
	// finding's own account and region under that account's default
	// product ARN.
	imports := capture.find("SecurityHub", "BatchImportFindings")
	if len(imports) != 3 {
		t.Fatalf("%d BatchImportFindings requests, want 3", len(imports))
	}
	var statuses []string
	for _, in := range imports {
		fs := in.(*securityhub.BatchImportFindingsInput).Findings
		if len(fs) != 1 || aws.ToString(fs[0].Id) != action.FindingID(f) || aws.ToString(fs[0].ProductArn) != action.ProductARN("aws", region, "111122223333") ||
			aws.ToString(fs[0].AwsAccountId) != "111122223333" || aws.ToString(fs[0].Region) != region || aws.ToString(fs[0].Resources[0].Id) != arn {
			t.Errorf("import %+v", fs)
			continue
		}
		statuses = append(statuses, string(fs[0].Compliance.Status)+"/"+string(fs[0].RecordState))
	}
	if got := strings.Join(statuses, ","); got != "FAILED/ACTIVE,FAILED/ACTIVE,PASSED/ARCHIVED" {
		t.Errorf("imported compliance/record state %s", got)
	}
	if strings.Join(hubAccounts, ",") != strings.Repeat("111122223333/"+region+",", 2)+"111122223333/"+region {
		t.Errorf("each import in the finding's account and region: %v", hubAccounts)
	}
	if updates := capture.find("SecurityHub", "BatchUpdateFindings"); len(updates) != 0 {
		t.Errorf("no BatchUpdateFindings (the Findings role only imports): %+v", updates)
	}

	// EventBridge: one "Secret Warden Finding" event per change (2).
	got := evQueue.receive(ctx, t, 2, 5*time.Second, 300*time.Millisecond)
	var transitions []string
	for _, d := range got {
		var detail struct {
			Transition string `json:"transition"`
			SecretARN  string `json:"secret_arn"`
		}
		_ = json.Unmarshal(d.Envelope.Detail, &detail)
		if d.Envelope.Source != action.Source || d.Envelope.DetailType != action.DetailTypeFinding || detail.SecretARN != arn {
			t.Errorf("event %+v", d.Envelope)
		}
		transitions = append(transitions, detail.Transition)
	}
	if len(transitions) != 2 || !strings.Contains(strings.Join(transitions, ";"), "new (fail)") || !strings.Contains(strings.Join(transitions, ";"), "changed from fail to pass") {
		t.Errorf("finding events %q, want the two changes", transitions)
	}
}

// TestRemediatorOnEmulator removes offending statements from real resource
// policies in the emulator's Secrets Manager: the public statement of a
// two-statement policy is removed and the rest put back; a policy left
// empty is deleted; running again removes nothing (idempotent).
func TestRemediatorOnEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o := seedOrg(t)
	cfg := emu.sdkConfig()
	sm := secretsmanager.NewFromConfig(cfg)
	capture := &inputCapture{}
	capture.install(&cfg)
	smCaptured := secretsmanager.NewFromConfig(cfg)
	two := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"},` +
		`{"Sid":"OrgOnly","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + o.ID + `"}}}]}`
	mixed := createSecret(ctx, t, secretSpec{Name: "rem/mixed", Tags: map[string]string{"owner": "x"}, Policy: two})
	public := createSecret(ctx, t, secretSpec{Name: "rem/public-only", Tags: map[string]string{"owner": "x"}, Policy: publicPolicy()})

	rem := &action.Remediator{
		Reads:  func(context.Context, string, string) (action.GetResourcePolicyAPI, error) { return smCaptured, nil },
		Writes: func(context.Context, string, string) (action.ResourcePolicyWriteAPI, error) { return smCaptured, nil },
	}
	res, err := rem.Remediate(ctx, action.RemediationRequest{SecretARN: mixed, Statements: []int{0}, DecidedPolicy: two})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Deleted || len(res.Removed) != 1 || !sameJSON(res.PriorPolicy, two) {
		t.Errorf("mixed: %+v", res)
	}
	pol, err := sm.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(mixed)})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []struct{ Sid string } }
	_ = json.Unmarshal([]byte(aws.ToString(pol.ResourcePolicy)), &doc)
	if len(doc.Statement) != 1 || doc.Statement[0].Sid != "OrgOnly" {
		t.Errorf("policy after remediation: %s", aws.ToString(pol.ResourcePolicy))
	}
	puts := capture.find("Secrets Manager", "PutResourcePolicy")
	if len(puts) != 1 || !aws.ToBool(puts[0].(*secretsmanager.PutResourcePolicyInput).BlockPublicPolicy) {
		t.Errorf("PutResourcePolicy requests %+v, want one with BlockPublicPolicy", puts)
	}
	// Again: nothing left to remove.
	again, err := rem.Remediate(ctx, action.RemediationRequest{SecretARN: mixed, Statements: []int{0}, DecidedPolicy: two})
	if err != nil || again.Changed || len(again.Removed) != 0 {
		t.Errorf("second remediation %+v %v, want no change", again, err)
	}

	res, err = rem.Remediate(ctx, action.RemediationRequest{SecretARN: public, Statements: []int{0}, DecidedPolicy: publicPolicy()})
	if err != nil || !res.Deleted || !res.Changed {
		t.Errorf("public-only: %+v %v, want the policy deleted", res, err)
	}
	pol, err = sm.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(public)})
	if err != nil || aws.ToString(pol.ResourcePolicy) != "" {
		t.Errorf("policy after deletion: %q %v", aws.ToString(pol.ResourcePolicy), err)
	}
}

// TestEmergencyRotationRails runs the real rails (state in the emulator's
// DynamoDB, the secret described by the emulator's Secrets Manager) and the
// real DirectRotator. kumo has no RotateSecret, so (1) no secret of it can
// have rotation configured: the first check shows the rails refusing on
// the real DescribeSecret answer; then the answer is patched with a
// rotation function to exercise the rest; (2) RotateSecret is answered
// in-process and the test asserts on the request sent.
func TestEmergencyRotationRails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, table := createTable(ctx, t)
	st := store.New(db, table)
	a := createSecret(ctx, t, secretSpec{Name: "rot/a", Tags: map[string]string{"owner": "x"}})
	b := createSecret(ctx, t, secretSpec{Name: "rot/b", Tags: map[string]string{"owner": "x"}})

	plain := secretsmanager.NewFromConfig(emu.sdkConfig())
	cfg := emu.sdkConfig()
	capture := &inputCapture{}
	capture.install(&cfg)
	fakeOps{"Secrets Manager:RotateSecret": func(in any) (any, error) {
		r := in.(*secretsmanager.RotateSecretInput)
		return &secretsmanager.RotateSecretOutput{ARN: r.SecretId, VersionId: r.ClientRequestToken}, nil
	}}.install(&cfg)
	patchOutput(&cfg, "Secrets Manager:DescribeSecret", func(out any) {
		d := out.(*secretsmanager.DescribeSecretOutput)
		d.RotationEnabled = aws.Bool(true)
		d.RotationLambdaARN = aws.String("arn:aws:lambda:us-east-1:000000000000:function:rotate-" + aws.ToString(d.Name)[4:])
	})
	patched := secretsmanager.NewFromConfig(cfg)

	newRails := func(api rails.DescribeSecretAPI) *rails.Rails {
		lim := rails.DefaultLimits()
		lim.AccountLimit = 1
		return &rails.Rails{Store: st, Limits: lim, Log: slog.New(slog.DiscardHandler), Describe: func(context.Context, string, string) (rails.DescribeSecretAPI, error) { return api, nil }}
	}
	req := func(arn string) action.RotationRequest {
		return action.RotationRequest{SecretARN: arn, Rule: "resource-policy-exposed", Reason: "made public", Severity: "critical", EventID: "evt-" + randomID(), Requested: time.Now().UTC()}
	}

	// kumo's real answer: no rotation function configured.
	unpatched := &action.DirectRotator{Rails: newRails(plain), Clients: func(context.Context, string, string) (action.RotateSecretAPI, error) { return patched, nil }}
	res, err := unpatched.Rotate(ctx, req(a))
	if err != nil || res.Rotated || res.Rail != rails.RailConfigured {
		t.Errorf("unconfigured secret: %+v %v, want refused by %s", res, err, rails.RailConfigured)
	}

	rot := &action.DirectRotator{Rails: newRails(patched), Clients: func(context.Context, string, string) (action.RotateSecretAPI, error) { return patched, nil }}
	first := req(a)
	res, err = rot.Rotate(ctx, first)
	if err != nil || !res.Rotated || res.VersionID != action.RotationToken(first) {
		t.Fatalf("first rotation: %+v %v", res, err)
	}
	sent := capture.find("Secrets Manager", "RotateSecret")
	if len(sent) != 1 {
		t.Fatalf("%d RotateSecret requests, want 1", len(sent))
	}
	in := sent[0].(*secretsmanager.RotateSecretInput)
	if aws.ToString(in.SecretId) != a || !aws.ToBool(in.RotateImmediately) || aws.ToString(in.ClientRequestToken) != action.RotationToken(first) {
		t.Errorf("RotateSecret request %+v", in)
	}
	// Same secret again: dedupe. Another secret in the same account: the
	// account limit (1 per hour) opens the breaker.
	if res, err := rot.Rotate(ctx, req(a)); err != nil || res.Rotated || res.Rail != rails.RailDedupe {
		t.Errorf("second rotation of the same secret: %+v %v, want refused by %s", res, err, rails.RailDedupe)
	}
	if res, err := rot.Rotate(ctx, req(b)); err != nil || res.Rotated || res.Rail != rails.RailAccountLimit {
		t.Errorf("rotation over the account limit: %+v %v, want refused by %s", res, err, rails.RailAccountLimit)
	}
	if n := len(capture.find("Secrets Manager", "RotateSecret")); n != 1 {
		t.Errorf("%d RotateSecret requests in all, want 1", n)
	}
	// Every decision is audited in the table.
	if ds, err := st.RotationDecisions(ctx, a); err != nil || len(ds) < 2 {
		t.Errorf("audited decisions for %s: %d %v", a, len(ds), err)
	}
}
