package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/secretwarden/warden/cdk/internal/config"
	"github.com/secretwarden/warden/cdk/internal/nag"
	"github.com/secretwarden/warden/cdk/internal/permissions"
)

// Parameters of the member template, filled by the stack set from the central stack.
const (
	ParamOrgEventBusArn  = "OrgEventBusArn"
	ParamEvaluateRoleArn = "EvaluateRoleArn"
	ParamSweepRoleArn    = "SweepRoleArn"
	ParamRotateRoleArn   = "RotateRoleArn"
)

// AuditRoleConditionID is the logical id of the condition that creates the
// (global) audit role in the first configured region only.
const AuditRoleConditionID = "IsAuditRoleRegion"

// MaxTemplateBodyBytes is CloudFormation's limit for an inline TemplateBody.
const MaxTemplateBodyBytes = 51200

// MemberStackProps configures the member-account stack.
type MemberStackProps struct {
	// Config is the deployment configuration.
	Config config.Config
	// Patterns are the EventBridge patterns by rule name (from package rules).
	Patterns map[string]map[string]any
	// Outdir is where SynthMemberTemplate writes the member cloud assembly
	// (template and cdk-nag report). Default: $CDK_OUTDIR/member when the
	// CDK CLI runs the app, else a temporary directory removed afterwards.
	Outdir string
}

// NewMemberStack builds the stack deployed by the stack set in every member
// account and region: forwarding rules from the default bus to the
// organization bus, and (in the first region only) the audit role.
func NewMemberStack(scope constructs.Construct, id string, p MemberStackProps) (awscdk.Stack, error) {
	if len(p.Config.Regions) == 0 {
		return nil, errors.New("build member stack: no regions configured")
	}
	enforce, err := permissions.EnforceActions(p.Config)
	if err != nil {
		return nil, fmt.Errorf("build member stack: %w", err)
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description: jsii.String("Secret Warden member account: forwards Secrets Manager and GuardDuty events to the organization bus; audit role for the central account"),
		// Deployed by a stack set, not by the CDK CLI: no bootstrap
		// resources, and an asset (which would need them) fails the synth.
		Synthesizer:        awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{}),
		AnalyticsReporting: jsii.Bool(false),
	})

	roleArnPattern := `^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	busArn := awscdk.NewCfnParameter(stack, jsii.String(ParamOrgEventBusArn), &awscdk.CfnParameterProps{
		Type:           jsii.String("String"),
		Description:    jsii.String("ARN of the Secret Warden organization event bus"),
		AllowedPattern: jsii.String(`^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$`),
	}).ValueAsString()
	var trusted []awsiam.IPrincipal
	for _, name := range []string{ParamEvaluateRoleArn, ParamSweepRoleArn, ParamRotateRoleArn} {
		arn := awscdk.NewCfnParameter(stack, jsii.String(name), &awscdk.CfnParameterProps{
			Type:           jsii.String("String"),
			Description:    jsii.String("Role ARN of a Secret Warden central function, trusted by the audit role"),
			AllowedPattern: jsii.String(roleArnPattern),
		}).ValueAsString()
		trusted = append(trusted, awsiam.NewArnPrincipal(arn))
	}

	// Forwarding: one rule per pattern on the default bus, target the org bus.
	forwardRole := awsiam.NewRole(stack, jsii.String("ForwardRole"), &awsiam.RoleProps{
		Description: jsii.String("EventBridge: forward Secret Warden events to the organization bus"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
		}),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"PutEventsToOrgBus": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("events:PutEvents"),
					Resources: jsii.Strings(*busArn),
				})},
			}),
		},
	})
	for _, name := range sortedKeys(p.Patterns) {
		awsevents.NewCfnRule(stack, jsii.String("Forward"+logicalName(name)), &awsevents.CfnRuleProps{
			Description:  jsii.String("Secret Warden: forward " + name + " events to the organization bus"),
			EventBusName: jsii.String("default"),
			EventPattern: p.Patterns[name],
			State:        jsii.String("ENABLED"),
			Targets: &[]any{&awsevents.CfnRule_TargetProperty{
				Id:      jsii.String("OrgBus"),
				Arn:     busArn,
				RoleArn: forwardRole.RoleArn(),
			}},
		})
	}

	// The audit role: IAM is global, so it exists once per account, in the
	// first configured region.
	cond := awscdk.NewCfnCondition(stack, jsii.String(AuditRoleConditionID), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(p.Config.Regions[0])),
	})
	trustConditions := map[string]any{
		"StringEquals": map[string]any{"aws:PrincipalOrgID": p.Config.OrganizationID},
	}
	if p.Config.AuditRoleExternalID != "" {
		trustConditions["StringEquals"].(map[string]any)["sts:ExternalId"] = p.Config.AuditRoleExternalID
	}
	secretArns := awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:*"), nil)
	keyArns := awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*"), nil)
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadSecretMetadata"),
			Actions:   jsii.Strings(permissions.SecretReadActions...),
			Resources: jsii.Strings(*secretArns),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ListWithoutResourceLevelPermissions"),
			Actions:   jsii.Strings(permissions.ListActions...),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadKeyMetadata"),
			Actions:   jsii.Strings(permissions.KeyReadActions...),
			Resources: jsii.Strings(*keyArns),
		}),
	}
	if len(enforce) > 0 {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("EnforceModeWrites"),
			Actions:   jsii.Strings(enforce...),
			Resources: jsii.Strings(*secretArns),
		}))
	}
	statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("NeverReadSecretValues"),
		Effect:    awsiam.Effect_DENY,
		Actions:   jsii.Strings(permissions.DeniedActions...),
		Resources: jsii.Strings("*"),
	}))
	audit := awsiam.NewRole(stack, jsii.String("AuditRole"), &awsiam.RoleProps{
		RoleName:           jsii.String(p.Config.AuditRoleName),
		Description:        jsii.String("Secret Warden: read secret metadata (never values) for the central account"),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		AssumedBy:          awsiam.NewPrincipalWithConditions(awsiam.NewCompositePrincipal(trusted...), &trustConditions),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"SecretWardenAudit": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		},
	})
	audit.Node().DefaultChild().(awsiam.CfnRole).CfnOptions().SetCondition(cond)

	reasons := []*cdknag.NagPackSuppression{
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("The audit role is global (one per account) and reads the metadata of every secret in every " +
				"covered region: secret ARNs are wildcarded by region and name, within this account only. " +
				"Reading values is denied explicitly."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:secretsmanager:*:<AWS::AccountId>:secret:*"},
		},
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("kms:DescribeKey on any key of this account (any region): a secret may use any key, " +
				"and only key metadata is read, never a decrypt or data-key operation."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*"},
		},
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("secretsmanager:ListSecrets and kms:ListAliases support no resource-level permissions, " +
				"so IAM requires Resource \"*\" for them (the Deny of secret values also uses \"*\")."),
			AppliesTo: &[]any{"Resource::*"},
		},
	}
	cdknag.NagSuppressions_AddResourceSuppressions(audit, &reasons, jsii.Bool(true))
	return stack, nil
}

// MemberTemplate is the synthesized member stack.
type MemberTemplate struct {
	// Stack is the member stack (in its own App, already synthesized).
	Stack awscdk.Stack
	// Body is the template JSON, for the stack set's TemplateBody.
	Body string
}

// SynthMemberTemplate builds the member stack in a separate App (so that it
// is not deployed by `cdk deploy`), applies cdk-nag to it and synthesizes it
// into a temporary directory. Any error annotation (cdk-nag included) fails
// the synth, so the central app cannot ship a non-compliant member template.
func SynthMemberTemplate(p MemberStackProps) (*MemberTemplate, error) {
	dir := p.Outdir
	if dir == "" {
		if out := os.Getenv("CDK_OUTDIR"); out != "" {
			dir = filepath.Join(out, "member")
		} else {
			tmp, err := os.MkdirTemp("", "secretwarden-member-")
			if err != nil {
				return nil, fmt.Errorf("create member assembly dir: %w", err)
			}
			defer os.RemoveAll(tmp)
			dir = tmp
		}
	}
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir:             jsii.String(dir),
		AnalyticsReporting: jsii.Bool(false),
	})
	stack, err := NewMemberStack(app, "SecretWardenMember", p)
	if err != nil {
		return nil, err
	}
	nag.Apply(app)
	art := app.Synth(nil).GetStackArtifact(stack.ArtifactId())
	var errs []string
	for _, m := range *art.Messages() {
		if m.Level == cxapi.SynthesisMessageLevel_ERROR {
			errs = append(errs, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("synthesize member stack: %d error(s):\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
	body, err := json.Marshal(art.Template())
	if err != nil {
		return nil, fmt.Errorf("marshal member template: %w", err)
	}
	if len(body) > MaxTemplateBodyBytes {
		return nil, fmt.Errorf("synthesize member stack: template is %d bytes, over the %d-byte TemplateBody limit", len(body), MaxTemplateBodyBytes)
	}
	return &MemberTemplate{Stack: stack, Body: string(body)}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// logicalName turns a rule file name (e.g. "secretsmanager-api-calls") into
// a construct id fragment ("SecretsmanagerApiCalls").
func logicalName(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}
