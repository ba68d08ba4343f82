package stacks

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/internal/store"
)

// The findings table has the two indexes `warden findings` and `warden
// report --table` query (internal/store), keys only ("Using Global
// Secondary Indexes in DynamoDB": an update that changes no projected
// attribute writes nothing to the index).
func TestFindingsTableHasTheQueryIndexes(t *testing.T) {
	tp := assertions.Template_FromJSON((*map[string]any)(&centralTpl), nil)
	index := func(name, pk, sk string) map[string]any {
		return map[string]any{
			"IndexName": name,
			"KeySchema": []any{
				map[string]any{"AttributeName": pk, "KeyType": "HASH"},
				map[string]any{"AttributeName": sk, "KeyType": "RANGE"},
			},
			"Projection": map[string]any{"ProjectionType": "KEYS_ONLY"},
		}
	}
	tp.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
		"GlobalSecondaryIndexes": assertions.Match_ArrayWith(&[]any{
			index(store.IndexByAccount, store.AttrGSI1PK, store.AttrGSI1SK),
			index(store.IndexByPolicy, store.AttrGSI2PK, store.AttrGSI2SK),
		}),
		"AttributeDefinitions": assertions.Match_ArrayWith(&[]any{
			map[string]any{"AttributeName": store.AttrGSI1PK, "AttributeType": "S"},
			map[string]any{"AttributeName": store.AttrGSI1SK, "AttributeType": "S"},
			map[string]any{"AttributeName": store.AttrGSI2PK, "AttributeType": "S"},
			map[string]any{"AttributeName": store.AttrGSI2SK, "AttributeType": "S"},
		}),
	})
}

// The central stack's dashboard carries the compliance view (its widgets
// are asserted one by one in cdk/constructs/monitoring).
func TestDashboardHasTheComplianceView(t *testing.T) {
	for _, d := range centralTpl.ofType("AWS::CloudWatch::Dashboard") {
		body := mustJSON(props(d)["DashboardBody"])
		for _, want := range []string{"Compliance % per policy", `MetricName=\\\"Compliance\\\"`, "Failing findings by account (top 20)",
			"MAX, DESC, 20", "Exceptions expiring within 30 days", "RotationsExecuted", "RotationsBlocked", "TimeToDetect", "p99"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %s", want)
			}
		}
	}
}

// The handlers never query the indexes: no role is granted
// "<table>/index/*" (least privilege; the CLI reads them with the
// operator's credentials).
func TestHandlersAreNotGrantedTheIndexes(t *testing.T) {
	for _, st := range centralTpl.statements() {
		if strings.Contains(mustJSON(st.body["Resource"]), "/index/") {
			t.Errorf("%s: %s", st.where, mustJSON(st.body))
		}
	}
}
