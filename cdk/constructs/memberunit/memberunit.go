// Package memberunit builds what Secret Warden needs in every account it
// covers: the rules that forward events from the default bus to the
// organization bus, and the member roles the central functions assume,
// split by job (audit, responder, findings). The member stack (deployed by
// the service-managed stack set) and the management-account stack are both
// built from it, so the two cannot drift.
package memberunit

import (
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/secretwarden/warden/cdk/internal/config"
	"github.com/secretwarden/warden/cdk/internal/permissions"
	"github.com/secretwarden/warden/rules"
)

// RoleConditionID is the logical id of the condition that creates the
// (global) member roles in the first configured region only.
const RoleConditionID = "IsRoleRegion"

// Props configures a member unit.
type Props struct {
	// Config is the deployment configuration.
	Config config.Config
	// Rules are the event rules (rules.Rules()); read-only rules are
	// skipped when Config.Reads() is false.
	Rules []rules.Rule
	// BusArn is the organization event bus ARN (usually a parameter).
	BusArn *string
	// FunctionRoles are the central functions' role ARNs by handler name
	// (evaluate, sweep, rotate and, with read events, reads). Each member
	// role trusts the functions permissions.Assumes allows, and only those.
	FunctionRoles map[string]*string
}

// Unit is what Add created.
type Unit struct {
	// ForwardRole lets EventBridge put events on the organization bus.
	ForwardRole awsiam.Role
	// Rules are the forwarding rules by rule name.
	Rules map[string]awsevents.CfnRule
	// Roles are the member roles by job (the findings role only with
	// Security Hub).
	Roles map[permissions.MemberRole]awsiam.Role
}

// Add builds the unit directly under scope (no wrapper construct), so that
// the logical ids stay those the member stack always had: a named IAM role
// whose logical id changed would be replaced, and the replacement would
// fail on the name the old role still holds.
func Add(scope constructs.Construct, p Props) (*Unit, error) {
	cfg := p.Config
	if len(cfg.Regions) == 0 {
		return nil, errors.New("build member unit: no regions configured")
	}
	if p.BusArn == nil {
		return nil, errors.New("build member unit: no organization bus ARN")
	}
	enforce, err := permissions.EnforceActions(cfg)
	if err != nil {
		return nil, fmt.Errorf("build member unit: %w", err)
	}
	u := &Unit{Rules: map[string]awsevents.CfnRule{}, Roles: map[permissions.MemberRole]awsiam.Role{}}

	// Forwarding: one rule per pattern on the default bus, target the org bus.
	u.ForwardRole = awsiam.NewRole(scope, jsii.String("ForwardRole"), &awsiam.RoleProps{
		Description: jsii.String("EventBridge: forward Secret Warden events to the organization bus"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
		}),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"PutEventsToOrgBus": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("events:PutEvents"),
					Resources: jsii.Strings(*p.BusArn),
				})},
			}),
		},
	})
	for _, r := range p.Rules {
		if r.ReadOnly && !cfg.Reads() {
			continue // readEvents=off: nothing depends on the read stream
		}
		u.Rules[r.Name] = awsevents.NewCfnRule(scope, jsii.String("Forward"+LogicalName(r.Name)), &awsevents.CfnRuleProps{
			Description:  jsii.String("Secret Warden: forward " + r.Name + " events to the organization bus"),
			EventBusName: jsii.String("default"),
			EventPattern: r.Pattern,
			// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS for the reads rule:
			// EventBridge delivers read-only management events (GetSecretValue)
			// to no other rule (EventBridge User Guide, "Receiving read-only
			// management events from AWS services"; AWS::Events::Rule State).
			State: jsii.String(r.State),
			Targets: &[]any{&awsevents.CfnRule_TargetProperty{
				Id:      jsii.String("OrgBus"),
				Arn:     p.BusArn,
				RoleArn: u.ForwardRole.RoleArn(),
			}},
		})
	}

	// The member roles: IAM is global, so they exist once per account, in
	// the first configured region.
	cond := awscdk.NewCfnCondition(scope, jsii.String(RoleConditionID), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(cfg.Regions[0])),
	})
	secretArns := *awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:*"), nil)
	keyArns := *awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"), nil)
	neverRead := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("NeverReadSecretValues"),
		Effect:    awsiam.Effect_DENY,
		Actions:   jsii.Strings(permissions.DeniedActions...),
		Resources: jsii.Strings("*"),
	})

	// Audit: read only.
	audit := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadSecretMetadata"),
			Actions:   jsii.Strings(permissions.SecretReadActions...),
			Resources: jsii.Strings(secretArns),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ListWithoutResourceLevelPermissions"),
			Actions:   jsii.Strings(permissions.ListActions...),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadKeyMetadata"),
			Actions:   jsii.Strings(permissions.KeyReadActions...),
			Resources: jsii.Strings(keyArns),
		}),
		neverRead,
	}
	u.Roles[permissions.RoleAudit] = u.role(scope, "AuditRole", cfg.AuditRoleName, "SecretWardenAudit", cond, p, permissions.RoleAudit,
		"Secret Warden: read secret metadata (never values) and CloudTrail event history for the central account", audit)

	// Responder: the writes the enforce-mode policies need, nothing else.
	var responder []awsiam.PolicyStatement
	var plain []string
	for _, a := range enforce {
		if a != permissions.PutResourcePolicy {
			plain = append(plain, a)
		}
	}
	if len(plain) > 0 {
		responder = append(responder, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("EnforceModeWrites"),
			Actions:   jsii.Strings(plain...),
			Resources: jsii.Strings(secretArns),
		}))
	}
	if slices.Contains(enforce, permissions.PutResourcePolicy) {
		// Only a request with BlockPublicPolicy=true: Secrets Manager then
		// refuses any policy that grants broad access, so the responder can
		// narrow a policy but never widen one (Secrets Manager User Guide,
		// condition keys: secretsmanager:BlockPublicPolicy).
		responder = append(responder, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PutResourcePolicyBlockingPublicAccess"),
			Actions:    jsii.Strings(permissions.PutResourcePolicy),
			Resources:  jsii.Strings(secretArns),
			Conditions: &map[string]any{"Bool": map[string]any{permissions.BlockPublicPolicyKey: "true"}},
		}))
	}
	if slices.Contains(enforce, permissions.RotateSecret) {
		// RotateSecret also needs lambda:InvokeFunction on the secret's
		// rotation function (Secrets Manager API Reference, RotateSecret,
		// "Required permissions"). Which function a secret rotates with is
		// the secret's own configuration, so the grant covers this
		// account's functions; the code never invokes one itself.
		responder = append(responder, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("RotationFunctionsForRotateSecret"),
			Actions:   jsii.Strings(permissions.LambdaInvokeFunction),
			Resources: jsii.Strings(*awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*"), nil)),
		}))
	}
	responder = append(responder, neverRead)
	u.Roles[permissions.RoleResponder] = u.role(scope, "ResponderRole", cfg.ResponderRoleName, "SecretWardenResponder", cond, p, permissions.RoleResponder,
		"Secret Warden: remediate resource policies and start emergency rotations (enforce mode only); never reads values", responder)

	// Findings: import into this account's own Security Hub, with its
	// default product ARN, in every covered region.
	if cfg.SecurityHub {
		var products []*string
		for _, r := range cfg.Regions {
			products = append(products, awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:securityhub:"+r+":${AWS::AccountId}:product/${AWS::AccountId}/default"), nil))
		}
		findings := []awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ImportFindingsForThisAccount"),
				Actions:   jsii.Strings(permissions.BatchImportFindings),
				Resources: &products,
			}),
			neverRead,
		}
		u.Roles[permissions.RoleFindings] = u.role(scope, "FindingsRole", cfg.FindingsRoleName, "SecretWardenFindings", cond, p, permissions.RoleFindings,
			"Secret Warden: import Security Hub findings about this account's secrets, with its default product ARN", findings)
	}
	suppress(u, cfg)
	return u, nil
}

// role creates one member role, trusted by the functions that may assume
// it, only from inside the organization (and with the ExternalId when
// configured), in the role region only.
func (u *Unit) role(scope constructs.Construct, id, name, policyName string, cond awscdk.CfnCondition, p Props,
	job permissions.MemberRole, description string, statements []awsiam.PolicyStatement) awsiam.Role {
	var trusted []awsiam.IPrincipal
	for _, fn := range permissions.TrustedBy(job) {
		if arn, ok := p.FunctionRoles[fn]; ok {
			trusted = append(trusted, awsiam.NewArnPrincipal(arn))
		}
	}
	equals := map[string]any{"aws:PrincipalOrgID": p.Config.OrganizationID}
	if p.Config.AuditRoleExternalID != "" {
		equals["sts:ExternalId"] = p.Config.AuditRoleExternalID
	}
	conditions := map[string]any{"StringEquals": equals}
	r := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		RoleName:           jsii.String(name),
		Description:        jsii.String(description),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		AssumedBy:          awsiam.NewPrincipalWithConditions(awsiam.NewCompositePrincipal(trusted...), &conditions),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			policyName: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		},
	})
	r.Node().DefaultChild().(awsiam.CfnRole).CfnOptions().SetCondition(cond)
	return r
}

// suppress records, with reasons, the cdk-nag findings that are intended.
func suppress(u *Unit, cfg config.Config) {
	secrets := &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The role is global (one per account) and acts on any secret of this account in every " +
			"covered region: secret ARNs are wildcarded by region and name, within this account only. " +
			"Reading values is denied explicitly."),
		AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:secretsmanager:*:<AWS::AccountId>:secret:*"},
	}
	audit := []*cdknag.NagPackSuppression{
		secrets,
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("kms:DescribeKey on any key of this account (any region): a secret may use any key, " +
				"and only key metadata is read, never a decrypt or data-key operation."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*"},
		},
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("secretsmanager:ListSecrets, kms:ListAliases and cloudtrail:LookupEvents support no " +
				"resource-level permissions, so IAM requires Resource \"*\" for them (the Deny of secret values also uses \"*\")."),
			AppliesTo: &[]any{"Resource::*"},
		},
	}
	cdknag.NagSuppressions_AddResourceSuppressions(u.Roles[permissions.RoleAudit], &audit, jsii.Bool(true))
	enforce, _ := permissions.EnforceActions(cfg) // validated by Add
	if len(enforce) > 0 {
		responder := []*cdknag.NagPackSuppression{secrets}
		if slices.Contains(enforce, permissions.RotateSecret) {
			responder = append(responder, &cdknag.NagPackSuppression{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("RotateSecret requires lambda:InvokeFunction on the secret's rotation function " +
					"(Secrets Manager API Reference, RotateSecret); a secret may rotate with any function of this " +
					"account, and Secret Warden never invokes a function itself."),
				AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:lambda:*:<AWS::AccountId>:function:*"},
			})
		}
		cdknag.NagSuppressions_AddResourceSuppressions(u.Roles[permissions.RoleResponder], &responder, jsii.Bool(true))
	}
}

// LogicalName turns a rule file name (e.g. "secretsmanager-api-calls") into
// a construct id fragment ("SecretsmanagerApiCalls").
func LogicalName(s string) string {
	var b []rune
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b = append(b, r)
			up = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b = append(b, r)
			up = false
		default:
			up = true
		}
	}
	return string(b)
}
