// Package wire builds everything the Lambda handlers need from their
// configuration: the SDK clients (the only place that knows concrete AWS SDK
// clients), the state store, the actions, the safety rails, the live
// inventory and the policy engine (compiled once per process). The handlers'
// main functions are config.Load, New and lambda.Start; the integration
// suite calls the same functions.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/builtin"
	policyconfig "github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/lambda/config"
	"github.com/secretwarden/warden/internal/lambda/evaluate"
	"github.com/secretwarden/warden/internal/lambda/live"
	"github.com/secretwarden/warden/internal/lambda/reads"
	"github.com/secretwarden/warden/internal/lambda/rotate"
	"github.com/secretwarden/warden/internal/lambda/sweep"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
)

// Deps are the process-wide dependencies of the handlers, built once at
// init and shared by every invocation.
type Deps struct {
	// Config is the handlers' configuration.
	Config *config.Config
	// AWS is the base SDK configuration (credentials, region, endpoint).
	AWS aws.Config
	// Log is the handlers' logger (JSON on stderr).
	Log *slog.Logger
	// Engine is the compiled policy engine; Policy its data (the built-in
	// parameters and exceptions).
	Engine *policy.Engine
	Policy *policyconfig.Config
	// Store is the DynamoDB state (WARDEN_TABLE_NAME).
	Store *store.Store
	// Live reads member accounts through the audit role.
	Live *live.Source
	// Alerts publishes to WARDEN_TOPIC_ARN.
	Alerts *action.SNS
	// Hub imports findings into Security Hub; nil unless WARDEN_SECURITY_HUB.
	Hub *action.SecurityHub
	// Events puts "secretwarden" events on WARDEN_EVENT_BUS_NAME.
	Events *action.EventBridge
	// Rails are the emergency-rotation safety rails.
	Rails *rails.Rails
	// Remediator removes offending resource-policy statements.
	Remediator *action.Remediator
	// QueueRotator hands rotations to the rotate queue (evaluate).
	QueueRotator *action.QueueRotator
	// DirectRotator rotates through the rails (rotate).
	DirectRotator *action.DirectRotator
	// SweepQueue sends sweep units (SendMessageBatch).
	SweepQueue sweep.SendMessageBatchAPI
}

// New loads the SDK configuration with the default chain (environment,
// shared files, the Lambda role; AWS_REGION and AWS_ENDPOINT_URL honoured,
// so everything can point at an emulator) and builds the dependencies.
// awsOpts adjust the SDK configuration (tests).
func New(ctx context.Context, cfg *config.Config, awsOpts ...func(*awsconfig.LoadOptions) error) (*Deps, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return NewFromAWS(ctx, cfg, awsCfg)
}

// NewFromAWS builds the dependencies over an SDK configuration.
func NewFromAWS(ctx context.Context, cfg *config.Config, awsCfg aws.Config) (*Deps, error) {
	if cfg == nil {
		return nil, errors.New("build handler dependencies: no configuration")
	}
	if awsCfg.Region == "" {
		return nil, errors.New("build handler dependencies: no AWS region (AWS_REGION is not set)")
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	d := &Deps{Config: cfg, AWS: awsCfg, Log: log}

	eng, pol, err := loadPolicies(ctx, cfg.PolicyDataFile)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	d.Engine, d.Policy = eng, pol
	if unknown := unknownModes(cfg.Modes, eng); len(unknown) > 0 {
		log.Warn("WARDEN_MODES names ids that are no policy or rule: they have no effect", slog.String("ids", strings.Join(unknown, ", ")))
	}

	d.Store = store.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName)
	d.Store.Log = log

	src, err := live.New(awsinv.NewSDKFactory(awsCfg, 0), awsinv.Options{
		Regions: cfg.Regions, RoleName: cfg.AuditRoleName, ExternalID: cfg.AuditRoleExternalID, Logger: log,
	}, 0)
	if err != nil {
		return nil, err
	}
	d.Live = src.RequireOrganization(cfg.OrganizationID)

	d.Alerts = &action.SNS{API: sns.NewFromConfig(awsCfg), TopicARN: cfg.TopicARN, DryRun: cfg.DryRun}
	d.Events = &action.EventBridge{API: eventbridge.NewFromConfig(awsCfg), BusName: cfg.EventBusName, DryRun: cfg.DryRun}
	if cfg.SecurityHub {
		id, err := sts.NewFromConfig(awsCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, fmt.Errorf("identify the account importing Security Hub findings: %w", err)
		}
		// Findings are imported as the central account's, in the function's
		// region (the product ARN the CDK grants BatchImportFindings on).
		// BatchUpdateFindings is not granted: resolved findings are imported
		// with workflow RESOLVED.
		d.Hub = &action.SecurityHub{ImportAPI: securityhub.NewFromConfig(awsCfg), AccountID: aws.ToString(id.Account), Region: awsCfg.Region, DryRun: cfg.DryRun}
	}

	q := sqs.NewFromConfig(awsCfg)
	d.SweepQueue = q
	d.QueueRotator = &action.QueueRotator{API: q, QueueURL: cfg.RotateQueueURL, DryRun: cfg.DryRun}
	d.Remediator = &action.Remediator{Clients: d.resourcePolicyClient, DryRun: cfg.DryRun}
	d.Rails = &rails.Rails{
		Describe:  d.describeClient,
		Store:     d.Store,
		Limits:    cfg.Limits,
		Announcer: &action.BreakerAnnouncer{Alerts: d.Alerts},
		Log:       log,
	}
	d.DirectRotator = &action.DirectRotator{Rails: d.Rails, Clients: d.rotateClient, DryRun: cfg.DryRun, Log: log}
	return d, nil
}

// unknownModes lists the WARDEN_MODES keys that name no check or rule.
func unknownModes(m action.Modes, eng *policy.Engine) []string {
	known := map[string]bool{"*": true}
	for _, c := range eng.Checks() {
		known[c.ID] = true
	}
	for _, r := range eng.Rules() {
		known[r.ID] = true
	}
	var out []string
	for id := range m {
		if !known[id] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// describeClient is the rails' DescribeSecret in a member account.
func (d *Deps) describeClient(ctx context.Context, accountID, region string) (rails.DescribeSecretAPI, error) {
	c, err := d.Live.Clients(ctx, accountID, region)
	if err != nil {
		return nil, err
	}
	return c.DescribeSecret, nil
}

// rotateClient is RotateSecret in a member account: the Secrets Manager
// client awsinv built with the audit role.
func (d *Deps) rotateClient(ctx context.Context, accountID, region string) (action.RotateSecretAPI, error) {
	c, err := d.Live.Clients(ctx, accountID, region)
	if err != nil {
		return nil, err
	}
	api, ok := c.DescribeSecret.(action.RotateSecretAPI)
	if !ok {
		return nil, fmt.Errorf("reach secrets manager in %s/%s: the client cannot rotate", accountID, region)
	}
	return api, nil
}

// resourcePolicyClient is Get/Put/DeleteResourcePolicy in a member account.
func (d *Deps) resourcePolicyClient(ctx context.Context, accountID, region string) (action.ResourcePolicyAPI, error) {
	c, err := d.Live.Clients(ctx, accountID, region)
	if err != nil {
		return nil, err
	}
	api, ok := c.GetResourcePolicy.(action.ResourcePolicyAPI)
	if !ok {
		return nil, fmt.Errorf("reach secrets manager in %s/%s: the client cannot change resource policies", accountID, region)
	}
	return api, nil
}

// Recorder records findings: alerts on changes, Security Hub when enabled,
// an event per change.
func (d *Deps) Recorder() *action.Recorder {
	r := &action.Recorder{Store: d.Store, Alerts: d.Alerts, Events: d.Events}
	if d.Hub != nil {
		r.Hub = d.Hub
	}
	return r
}

// Evaluate returns the evaluate handler: rotations are queued for the
// rotate handler, each action of an event runs once. In a dry run
// (WARDEN_DRY_RUN) the findings are still recorded in the table, and
// nothing is published, imported, remediated, rotated or queued.
func (d *Deps) Evaluate() *evaluate.Handler {
	return &evaluate.Handler{
		Store: d.Store, States: d.Live, Engine: d.Engine, Policy: d.Policy,
		Recorder: d.Recorder(),
		Executor: &action.Executor{
			Modes: d.Config.Modes, DryRun: d.Config.DryRun, Alerts: d.Alerts, Events: d.Events,
			Remediator: d.Remediator, Rotator: d.QueueRotator, Dedupe: d.Store, PriorPolicies: d.Store, Log: d.Log,
		},
		Log: d.Log,
	}
}

// Reads returns the reads handler: reads from inside the organization feed
// the access ledger, the others are decided by the evaluate handler.
func (d *Deps) Reads() *reads.Handler {
	return &reads.Handler{Org: d.Live, OrganizationID: d.Config.OrganizationID, Ledger: d.Store, Decider: d.Evaluate(), Log: d.Log}
}

// Sweep returns the sweep handler (scheduled fan-out and sweep units).
func (d *Deps) Sweep() *sweep.Handler {
	return &sweep.Handler{
		Org: d.Live, OrganizationID: d.Config.OrganizationID, Regions: d.Config.Regions,
		Queue: d.SweepQueue, QueueURL: d.Config.SweepQueueURL, Units: d.Live,
		Engine: d.Engine, Policy: d.Policy, Recorder: d.Recorder(), Findings: d.Store, Log: d.Log,
	}
}

// Rotate returns the rotate handler: the rails, then RotateSecret.
func (d *Deps) Rotate() *rotate.Handler {
	return &rotate.Handler{
		Executor: &action.Executor{
			Modes: d.Config.Modes, DryRun: d.Config.DryRun, Alerts: d.Alerts, Events: d.Events,
			Rotator: d.DirectRotator, Log: d.Log,
		},
		Log: d.Log,
	}
}

// loadPolicies compiles the built-in policies with the built-in data,
// merged with the organization's data file when one is configured.
func loadPolicies(ctx context.Context, dataFile string) (*policy.Engine, *policyconfig.Config, error) {
	doc, err := builtin.Data()
	if err != nil {
		return nil, nil, err
	}
	if dataFile != "" {
		extra, err := policyconfig.ReadFile(dataFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", config.EnvPolicyDataFile, err)
		}
		doc = policyconfig.Merge(doc, extra)
	}
	return builtin.Load(ctx, doc)
}
