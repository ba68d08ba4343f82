package stacks

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/secretwarden/warden/cdk/constructs/durablequeue"
	"github.com/secretwarden/warden/cdk/constructs/handlerfunc"
	"github.com/secretwarden/warden/cdk/constructs/monitoring"
	"github.com/secretwarden/warden/cdk/constructs/orgbus"
	"github.com/secretwarden/warden/cdk/internal/config"
	"github.com/secretwarden/warden/cdk/internal/gobuild"
	"github.com/secretwarden/warden/cdk/internal/permissions"
	"github.com/secretwarden/warden/rules"
)

// Handler names, as directories under handlers/.
const (
	HandlerEvaluate = "evaluate"
	HandlerSweep    = "sweep"
	HandlerRotate   = "rotate"
	// HandlerReads consumes GetSecretValue/BatchGetSecretValue events
	// (readEvents = all only).
	HandlerReads = "reads"
)

// Handlers lists every Lambda handler; HandlersFor says which are deployed.
var Handlers = []string{HandlerEvaluate, HandlerSweep, HandlerRotate, HandlerReads}

// HandlersFor lists the handlers deployed with cfg: reads only with read events.
func HandlersFor(cfg config.Config) []string {
	out := make([]string, 0, len(Handlers))
	for _, h := range Handlers {
		if h != HandlerReads || cfg.Reads() {
			out = append(out, h)
		}
	}
	return out
}

// Queue names.
const (
	QueueEvents = "events"
	QueueSweep  = "sweep"
	QueueRotate = "rotate"
	QueueReads  = "reads"
)

// The reads function's SQS event source. Lambda reads up to 10,000 messages
// per batch from a standard queue, and a batch size above 10 requires a
// batching window of at least 1 s (Lambda Developer Guide, "Using Lambda
// with Amazon SQS", BatchSize and MaximumBatchingWindowInSeconds). Lambda
// invokes with fewer messages when the batch would exceed the 6 MB
// invocation payload quota (Lambda Developer Guide, "Lambda quotas"):
// 750 reads leave about 8 KB per SQS record, more than twice the largest
// sample GetSecretValue event as delivered (3.7 KB with a maximal receipt
// handle; TestReadsBatchFitsTheInvocationPayload measures them), so batches
// are cut by size only for unusually large events. Within the window, reads
// accumulate into one invocation instead of thousands: the per-read cost is
// the decode, classify and ledger-coalesce work (docs/cost.md).
const (
	ReadsBatchSize            = 750
	ReadsBatchingWindowSecond = 30
	// MaxInvokePayloadBytes is Lambda's synchronous invocation payload
	// quota (6 MB), which caps an SQS batch.
	MaxInvokePayloadBytes = 6 * 1024 * 1024
)

// Names of resources a person looks for.
const (
	// EventBusName is the organization event bus.
	EventBusName = "secret-warden"
	// StackSetName is the member stack set.
	StackSetName = "SecretWardenMember"
	// DashboardName is the CloudWatch dashboard.
	DashboardName = "SecretWarden"
	// KeyAlias is the alias of the service's customer-managed key.
	KeyAlias = "alias/secret-warden"
)

// ModulePath is the Go module holding the handlers.
const ModulePath = "github.com/secretwarden/warden"

// CentralStackProps configures the central stack.
type CentralStackProps struct {
	awscdk.StackProps
	// Config is the validated deployment configuration.
	Config config.Config
	// Rules are the EventBridge rules (rules.Rules()).
	Rules []rules.Rule
	// Code returns the code of a handler. Nil: a local go build of
	// ./handlers/<name> in ModuleRoot at synth time (gobuild.Code).
	Code func(handler string) awslambda.Code
	// ModuleRoot is the directory with go.mod (default: found above the working directory).
	ModuleRoot string
	// MemberOutdir is where the member app is synthesized (see MemberStackProps.Outdir).
	MemberOutdir string
}

// CentralStack is the stack deployed to the delegated-administrator account.
type CentralStack struct {
	awscdk.Stack
	// Key encrypts the table, queues, topic, logs and Lambda environments.
	Key awskms.Key
	// Bus is the organization event bus.
	Bus awsevents.EventBus
	// Rules are the org bus rules by pattern name.
	Rules map[string]awsevents.CfnRule
	// Table holds findings, dedupe and rate-limit state.
	Table awsdynamodb.Table
	// Topic receives alerts and alarms.
	Topic awssns.Topic
	// Queues by name (events, sweep, rotate, reads).
	Queues map[string]*durablequeue.DurableQueue
	// Functions by handler name (evaluate, sweep, rotate, reads).
	Functions map[string]*handlerfunc.HandlerFunction
	// Monitoring is the dashboard and Lambda alarms.
	Monitoring *monitoring.Monitoring
	// StackSet deploys the member template to the OUs.
	StackSet awscloudformation.CfnStackSet
	// Member is the synthesized member template.
	Member *MemberTemplate
}

// PolicyDataAsset is the name of the organization's policy data file
// (context policyDataFile) inside every handler's asset.
const PolicyDataAsset = "policy-data.json"

// PoliciesAsset is the directory of the organization's own Rego (context
// policiesDir) inside every handler's asset, next to bootstrap.
const PoliciesAsset = "policies"

// AssetFiles are the extra files bundled next to every handler's bootstrap
// (asset path → source path): the policy data file and the Rego files of
// policiesDir (tests excluded).
func AssetFiles(cfg config.Config) map[string]string {
	files := map[string]string{}
	if cfg.PolicyDataFile != "" {
		files[PolicyDataAsset] = cfg.PolicyDataFile
	}
	for _, f := range cfg.PolicyFiles {
		files[path.Join(PoliciesAsset, f)] = filepath.Join(cfg.PoliciesDir, filepath.FromSlash(f))
	}
	return files
}

// NewCentralStack builds the central stack. The member template is
// synthesized (and cdk-nag checked) first and inlined into the stack set.
func NewCentralStack(scope constructs.Construct, id string, props CentralStackProps) (*CentralStack, error) {
	cfg := props.Config
	if len(props.Rules) == 0 {
		return nil, fmt.Errorf("build central stack: no event rules")
	}
	code := props.Code
	if code == nil {
		root := props.ModuleRoot
		if root == "" {
			r, err := gobuild.ModuleRoot(".", ModulePath)
			if err != nil {
				return nil, fmt.Errorf("build central stack: %w", err)
			}
			root = r
		}
		files := AssetFiles(cfg)
		code = func(h string) awslambda.Code { return gobuild.Code(root, "./handlers/"+h, files) }
	}
	member, err := SynthMemberTemplate(MemberStackProps{Config: cfg, Rules: props.Rules, Outdir: props.MemberOutdir})
	if err != nil {
		return nil, fmt.Errorf("build central stack: %w", err)
	}

	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("Secret Warden central stack: organization event bus, evaluate/sweep/rotate/reads functions, findings table, alerts, dashboard, member stack set")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	s := &CentralStack{
		Stack:     stack,
		Rules:     map[string]awsevents.CfnRule{},
		Queues:    map[string]*durablequeue.DurableQueue{},
		Functions: map[string]*handlerfunc.HandlerFunction{},
		Member:    member,
	}

	s.Key = newServiceKey(stack)
	s.Topic = awssns.NewTopic(stack, jsii.String("AlertTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Secret Warden alerts"),
		MasterKey:   s.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	for _, email := range cfg.AlertEmails {
		s.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	alarmActions := []awscloudwatch.IAlarmAction{awscloudwatchactions.NewSnsAction(s.Topic)}

	s.Table = awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:          awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey:       s.Key,
		TimeToLiveAttribute: jsii.String("expires_at"),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		// Findings are compliance evidence: keep them when the stack goes.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	addFindingIndexes(s.Table)

	s.Bus = orgbus.New(stack, "OrgBus", orgbus.Props{BusName: EventBusName, OrganizationID: cfg.OrganizationID}).Bus

	// Timeouts: evaluate handles a batch of ≤10 events (a few API calls
	// each); a sweep unit is one account-region, paced under the 50 TPS
	// GetResourcePolicy quota (10,000 secrets ≈ 4-5 minutes); rotate starts
	// one rotation after its safety checks; reads decodes and classifies a
	// batch of ≤750 reads in milliseconds, then writes at most one
	// conditional ledger update per (principal, secret, day).
	timeouts := map[string]float64{HandlerEvaluate: 60, HandlerSweep: 900, HandlerRotate: 120, HandlerReads: 120}
	s.Queues[QueueEvents] = durablequeue.New(stack, "EventsQueue", durablequeue.Props{
		Key:                     s.Key,
		VisibilityTimeout:       awscdk.Duration_Seconds(jsii.Number(6 * timeouts[HandlerEvaluate])),
		MaxReceiveCount:         5,
		OldestMessageAlarmAfter: awscdk.Duration_Minutes(jsii.Number(15)),
		AlarmActions:            alarmActions,
	})
	s.Queues[QueueSweep] = durablequeue.New(stack, "SweepQueue", durablequeue.Props{
		Key:               s.Key,
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * timeouts[HandlerSweep])),
		MaxReceiveCount:   3,
		// A whole-organization sweep drains in well under the schedule.
		OldestMessageAlarmAfter: awscdk.Duration_Hours(jsii.Number(3)),
		AlarmActions:            alarmActions,
	})
	s.Queues[QueueRotate] = durablequeue.New(stack, "RotateQueue", durablequeue.Props{
		Key:               s.Key,
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * timeouts[HandlerRotate])),
		MaxReceiveCount:   3,
		// Emergency rotation must start within minutes of an incident.
		OldestMessageAlarmAfter: awscdk.Duration_Minutes(jsii.Number(5)),
		AlarmActions:            alarmActions,
	})
	if cfg.Reads() {
		s.Queues[QueueReads] = durablequeue.New(stack, "ReadsQueue", durablequeue.Props{
			Key: s.Key,
			// Six times the timeout (AWS's advice for SQS event sources) plus
			// the batching window, during which messages are already in flight.
			VisibilityTimeout:       awscdk.Duration_Seconds(jsii.Number(6*timeouts[HandlerReads] + ReadsBatchingWindowSecond)),
			MaxReceiveCount:         5,
			OldestMessageAlarmAfter: awscdk.Duration_Minutes(jsii.Number(15)),
			AlarmActions:            alarmActions,
		})
	}

	env := s.environment(cfg)
	// Reserved concurrency (defaults in config.DefaultConcurrency) is sized
	// to the per-account, per-region Secrets Manager quotas of the member
	// accounts (calls made with the audit role count against the member):
	//   - GetResourcePolicy (with Put/Delete/ValidateResourcePolicy) is
	//     50 TPS and not adjustable: it is the binding quota.
	//   - sweep (20): one invocation = one account-region, so concurrent
	//     invocations never share a quota bucket; the handler paces its own
	//     GetResourcePolicy calls near the ceiling (~40 TPS). A unit of 500
	//     secrets takes ~15 s, so 20 in parallel sweep 1,000 account-regions
	//     in ~15 minutes, far inside a 6-hour schedule, while the 27
	//     reserved executions leave the account's pool (1,000 by default,
	//     of which 100 must stay unreserved) to everything else.
	//   - evaluate (5): events are bursty and may all concern one
	//     account-region; 5 concurrent batches of ≤10 events at ~2
	//     GetResourcePolicy/Put/Delete calls per event stay well under
	//     50 TPS even while a sweep unit works in the same account-region.
	//   - rotate (2): RotateSecret allows 50 TPS, but emergency rotations
	//     are rate-limited to 10/account/hour and 50/org/hour; two
	//     workers keep the DynamoDB rate-limit counters uncontended and
	//     still start a rotation within seconds.
	//   - reads (5): reads from inside the organization make no member
	//     account calls at all, only ledger writes; 5 concurrent batches of
	//     750 drain thousands of reads per second.
	// SQS event sources get MaxConcurrency equal to the reservation, so the
	// poller does not receive messages it would only be throttled on.
	conc := map[string]float64{
		HandlerEvaluate: float64(cfg.Concurrency.Evaluate),
		HandlerSweep:    float64(cfg.Concurrency.Sweep),
		HandlerRotate:   float64(cfg.Concurrency.Rotate),
		HandlerReads:    float64(cfg.Concurrency.Reads),
	}
	desc := map[string]string{
		HandlerEvaluate: "Secret Warden: evaluate Secrets Manager events against the policies",
		HandlerSweep:    "Secret Warden: scheduled sweep (fan-out per account-region, then evaluate one unit)",
		HandlerRotate:   "Secret Warden: emergency rotation with safety rails",
		HandlerReads:    "Secret Warden: GetSecretValue/BatchGetSecretValue events: access ledger, reads from outside the organization",
	}
	for _, h := range HandlersFor(cfg) {
		p := handlerfunc.Props{
			Code:                code(h),
			Description:         desc[h],
			Environment:         env,
			Timeout:             awscdk.Duration_Seconds(jsii.Number(timeouts[h])),
			MemoryMiB:           1024,
			ReservedConcurrency: conc[h],
			Key:                 s.Key,
		}
		if h == HandlerSweep {
			// The schedule invokes sweep asynchronously: failed invocations
			// land in the sweep DLQ.
			p.DeadLetterQueue = s.Queues[QueueSweep].DeadLetterQueue
		}
		if h == HandlerRotate || h == HandlerReads {
			p.MemoryMiB = 512
		}
		s.Functions[h] = handlerfunc.New(stack, logicalName(h)+"Handler", p)
	}

	evaluate, sweep, rotate := s.Functions[HandlerEvaluate], s.Functions[HandlerSweep], s.Functions[HandlerRotate]
	evaluate.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(s.Queues[QueueEvents].Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(10),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(conc[HandlerEvaluate]),
	}))
	sweep.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(s.Queues[QueueSweep].Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:      jsii.Number(1), // one account-region per invocation
		MaxConcurrency: jsii.Number(conc[HandlerSweep]),
	}))
	rotate.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(s.Queues[QueueRotate].Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:      jsii.Number(1), // one rotation request per invocation
		MaxConcurrency: jsii.Number(conc[HandlerRotate]),
	}))
	if reads, ok := s.Functions[HandlerReads]; ok {
		reads.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(s.Queues[QueueReads].Queue, &awslambdaeventsources.SqsEventSourceProps{
			BatchSize:               jsii.Number(ReadsBatchSize),
			MaxBatchingWindow:       awscdk.Duration_Seconds(jsii.Number(ReadsBatchingWindowSecond)),
			ReportBatchItemFailures: jsii.Bool(true),
			MaxConcurrency:          jsii.Number(conc[HandlerReads]),
		}))
	}

	awsevents.NewRule(stack, jsii.String("SweepSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Secret Warden: start a sweep of every account and region"),
		Schedule:    awsevents.Schedule_Expression(jsii.String(cfg.SweepSchedule)),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(sweep.Function, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: s.Queues[QueueSweep].DeadLetterQueue,
			RetryAttempts:   jsii.Number(2),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
		})},
	})

	s.addRules(cfg, props.Rules)
	s.grant(cfg)

	var monFns []monitoring.Function
	for _, h := range HandlersFor(cfg) {
		monFns = append(monFns, monitoring.Function{Name: h, Function: s.Functions[h].Function})
	}
	var monQueues []monitoring.Queue
	for _, q := range []string{QueueEvents, QueueSweep, QueueRotate, QueueReads} {
		if dq, ok := s.Queues[q]; ok {
			monQueues = append(monQueues, monitoring.Queue{Name: q, Queue: dq.Queue, DeadLetterQueue: dq.DeadLetterQueue})
		}
	}
	s.Monitoring = monitoring.New(stack, "Monitoring", monitoring.Props{
		DashboardName: DashboardName,
		Functions:     monFns,
		Queues:        monQueues,
		AlarmActions:  alarmActions,
	})

	s.StackSet = awscloudformation.NewCfnStackSet(stack, jsii.String("MemberStackSet"), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(StackSetName),
		Description:     jsii.String("Secret Warden member accounts: event forwarding and the audit, responder and findings roles"),
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		CallAs:          jsii.String(cfg.StackSetCallAs),
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{
			Enabled:                      jsii.Bool(true),
			RetainStacksOnAccountRemoval: jsii.Bool(false),
		},
		Capabilities: jsii.Strings("CAPABILITY_NAMED_IAM"),
		// A JSON-typed property: the struct would serialize as "active".
		ManagedExecution: map[string]any{"Active": true},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			FailureTolerancePercentage: jsii.Number(10),
			MaxConcurrentPercentage:    jsii.Number(25),
			RegionConcurrencyType:      jsii.String("PARALLEL"),
		},
		StackInstancesGroup: []any{&awscloudformation.CfnStackSet_StackInstancesProperty{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{
				OrganizationalUnitIds: jsii.Strings(cfg.OrganizationalUnitIDs...),
			},
			Regions: jsii.Strings(cfg.Regions...),
		}},
		Parameters:   s.memberParameters(cfg),
		TemplateBody: jsii.String(member.Body),
	})

	outputs := map[string]*string{
		"EventBusArn":      s.Bus.EventBusArn(),
		"TableName":        s.Table.TableName(),
		"AlertTopicArn":    s.Topic.TopicArn(),
		"EvaluateLogGroup": evaluate.LogGroup.LogGroupName(),
		"SweepLogGroup":    sweep.LogGroup.LogGroupName(),
		"RotateLogGroup":   rotate.LogGroup.LogGroupName(),
		"EventsDLQUrl":     s.Queues[QueueEvents].DeadLetterQueue.QueueUrl(),
		"DashboardUrl":     awscdk.Fn_Sub(jsii.String("https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name="+DashboardName), nil),
		// The parameters of the management-account stacks, ready for
		// `cdk deploy 'SecretWardenManagement-*' $(…)` (cdk/README.md).
		OutputManagementParameters: s.managementParameters(cfg),
	}
	if reads, ok := s.Functions[HandlerReads]; ok {
		outputs["ReadsLogGroup"] = reads.LogGroup.LogGroupName()
		outputs["ReadsDLQUrl"] = s.Queues[QueueReads].DeadLetterQueue.QueueUrl()
	}
	for name, v := range outputs {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: v})
	}
	s.suppress(cfg)
	return s, nil
}

// OutputManagementParameters is the central stack output holding the
// --parameters arguments of the management-account stacks.
const OutputManagementParameters = "ManagementStackParameters"

// memberRoleArns are the values of the member template's parameters: the
// organization bus and the role of every function that assumes member roles.
func (s *CentralStack) memberRoleArns(cfg config.Config) map[string]*string {
	values := map[string]*string{ParamOrgEventBusArn: s.Bus.EventBusArn()}
	for fn, param := range functionRoleParams(cfg) {
		values[param] = s.Functions[fn].Role.RoleArn()
	}
	return values
}

// memberParameters are the stack set's parameters (sorted by key).
func (s *CentralStack) memberParameters(cfg config.Config) []any {
	values := s.memberRoleArns(cfg)
	out := make([]any, 0, len(values))
	for _, k := range sortedKeys(values) {
		out = append(out, param(k, values[k]))
	}
	return out
}

// managementParameters renders the same values as `cdk deploy` arguments:
// "--parameters OrgEventBusArn=arn:… --parameters EvaluateRoleArn=arn:… …".
func (s *CentralStack) managementParameters(cfg config.Config) *string {
	values := s.memberRoleArns(cfg)
	parts := make([]*string, 0, 2*len(values))
	for i, k := range sortedKeys(values) {
		sep := " "
		if i == 0 {
			sep = ""
		}
		parts = append(parts, jsii.String(sep+"--parameters "+k+"="), values[k])
	}
	return awscdk.Fn_Join(jsii.String(""), &parts)
}

func param(key string, value *string) *awscloudformation.CfnStackSet_ParameterProperty {
	return &awscloudformation.CfnStackSet_ParameterProperty{ParameterKey: jsii.String(key), ParameterValue: value}
}

// newServiceKey creates the customer-managed key and lets the AWS services
// that write encrypted data on the service's behalf use it.
func newServiceKey(stack awscdk.Stack) awskms.Key {
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Secret Warden: findings table, queues, alert topic, logs"),
		Alias:             jsii.String(KeyAlias),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	service := func(sid, principal string, actions []string, conditions map[string]any) {
		st := &awsiam.PolicyStatementProps{
			Sid:        jsii.String(sid),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(principal), nil)},
			Actions:    jsii.Strings(actions...),
			Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		}
		if conditions != nil {
			st.Conditions = &conditions
		}
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(st), nil)
	}
	sameAccount := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}}
	// EventBridge delivers matched events (and rule-target failures) to the encrypted queues.
	service("AllowEventBridgeToEncryptedQueues", "events.amazonaws.com", []string{"kms:Decrypt", "kms:GenerateDataKey"}, sameAccount)
	// CloudWatch alarms publish to the encrypted alert topic.
	service("AllowCloudWatchAlarmsToEncryptedTopic", "cloudwatch.amazonaws.com", []string{"kms:Decrypt", "kms:GenerateDataKey"}, sameAccount)
	// CloudWatch Logs encrypts the functions' log groups.
	service("AllowCloudWatchLogs", *awscdk.Fn_Sub(jsii.String("logs.${AWS::Region}.amazonaws.com"), nil),
		[]string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"},
		map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"), nil),
		}})
	return key
}

// environment is the handlers' environment (docs/contracts.md).
func (s *CentralStack) environment(cfg config.Config) map[string]string {
	env := map[string]string{
		"WARDEN_TABLE_NAME":              *s.Table.TableName(),
		"WARDEN_TOPIC_ARN":               *s.Topic.TopicArn(),
		"WARDEN_EVENT_BUS_NAME":          *s.Bus.EventBusName(),
		"WARDEN_SWEEP_QUEUE_URL":         *s.Queues[QueueSweep].Queue.QueueUrl(),
		"WARDEN_ROTATE_QUEUE_URL":        *s.Queues[QueueRotate].Queue.QueueUrl(),
		"WARDEN_AUDIT_ROLE_NAME":         cfg.AuditRoleName,
		"WARDEN_RESPONDER_ROLE_NAME":     cfg.ResponderRoleName,
		"WARDEN_FINDINGS_ROLE_NAME":      cfg.FindingsRoleName,
		"WARDEN_READ_EVENTS":             cfg.ReadEvents,
		"WARDEN_ORGANIZATION_ID":         cfg.OrganizationID,
		"WARDEN_REGIONS":                 strings.Join(cfg.Regions, ","),
		"WARDEN_MODES":                   cfg.ModesJSON(),
		"WARDEN_SECURITY_HUB":            fmt.Sprint(cfg.SecurityHub),
		"WARDEN_ROTATION_DEDUPE_MINUTES": fmt.Sprint(cfg.RotationDedupeMinutes),
		"WARDEN_ROTATION_ACCOUNT_LIMIT":  fmt.Sprint(cfg.RotationAccountLimit),
		"WARDEN_ROTATION_ORG_LIMIT":      fmt.Sprint(cfg.RotationOrgLimit),
		"WARDEN_DRY_RUN":                 fmt.Sprint(cfg.DryRun),
	}
	if cfg.AuditRoleExternalID != "" {
		env["WARDEN_AUDIT_ROLE_EXTERNAL_ID"] = cfg.AuditRoleExternalID
	}
	if cfg.PolicyDataFile != "" {
		// Bundled next to bootstrap; Lambda unpacks the asset in /var/task.
		env["WARDEN_POLICY_DATA_FILE"] = "/var/task/" + PolicyDataAsset
	}
	if cfg.PoliciesDir != "" {
		// Relative to the binary's directory (/var/task), per the contract.
		env["WARDEN_POLICIES_DIR"] = PoliciesAsset
	}
	if cfg.CloudTrailLakeEventDataStore != "" {
		env["WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE"] = cfg.CloudTrailLakeEventDataStore
	}
	return env
}

// addRules creates one org-bus rule per rule file, in the state package
// rules gives it: change, service and GuardDuty events go to the events
// queue, reads (readEvents = all only) to the reads queue. Delivery
// failures go to the target queue's DLQ.
func (s *CentralStack) addRules(cfg config.Config, rs []rules.Rule) {
	ruleArns := map[string][]*string{} // queue → rules sending to it
	for _, r := range rs {
		queue, target := QueueEvents, "EventsQueue"
		if r.ReadOnly {
			if !cfg.Reads() {
				continue // readEvents=off: nothing depends on the read stream
			}
			queue, target = QueueReads, "ReadsQueue"
		}
		q := s.Queues[queue]
		cr := awsevents.NewCfnRule(s.Stack, jsii.String("Rule"+logicalName(r.Name)), &awsevents.CfnRuleProps{
			Description:  jsii.String("Secret Warden: " + r.Name + " (rules/" + r.Name + ".json)"),
			EventBusName: s.Bus.EventBusName(),
			// The parsed rules/<name>.json, unchanged (the L2 EventPattern
			// struct would rename detail-type).
			EventPattern: r.Pattern,
			// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS for the reads
			// rule: the forwarded GetSecretValue events are read-only
			// management events, which EventBridge delivers to no rule in
			// state ENABLED (EventBridge User Guide, "Receiving read-only
			// management events from AWS services"; AWS::Events::Rule State).
			State: jsii.String(r.State),
			Targets: &[]any{&awsevents.CfnRule_TargetProperty{
				Id:               jsii.String(target),
				Arn:              q.Queue.QueueArn(),
				DeadLetterConfig: &awsevents.CfnRule_DeadLetterConfigProperty{Arn: q.DeadLetterQueue.QueueArn()},
				RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
					MaximumRetryAttempts:     jsii.Number(185),
					MaximumEventAgeInSeconds: jsii.Number(86400),
				},
			}},
		})
		s.Rules[r.Name] = cr
		ruleArns[queue] = append(ruleArns[queue], cr.AttrArn())
	}
	for _, queue := range sortedKeys(ruleArns) {
		q := s.Queues[queue]
		for _, qq := range []interface {
			AddToResourcePolicy(awsiam.PolicyStatement) *awsiam.AddToResourcePolicyResult
			QueueArn() *string
		}{q.Queue, q.DeadLetterQueue} {
			qq.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("AllowSecretWardenRules"),
				Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
				Actions:    jsii.Strings("sqs:SendMessage"),
				Resources:  jsii.Strings(*qq.QueueArn()),
				Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": ruleArns[queue]}},
			}))
		}
	}
}

// tableActions are the DynamoDB actions of the handlers (findings,
// dedupe and rate-limit items).
var tableActions = []string{
	"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
	"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
	"dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
}

// memberRoleName is the configured name of a member role.
func memberRoleName(cfg config.Config, role permissions.MemberRole) string {
	switch role {
	case permissions.RoleResponder:
		return cfg.ResponderRoleName
	case permissions.RoleFindings:
		return cfg.FindingsRoleName
	default:
		return cfg.AuditRoleName
	}
}

// assumableRoles are the member role names fn may assume (permissions.Assumes;
// the findings role only with Security Hub).
func assumableRoles(cfg config.Config, fn string) []string {
	var out []string
	for _, r := range permissions.Assumes[fn] {
		if r == permissions.RoleFindings && !cfg.SecurityHub {
			continue
		}
		out = append(out, memberRoleName(cfg, r))
	}
	return out
}

// grant gives each function exactly what its contract row needs.
func (s *CentralStack) grant(cfg config.Config) {
	// Defense in depth: even a policy attached later cannot let a function
	// read a secret value (the member roles deny it too).
	neverRead := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("NeverReadSecretValues"),
		Effect:    awsiam.Effect_DENY,
		Actions:   jsii.Strings(permissions.DeniedActions...),
		Resources: jsii.Strings("*"),
	})
	// Every handler must know the organization's member accounts: the sweep
	// lists them, evaluate and reads tell members from outsiders (a read
	// from outside the organization triggers emergency rotation), rotate
	// resolves roles.
	readOrg := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ListOrganizationAccounts"),
		Actions: jsii.Strings("organizations:ListAccounts", "organizations:ListParents",
			"organizations:DescribeOrganization", "organizations:ListTagsForResource"),
		Resources: jsii.Strings("*"),
	})
	for _, h := range HandlersFor(cfg) {
		f := s.Functions[h]
		f.Role.AddToPrincipalPolicy(neverRead)
		f.Role.AddToPrincipalPolicy(readOrg)
		// The member roles this function may assume, in any account of the
		// organization: the responder only for evaluate and rotate.
		var arns []*string
		for _, name := range assumableRoles(cfg, h) {
			arns = append(arns, awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:iam::*:role/"+name), nil))
		}
		f.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeMemberRolesInOrganization"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: &arns,
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:ResourceOrgID": cfg.OrganizationID},
			},
		}))
		// Item-level reads and writes only (GrantReadWriteData would add
		// stream actions the table has no stream for).
		grantTableItems(s.Table, f.Role, tableActions)
		s.Key.GrantEncryptDecrypt(f.Role)
		s.Topic.GrantPublish(f.Role)
		s.Bus.GrantPutEventsTo(f.Role, nil)
	}
	// Emergency rotation and sweep-found remediation go through the rotate
	// queue: evaluate and reads (read from outside the organization) and the
	// sweep (which never assumes the responder itself) hand work to rotate.
	for _, h := range []string{HandlerEvaluate, HandlerReads, HandlerSweep} {
		if f, ok := s.Functions[h]; ok {
			s.Queues[QueueRotate].Queue.GrantSendMessages(f.Role)
		}
	}
	s.Queues[QueueSweep].Queue.GrantSendMessages(s.Functions[HandlerSweep].Role)
	// Blast-radius planning queries the CloudTrail Lake event data store,
	// when one is configured, instead of LookupEvents in every account.
	if eds := cfg.CloudTrailLakeEventDataStore; eds != "" {
		lake := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("QueryCloudTrailLake"),
			Actions:   jsii.Strings(permissions.LakeQueryActions...),
			Resources: jsii.Strings(eds),
		})
		for _, h := range []string{HandlerEvaluate, HandlerRotate} {
			s.Functions[h].Role.AddToPrincipalPolicy(lake)
		}
	}
}

// suppress records, with reasons, the cdk-nag findings that are intended;
// each suppression names the exact finding it applies to.
func (s *CentralStack) suppress(cfg config.Config) {
	for _, h := range HandlersFor(cfg) {
		var roles []any
		for _, name := range assumableRoles(cfg, h) {
			roles = append(roles, "Resource::arn:<AWS::Partition>:iam::*:role/"+name)
		}
		r := []*cdknag.NagPackSuppression{
			{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("The function assumes member roles (" + strings.Join(assumableRoles(cfg, h), ", ") +
					") in every account of the organization, whose ids are not known at deploy time; the account is " +
					"wildcarded, the role names are not, and the statement requires aws:ResourceOrgID to be this organization."),
				AppliesTo: &roles,
			},
			{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK grants for the encrypted table, queues and topic: kms:GenerateDataKey* and " +
					"kms:ReEncrypt* are action families of envelope encryption, granted on the service key only."),
				AppliesTo: &[]any{"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"},
			},
			{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("organizations:ListAccounts and DescribeOrganization have no resource-level permissions; " +
					"ListParents and ListTagsForResource are read-only and every handler reads them for every account of the organization " +
					"(to tell member accounts from outsiders)."),
				AppliesTo: &[]any{"Resource::*"},
			},
		}
		cdknag.NagSuppressions_AddResourceSuppressions(s.Functions[h].Role, &r, jsii.Bool(true))
	}
}
