// Package cdkguard runs Secret Warden's posture checks on the CloudFormation
// templates a CDK app synthesizes, and fails the synth when a secret the app
// declares has findings at or above a severity: a secret on the AWS managed
// key, without rotation or readable by "*" never reaches a deploy.
//
// Use it from a CDK Go app:
//
//	app := awscdk.NewApp(nil)
//	// ... stacks ...
//	if err := cdkguard.Add(app, cdkguard.Options{FailOn: "high"}); err != nil {
//		log.Fatal(err)
//	}
//	app.Synth(nil)
//
// It is a policy validation plugin (aws-cdk-lib Validations.of(app)
// .addPlugins(...), "Policy validation" in the AWS CDK Developer Guide,
// https://docs.aws.amazon.com/cdk/v2/guide/policy-validation-synthesis.html).
// The CDK calls plugins once synthesis has written the templates, with the
// path of every stack's template and its environment: the guard reads those
// files with the same code as `warden scan --template` (nested stacks
// followed through their aws:asset:path metadata) and so reports the same
// findings, pointing at the same file, line and logical id. The construct
// validation hook (Node().AddValidation) runs before the templates exist,
// when values are still unresolved tokens: judging the template the deploy
// will actually submit needs the plugin.
//
// A failed validation makes synth throw ("Validation failed"), which fails
// `cdk synth` and `cdk deploy`; the report (validation-report.json in the
// cloud assembly) lists each finding with its resource and template.
package cdkguard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/template"
)

// Name is the plugin's name in the CDK validation report.
const Name = "secret-warden"

// Version is the plugin's version in the CDK validation report.
const Version = "1.0.0"

// Options configure the guard. The zero value fails the synth on high and
// critical findings with the built-in policies and parameters.
type Options struct {
	// FailOn is the lowest severity that fails the synth: critical, high,
	// medium, low or info; "" means high. Findings below it are reported
	// without failing.
	FailOn string
	// DataFiles are policy data files (parameter overrides, exceptions:
	// the `warden --data` format), merged over the built-in data in order.
	DataFiles []string
	// PolicyDirs are directories (or .rego files) of your own checks,
	// loaded next to the built-in ones.
	PolicyDirs []string
	// Account, OUPath and Region stand for environment-agnostic stacks'
	// unknown account and region (a stack's env wins), for matching
	// overrides and exceptions and resolving AWS::AccountId and
	// AWS::Region.
	Account, OUPath, Region string
	// OrganizationID is the organization's id (o-…), for aws:PrincipalOrgID
	// conditions in resource policies.
	OrganizationID string
	// Parameters are CloudFormation parameter values by name.
	Parameters map[string]string
}

// Guard is the validation plugin. It implements
// awscdk.IPolicyValidationPlugin.
type Guard struct {
	opts   Options
	engine *policy.Engine
	config *config.Config
}

// New compiles the policies once and returns the plugin.
func New(opts Options) (*Guard, error) {
	if opts.FailOn == "" {
		opts.FailOn = "high"
	}
	if finding.SeverityRank(opts.FailOn) < 0 {
		return nil, fmt.Errorf("cdkguard: FailOn %q is not one of %s", opts.FailOn, strings.Join(finding.Severities, "|"))
	}
	doc, err := builtin.Data()
	if err != nil {
		return nil, fmt.Errorf("cdkguard: %w", err)
	}
	for _, f := range opts.DataFiles {
		m, err := config.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("cdkguard: read policy data: %w", err)
		}
		doc = config.Merge(doc, m)
	}
	sources := make([]policy.Source, 0, len(opts.PolicyDirs))
	for _, d := range opts.PolicyDirs {
		sources = append(sources, policy.DirSource(d))
	}
	eng, cfg, err := builtin.Load(context.Background(), doc, sources...)
	if err != nil {
		return nil, fmt.Errorf("cdkguard: load policies: %w", err)
	}
	return &Guard{opts: opts, engine: eng, config: cfg}, nil
}

// Add creates a guard and registers it on scope (an App, or a Stage to
// guard only its stacks).
func Add(scope constructs.IConstruct, opts Options) error {
	g, err := New(opts)
	if err != nil {
		return err
	}
	awscdk.Validations_Of(scope).AddPlugins(g)
	return nil
}

// Name implements awscdk.IPolicyValidationPlugin.
func (g *Guard) Name() *string { return jsii.String(Name) }

// Version implements awscdk.IPolicyValidationPlugin.
func (g *Guard) Version() *string { return jsii.String(Version) }

// RuleIds implements awscdk.IPolicyValidationPlugin: the posture checks.
func (g *Guard) RuleIds() *[]*string {
	ids := make([]*string, 0, len(g.engine.Checks()))
	for _, c := range g.engine.Checks() {
		ids = append(ids, jsii.String(c.ID))
	}
	return &ids
}

// Validate implements awscdk.IPolicyValidationPlugin: it scans every
// stack's template and reports the fail and error findings. The report
// fails (and with it the synth) when one is at or above FailOn.
func (g *Guard) Validate(vc awscdk.IPolicyValidationContext) (report *awscdk.PolicyValidationPluginReport) {
	defer func() {
		// Nothing may be lost silently: a fault inside the guard fails
		// the validation, naming the fault.
		if r := recover(); r != nil {
			report = failure(fmt.Errorf("internal error: %v", r))
		}
	}()
	var stacks []Stack
	if st := vc.StackTemplates(); st != nil {
		for _, s := range *st {
			if s == nil || s.TemplatePath == nil {
				continue
			}
			stacks = append(stacks, Stack{Template: *s.TemplatePath, Account: deref(s.AccountId), Region: deref(s.Region)})
		}
	}
	fs, err := g.Scan(context.Background(), stacks)
	if err != nil {
		return failure(err)
	}
	return g.report(fs)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Stack is one synthesized template with its environment ("" unknown).
type Stack struct {
	Template        string
	Account, Region string
}

// Scan evaluates the secrets the stacks' templates declare (nested stacks
// included) and returns every finding. A template that cannot be read is an
// error.
func (g *Guard) Scan(ctx context.Context, stacks []Stack) ([]finding.Finding, error) {
	var out []finding.Finding
	var problems []error
	for _, s := range stacks {
		opts := template.Options{
			Account: s.Account, OUPath: g.opts.OUPath, Region: s.Region,
			Parameters: g.opts.Parameters, Config: g.config,
		}
		if opts.Account == "" {
			opts.Account = g.opts.Account
		}
		if opts.Region == "" {
			opts.Region = g.opts.Region
		}
		res := template.Load(ctx, []string{s.Template}, opts)
		for _, p := range res.Problems {
			problems = append(problems, p)
		}
		snap := res.Snapshot(nil, g.opts.OrganizationID, g.opts.OUPath)
		fs, err := g.assess(ctx, snap)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, errors.Join(problems...)
}

func (g *Guard) assess(ctx context.Context, snap *snapshot.Snapshot) ([]finding.Finding, error) {
	inv := inventory.NewState(snap)
	b, err := input.NewBuilder(ctx, inv, g.config.Params, nowFunc())
	if err != nil {
		return nil, fmt.Errorf("build policy input: %w", err)
	}
	a := &assess.Assessor{Engine: g.engine, Builder: b, Config: g.config}
	var out []finding.Finding
	_, err = scan.Run(ctx, inv, a, scan.Options{Workers: 1}, func(batch []finding.Finding) error {
		out = append(out, batch...)
		return nil
	})
	return out, err
}

// report renders fail and error findings as violations: those at or above
// FailOn fail the report.
func (g *Guard) report(fs []finding.Finding) *awscdk.PolicyValidationPluginReport {
	type key struct{ policy, status string }
	groups := map[key][]finding.Finding{}
	var keys []key
	failed := false
	for _, f := range fs {
		if !f.Status.Failing() {
			continue
		}
		if finding.AtLeast(f.Severity, g.opts.FailOn) {
			failed = true
		}
		k := key{f.PolicyID, string(f.Status)}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], f)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := groups[keys[i]][0], groups[keys[j]][0]
		if ra, rb := finding.SeverityRank(a.Severity), finding.SeverityRank(b.Severity); ra != rb {
			return ra < rb
		}
		return keys[i].policy+keys[i].status < keys[j].policy+keys[j].status
	})
	violations := make([]*awscdk.PolicyViolation, 0, len(keys))
	for _, k := range keys {
		group := groups[k]
		first := group[0]
		desc := first.Title
		if k.status == string(finding.StatusError) {
			desc += " (not evaluated)"
		}
		var resources []*awscdk.PolicyViolatingResource
		var messages []string
		for _, f := range group {
			// Locations are where in the template: the resource's line.
			locations := []*string{}
			if f.Line > 0 {
				locations = append(locations, jsii.String(fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)))
			}
			resources = append(resources, &awscdk.PolicyViolatingResource{
				ResourceLogicalId: jsii.String(f.LogicalID),
				TemplatePath:      jsii.String(f.File),
				Locations:         &locations,
			})
			messages = append(messages, f.LogicalID+": "+f.Message)
		}
		violations = append(violations, &awscdk.PolicyViolation{
			RuleName:           jsii.String(k.policy),
			Description:        jsii.String(fmt.Sprintf("%s [%s %s] %s", desc, strings.ToUpper(first.Severity), k.status, strings.Join(messages, "; "))),
			Fix:                jsii.String(first.Remediation),
			Severity:           jsii.String(first.Severity),
			ViolatingResources: &resources,
		})
	}
	return &awscdk.PolicyValidationPluginReport{
		Success:       jsii.Bool(!failed),
		Violations:    &violations,
		PluginVersion: jsii.String(Version),
	}
}

// failure is a failed report naming an error of the guard itself.
func failure(err error) *awscdk.PolicyValidationPluginReport {
	return &awscdk.PolicyValidationPluginReport{
		Success: jsii.Bool(false),
		Violations: &[]*awscdk.PolicyViolation{{
			RuleName:           jsii.String("secret-warden-error"),
			Description:        jsii.String("Secret Warden could not check the templates: " + err.Error()),
			ViolatingResources: &[]*awscdk.PolicyViolatingResource{},
		}},
		PluginVersion: jsii.String(Version),
	}
}
