package monitoring

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/internal/lambda/evaluate"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/lambda/rotate"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// DashboardBody is an Fn::Join of strings and tokens: join it, each token
// replaced by a placeholder string, and parse the JSON.
func dashboardBody(t *testing.T, body any) map[string]any {
	t.Helper()
	var sb strings.Builder
	switch b := body.(type) {
	case string:
		sb.WriteString(b)
	case map[string]any:
		join := b["Fn::Join"].([]any)
		for _, part := range join[1].([]any) {
			if s, ok := part.(string); ok {
				sb.WriteString(s)
			} else {
				sb.WriteString("TOKEN")
			}
		}
	default:
		t.Fatalf("DashboardBody %T", body)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(sb.String()), &doc); err != nil {
		t.Fatalf("dashboard body is not JSON: %v\n%s", err, sb.String())
	}
	return doc
}

// synthDashboard synthesizes the construct with three functions and
// queues and returns the dashboard's widgets by title.
func synthDashboard(t *testing.T) map[string]map[string]any {
	t.Helper()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("T"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}})
	var fns []Function
	var qs []Queue
	for _, n := range []string{"evaluate", "sweep", "rotate"} {
		fn := awslambda.NewFunction(stack, jsii.String(n), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
			Code: awslambda.Code_FromInline(jsii.String("x")),
		})
		fns = append(fns, Function{Name: n, Function: fn})
		qs = append(qs, Queue{Name: n, Queue: awssqs.NewQueue(stack, jsii.String(n+"Q"), nil), DeadLetterQueue: awssqs.NewQueue(stack, jsii.String(n+"DLQ"), nil)})
	}
	New(stack, "Monitoring", Props{DashboardName: "SecretWarden", Functions: fns, Queues: qs})
	tpl := assertions.Template_FromStack(stack, nil)
	dashboards := tpl.FindResources(jsii.String("AWS::CloudWatch::Dashboard"), nil)
	if len(*dashboards) != 1 {
		t.Fatalf("%d dashboards", len(*dashboards))
	}
	widgets := map[string]map[string]any{}
	for _, d := range *dashboards {
		body := dashboardBody(t, (*d)["Properties"].(map[string]any)["DashboardBody"])
		for _, w := range body["widgets"].([]any) {
			wm := w.(map[string]any)
			p := wm["properties"].(map[string]any)
			if title, ok := p["title"].(string); ok {
				widgets[title] = wm
			}
		}
	}
	return widgets
}

// exprs returns the math expressions and metric rows of a graph widget.
func exprs(w map[string]any) (expressions []string, rows [][]any) {
	for _, m := range w["properties"].(map[string]any)["metrics"].([]any) {
		row := m.([]any)
		if opts, ok := row[0].(map[string]any); ok {
			expressions = append(expressions, opts["expression"].(string))
			continue
		}
		rows = append(rows, row)
	}
	return expressions, rows
}

// The compliance view of the synthesized dashboard (CloudWatch dashboard
// body structure, "Dashboard Body Structure and Syntax"): compliance % per
// policy, failing findings by account (top 20), exceptions expiring within
// 30 days, rotations executed or blocked, time to detect p50/p99.
func TestComplianceWidgets(t *testing.T) {
	w := synthDashboard(t)
	for _, title := range []string{"Lambda errors", "Dead-letter queue depth", "Service metrics (EMF)"} {
		if w[title] == nil {
			t.Errorf("operational widget %q lost", title)
		}
	}

	c := w["Compliance % per policy (sweep)"]
	if c == nil {
		t.Fatalf("no compliance widget; widgets: %v", keys(w))
	}
	ex, _ := exprs(c)
	if len(ex) != 1 || ex[0] != `SEARCH('{SecretWarden,Policy,Severity} MetricName="Compliance"', 'Average', 3600)` {
		t.Errorf("compliance expression %v", ex)
	}
	axis := c["properties"].(map[string]any)["yAxis"].(map[string]any)["left"].(map[string]any)
	if axis["min"] != 0.0 || axis["max"] != 100.0 {
		t.Errorf("compliance axis %v", axis)
	}

	top := w["Failing findings by account (top 20)"]
	if top == nil {
		t.Fatal("no failing-by-account widget")
	}
	if ex, _ := exprs(top); len(ex) != 1 || ex[0] != `SORT(SEARCH('{SecretWarden,AccountId} MetricName="FailingFindings"', 'Sum', 3600), MAX, DESC, 20)` {
		t.Errorf("top accounts expression %v", ex)
	}

	exp := w["Exceptions expiring within 30 days"]
	if exp == nil {
		t.Fatal("no expiring-exceptions widget")
	}
	if ex, _ := exprs(exp); len(ex) != 2 || !strings.HasPrefix(ex[0], "SUM(SEARCH(") || !strings.Contains(ex[1], `MetricName="ExceptionsExpiringSoon"`) {
		t.Errorf("expiring exceptions expressions %v", ex)
	}

	rot := w["Emergency rotations: executed / blocked"]
	if rot == nil {
		t.Fatal("no rotations widget")
	}
	_, rows := exprs(rot)
	want := map[string]bool{"RotationsExecuted": false, "RotationsBlocked": false}
	for _, r := range rows {
		// [namespace, name, dimension, value, {options}]
		if r[0] == "SecretWarden" && r[2] == "Function" && r[3] == rotate.Function {
			if _, ok := want[r[1].(string)]; ok {
				want[r[1].(string)] = true
			}
		}
	}
	for m, ok := range want {
		if !ok {
			t.Errorf("rotations widget lacks %s by Function=%s: %v", m, rotate.Function, rows)
		}
	}

	ttd := w["Time to detect: event → finding (ms)"]
	if ttd == nil {
		t.Fatal("no time-to-detect widget")
	}
	_, rows = exprs(ttd)
	stats := map[string]bool{}
	for _, r := range rows {
		if r[1] == metrics.TimeToDetect && r[3] == evaluate.Function {
			stats[fmt.Sprint(r[len(r)-1].(map[string]any)["stat"])] = true
		}
	}
	if !stats["p50"] || !stats["p99"] {
		t.Errorf("time to detect p50/p99: %v", rows)
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The defaults are the handlers' own Function dimension values.
func TestDefaultFunctionNamesAreTheHandlers(t *testing.T) {
	if DefaultEvaluate != evaluate.Function || DefaultRotate != rotate.Function {
		t.Errorf("defaults %s/%s, handlers %s/%s", DefaultEvaluate, DefaultRotate, evaluate.Function, rotate.Function)
	}
}
