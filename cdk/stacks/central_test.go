package stacks

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/cdk/internal/config"
	"github.com/secretwarden/warden/cdk/internal/nag"
	"github.com/secretwarden/warden/rules"
)

// One synth of the central app (read events on, Security Hub on), which
// includes the member template and the management-account stacks; one synth
// of an enforce-mode member template; and one synth of the central app with
// readEvents=off, Security Hub off, a CloudTrail Lake event data store, an
// ExternalId and the organization's own policies. Shared by every test.
var (
	testCfg        config.Config
	central        *CentralStack
	centralTpl     tmpl
	memberTpl      tmpl
	mgmtStacks     []awscdk.Stack
	mgmtTpls       map[string]tmpl // by region
	enforceMember  *MemberTemplate
	enforceTpl     tmpl
	offCfg         config.Config
	offCentral     *CentralStack
	offTpl         tmpl
	offMemberTpl   tmpl
	testRules      []rules.Rule
	testPatterns   map[string]map[string]any
	tmpRoot        string
	enforcedPolicy = "resource-policy-exposed"
	testLake       = "arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
)

func configFrom(extra map[string]any) config.Config {
	ctx := map[string]any{
		config.KeyOrganizationID:        "o-a1b2c3d4e5",
		config.KeyOrganizationalUnitIDs: []any{"ou-ab12-cd34ef56", "ou-ab12-99998888"},
		config.KeyRegions:               []any{"eu-west-1", "us-east-1"},
		config.KeyAlertEmails:           []any{"security@example.com", "oncall@example.com"},
		config.KeyModes:                 map[string]any{"unused": "alert-only", "no-external-access": "enforce"},
	}
	for k, v := range extra {
		ctx[k] = v
	}
	c, err := config.Parse(func(k string) any { return ctx[k] })
	if err != nil {
		panic(err)
	}
	return c
}

func baseConfig() config.Config { return configFrom(nil) }

func TestMain(m *testing.M) {
	os.Exit(func() int {
		defer jsii.Close()
		// Assemblies stay until the end: Annotations_FromStack re-synthesizes.
		var err error
		if tmpRoot, err = os.MkdirTemp("", "warden-cdk-test-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() {
			if os.Getenv("KEEP") == "" {
				os.RemoveAll(tmpRoot)
			}
		}()
		if err := setup(); err != nil {
			fmt.Fprintln(os.Stderr, "setup:", err)
			return 1
		}
		return m.Run()
	}())
}

func setup() error {
	var err error
	if testRules, err = rules.Rules(); err != nil {
		return err
	}
	if testPatterns, err = rules.Patterns(); err != nil {
		return err
	}
	// Tests do not need real binaries: one prebuilt placeholder asset serves
	// every function (the real local bundling is exercised by
	// cdk/internal/gobuild's synth test and by `cdk synth`).
	assetDir := filepath.Join(tmpRoot, "asset")
	if err := os.MkdirAll(assetDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(assetDir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		return err
	}
	code := func(string) awslambda.Code { return awslambda.Code_FromAsset(jsii.String(assetDir), nil) }

	start := time.Now()
	testCfg = baseConfig()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(tmpRoot, "cdk.out"))})
	central, err = NewCentralStack(app, "SecretWarden", CentralStackProps{
		Config:       testCfg,
		Rules:        testRules,
		MemberOutdir: filepath.Join(tmpRoot, "member.out"),
		Code:         code,
	})
	if err != nil {
		return err
	}
	if mgmtStacks, err = NewManagementStacks(app, MemberStackProps{Config: testCfg, Rules: testRules}); err != nil {
		return err
	}
	nag.Apply(app)
	centralTpl = toTmpl(assertions.Template_FromStack(central.Stack, nil))
	memberTpl = toTmpl(assertions.Template_FromString(jsii.String(central.Member.Body), nil))
	mgmtTpls = map[string]tmpl{}
	for _, st := range mgmtStacks {
		mgmtTpls[*st.Region()] = toTmpl(assertions.Template_FromStack(st, nil))
	}
	fmt.Fprintf(os.Stderr, "central synth (with member and management): %s\n", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	enf := baseConfig()
	enf.Modes = map[string]string{enforcedPolicy: config.ModeEnforce}
	if enforceMember, err = SynthMemberTemplate(MemberStackProps{Config: enf, Rules: testRules, Outdir: filepath.Join(tmpRoot, "enforce.out")}); err != nil {
		return err
	}
	enforceTpl = toTmpl(assertions.Template_FromString(jsii.String(enforceMember.Body), nil))
	fmt.Fprintf(os.Stderr, "enforce member synth: %s\n", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	offCfg = configFrom(map[string]any{
		config.KeyReadEvents:          config.ReadEventsOff,
		config.KeySecurityHub:         false,
		config.KeyCloudTrailLake:      testLake,
		config.KeyAuditRoleExternalID: "7f3c-secret-warden",
		config.KeyPoliciesDir:         filepath.Join("..", "internal", "config", "testdata", "policies", "ok"),
		config.KeyResponderRoleName:   "OrgResponder",
		config.KeyFindingsRoleName:    "OrgFindings",
	})
	offApp := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(tmpRoot, "off.out"))})
	if offCentral, err = NewCentralStack(offApp, "SecretWarden", CentralStackProps{
		Config: offCfg, Rules: testRules, MemberOutdir: filepath.Join(tmpRoot, "off-member.out"), Code: code,
	}); err != nil {
		return err
	}
	nag.Apply(offApp)
	offTpl = toTmpl(assertions.Template_FromStack(offCentral.Stack, nil))
	offMemberTpl = toTmpl(assertions.Template_FromString(jsii.String(offCentral.Member.Body), nil))
	fmt.Fprintf(os.Stderr, "readEvents=off synth: %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func TestResourceCounts(t *testing.T) {
	n := len(testPatterns)
	want := map[string]int{
		"AWS::Lambda::Function":           4,
		"AWS::Lambda::EventSourceMapping": 4,
		"AWS::SQS::Queue":                 8,
		"AWS::Events::EventBus":           1,
		"AWS::Events::EventBusPolicy":     1,
		"AWS::Events::Rule":               n + 1, // one per pattern + the sweep schedule
		"AWS::DynamoDB::Table":            1,
		"AWS::SNS::Topic":                 1,
		"AWS::SNS::Subscription":          len(testCfg.AlertEmails),
		"AWS::KMS::Key":                   1,
		"AWS::CloudWatch::Dashboard":      1,
		"AWS::CloudWatch::Alarm":          4 + 8, // Lambda errors + (DLQ depth, oldest age) per queue
		"AWS::CloudFormation::StackSet":   1,
		"AWS::IAM::Role":                  4,
		"AWS::Logs::LogGroup":             4,
	}
	for typ, c := range want {
		if got := len(centralTpl.ofType(typ)); got != c {
			t.Errorf("central: %d %s, want %d", got, typ, c)
		}
	}
	// readEvents=off: no reads rule, queue pair, function, mapping, log
	// group, error alarm or queue alarms; no Security Hub, so no findings role.
	off := map[string]int{
		"AWS::Lambda::Function":           3,
		"AWS::Lambda::EventSourceMapping": 3,
		"AWS::SQS::Queue":                 6,
		"AWS::Events::Rule":               n, // n-1 patterns + the schedule
		"AWS::CloudWatch::Alarm":          3 + 6,
		"AWS::IAM::Role":                  3,
		"AWS::Logs::LogGroup":             3,
	}
	for typ, c := range off {
		if got := len(offTpl.ofType(typ)); got != c {
			t.Errorf("central, readEvents=off: %d %s, want %d", got, typ, c)
		}
	}
	for name, tc := range map[string]struct {
		tp           tmpl
		rules, roles int
	}{
		"member":                 {memberTpl, n, 4}, // forward, audit, responder, findings
		"management (eu-west-1)": {mgmtTpls["eu-west-1"], n, 4},
		"member, readEvents=off": {offMemberTpl, n - 1, 3}, // no reads rule; no findings role
	} {
		for typ, c := range map[string]int{"AWS::Events::Rule": tc.rules, "AWS::IAM::Role": tc.roles} {
			if got := len(tc.tp.ofType(typ)); got != c {
				t.Errorf("%s: %d %s, want %d", name, got, typ, c)
			}
		}
		if got := len(tc.tp.resources()); got != tc.rules+tc.roles {
			t.Errorf("%s: %d resources, want %d (rules + roles)", name, got, tc.rules+tc.roles)
		}
	}
}

// rulePatterns returns the EventPattern of every pattern rule (not schedules).
func rulePatterns(t *testing.T, tp tmpl) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range tp.ofType("AWS::Events::Rule") {
		if p, ok := props(r)["EventPattern"].(map[string]any); ok {
			out = append(out, p)
		}
	}
	return out
}

func TestRulePatternsEqualRuleFiles(t *testing.T) {
	files := rulePatternFiles(t)
	if !reflect.DeepEqual(files, testPatterns) {
		t.Fatalf("rules.Patterns() differs from rules/*.json")
	}
	for name, tp := range map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl,
		"management eu-west-1": mgmtTpls["eu-west-1"], "management us-east-1": mgmtTpls["us-east-1"]} {
		got := rulePatterns(t, tp)
		if len(got) != len(files) {
			t.Errorf("%s: %d pattern rules, want %d (one per rules/*.json)", name, len(got), len(files))
		}
		for file, want := range files {
			n := 0
			for _, p := range got {
				if reflect.DeepEqual(p, want) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %d rules with the pattern of rules/%s.json, want exactly 1", name, n, file)
			}
		}
	}
	// The pattern is passed unchanged: "detail-type" keeps its name.
	if !strings.Contains(mustJSON(centralTpl.ofType("AWS::Events::Rule")), `"detail-type"`) {
		t.Error(`central rules lost the "detail-type" key`)
	}
}

func TestCentralRulesTargetTheirQueueWithDLQ(t *testing.T) {
	busRef := map[string]any{"Ref": ""}
	for id := range centralTpl.ofType("AWS::Events::EventBus") {
		busRef["Ref"] = id
	}
	reads := mustJSON(testPatterns[rules.Reads])
	for id, r := range centralTpl.ofType("AWS::Events::Rule") {
		p := props(r)
		targets := p["Targets"].([]any)
		if len(targets) != 1 {
			t.Errorf("%s: %d targets", id, len(targets))
			continue
		}
		tg := targets[0].(map[string]any)
		if tg["DeadLetterConfig"] == nil {
			t.Errorf("%s: target without DeadLetterConfig", id)
		}
		if pattern, ok := p["EventPattern"]; ok {
			if !reflect.DeepEqual(p["EventBusName"], busRef) {
				t.Errorf("%s: on bus %v, want the org bus", id, p["EventBusName"])
			}
			queue := "EventsQueue"
			if mustJSON(pattern) == reads {
				queue = "ReadsQueue"
			}
			if !strings.Contains(mustJSON(tg["Arn"]), queue) || !strings.Contains(mustJSON(tg["DeadLetterConfig"]), queue) {
				t.Errorf("%s: target %v (DLQ %v), want the %s and its DLQ", id, tg["Arn"], tg["DeadLetterConfig"], queue)
			}
		} else if p["ScheduleExpression"] != testCfg.SweepSchedule {
			t.Errorf("%s: schedule %v, want %s", id, p["ScheduleExpression"], testCfg.SweepSchedule)
		}
	}
	for name, tp := range map[string]tmpl{"member": memberTpl, "management": mgmtTpls["us-east-1"]} {
		for id, r := range tp.ofType("AWS::Events::Rule") {
			p := props(r)
			tg := p["Targets"].([]any)[0].(map[string]any)
			if p["EventBusName"] != "default" || !reflect.DeepEqual(tg["Arn"], map[string]any{"Ref": ParamOrgEventBusArn}) || tg["RoleArn"] == nil {
				t.Errorf("%s %s: want default bus → org bus with a role, got %v", name, id, mustJSON(p))
			}
		}
	}
}

var secretValueActions = []string{"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"}

func TestNoStatementAllowsReadingSecretValues(t *testing.T) {
	// The check itself must catch wildcards.
	for _, a := range []string{"*", "secretsmanager:*", "SecretsManager:Get*", "secretsmanager:*SecretValue", "secretsmanager:Batch?etSecretValue"} {
		s := statement{body: map[string]any{"Effect": "Allow", "Action": a}}
		if !s.allows("secretsmanager:GetSecretValue") && !s.allows("secretsmanager:BatchGetSecretValue") {
			t.Fatalf("checker misses %q", a)
		}
	}
	if !(statement{body: map[string]any{"Effect": "Allow", "NotAction": "s3:*"}}).allows("secretsmanager:GetSecretValue") {
		t.Fatal("checker misses NotAction")
	}

	all := map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl,
		"management": mgmtTpls["eu-west-1"], "central, readEvents=off": offTpl, "member, readEvents=off": offMemberTpl}
	for name, tp := range all {
		sts := tp.statements()
		if len(sts) < 5 {
			t.Fatalf("%s: found only %d statements: the walker is broken", name, len(sts))
		}
		for _, s := range sts {
			for _, a := range secretValueActions {
				if s.allows(a) {
					t.Errorf("%s: %s allows %s: %s", name, s.where, a, mustJSON(s.body))
				}
			}
		}
	}
	for name, tp := range all {
		denied := map[string]bool{}
		for _, s := range tp.statements() {
			if s.body["Effect"] == "Deny" && slices.Contains(strs(s.body["Resource"]), "*") && s.body["Condition"] == nil {
				for _, a := range strs(s.body["Action"]) {
					denied[a] = true
				}
			}
		}
		for _, a := range secretValueActions {
			if !denied[a] {
				t.Errorf("%s: no unconditional explicit Deny of %s", name, a)
			}
		}
	}
}

func TestBusPolicyAdmitsOnlyTheOrganization(t *testing.T) {
	pols := centralTpl.ofType("AWS::Events::EventBusPolicy")
	if len(pols) != 1 {
		t.Fatalf("%d bus policies", len(pols))
	}
	for _, p := range pols {
		st := props(p)["Statement"].(map[string]any)
		cond := mustJSON(st["Condition"])
		if st["Effect"] != "Allow" || st["Action"] != "events:PutEvents" ||
			cond != fmt.Sprintf(`{"StringEquals":{"aws:PrincipalOrgID":"%s"}}`, testCfg.OrganizationID) {
			t.Errorf("bus policy statement %s", mustJSON(st))
		}
	}
}

// handlerOf tells a function's handler from its logical id (EvaluateHandler…).
func handlerOf(t *testing.T, logicalID string) string {
	t.Helper()
	for _, h := range Handlers {
		if strings.HasPrefix(logicalID, logicalName(h)+"Handler") {
			return h
		}
	}
	t.Fatalf("%s: no handler", logicalID)
	return ""
}

func envVars(f map[string]any) map[string]any {
	return props(f)["Environment"].(map[string]any)["Variables"].(map[string]any)
}

func TestLambdas(t *testing.T) {
	// Every variable of the contract, except the optional ones (none is
	// configured in the base config).
	contract, optional := contractEnvVars(t)
	for _, v := range []string{"WARDEN_AUDIT_ROLE_EXTERNAL_ID", "WARDEN_POLICY_DATA_FILE", "WARDEN_POLICIES_DIR", "WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE"} {
		if !optional[v] {
			t.Errorf("docs/contracts.md: %s is not marked optional", v)
		}
	}
	fns := centralTpl.ofType("AWS::Lambda::Function")
	wantConc := map[string]float64{HandlerEvaluate: 5, HandlerSweep: 20, HandlerRotate: 2, HandlerReads: 5}
	seen := map[string]bool{}
	for id, f := range fns {
		h := handlerOf(t, id)
		seen[h] = true
		p := props(f)
		if p["Runtime"] != "provided.al2023" || !reflect.DeepEqual(p["Architectures"], []any{"arm64"}) || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v %v handler %v", id, p["Runtime"], p["Architectures"], p["Handler"])
		}
		if rc := p["ReservedConcurrentExecutions"]; rc != wantConc[h] {
			t.Errorf("%s: reserved concurrency %v, want %v (config)", id, rc, wantConc[h])
		}
		vars := envVars(f)
		var names []string
		for k := range vars {
			names = append(names, k)
		}
		sort.Strings(names)
		var want []string
		for _, v := range contract {
			if !optional[v] {
				want = append(want, v)
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: env %v, want the contract's %v", id, names, want)
		}
		for k, v := range map[string]any{
			"WARDEN_AUDIT_ROLE_NAME":     "SecretWardenAudit",
			"WARDEN_RESPONDER_ROLE_NAME": "SecretWardenResponder",
			"WARDEN_FINDINGS_ROLE_NAME":  "SecretWardenFindings",
			"WARDEN_READ_EVENTS":         "all",
			"WARDEN_ORGANIZATION_ID":     testCfg.OrganizationID,
			"WARDEN_REGIONS":             "eu-west-1,us-east-1",
			"WARDEN_MODES":               `{"no-external-access":"enforce","unused":"alert-only"}`,
			"WARDEN_SECURITY_HUB":        "true",
			"WARDEN_DRY_RUN":             "false",
		} {
			if vars[k] != v {
				t.Errorf("%s: %s = %v, want %v", id, k, vars[k], v)
			}
		}
		// The handler's DependsOn keeps its role's policy only (the role is
		// a dependency through GetAtt; cfn-lint W3005).
		deps := strs(f["DependsOn"])
		if len(deps) != 1 || !strings.HasPrefix(deps[0], logicalName(h)+"HandlerRoleDefaultPolicy") {
			t.Errorf("%s: DependsOn %v, want only its role's default policy", id, deps)
		}
	}
	if len(seen) != len(Handlers) {
		t.Errorf("functions for %v, want %v", seen, Handlers)
	}
	for id, m := range centralTpl.ofType("AWS::Lambda::EventSourceMapping") {
		p := props(m)
		sc, _ := p["ScalingConfig"].(map[string]any)
		if sc["MaximumConcurrency"] == nil {
			t.Errorf("%s: no MaximumConcurrency", id)
		}
		if p["BatchSize"] == 10.0 && !reflect.DeepEqual(p["FunctionResponseTypes"], []any{"ReportBatchItemFailures"}) {
			t.Errorf("%s: the events mapping must report batch item failures", id)
		}
	}
	assertions.Template_FromJSON((*map[string]any)(&centralTpl), nil).HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
		"BatchSize":             10,
		"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		"EventSourceArn":        map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{assertions.Match_StringLikeRegexp(jsii.String("^EventsQueue"))})},
	})
}

func TestEveryQueueHasDLQAndEveryDLQAnAlarm(t *testing.T) {
	queues := centralTpl.ofType("AWS::SQS::Queue")
	dlqs := map[string]bool{}
	for id, q := range queues {
		p := props(q)
		if rp, ok := p["RedrivePolicy"].(map[string]any); ok {
			arn := rp["deadLetterTargetArn"].(map[string]any)["Fn::GetAtt"].([]any)
			dlqs[arn[0].(string)] = true
		}
		if p["KmsMasterKeyId"] == nil {
			t.Errorf("%s: not KMS-encrypted", id)
		}
	}
	if len(dlqs) != 4 {
		t.Fatalf("%d DLQs, want 4 (events, sweep, rotate, reads)", len(dlqs))
	}
	for id, q := range queues {
		if !dlqs[id] && props(q)["RedrivePolicy"] == nil {
			t.Errorf("%s: neither a DLQ nor redriven to one", id)
		}
	}
	alarmed := map[string]bool{}
	for id, a := range centralTpl.ofType("AWS::CloudWatch::Alarm") {
		p := props(a)
		if !strings.Contains(mustJSON(p["AlarmActions"]), "AlertTopic") {
			t.Errorf("%s: alarm does not notify the alert topic", id)
		}
		if p["MetricName"] == "ApproximateNumberOfMessagesVisible" {
			for _, d := range p["Dimensions"].([]any) {
				v := d.(map[string]any)["Value"].(map[string]any)["Fn::GetAtt"].([]any)
				alarmed[v[0].(string)] = true
			}
		}
	}
	for d := range dlqs {
		if !alarmed[d] {
			t.Errorf("DLQ %s has no depth alarm", d)
		}
	}
	// SSL-only queue policies on every queue.
	ssl := 0
	for _, s := range centralTpl.statements() {
		if s.body["Effect"] == "Deny" && strings.Contains(mustJSON(s.body["Condition"]), `"aws:SecureTransport":"false"`) &&
			strings.HasPrefix(strs(s.body["Action"])[0], "sqs:") {
			ssl++
		}
	}
	if ssl != 8 {
		t.Errorf("%d SSL-only queue statements, want 8", ssl)
	}
	// Asynchronous invocations of sweep (the schedule) end in a DLQ too.
	n := 0
	for _, f := range centralTpl.ofType("AWS::Lambda::Function") {
		if props(f)["DeadLetterConfig"] != nil {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d functions with an async DLQ, want 1 (sweep)", n)
	}
}

func TestDataStores(t *testing.T) {
	tp := assertions.Template_FromJSON((*map[string]any)(&centralTpl), nil)
	tp.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
		"KeySchema": []any{
			map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
			map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
		},
		"AttributeDefinitions":             assertions.Match_ArrayWith(&[]any{map[string]any{"AttributeName": "pk", "AttributeType": "S"}}),
		"TimeToLiveSpecification":          map[string]any{"AttributeName": "expires_at", "Enabled": true},
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		"SSESpecification": map[string]any{
			"SSEEnabled": true, "SSEType": "KMS",
			"KMSMasterKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^Key")), "Arn"}},
		},
	})
	tp.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tp.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{"KmsMasterKeyId": assertions.Match_AnyValue()})
	tp.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect":    "Deny",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	})
	for _, e := range testCfg.AlertEmails {
		tp.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": e})
	}
}

func TestDashboard(t *testing.T) {
	for _, d := range centralTpl.ofType("AWS::CloudWatch::Dashboard") {
		body := mustJSON(props(d)["DashboardBody"])
		for _, h := range Handlers {
			if !strings.Contains(body, `\"label\":\"`+h+`\"`) && !strings.Contains(body, `"label":"`+h+`"`) {
				t.Errorf("dashboard has no %s series", h)
			}
		}
		for _, want := range []string{"Errors", "Duration", "Throttles", "ApproximateAgeOfOldestMessage",
			"ApproximateNumberOfMessagesVisible", "{SecretWarden}", "FindingsFailed", "ActionsExecuted", "RotationsCircuitOpen"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %s", want)
			}
		}
	}
}

// Every handler must tell member accounts from outsiders (evaluate decides
// "read from outside the organization"), so every role reads Organizations.
func TestEveryHandlerReadsTheOrganization(t *testing.T) {
	n := 0
	for _, s := range centralTpl.statements() {
		if s.body["Effect"] == "Allow" && s.allows("organizations:ListAccounts") && s.allows("organizations:DescribeOrganization") {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d roles may list the organization's accounts, want 4 (evaluate, sweep, rotate, reads)", n)
	}
}

func TestStackSet(t *testing.T) {
	sets := centralTpl.ofType("AWS::CloudFormation::StackSet")
	for _, s := range sets {
		p := props(s)
		if p["PermissionModel"] != "SERVICE_MANAGED" || p["CallAs"] != "DELEGATED_ADMIN" ||
			mustJSON(p["AutoDeployment"]) != `{"Enabled":true,"RetainStacksOnAccountRemoval":false}` {
			t.Errorf("stack set %s", mustJSON(p))
		}
		g := p["StackInstancesGroup"].([]any)[0].(map[string]any)
		if !reflect.DeepEqual(strs(g["Regions"]), testCfg.Regions) ||
			!reflect.DeepEqual(strs(g["DeploymentTargets"].(map[string]any)["OrganizationalUnitIds"]), testCfg.OrganizationalUnitIDs) {
			t.Errorf("stack instances %s", mustJSON(g))
		}
		if p["TemplateBody"] != central.Member.Body {
			t.Error("TemplateBody is not the synthesized member template")
		}
		var keys []string
		for _, prm := range p["Parameters"].([]any) {
			keys = append(keys, prm.(map[string]any)["ParameterKey"].(string))
		}
		sort.Strings(keys)
		var want []string
		for k := range memberTpl["Parameters"].(map[string]any) {
			want = append(want, k)
		}
		sort.Strings(want)
		if !slices.Equal(keys, want) {
			t.Errorf("stack set parameters %v, member template declares %v", keys, want)
		}
	}
}

func TestUnknownPolicyInModesFails(t *testing.T) {
	cfg := baseConfig()
	cfg.Modes = map[string]string{"no-such-policy": config.ModeEnforce}
	_, err := NewCentralStack(awscdk.NewApp(nil), "X", CentralStackProps{Config: cfg, Rules: testRules,
		Code: func(string) awslambda.Code { return awslambda.Code_FromInline(jsii.String("x")) }})
	if err == nil || !strings.Contains(err.Error(), "no-such-policy") {
		t.Fatalf("want an error naming the unknown policy, got %v", err)
	}
}

func TestCdkNagClean(t *testing.T) {
	stacks := map[string]awscdk.Stack{"central": central.Stack, "member": central.Member.Stack, "enforce member": enforceMember.Stack,
		"central, readEvents=off": offCentral.Stack, "member, readEvents=off": offCentral.Member.Stack}
	for _, st := range mgmtStacks {
		stacks[*st.StackName()] = st
	}
	for name, st := range stacks {
		errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		for _, e := range *errs {
			t.Errorf("%s: %s: %v", name, *e.Id, e.Entry.Data)
		}
	}
	total := 0
	all := map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl, "central, readEvents=off": offTpl}
	for r, tp := range mgmtTpls {
		all["management "+r] = tp
	}
	for name, tp := range all {
		for id, sups := range tp.nagSuppressions() {
			for _, s := range sups {
				total++
				reason, _ := s["reason"].(string)
				if len(strings.Fields(reason)) < 8 {
					t.Errorf("%s: %s: suppression %v without a written reason", name, id, s["id"])
				}
			}
		}
	}
	if total == 0 {
		t.Error("found no suppressions: the metadata walk is broken")
	}
}
