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
	"github.com/secretwarden/warden/cdk/internal/permissions"
	"github.com/secretwarden/warden/rules"
)

// One synth of the central app (alert-only), which includes the member
// template, and one synth of an enforce-mode member template, shared by
// every test in this package.
var (
	testCfg        config.Config
	central        *CentralStack
	centralTpl     tmpl
	memberTpl      tmpl
	enforceMember  *MemberTemplate
	enforceTpl     tmpl
	testPatterns   map[string]map[string]any
	tmpRoot        string
	enforcedPolicy = "resource-policy-exposed"
)

func baseConfig() config.Config {
	c, err := config.Parse(func(k string) any {
		return map[string]any{
			config.KeyOrganizationID:        "o-a1b2c3d4e5",
			config.KeyOrganizationalUnitIDs: []any{"ou-ab12-cd34ef56", "ou-ab12-99998888"},
			config.KeyRegions:               []any{"eu-west-1", "us-east-1"},
			config.KeyAlertEmails:           []any{"security@example.com", "oncall@example.com"},
			config.KeyModes:                 map[string]any{"unused": "alert-only", "no-external-access": "enforce"},
		}[k]
	})
	if err != nil {
		panic(err)
	}
	return c
}

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
	if testPatterns, err = rules.Patterns(); err != nil {
		return err
	}
	// Tests do not need real binaries: one prebuilt placeholder asset serves
	// all three functions (the real local bundling is exercised by
	// cdk/internal/gobuild's synth test and by `cdk synth`).
	assetDir := filepath.Join(tmpRoot, "asset")
	if err := os.MkdirAll(assetDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(assetDir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		return err
	}
	outDir := filepath.Join(tmpRoot, "cdk.out")

	start := time.Now()
	testCfg = baseConfig()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})
	central, err = NewCentralStack(app, "SecretWarden", CentralStackProps{
		Config:       testCfg,
		Patterns:     testPatterns,
		MemberOutdir: filepath.Join(tmpRoot, "member.out"),
		Code:         func(string) awslambda.Code { return awslambda.Code_FromAsset(jsii.String(assetDir), nil) },
	})
	if err != nil {
		return err
	}
	nag.Apply(app)
	centralTpl = toTmpl(assertions.Template_FromStack(central.Stack, nil))
	memberTpl = toTmpl(assertions.Template_FromString(jsii.String(central.Member.Body), nil))
	fmt.Fprintf(os.Stderr, "central synth (with member): %s\n", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	enf := baseConfig()
	enf.Modes = map[string]string{enforcedPolicy: config.ModeEnforce}
	if enforceMember, err = SynthMemberTemplate(MemberStackProps{Config: enf, Patterns: testPatterns, Outdir: filepath.Join(tmpRoot, "enforce.out")}); err != nil {
		return err
	}
	enforceTpl = toTmpl(assertions.Template_FromString(jsii.String(enforceMember.Body), nil))
	fmt.Fprintf(os.Stderr, "enforce member synth: %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func TestResourceCounts(t *testing.T) {
	n := len(testPatterns)
	want := map[string]int{
		"AWS::Lambda::Function":           3,
		"AWS::Lambda::EventSourceMapping": 3,
		"AWS::SQS::Queue":                 6,
		"AWS::Events::EventBus":           1,
		"AWS::Events::EventBusPolicy":     1,
		"AWS::Events::Rule":               n + 1, // one per pattern + the sweep schedule
		"AWS::DynamoDB::Table":            1,
		"AWS::SNS::Topic":                 1,
		"AWS::SNS::Subscription":          len(testCfg.AlertEmails),
		"AWS::KMS::Key":                   1,
		"AWS::CloudWatch::Dashboard":      1,
		"AWS::CloudWatch::Alarm":          3 + 6, // Lambda errors + (DLQ depth, oldest age) per queue
		"AWS::CloudFormation::StackSet":   1,
		"AWS::IAM::Role":                  3,
		"AWS::Logs::LogGroup":             3,
	}
	for typ, c := range want {
		if got := len(centralTpl.ofType(typ)); got != c {
			t.Errorf("central: %d %s, want %d", got, typ, c)
		}
	}
	for typ, c := range map[string]int{"AWS::Events::Rule": n, "AWS::IAM::Role": 2} {
		if got := len(memberTpl.ofType(typ)); got != c {
			t.Errorf("member: %d %s, want %d", got, typ, c)
		}
	}
	if got := len(memberTpl.resources()); got != n+2 {
		t.Errorf("member: %d resources, want %d (rules + forward role + audit role)", got, n+2)
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
	for name, tp := range map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl} {
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

func TestCentralRulesTargetEventsQueueWithDLQ(t *testing.T) {
	busRef := map[string]any{"Ref": ""}
	for id := range centralTpl.ofType("AWS::Events::EventBus") {
		busRef["Ref"] = id
	}
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
		if _, pattern := p["EventPattern"]; pattern {
			if !reflect.DeepEqual(p["EventBusName"], busRef) {
				t.Errorf("%s: on bus %v, want the org bus", id, p["EventBusName"])
			}
			if !strings.Contains(mustJSON(tg["Arn"]), "EventsQueue") {
				t.Errorf("%s: target %v, want the events queue", id, tg["Arn"])
			}
		} else if p["ScheduleExpression"] != testCfg.SweepSchedule {
			t.Errorf("%s: schedule %v, want %s", id, p["ScheduleExpression"], testCfg.SweepSchedule)
		}
	}
	for id, r := range memberTpl.ofType("AWS::Events::Rule") {
		p := props(r)
		tg := p["Targets"].([]any)[0].(map[string]any)
		if p["EventBusName"] != "default" || !reflect.DeepEqual(tg["Arn"], map[string]any{"Ref": ParamOrgEventBusArn}) || tg["RoleArn"] == nil {
			t.Errorf("member %s: want default bus → org bus with a role, got %v", id, mustJSON(p))
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

	for name, tp := range map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl} {
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
	for name, tp := range map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl} {
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

func TestLambdas(t *testing.T) {
	contract := contractEnvVars(t)
	fns := centralTpl.ofType("AWS::Lambda::Function")
	conc := map[float64]bool{}
	for id, f := range fns {
		p := props(f)
		if p["Runtime"] != "provided.al2023" || !reflect.DeepEqual(p["Architectures"], []any{"arm64"}) || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v %v handler %v", id, p["Runtime"], p["Architectures"], p["Handler"])
		}
		rc, ok := p["ReservedConcurrentExecutions"].(float64)
		if !ok || rc < 2 {
			t.Errorf("%s: reserved concurrency %v", id, p["ReservedConcurrentExecutions"])
		}
		conc[rc] = true
		vars := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		var names []string
		for k := range vars {
			names = append(names, k)
		}
		sort.Strings(names)
		var want []string
		for _, v := range contract {
			if v != "WARDEN_AUDIT_ROLE_EXTERNAL_ID" && v != "WARDEN_POLICY_DATA_FILE" { // optional, not configured here
				want = append(want, v)
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: env %v, want the contract's %v", id, names, want)
		}
		for k, v := range map[string]any{
			"WARDEN_AUDIT_ROLE_NAME": "SecretWardenAudit",
			"WARDEN_ORGANIZATION_ID": testCfg.OrganizationID,
			"WARDEN_REGIONS":         "eu-west-1,us-east-1",
			"WARDEN_MODES":           `{"no-external-access":"enforce","unused":"alert-only"}`,
			"WARDEN_SECURITY_HUB":    "true",
			"WARDEN_DRY_RUN":         "false",
		} {
			if vars[k] != v {
				t.Errorf("%s: %s = %v, want %v", id, k, vars[k], v)
			}
		}
	}
	if len(conc) != 3 {
		t.Errorf("reserved concurrency values %v: want one per function from config", conc)
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
	if len(dlqs) != 3 {
		t.Fatalf("%d DLQs, want 3", len(dlqs))
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
	if ssl != 6 {
		t.Errorf("%d SSL-only queue statements, want 6", ssl)
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
	for _, s := range centralTpl.statements() {
		if slices.Contains(strs(s.body["Action"]), "securityhub:BatchImportFindings") {
			return
		}
	}
	t.Error("no securityhub:BatchImportFindings permission")
}

func TestDashboard(t *testing.T) {
	for _, d := range centralTpl.ofType("AWS::CloudWatch::Dashboard") {
		body := mustJSON(props(d)["DashboardBody"])
		for _, want := range []string{"Errors", "Duration", "Throttles", "ApproximateAgeOfOldestMessage",
			"ApproximateNumberOfMessagesVisible", "{SecretWarden}", "FindingsFailed", "ActionsExecuted", "RotationsCircuitOpen"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %s", want)
			}
		}
	}
}

func TestLambdaRolesAssumeOnlyTheAuditRole(t *testing.T) {
	n := 0
	for _, s := range centralTpl.statements() {
		if !s.allows("sts:AssumeRole") || strings.Contains(s.where, "AssumeRolePolicyDocument") || strings.Contains(s.where, "KeyPolicy") {
			continue
		}
		n++
		res := mustJSON(s.body["Resource"])
		if !strings.Contains(res, ":iam::*:role/SecretWardenAudit") || strings.Count(res, "arn:") != 1 {
			t.Errorf("%s: sts:AssumeRole on %s", s.where, res)
		}
		if mustJSON(s.body["Condition"]) != fmt.Sprintf(`{"StringEquals":{"aws:ResourceOrgID":"%s"}}`, testCfg.OrganizationID) {
			t.Errorf("%s: AssumeRole without the aws:ResourceOrgID condition: %s", s.where, mustJSON(s.body["Condition"]))
		}
	}
	if n != 3 {
		t.Errorf("%d AssumeRole statements, want 3 (one per function role)", n)
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
	if n != 3 {
		t.Errorf("%d roles may list the organization's accounts, want 3 (evaluate, sweep, rotate)", n)
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

func auditRole(t *testing.T, tp tmpl) map[string]any {
	t.Helper()
	for _, r := range tp.ofType("AWS::IAM::Role") {
		if props(r)["RoleName"] == testCfg.AuditRoleName {
			return r
		}
	}
	t.Fatal("no audit role")
	return nil
}

func TestAuditRole(t *testing.T) {
	r := auditRole(t, memberTpl)
	if r["Condition"] != AuditRoleConditionID {
		t.Errorf("audit role condition %v", r["Condition"])
	}
	cond := mustJSON(memberTpl["Conditions"].(map[string]any)[AuditRoleConditionID])
	if cond != `{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-west-1"]}` {
		t.Errorf("condition %s: want the first configured region", cond)
	}
	// One statement per trusted role, each restricted to the organization.
	var principals []string
	for _, st := range props(r)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := st.(map[string]any)
		if st["Effect"] != "Allow" || st["Action"] != "sts:AssumeRole" ||
			mustJSON(st["Condition"]) != `{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}` {
			t.Errorf("trust statement %s", mustJSON(st))
		}
		principals = append(principals, mustJSON(st["Principal"]))
	}
	sort.Strings(principals)
	want := []string{`{"AWS":{"Ref":"EvaluateRoleArn"}}`, `{"AWS":{"Ref":"RotateRoleArn"}}`, `{"AWS":{"Ref":"SweepRoleArn"}}`}
	if !slices.Equal(principals, want) {
		t.Errorf("trusted principals %v, want %v", principals, want)
	}

	allowed := func(tp tmpl) []string {
		var out []string
		for _, s := range tp.statements() {
			if s.body["Effect"] == "Allow" && strings.Contains(s.where, "AuditRole") && !strings.Contains(s.where, "AssumeRolePolicyDocument") {
				out = append(out, strs(s.body["Action"])...)
			}
		}
		sort.Strings(out)
		return out
	}
	read := []string{"kms:DescribeKey", "kms:ListAliases", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecrets"}
	// no-external-access is in enforce mode in the base config, but
	// requests no member-account writes.
	if got := allowed(memberTpl); !slices.Equal(got, read) {
		t.Errorf("alert-only audit role allows %v, want exactly %v", got, read)
	}
	for _, a := range append(permissions.RemediateActions, permissions.RotateActions...) {
		for name, tp := range map[string]tmpl{"alert-only member": memberTpl, "central": centralTpl} {
			for _, s := range tp.statements() {
				if s.allows(a) {
					t.Errorf("%s template allows %s at %s", name, a, s.where)
				}
			}
		}
	}
	want2 := append(slices.Clone(read), permissions.RemediateActions...)
	want2 = append(want2, permissions.RotateActions...)
	sort.Strings(want2)
	if got := allowed(enforceTpl); !slices.Equal(got, want2) {
		t.Errorf("enforce (%s) audit role allows %v, want %v", enforcedPolicy, got, want2)
	}
}

func TestUnknownPolicyInModesFails(t *testing.T) {
	cfg := baseConfig()
	cfg.Modes = map[string]string{"no-such-policy": config.ModeEnforce}
	_, err := NewCentralStack(awscdk.NewApp(nil), "X", CentralStackProps{Config: cfg, Patterns: testPatterns,
		Code: func(string) awslambda.Code { return awslambda.Code_FromInline(jsii.String("x")) }})
	if err == nil || !strings.Contains(err.Error(), "no-such-policy") {
		t.Fatalf("want an error naming the unknown policy, got %v", err)
	}
}

func TestCdkNagClean(t *testing.T) {
	for name, st := range map[string]awscdk.Stack{"central": central.Stack, "member": central.Member.Stack, "enforce member": enforceMember.Stack} {
		errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		for _, e := range *errs {
			t.Errorf("%s: %s: %v", name, *e.Id, e.Entry.Data)
		}
	}
	total := 0
	for name, tp := range map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl} {
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
