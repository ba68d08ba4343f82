// Package handlerfunc provides a Go Lambda function on provided.al2023 /
// arm64 with its own least-privilege role (no managed policies) and an
// encrypted log group with a retention period.
package handlerfunc

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures a HandlerFunction.
type Props struct {
	// Code is the function code (a bootstrap binary).
	Code awslambda.Code
	// Description of the function.
	Description string
	// Environment variables.
	Environment map[string]string
	// Timeout of one invocation.
	Timeout awscdk.Duration
	// MemoryMiB of the function (CPU scales with it).
	MemoryMiB float64
	// ReservedConcurrency caps (and reserves) concurrent executions.
	ReservedConcurrency float64
	// Key encrypts the log group and the environment variables.
	Key awskms.IKey
	// DeadLetterQueue receives failed asynchronous invocations (optional).
	DeadLetterQueue awssqs.IQueue
	// LogRetention of the log group (default one year).
	LogRetention awslogs.RetentionDays
}

// HandlerFunction is the function, its role and its log group.
type HandlerFunction struct {
	constructs.Construct
	// Function is the Lambda function.
	Function awslambda.Function
	// Role is the execution role; add statements with Role.AddToPrincipalPolicy.
	Role awsiam.Role
	// LogGroup receives the function's logs (and its EMF metrics).
	LogGroup awslogs.LogGroup
}

// New creates the function under scope.
func New(scope constructs.Construct, id string, p Props) *HandlerFunction {
	c := constructs.NewConstruct(scope, jsii.String(id))
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Secret Warden " + id + " function"),
	})
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		EncryptionKey: p.Key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	env := make(map[string]*string, len(p.Environment))
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:                  jsii.String(p.Description),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         p.Code,
		Role:                         role,
		Environment:                  &env,
		EnvironmentEncryption:        p.Key,
		Timeout:                      p.Timeout,
		MemorySize:                   jsii.Number(p.MemoryMiB),
		ReservedConcurrentExecutions: jsii.Number(p.ReservedConcurrency),
		LogGroup:                     logs,
		DeadLetterQueue:              p.DeadLetterQueue,
	})
	logs.GrantWrite(role)
	// The Function construct makes the function depend on everything under
	// its role: the role itself (already a dependency through GetAtt Arn,
	// which cfn-lint reports as W3005) and the role's default policy (which
	// must exist before the function is created, or its first invocations
	// and event source mappings may run without their permissions). Keep
	// only the policy.
	policy := role.Node().TryFindChild(jsii.String("DefaultPolicy")).(awsiam.Policy)
	policyID := awscdk.Stack_Of(c).GetLogicalId(policy.Node().DefaultChild().(awsiam.CfnPolicy))
	fn.Node().DefaultChild().(awslambda.CfnFunction).AddOverride(jsii.String("DependsOn"), []*string{policyID})
	return &HandlerFunction{Construct: c, Function: fn, Role: role, LogGroup: logs}
}
