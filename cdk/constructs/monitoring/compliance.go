package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/internal/lambda/metrics"
)

// Default EMF Function dimension values of the handlers that emit the time
// to detect and the rotation outcomes (internal/lambda/evaluate.Function,
// internal/lambda/rotate.Function).
const (
	DefaultEvaluate = "evaluate"
	DefaultRotate   = "rotate"
)

// CompliancePeriodSeconds is the period of the sweep's compliance metrics
// on the dashboard. Every unit of one sweep writes them at the sweep's
// start, so a period shorter than the sweep interval holds at most one
// sweep: its sums are that sweep's counts.
const CompliancePeriodSeconds = 3600

// TopAccounts is how many accounts the failing-findings widget shows.
const TopAccounts = 20

// search is a SEARCH over the Secret Warden namespace for metric name
// within dimension set dims, with stat over CompliancePeriod (CloudWatch
// User Guide, "Using search expressions in graphs").
func search(dims, name, stat string) string {
	return fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', '%s', %d)`, MetricsNamespace, dims, name, stat, CompliancePeriodSeconds)
}

// expr is a math expression over CompliancePeriodSeconds; a SEARCH without
// a label names each line by its dimensions.
func expr(expression, label string) awscloudwatch.IMetric {
	var l *string
	if label != "" {
		l = jsii.String(label)
	}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(expression),
		Label:        l,
		Period:       awscdk.Duration_Seconds(jsii.Number(CompliancePeriodSeconds)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{},
	})
}

// ComplianceWidgets are the compliance view of the dashboard, in order:
//
//  1. compliance % per policy: the Average of Compliance (100 or 0 per
//     finding) by {Policy, Severity}: one line per policy, 0–100;
//  2. failing findings by account, the top 20 accounts: SORT of a SEARCH of
//     FailingFindings by {AccountId} ("Metric math syntax and functions":
//     SORT(array, function, order, limit));
//  3. exceptions expiring within 30 days: ExceptionsExpiringSoon, in total
//     and per policy;
//  4. emergency rotations executed and blocked by a safety rail;
//  5. time to detect, event time to finding, p50 and p99.
func ComplianceWidgets(evaluateFn, rotateFn string) []awscloudwatch.IWidget {
	if evaluateFn == "" {
		evaluateFn = DefaultEvaluate
	}
	if rotateFn == "" {
		rotateFn = DefaultRotate
	}
	policyDims := metrics.DimensionPolicy + "," + metrics.DimensionSeverity
	fiveMin := awscdk.Duration_Minutes(jsii.Number(5))
	metric := func(name, fn, stat, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(MetricsNamespace), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{metrics.DimensionFunction: jsii.String(fn)},
			Statistic:     jsii.String(stat), Period: fiveMin, Label: jsii.String(label),
		})
	}
	graph := func(title string, width float64, left []awscloudwatch.IMetric, axis *awscloudwatch.YAxisProps) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Width: jsii.Number(width), Height: jsii.Number(6), LeftYAxis: axis,
		})
	}
	percent := &awscloudwatch.YAxisProps{Min: jsii.Number(0), Max: jsii.Number(100), Label: jsii.String("%"), ShowUnits: jsii.Bool(false)}
	return []awscloudwatch.IWidget{
		graph("Compliance % per policy (sweep)", 12, []awscloudwatch.IMetric{
			expr(search(policyDims, metrics.Compliance, "Average"), ""),
		}, percent),
		graph(fmt.Sprintf("Failing findings by account (top %d)", TopAccounts), 12, []awscloudwatch.IMetric{
			expr(fmt.Sprintf("SORT(%s, MAX, DESC, %d)", search(metrics.DimensionAccount, metrics.FailingFindings, "Sum"), TopAccounts), ""),
		}, nil),
		graph("Exceptions expiring within 30 days", 8, []awscloudwatch.IMetric{
			expr("SUM("+search(policyDims, metrics.ExceptionsExpiringSoon, "Sum")+")", "all policies"),
			expr(search(policyDims, metrics.ExceptionsExpiringSoon, "Sum"), ""),
		}, nil),
		graph("Emergency rotations: executed / blocked", 8, []awscloudwatch.IMetric{
			metric(metrics.RotationsExecuted, rotateFn, "Sum", "executed"),
			metric(metrics.RotationsBlocked, rotateFn, "Sum", "blocked by a safety rail"),
			metric(metrics.RotationsCircuitOpen, rotateFn, "Sum", "circuit open"),
		}, nil),
		graph("Time to detect: event → finding (ms)", 8, []awscloudwatch.IMetric{
			metric(metrics.TimeToDetect, evaluateFn, "p50", "p50"),
			metric(metrics.TimeToDetect, evaluateFn, "p99", "p99"),
		}, nil),
	}
}
