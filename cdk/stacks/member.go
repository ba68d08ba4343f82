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
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/cdk/constructs/memberunit"
	"github.com/secretwarden/warden/cdk/internal/config"
	"github.com/secretwarden/warden/cdk/internal/nag"
	"github.com/secretwarden/warden/rules"
)

// Parameters of the member template, filled by the stack set from the
// central stack (and, for the management-account stacks, passed to
// `cdk deploy --parameters` from the central stack's outputs).
const (
	ParamOrgEventBusArn  = "OrgEventBusArn"
	ParamEvaluateRoleArn = "EvaluateRoleArn"
	ParamSweepRoleArn    = "SweepRoleArn"
	ParamRotateRoleArn   = "RotateRoleArn"
	ParamReadsRoleArn    = "ReadsRoleArn"
)

// RoleConditionID is the logical id of the condition that creates the
// (global) member roles in the first configured region only.
const RoleConditionID = memberunit.RoleConditionID

// MaxTemplateBodyBytes is CloudFormation's limit for an inline TemplateBody.
const MaxTemplateBodyBytes = 51200

// MemberStackProps configures the member-account stack.
type MemberStackProps struct {
	// Config is the deployment configuration.
	Config config.Config
	// Rules are the EventBridge rules (rules.Rules()).
	Rules []rules.Rule
	// Outdir is where SynthMemberTemplate writes the member cloud assembly
	// (template and cdk-nag report). Default: $CDK_OUTDIR/member when the
	// CDK CLI runs the app, else a temporary directory removed afterwards.
	Outdir string
}

// functionRoleParams maps each central function that assumes member roles
// to its role ARN parameter: reads only with read events.
func functionRoleParams(cfg config.Config) map[string]string {
	m := map[string]string{
		HandlerEvaluate: ParamEvaluateRoleArn,
		HandlerSweep:    ParamSweepRoleArn,
		HandlerRotate:   ParamRotateRoleArn,
	}
	if cfg.Reads() {
		m[HandlerReads] = ParamReadsRoleArn
	}
	return m
}

// NewMemberStack builds the stack deployed by the stack set in every member
// account and region: forwarding rules from the default bus to the
// organization bus, and (in the first region only) the member roles.
func NewMemberStack(scope constructs.Construct, id string, p MemberStackProps) (awscdk.Stack, error) {
	return newMemberUnitStack(scope, id, p, &awscdk.StackProps{
		Description: jsii.String("Secret Warden member account: forwards Secrets Manager and GuardDuty events to the organization bus; " +
			"audit, responder and findings roles for the central functions"),
	})
}

// newMemberUnitStack builds a stack holding one member unit, whose
// parameters name the organization bus and the central function roles.
// The member stack and the management-account stacks differ only in the
// stack properties.
func newMemberUnitStack(scope constructs.Construct, id string, p MemberStackProps, sp *awscdk.StackProps) (awscdk.Stack, error) {
	if len(p.Config.Regions) == 0 {
		return nil, errors.New("build member stack: no regions configured")
	}
	if len(p.Rules) == 0 {
		return nil, errors.New("build member stack: no event rules")
	}
	// Deployed by a stack set or by `cdk deploy` with the account's own
	// credentials, never with CDK bootstrap roles: no bootstrap resources,
	// and an asset (which would need them) fails the synth.
	sp.Synthesizer = awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{})
	sp.AnalyticsReporting = jsii.Bool(false)
	stack := awscdk.NewStack(scope, jsii.String(id), sp)

	roleArnPattern := `^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	busArn := awscdk.NewCfnParameter(stack, jsii.String(ParamOrgEventBusArn), &awscdk.CfnParameterProps{
		Type:           jsii.String("String"),
		Description:    jsii.String("ARN of the Secret Warden organization event bus"),
		AllowedPattern: jsii.String(`^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$`),
	}).ValueAsString()
	fnRoles := map[string]*string{}
	params := functionRoleParams(p.Config)
	for _, fn := range sortedKeys(params) {
		fnRoles[fn] = awscdk.NewCfnParameter(stack, jsii.String(params[fn]), &awscdk.CfnParameterProps{
			Type:           jsii.String("String"),
			Description:    jsii.String("Role ARN of the Secret Warden " + fn + " function, trusted by the member roles it may assume"),
			AllowedPattern: jsii.String(roleArnPattern),
		}).ValueAsString()
	}
	if _, err := memberunit.Add(stack, memberunit.Props{
		Config:        p.Config,
		Rules:         p.Rules,
		BusArn:        busArn,
		FunctionRoles: fnRoles,
	}); err != nil {
		return nil, fmt.Errorf("build member stack: %w", err)
	}
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

// logicalName turns a rule file name into a construct id fragment.
func logicalName(s string) string { return memberunit.LogicalName(s) }
