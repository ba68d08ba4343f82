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
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/blast"
	"github.com/secretwarden/warden/internal/builtin"
	policyconfig "github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/lambda/config"
	"github.com/secretwarden/warden/internal/lambda/evaluate"
	"github.com/secretwarden/warden/internal/lambda/live"
	"github.com/secretwarden/warden/internal/lambda/reads"
	"github.com/secretwarden/warden/internal/lambda/rotate"
	"github.com/secretwarden/warden/internal/lambda/sweep"
	"github.com/secretwarden/warden/internal/member"
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
	// parameters and exceptions, merged with WARDEN_POLICY_DATA_FILE).
	// CustomRules lists the event rules of WARDEN_POLICIES_DIR.
	Engine      *policy.Engine
	Policy      *policyconfig.Config
	CustomRules []string
	// Store is the DynamoDB state (WARDEN_TABLE_NAME).
	Store *store.Store
	// Live reads member accounts through the audit role.
	Live *live.Source
	// Roles assumes the member roles the function may assume (every role
	// for New, the function's own for NewFunction: FunctionRoles).
	Roles *member.Provider
	// Alerts publishes to WARDEN_TOPIC_ARN.
	Alerts *action.SNS
	// Hub imports findings into Security Hub in each finding's account and
	// region through the Findings role; nil unless WARDEN_SECURITY_HUB.
	Hub *action.SecurityHub
	// Events puts "secretwarden" events on WARDEN_EVENT_BUS_NAME.
	Events *action.EventBridge
	// Rails are the emergency-rotation safety rails.
	Rails *rails.Rails
	// Remediator removes offending resource-policy statements: reads
	// through the Audit role, writes through the Responder; nil when the
	// function may not assume the Responder.
	Remediator *action.Remediator
	// QueueRotator hands rotations to the rotate queue (evaluate, reads).
	QueueRotator *action.QueueRotator
	// DirectRotator rotates through the rails, RotateSecret through the
	// Responder (rotate); nil when the function may not assume it.
	DirectRotator *action.DirectRotator
	// SweepQueue sends sweep units (SendMessageBatch).
	SweepQueue sweep.SendMessageBatchAPI
	// Blast plans a compromised principal's blast radius: the access
	// ledger (unless WARDEN_READ_EVENTS=off), CloudTrail Lake
	// (WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE) or LookupEvents through the
	// audit role for the rest.
	Blast *blast.Planner
}

// FunctionRoles are the member roles each function may assume
// (docs/contracts.md): the sweep and the reads function never the
// Responder, the rotate function never Findings.
var FunctionRoles = map[string][]member.Role{
	"evaluate": {member.Audit, member.Responder, member.Findings},
	"reads":    {member.Audit, member.Findings},
	"sweep":    {member.Audit, member.Findings},
	"rotate":   {member.Audit, member.Responder},
}

// allRoles is every member role (New: tests and the integration suite
// build every handler from one Deps).
var allRoles = []member.Role{member.Audit, member.Responder, member.Findings}

// New loads the SDK configuration with the default chain (environment,
// shared files, the Lambda role; AWS_REGION and AWS_ENDPOINT_URL honoured,
// so everything can point at an emulator) and builds the dependencies with
// every member role. awsOpts adjust the SDK configuration (tests).
func New(ctx context.Context, cfg *config.Config, awsOpts ...func(*awsconfig.LoadOptions) error) (*Deps, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return NewFromAWS(ctx, cfg, awsCfg)
}

// NewFunction is New for one function: its role provider cannot even be
// asked for a role FunctionRoles does not give the function.
func NewFunction(ctx context.Context, function string, cfg *config.Config, awsOpts ...func(*awsconfig.LoadOptions) error) (*Deps, error) {
	roles, ok := FunctionRoles[function]
	if !ok {
		return nil, fmt.Errorf("build handler dependencies: unknown function %q", function)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return build(ctx, cfg, awsCfg, roles)
}

// NewFromAWS builds the dependencies over an SDK configuration, with every
// member role.
func NewFromAWS(ctx context.Context, cfg *config.Config, awsCfg aws.Config) (*Deps, error) {
	return build(ctx, cfg, awsCfg, allRoles)
}

// build builds the dependencies; the role provider allows roles only.
func build(ctx context.Context, cfg *config.Config, awsCfg aws.Config, roles []member.Role) (*Deps, error) {
	if cfg == nil {
		return nil, errors.New("build handler dependencies: no configuration")
	}
	if awsCfg.Region == "" {
		return nil, errors.New("build handler dependencies: no AWS region (AWS_REGION is not set)")
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	d := &Deps{Config: cfg, AWS: awsCfg, Log: log}

	dir := config.ResolvePath(cfg.PoliciesDir, executableDir())
	eng, pol, custom, err := loadPolicies(ctx, cfg.PolicyDataFile, dir)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	d.Engine, d.Policy, d.CustomRules = eng, pol, custom
	if unknown := unknownModes(cfg.Modes, eng); len(unknown) > 0 {
		log.Warn("WARDEN_MODES names ids that are no policy or rule: they have no effect", slog.String("ids", strings.Join(unknown, ", ")))
	}

	d.Store = store.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName)
	d.Store.Log = log
	d.Store.LedgerTTL = cfg.LedgerTTL()

	// Every account, the function's own included, is read through the
	// audit role: the functions' own roles hold no Secrets Manager rights.
	src, err := live.New(awsinv.NewSDKFactory(awsCfg, 0), awsinv.Options{
		Regions: cfg.Regions, RoleName: cfg.AuditRoleName, ExternalID: cfg.AuditRoleExternalID, Logger: log,
		AssumeRoleInCallerAccount: true,
	}, 0)
	if err != nil {
		return nil, err
	}
	d.Live = src.RequireOrganization(cfg.OrganizationID)
	d.Roles = member.New(awsCfg, sts.NewFromConfig(awsCfg), member.Names{
		Audit: cfg.AuditRoleName, Responder: cfg.ResponderRoleName, Findings: cfg.FindingsRoleName, ExternalID: cfg.AuditRoleExternalID,
	}, roles...)

	d.Alerts = &action.SNS{API: sns.NewFromConfig(awsCfg), TopicARN: cfg.TopicARN, DryRun: cfg.DryRun}
	d.Events = &action.EventBridge{API: eventbridge.NewFromConfig(awsCfg), BusName: cfg.EventBusName, DryRun: cfg.DryRun}
	if cfg.SecurityHub && d.Roles.Allows(member.Findings) {
		d.Hub = &action.SecurityHub{
			Clients: member.Clients(d.Roles, member.Findings, "securityhub", func(c aws.Config) action.BatchImportFindingsAPI {
				return securityhub.NewFromConfig(c)
			}),
			DryRun: cfg.DryRun,
		}
	}

	q := sqs.NewFromConfig(awsCfg)
	d.SweepQueue = q
	d.QueueRotator = &action.QueueRotator{API: q, QueueURL: cfg.RotateQueueURL, DryRun: cfg.DryRun}
	d.Rails = &rails.Rails{
		Describe:  d.describeClient,
		Store:     d.Store,
		Limits:    cfg.Limits,
		Announcer: &action.BreakerAnnouncer{Alerts: d.Alerts},
		Log:       log,
	}
	d.Blast = &blast.Planner{LedgerTTL: cfg.LedgerTTL(), Lookup: &blast.Lookup{
		Accounts: d.activeAccounts, Regions: cfg.Regions,
		Clients: member.Clients(d.Roles, member.Audit, "cloudtrail", func(c aws.Config) blast.LookupEventsAPI {
			return cloudtrail.NewFromConfig(c)
		}),
	}}
	if cfg.ReadEventsOn() {
		d.Blast.Ledger = d.Store
	}
	if cfg.CloudTrailLake != "" {
		// The event data store is queried with the function's own
		// credentials, in its region.
		region := awsCfg.Region
		if a, err := arn.Parse(cfg.CloudTrailLake); err == nil {
			region = a.Region
		}
		d.Blast.Lake = &blast.Lake{ARN: cfg.CloudTrailLake, API: cloudtrail.NewFromConfig(awsCfg, func(o *cloudtrail.Options) { o.Region = region })}
	}
	if d.Roles.Allows(member.Responder) {
		writes := member.Clients(d.Roles, member.Responder, "secretsmanager", func(c aws.Config) *secretsmanager.Client {
			return secretsmanager.NewFromConfig(c)
		})
		d.Remediator = &action.Remediator{
			Reads: d.policyReads,
			Writes: func(ctx context.Context, account, region string) (action.ResourcePolicyWriteAPI, error) {
				return writes(ctx, account, region)
			},
			DryRun: cfg.DryRun,
		}
		d.DirectRotator = &action.DirectRotator{Rails: d.Rails, DryRun: cfg.DryRun, Log: log,
			Clients: func(ctx context.Context, account, region string) (action.RotateSecretAPI, error) {
				return writes(ctx, account, region)
			}}
	}
	return d, nil
}

// executableDir is the directory of the handler binary (where the CDK puts
// the bundled policies), or "." when it cannot be told.
func executableDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "."
	}
	return filepath.Dir(exe)
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

// activeAccounts are the organization's active accounts (LookupEvents is
// run in each).
func (d *Deps) activeAccounts(ctx context.Context) ([]string, error) {
	_, accounts, err := d.Live.Organization(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range accounts {
		if a.Status == "" || a.Status == "ACTIVE" {
			out = append(out, a.ID)
		}
	}
	return out, nil
}

// policyReads is GetResourcePolicy in a member account, through the audit
// role (the inventory's client).
func (d *Deps) policyReads(ctx context.Context, accountID, region string) (action.GetResourcePolicyAPI, error) {
	c, err := d.Live.Clients(ctx, accountID, region)
	if err != nil {
		return nil, err
	}
	return c.GetResourcePolicy, nil
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
		Blast: d.Blast, BlastWindow: d.Config.BlastRadiusWindow(),
		Log: d.Log,
	}
}

// Reads returns the reads handler: reads from inside the organization feed
// the access ledger, the others are decided by an evaluate handler (which,
// in the reads function, has no Responder: no remediation). With
// WARDEN_POLICIES_DIR event rules loaded, the reads no built-in rule decides
// are screened by the event rules.
func (d *Deps) Reads() *reads.Handler {
	ev := d.Evaluate()
	if !d.Roles.Allows(member.Responder) {
		ev.Executor.Remediator = nil
	}
	h := &reads.Handler{Org: d.Live, OrganizationID: d.Config.OrganizationID, Ledger: d.Store, Decider: ev, Log: d.Log}
	if len(d.CustomRules) > 0 {
		h.Screen = &reads.RuleScreen{Engine: d.Engine, Policy: d.Policy, Org: d.Live}
	}
	return h
}

// Sweep returns the sweep handler (scheduled fan-out and sweep units). Its
// Security Hub imports go through the Findings role; it never gets the
// Responder.
func (d *Deps) Sweep() *sweep.Handler {
	return &sweep.Handler{
		Org: d.Live, OrganizationID: d.Config.OrganizationID, Regions: d.Config.Regions,
		Queue: d.SweepQueue, QueueURL: d.Config.SweepQueueURL, Units: d.Live,
		Engine: d.Engine, Policy: d.Policy, Recorder: d.Recorder(), Findings: d.Store, Log: d.Log,
		States: d.Live, Orders: d.QueueRotator, LedgerOff: !d.Config.ReadEventsOn(), Coverage: d.Store,
		History: func(ctx context.Context) decide.History { return store.NewHistory(ctx, d.Store) },
	}
}

// Rotate returns the rotate handler: the rails, then RotateSecret through
// the Responder.
func (d *Deps) Rotate() *rotate.Handler {
	x := &action.Executor{
		Modes: d.Config.Modes, DryRun: d.Config.DryRun, Alerts: d.Alerts, Events: d.Events, Log: d.Log,
	}
	h := &rotate.Handler{Executor: x, Log: d.Log}
	if d.Store != nil {
		h.Requests = d.Store // each rotate request at most once, however late redelivered
	}
	if d.DirectRotator != nil {
		x.Rotator = d.DirectRotator
		// The sweep's orders: the same modes and rails as the evaluate
		// handler's, each action once per event id, through the Responder.
		h.Orders = &action.Executor{
			Modes: d.Config.Modes, DryRun: d.Config.DryRun, Alerts: d.Alerts, Events: d.Events, Log: d.Log,
			Remediator: d.Remediator, Rotator: d.DirectRotator, Dedupe: d.Store, PriorPolicies: d.Store,
		}
	}
	return h
}

// loadPolicies compiles the built-in policies with the built-in data,
// merged with the organization's data file when one is configured, and the
// organization's own Rego in dir (WARDEN_POLICIES_DIR) when set, by the
// same loader as `warden scan --policies`: a broken policy fails, naming
// its file and line. custom lists the event rules dir contributes.
func loadPolicies(ctx context.Context, dataFile, dir string) (eng *policy.Engine, cfg *policyconfig.Config, custom []string, err error) {
	doc, err := builtin.Data()
	if err != nil {
		return nil, nil, nil, err
	}
	if dataFile != "" {
		extra, err := policyconfig.ReadFile(dataFile)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", config.EnvPolicyDataFile, err)
		}
		doc = policyconfig.Merge(doc, extra)
	}
	var extra []policy.Source
	if dir != "" {
		extra = append(extra, policy.DirSource(dir))
	}
	eng, cfg, err = builtin.Load(ctx, doc, extra...)
	if err != nil {
		if dir != "" {
			err = fmt.Errorf("%s=%s: %w", config.EnvPoliciesDir, dir, err)
		}
		return nil, nil, nil, err
	}
	if dir != "" {
		prefix := filepath.Clean(dir) + string(filepath.Separator)
		for _, r := range eng.Rules() {
			if strings.HasPrefix(r.File, prefix) || r.File == filepath.Clean(dir) {
				custom = append(custom, r.ID)
			}
		}
	}
	return eng, cfg, custom, nil
}
