// Package monitoring provides Secret Warden's CloudWatch dashboard and the
// Lambda error alarms; queue alarms come with each durablequeue.
package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MetricsNamespace is the CloudWatch namespace of the handlers' EMF metrics.
const MetricsNamespace = "SecretWarden"

// EMFMetrics are the service metrics shown on the dashboard.
var EMFMetrics = []string{"FindingsFailed", "ActionsExecuted", "RotationsCircuitOpen"}

// Function names one monitored function.
type Function struct {
	// Name is the short name (evaluate, sweep, rotate).
	Name string
	// Function is the Lambda function.
	Function awslambda.IFunction
}

// Queue names one monitored queue pair.
type Queue struct {
	// Name is the short name (events, sweep, rotate).
	Name string
	// Queue is the main queue.
	Queue awssqs.IQueue
	// DeadLetterQueue is its DLQ.
	DeadLetterQueue awssqs.IQueue
}

// Props configures Monitoring.
type Props struct {
	// DashboardName of the CloudWatch dashboard.
	DashboardName string
	// Functions to graph and alarm on.
	Functions []Function
	// Queues to graph.
	Queues []Queue
	// AlarmActions for the Lambda error alarms.
	AlarmActions []awscloudwatch.IAlarmAction
	// EvaluateFunction and RotateFunction are the EMF Function dimension
	// values of the evaluate and rotate handlers (default DefaultEvaluate
	// and DefaultRotate).
	EvaluateFunction, RotateFunction string
}

// Monitoring is the dashboard and the Lambda alarms.
type Monitoring struct {
	constructs.Construct
	// Dashboard is the CloudWatch dashboard.
	Dashboard awscloudwatch.Dashboard
	// ErrorAlarms are the per-function error alarms, by function name.
	ErrorAlarms map[string]awscloudwatch.Alarm
}

// New creates the dashboard and alarms under scope.
func New(scope constructs.Construct, id string, p Props) *Monitoring {
	c := constructs.NewConstruct(scope, jsii.String(id))
	period := awscdk.Duration_Minutes(jsii.Number(5))
	m := &Monitoring{Construct: c, ErrorAlarms: map[string]awscloudwatch.Alarm{}}

	var errs, durs, throttles []awscloudwatch.IMetric
	for _, f := range p.Functions {
		e := f.Function.MetricErrors(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum"), Label: jsii.String(f.Name)})
		errs = append(errs, e)
		durs = append(durs, f.Function.MetricDuration(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("p99"), Label: jsii.String(f.Name + " p99")}))
		throttles = append(throttles, f.Function.MetricThrottles(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum"), Label: jsii.String(f.Name)}))
		a := e.CreateAlarm(c, jsii.String(f.Name+"ErrorsAlarm"), &awscloudwatch.CreateAlarmOptions{
			AlarmDescription:   jsii.String(fmt.Sprintf("Secret Warden %s function errors", f.Name)),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		for _, act := range p.AlarmActions {
			a.AddAlarmAction(act)
		}
		m.ErrorAlarms[f.Name] = a
	}

	var ages, depths []awscloudwatch.IMetric
	for _, q := range p.Queues {
		ages = append(ages, q.Queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum"), Label: jsii.String(q.Name)}))
		depths = append(depths, q.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum"), Label: jsii.String(q.Name + " DLQ")}))
	}

	// SEARCH finds the EMF metrics whatever dimensions the handlers attach.
	emf := make([]awscloudwatch.IMetric, 0, len(EMFMetrics))
	for _, name := range EMFMetrics {
		emf = append(emf, awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(fmt.Sprintf(`SEARCH('{%s} MetricName="%s"', 'Sum', 300)`, MetricsNamespace, name)),
			Label:        jsii.String(name),
			Period:       period,
			UsingMetrics: &map[string]awscloudwatch.IMetric{},
		}))
	}

	graph := func(title string, left []awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Width: jsii.Number(8), Height: jsii.Number(6),
		})
	}
	compliance := ComplianceWidgets(p.EvaluateFunction, p.RotateFunction)
	m.Dashboard = awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(p.DashboardName),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{graph("Lambda errors", errs), graph("Lambda duration (p99)", durs), graph("Lambda throttles", throttles)},
			{graph("Queue age of oldest message (s)", ages), graph("Dead-letter queue depth", depths), graph("Service metrics (EMF)", emf)},
			{compliance[0], compliance[1]},
			{compliance[2], compliance[3], compliance[4]},
		},
	})
	return m
}
