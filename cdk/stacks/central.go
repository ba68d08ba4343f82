package stacks

import (
	"fmt"
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
)

// Handler names, as directories under handlers/.
const (
	HandlerEvaluate = "evaluate"
	HandlerSweep    = "sweep"
	HandlerRotate   = "rotate"
)

// Handlers lists the three Lambda handlers.
var Handlers = []string{HandlerEvaluate, HandlerSweep, HandlerRotate}

// Queue names.
const (
	QueueEvents = "events"
	QueueSweep  = "sweep"
	QueueRotate = "rotate"
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
	// Patterns are the EventBridge patterns by rule name (rules.Patterns()).
	Patterns map[string]map[string]any
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
	// Queues by name (events, sweep, rotate).
	Queues map[string]*durablequeue.DurableQueue
	// Functions by handler name (evaluate, sweep, rotate).
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

// NewCentralStack builds the central stack. The member template is
// synthesized (and cdk-nag checked) first and inlined into the stack set.
func NewCentralStack(scope constructs.Construct, id string, props CentralStackProps) (*CentralStack, error) {
	cfg := props.Config
	if len(props.Patterns) == 0 {
		return nil, fmt.Errorf("build central stack: no event patterns")
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
		var files map[string]string
		if cfg.PolicyDataFile != "" {
			files = map[string]string{PolicyDataAsset: cfg.PolicyDataFile}
		}
		code = func(h string) awslambda.Code { return gobuild.Code(root, "./handlers/"+h, files) }
	}
	member, err := SynthMemberTemplate(MemberStackProps{Config: cfg, Patterns: props.Patterns, Outdir: props.MemberOutdir})
	if err != nil {
		return nil, fmt.Errorf("build central stack: %w", err)
	}

	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("Secret Warden central stack: organization event bus, evaluate/sweep/rotate functions, findings table, alerts, dashboard, member stack set")
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

	s.Bus = orgbus.New(stack, "OrgBus", orgbus.Props{BusName: EventBusName, OrganizationID: cfg.OrganizationID}).Bus

	// Timeouts: evaluate handles a batch of ≤10 events (a few API calls
	// each); a sweep unit is one account-region, paced under the 50 TPS
	// GetResourcePolicy quota (10,000 secrets ≈ 4-5 minutes); rotate starts
	// one rotation after its safety checks.
	timeouts := map[string]float64{HandlerEvaluate: 60, HandlerSweep: 900, HandlerRotate: 120}
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
	// SQS event sources get MaxConcurrency equal to the reservation, so the
	// poller does not receive messages it would only be throttled on.
	conc := map[string]float64{
		HandlerEvaluate: float64(cfg.Concurrency.Evaluate),
		HandlerSweep:    float64(cfg.Concurrency.Sweep),
		HandlerRotate:   float64(cfg.Concurrency.Rotate),
	}
	desc := map[string]string{
		HandlerEvaluate: "Secret Warden: evaluate Secrets Manager events against the policies",
		HandlerSweep:    "Secret Warden: scheduled sweep (fan-out per account-region, then evaluate one unit)",
		HandlerRotate:   "Secret Warden: emergency rotation with safety rails",
	}
	for _, h := range Handlers {
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
		if h == HandlerRotate {
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

	awsevents.NewRule(stack, jsii.String("SweepSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Secret Warden: start a sweep of every account and region"),
		Schedule:    awsevents.Schedule_Expression(jsii.String(cfg.SweepSchedule)),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(sweep.Function, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: s.Queues[QueueSweep].DeadLetterQueue,
			RetryAttempts:   jsii.Number(2),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
		})},
	})

	s.addPatternRules(props.Patterns)
	s.grant(cfg)

	s.Monitoring = monitoring.New(stack, "Monitoring", monitoring.Props{
		DashboardName: DashboardName,
		Functions: []monitoring.Function{
			{Name: HandlerEvaluate, Function: evaluate.Function},
			{Name: HandlerSweep, Function: sweep.Function},
			{Name: HandlerRotate, Function: rotate.Function},
		},
		Queues: []monitoring.Queue{
			{Name: QueueEvents, Queue: s.Queues[QueueEvents].Queue, DeadLetterQueue: s.Queues[QueueEvents].DeadLetterQueue},
			{Name: QueueSweep, Queue: s.Queues[QueueSweep].Queue, DeadLetterQueue: s.Queues[QueueSweep].DeadLetterQueue},
			{Name: QueueRotate, Queue: s.Queues[QueueRotate].Queue, DeadLetterQueue: s.Queues[QueueRotate].DeadLetterQueue},
		},
		AlarmActions: alarmActions,
	})

	s.StackSet = awscloudformation.NewCfnStackSet(stack, jsii.String("MemberStackSet"), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(StackSetName),
		Description:     jsii.String("Secret Warden member accounts: event forwarding and the audit role"),
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
		Parameters: []any{
			param(ParamOrgEventBusArn, s.Bus.EventBusArn()),
			param(ParamEvaluateRoleArn, evaluate.Role.RoleArn()),
			param(ParamSweepRoleArn, sweep.Role.RoleArn()),
			param(ParamRotateRoleArn, rotate.Role.RoleArn()),
		},
		TemplateBody: jsii.String(member.Body),
	})

	for name, v := range map[string]*string{
		"EventBusArn":      s.Bus.EventBusArn(),
		"TableName":        s.Table.TableName(),
		"AlertTopicArn":    s.Topic.TopicArn(),
		"EvaluateLogGroup": evaluate.LogGroup.LogGroupName(),
		"SweepLogGroup":    sweep.LogGroup.LogGroupName(),
		"RotateLogGroup":   rotate.LogGroup.LogGroupName(),
		"EventsDLQUrl":     s.Queues[QueueEvents].DeadLetterQueue.QueueUrl(),
		"DashboardUrl":     awscdk.Fn_Sub(jsii.String("https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name="+DashboardName), nil),
	} {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: v})
	}
	s.suppress(cfg)
	return s, nil
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
	return env
}

// addPatternRules creates one org-bus rule per pattern, targeting the
// events queue; delivery failures go to the events DLQ.
func (s *CentralStack) addPatternRules(patterns map[string]map[string]any) {
	q := s.Queues[QueueEvents]
	var ruleArns []*string
	for _, name := range sortedKeys(patterns) {
		r := awsevents.NewCfnRule(s.Stack, jsii.String("Rule"+logicalName(name)), &awsevents.CfnRuleProps{
			Description:  jsii.String("Secret Warden: " + name + " (rules/" + name + ".json)"),
			EventBusName: s.Bus.EventBusName(),
			// The parsed rules/<name>.json, unchanged (the L2 EventPattern
			// struct would rename detail-type).
			EventPattern: patterns[name],
			State:        jsii.String("ENABLED"),
			Targets: &[]any{&awsevents.CfnRule_TargetProperty{
				Id:               jsii.String("EventsQueue"),
				Arn:              q.Queue.QueueArn(),
				DeadLetterConfig: &awsevents.CfnRule_DeadLetterConfigProperty{Arn: q.DeadLetterQueue.QueueArn()},
				RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
					MaximumRetryAttempts:     jsii.Number(185),
					MaximumEventAgeInSeconds: jsii.Number(86400),
				},
			}},
		})
		s.Rules[name] = r
		ruleArns = append(ruleArns, r.AttrArn())
	}
	for _, qq := range []interface {
		AddToResourcePolicy(awsiam.PolicyStatement) *awsiam.AddToResourcePolicyResult
		QueueArn() *string
	}{q.Queue, q.DeadLetterQueue} {
		qq.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowSecretWardenRules"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
			Actions:    jsii.Strings("sqs:SendMessage"),
			Resources:  jsii.Strings(*qq.QueueArn()),
			Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": ruleArns}},
		}))
	}
}

// tableActions are the DynamoDB actions of the handlers (findings,
// dedupe and rate-limit items).
var tableActions = []string{
	"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
	"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
	"dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
}

// grant gives each function exactly what its contract row needs.
func (s *CentralStack) grant(cfg config.Config) {
	assume := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AssumeAuditRoleInOrganization"),
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings(*awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:iam::*:role/"+cfg.AuditRoleName), nil)),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:ResourceOrgID": cfg.OrganizationID},
		},
	})
	var hubs []*string
	for _, r := range append([]string{"${AWS::Region}"}, cfg.Regions...) {
		hubs = append(hubs, awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:securityhub:"+r+":${AWS::AccountId}:product/${AWS::AccountId}/default"), nil))
	}
	securityHub := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ImportFindings"),
		Actions:   jsii.Strings("securityhub:BatchImportFindings"),
		Resources: &hubs,
	})
	// Defense in depth: even a policy attached later cannot let a function
	// read a secret value (the audit role denies it too).
	neverRead := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("NeverReadSecretValues"),
		Effect:    awsiam.Effect_DENY,
		Actions:   jsii.Strings(permissions.DeniedActions...),
		Resources: jsii.Strings("*"),
	})
	for _, h := range Handlers {
		f := s.Functions[h]
		f.Role.AddToPrincipalPolicy(neverRead)
		f.Role.AddToPrincipalPolicy(assume)
		// Item-level reads and writes only (GrantReadWriteData would add
		// stream actions the table has no stream for).
		s.Table.Grant(f.Role, *jsii.Strings(tableActions...)...)
		s.Key.GrantEncryptDecrypt(f.Role)
		s.Topic.GrantPublish(f.Role)
		s.Bus.GrantPutEventsTo(f.Role, nil)
		if cfg.SecurityHub && h != HandlerRotate {
			f.Role.AddToPrincipalPolicy(securityHub)
		}
	}
	s.Queues[QueueRotate].Queue.GrantSendMessages(s.Functions[HandlerEvaluate].Role)
	s.Queues[QueueSweep].Queue.GrantSendMessages(s.Functions[HandlerSweep].Role)
	// Every handler must know the organization's member accounts: the sweep
	// lists them, evaluate tells members from outsiders (a read from outside
	// the organization triggers emergency rotation), rotate resolves roles.
	readOrg := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ListOrganizationAccounts"),
		Actions: jsii.Strings("organizations:ListAccounts", "organizations:ListParents",
			"organizations:DescribeOrganization", "organizations:ListTagsForResource"),
		Resources: jsii.Strings("*"),
	})
	for _, h := range Handlers {
		s.Functions[h].Role.AddToPrincipalPolicy(readOrg)
	}
}

// suppress records, with reasons, the cdk-nag findings that are intended;
// each suppression names the exact finding it applies to.
func (s *CentralStack) suppress(cfg config.Config) {
	for _, h := range Handlers {
		r := []*cdknag.NagPackSuppression{
			{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("The function assumes the audit role " + cfg.AuditRoleName + " in every member account, " +
					"whose ids are not known at deploy time; the account is wildcarded, the role name is not, and the " +
					"statement requires aws:ResourceOrgID to be this organization."),
				AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:iam::*:role/" + cfg.AuditRoleName},
			},
			{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("CDK grants for the encrypted table, queues and topic: kms:GenerateDataKey* and " +
					"kms:ReEncrypt* are action families of envelope encryption, granted on the service key only."),
				AppliesTo: &[]any{"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"},
			},
		}
		r = append(r, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("organizations:ListAccounts and DescribeOrganization have no resource-level permissions; " +
				"ListParents and ListTagsForResource are read-only and every handler reads them for every account of the organization " +
				"(to tell member accounts from outsiders)."),
			AppliesTo: &[]any{"Resource::*"},
		})
		cdknag.NagSuppressions_AddResourceSuppressions(s.Functions[h].Role, &r, jsii.Bool(true))
	}
}
