package stacks

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/cdk/internal/permissions"
)

// memberRole returns the role named name in a member template, or nil.
func memberRole(tp tmpl, name string) map[string]any {
	for _, r := range tp.ofType("AWS::IAM::Role") {
		if props(r)["RoleName"] == name {
			return r
		}
	}
	return nil
}

// trustedParams lists the parameters (function role ARNs) a role trusts,
// after checking that every trust statement is an org-restricted AssumeRole.
func trustedParams(t *testing.T, role map[string]any, wantCondition string) []string {
	t.Helper()
	var out []string
	for _, st := range props(role)["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := st.(map[string]any)
		if st["Effect"] != "Allow" || st["Action"] != "sts:AssumeRole" || mustJSON(st["Condition"]) != wantCondition {
			t.Errorf("%v: trust statement %s", props(role)["RoleName"], mustJSON(st))
		}
		ref, _ := st["Principal"].(map[string]any)["AWS"].(map[string]any)
		name, _ := ref["Ref"].(string)
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// allowedActions lists the actions a role's inline policy allows.
func allowedActions(role map[string]any) []string {
	var out []string
	for _, pol := range props(role)["Policies"].([]any) {
		doc := pol.(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			st := st.(map[string]any)
			if st["Effect"] == "Allow" {
				out = append(out, strs(st["Action"])...)
			}
		}
	}
	sort.Strings(out)
	return out
}

// The member roles are split by job, and each trusts only the functions of
// its contract row: the responder never the sweep (nor reads).
func TestMemberRolesTrust(t *testing.T) {
	org := fmt.Sprintf(`{"StringEquals":{"aws:PrincipalOrgID":"%s"}}`, testCfg.OrganizationID)
	withExt := fmt.Sprintf(`{"StringEquals":{"aws:PrincipalOrgID":"%s","sts:ExternalId":"7f3c-secret-warden"}}`, testCfg.OrganizationID)
	cases := []struct {
		name, tplName string
		tp            tmpl
		role          string
		cond          string
		want          []string
	}{
		{"audit", "member", memberTpl, "SecretWardenAudit", org, []string{ParamEvaluateRoleArn, ParamReadsRoleArn, ParamRotateRoleArn, ParamSweepRoleArn}},
		{"responder", "member", memberTpl, "SecretWardenResponder", org, []string{ParamEvaluateRoleArn, ParamRotateRoleArn}},
		{"findings", "member", memberTpl, "SecretWardenFindings", org, []string{ParamEvaluateRoleArn, ParamReadsRoleArn, ParamSweepRoleArn}},
		{"audit", "management", mgmtTpls["us-east-1"], "SecretWardenAudit", org, []string{ParamEvaluateRoleArn, ParamReadsRoleArn, ParamRotateRoleArn, ParamSweepRoleArn}},
		{"responder", "management", mgmtTpls["us-east-1"], "SecretWardenResponder", org, []string{ParamEvaluateRoleArn, ParamRotateRoleArn}},
		{"findings", "management", mgmtTpls["us-east-1"], "SecretWardenFindings", org, []string{ParamEvaluateRoleArn, ParamReadsRoleArn, ParamSweepRoleArn}},
		// readEvents=off: no reads function to trust; with an ExternalId.
		{"audit", "member, readEvents=off", offMemberTpl, "SecretWardenAudit", withExt, []string{ParamEvaluateRoleArn, ParamRotateRoleArn, ParamSweepRoleArn}},
		{"responder", "member, readEvents=off", offMemberTpl, "OrgResponder", withExt, []string{ParamEvaluateRoleArn, ParamRotateRoleArn}},
	}
	for _, tc := range cases {
		r := memberRole(tc.tp, tc.role)
		if r == nil {
			t.Errorf("%s: no %s role %s", tc.tplName, tc.name, tc.role)
			continue
		}
		if got := trustedParams(t, r, tc.cond); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %s trusts %v, want %v", tc.tplName, tc.role, got, tc.want)
		}
		if r["Condition"] != RoleConditionID {
			t.Errorf("%s: %s condition %v, want %s (IAM is global: first region only)", tc.tplName, tc.role, r["Condition"], RoleConditionID)
		}
	}
	// No Security Hub, no findings role.
	if memberRole(offMemberTpl, "OrgFindings") != nil {
		t.Error("securityHub=false still creates the findings role")
	}
	for name, tp := range map[string]tmpl{"member": memberTpl, "management": mgmtTpls["us-east-1"]} {
		cond := mustJSON(tp["Conditions"].(map[string]any)[RoleConditionID])
		if cond != `{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-west-1"]}` {
			t.Errorf("%s: condition %s: want the first configured region", name, cond)
		}
	}
	// The parameters are exactly the trusted functions' roles and the bus.
	for name, tc := range map[string]struct {
		tp   tmpl
		want []string
	}{
		"member":                 {memberTpl, []string{ParamEvaluateRoleArn, ParamOrgEventBusArn, ParamReadsRoleArn, ParamRotateRoleArn, ParamSweepRoleArn}},
		"member, readEvents=off": {offMemberTpl, []string{ParamEvaluateRoleArn, ParamOrgEventBusArn, ParamRotateRoleArn, ParamSweepRoleArn}},
	} {
		var got []string
		for k := range tc.tp["Parameters"].(map[string]any) {
			if k != "BootstrapVersion" {
				got = append(got, k)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: parameters %v, want %v", name, got, tc.want)
		}
	}
}

// Audit is read only: metadata, key metadata, CloudTrail event history.
func TestAuditRoleIsReadOnly(t *testing.T) {
	want := []string{"cloudtrail:LookupEvents", "kms:DescribeKey", "kms:ListAliases",
		"secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecrets"}
	for name, tp := range map[string]tmpl{"member": memberTpl, "enforce member": enforceTpl, "management": mgmtTpls["eu-west-1"]} {
		if got := allowedActions(memberRole(tp, "SecretWardenAudit")); !slices.Equal(got, want) {
			t.Errorf("%s: audit role allows %v, want exactly %v", name, got, want)
		}
	}
	// LookupEvents has no resource-level permissions: Resource "*"
	// (Service Authorization Reference, AWS CloudTrail).
	assertions.Template_FromJSON((*map[string]any)(&memberTpl), nil).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": "SecretWardenAudit",
		"Policies": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
				"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Effect":   "Allow",
					"Action":   assertions.Match_ArrayWith(&[]any{"cloudtrail:LookupEvents"}),
					"Resource": "*",
				})}),
			}),
		})}),
	})
}

// The responder holds the writes the enforce-mode policies need, nothing
// else; PutResourcePolicy only with BlockPublicPolicy=true.
func TestResponderRole(t *testing.T) {
	// Alert-only (no-external-access in enforce requests no writes): no
	// Allow at all, only the Deny of secret values.
	if got := allowedActions(memberRole(memberTpl, "SecretWardenResponder")); len(got) != 0 {
		t.Errorf("alert-only responder allows %v", got)
	}
	want := []string{permissions.LambdaInvokeFunction, permissions.DeleteResourcePolicy, permissions.PutResourcePolicy, permissions.RotateSecret}
	if got := allowedActions(memberRole(enforceTpl, "SecretWardenResponder")); !slices.Equal(got, want) {
		t.Errorf("enforce (%s) responder allows %v, want %v", enforcedPolicy, got, want)
	}
	// Secrets Manager API Reference, RotateSecret, "Required permissions":
	// the caller also needs lambda:InvokeFunction on the rotation function.
	assertions.Template_FromJSON((*map[string]any)(&enforceTpl), nil).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": "SecretWardenResponder",
		"Policies": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
				"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
					"Sid":      "RotationFunctionsForRotateSecret",
					"Effect":   "Allow",
					"Action":   "lambda:InvokeFunction",
					"Resource": map[string]any{"Fn::Sub": "arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*"},
				}}),
			}),
		})}),
	})
	// Secrets Manager User Guide, condition keys: secretsmanager:BlockPublicPolicy.
	assertions.Template_FromJSON((*map[string]any)(&enforceTpl), nil).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": "SecretWardenResponder",
		"Policies": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
				"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
					"Sid":       "PutResourcePolicyBlockingPublicAccess",
					"Effect":    "Allow",
					"Action":    "secretsmanager:PutResourcePolicy",
					"Resource":  map[string]any{"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:*"},
					"Condition": map[string]any{"Bool": map[string]any{"secretsmanager:BlockPublicPolicy": "true"}},
				}}),
			}),
		})}),
	})
	// No statement anywhere allows a write without being the responder's,
	// and none allows PutResourcePolicy without the condition.
	writes := append(slices.Clone(permissions.RemediateActions), permissions.RotateActions...)
	for name, tp := range map[string]tmpl{"central": centralTpl, "member": memberTpl, "enforce member": enforceTpl,
		"management": mgmtTpls["eu-west-1"], "central, readEvents=off": offTpl, "member, readEvents=off": offMemberTpl} {
		for _, s := range tp.statements() {
			for _, a := range writes {
				if !s.allows(a) {
					continue
				}
				if !strings.HasPrefix(s.where, "/Resources/ResponderRole") {
					t.Errorf("%s: %s allows %s outside the responder role", name, s.where, a)
				}
				if a == permissions.PutResourcePolicy &&
					mustJSON(s.body["Condition"]) != `{"Bool":{"secretsmanager:BlockPublicPolicy":"true"}}` {
					t.Errorf("%s: %s allows PutResourcePolicy without BlockPublicPolicy=true: %s", name, s.where, mustJSON(s.body))
				}
			}
		}
	}
}

// The findings role imports into the account's own Security Hub with its
// default product ARN, in each covered region: BatchImportFindings with the
// default product ARN accepts only findings whose AwsAccountId is the
// calling account (Security Hub API Reference, BatchImportFindings).
func TestFindingsRole(t *testing.T) {
	r := memberRole(memberTpl, "SecretWardenFindings")
	if got := allowedActions(r); !slices.Equal(got, []string{permissions.BatchImportFindings}) {
		t.Fatalf("findings role allows %v", got)
	}
	var products []any
	for _, region := range testCfg.Regions {
		products = append(products, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:securityhub:" + region + ":${AWS::AccountId}:product/${AWS::AccountId}/default"})
	}
	assertions.Template_FromJSON((*map[string]any)(&memberTpl), nil).HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"RoleName": "SecretWardenFindings",
		"Policies": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{
				"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
					"Sid": "ImportFindingsForThisAccount", "Effect": "Allow", "Action": "securityhub:BatchImportFindings", "Resource": products,
				}}),
			}),
		})}),
	})
	// The central functions import nowhere themselves.
	for _, s := range centralTpl.statements() {
		if s.allows(permissions.BatchImportFindings) {
			t.Errorf("central %s allows BatchImportFindings: imports go through the member accounts' findings role", s.where)
		}
	}
}

// functionPolicies returns each function role's statements, by handler.
func functionPolicies(t *testing.T, tp tmpl) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for id, p := range tp.ofType("AWS::IAM::Policy") {
		for _, h := range Handlers {
			if strings.HasPrefix(id, logicalName(h)+"HandlerRoleDefaultPolicy") {
				for _, st := range props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					out[h] = append(out[h], st.(map[string]any))
				}
			}
		}
	}
	return out
}

// Each function role may assume exactly the member roles of its contract
// row, in the organization only; the sweep never the responder.
func TestFunctionRolesAssumeTheirMemberRoles(t *testing.T) {
	role := func(name string) string { return `{"Fn::Sub":"arn:${AWS::Partition}:iam::*:role/` + name + `"}` }
	cases := map[string]struct {
		tp   tmpl
		want map[string][]string
	}{
		"central": {centralTpl, map[string][]string{
			HandlerEvaluate: {role("SecretWardenAudit"), role("SecretWardenResponder"), role("SecretWardenFindings")},
			HandlerReads:    {role("SecretWardenAudit"), role("SecretWardenFindings")},
			HandlerSweep:    {role("SecretWardenAudit"), role("SecretWardenFindings")},
			HandlerRotate:   {role("SecretWardenAudit"), role("SecretWardenResponder")},
		}},
		// No Security Hub: no findings role to assume; no reads function.
		"central, readEvents=off": {offTpl, map[string][]string{
			HandlerEvaluate: {role("SecretWardenAudit"), role("OrgResponder")},
			HandlerSweep:    {role("SecretWardenAudit")},
			HandlerRotate:   {role("SecretWardenAudit"), role("OrgResponder")},
		}},
	}
	for name, tc := range cases {
		pols := functionPolicies(t, tc.tp)
		if len(pols) != len(tc.want) {
			t.Errorf("%s: policies for %d functions, want %d", name, len(pols), len(tc.want))
		}
		for h, want := range tc.want {
			var got []string
			for _, st := range pols[h] {
				s := statement{body: st}
				if !s.allows("sts:AssumeRole") {
					continue
				}
				if mustJSON(st["Condition"]) != fmt.Sprintf(`{"StringEquals":{"aws:ResourceOrgID":"%s"}}`, testCfg.OrganizationID) {
					t.Errorf("%s: %s: AssumeRole without the aws:ResourceOrgID condition: %s", name, h, mustJSON(st))
				}
				for _, r := range values(st["Resource"]) {
					got = append(got, mustJSON(r))
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s may assume %v, want %v", name, h, got, want)
			}
		}
	}
	// The sweep never, in any configuration, reaches the responder.
	for _, tp := range []tmpl{centralTpl, offTpl} {
		for _, st := range functionPolicies(t, tp)[HandlerSweep] {
			if strings.Contains(mustJSON(st), "Responder") {
				t.Errorf("sweep statement mentions the responder: %s", mustJSON(st))
			}
		}
	}
}

// values spreads a JSON list; a single value is its own list.
func values(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// Sessions of the member roles last an hour at most.
func TestMemberRoleSessions(t *testing.T) {
	for _, name := range []string{"SecretWardenAudit", "SecretWardenResponder", "SecretWardenFindings"} {
		if d := props(memberRole(memberTpl, name))["MaxSessionDuration"]; d != 3600.0 {
			t.Errorf("%s: MaxSessionDuration %v", name, d)
		}
	}
}
