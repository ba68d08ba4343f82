package stacks

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/cdk/internal/config"
)

// The management account, which a service-managed stack set never deploys
// to (CloudFormation API Reference, DeploymentTargets), gets one stack per
// covered region with exactly the member stack's resources: the same
// construct (memberunit.Add) with the same parameters.
func TestManagementStacks(t *testing.T) {
	var names []string
	for _, st := range mgmtStacks {
		names = append(names, *st.StackName())
		// Pinned to its region, account-agnostic (deployed with the
		// management account's credentials), no bootstrap needed.
		if *st.Region() == "" || strings.HasPrefix(*st.Region(), "${Token") {
			t.Errorf("%s: region %s not pinned", *st.StackName(), *st.Region())
		}
		if !strings.HasPrefix(*st.Account(), "${Token") {
			t.Errorf("%s: account pinned to %s", *st.StackName(), *st.Account())
		}
	}
	if want := []string{"SecretWardenManagement-eu-west-1", "SecretWardenManagement-us-east-1"}; !slices.Equal(names, want) {
		t.Errorf("management stacks %v, want %v", names, want)
	}
	member := memberTpl
	for region, tp := range mgmtTpls {
		// Same resources (types, logical ids, properties) and parameters as
		// the member template; only the description differs.
		if !reflect.DeepEqual(tp["Resources"], member["Resources"]) {
			t.Errorf("management %s: resources differ from the member stack's", region)
		}
		if !reflect.DeepEqual(tp["Parameters"], member["Parameters"]) || !reflect.DeepEqual(tp["Conditions"], member["Conditions"]) {
			t.Errorf("management %s: parameters or conditions differ from the member stack's", region)
		}
		if d, _ := tp["Description"].(string); !strings.Contains(d, "management account") {
			t.Errorf("management %s: description %q", region, d)
		}
		// `cdk deploy` passes templates up to 51,200 bytes inline, without
		// the bootstrap bucket.
		b, err := json.Marshal(tp)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > MaxTemplateBodyBytes {
			t.Errorf("management %s: template %d bytes, over %d", region, len(b), MaxTemplateBodyBytes)
		}
	}
	// The central stack tells the operator the parameters to pass, one per
	// member template parameter.
	out := centralTpl["Outputs"].(map[string]any)[OutputManagementParameters].(map[string]any)
	rendered := mustJSON(out["Value"])
	var params []string
	for k := range member["Parameters"].(map[string]any) {
		params = append(params, k)
	}
	sort.Strings(params)
	for _, k := range params {
		if !strings.Contains(rendered, "--parameters "+k+"=") {
			t.Errorf("%s output lacks %s: %s", OutputManagementParameters, k, rendered)
		}
	}
	if strings.Count(rendered, "--parameters ") != len(params) {
		t.Errorf("%s output %s: want %d parameters", OutputManagementParameters, rendered, len(params))
	}
}

// Environment of every function with readEvents=off, a CloudTrail Lake
// event data store, policiesDir, an ExternalId and other role names.
func TestConfiguredEnvironment(t *testing.T) {
	for id, f := range offTpl.ofType("AWS::Lambda::Function") {
		vars := envVars(f)
		for k, v := range map[string]any{
			"WARDEN_READ_EVENTS":                      "off",
			"WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE": testLake,
			"WARDEN_POLICIES_DIR":                     "policies",
			"WARDEN_AUDIT_ROLE_EXTERNAL_ID":           "7f3c-secret-warden",
			"WARDEN_RESPONDER_ROLE_NAME":              "OrgResponder",
			"WARDEN_FINDINGS_ROLE_NAME":               "OrgFindings",
			"WARDEN_SECURITY_HUB":                     "false",
		} {
			if vars[k] != v {
				t.Errorf("%s: %s = %v, want %v", id, k, vars[k], v)
			}
		}
	}
}

// The CloudTrail Lake grants: evaluate and rotate only, on the configured
// event data store only.
func TestCloudTrailLakeGrants(t *testing.T) {
	pols := functionPolicies(t, offTpl)
	for h, sts := range pols {
		var lake []string
		for _, st := range sts {
			for _, a := range []string{"cloudtrail:StartQuery", "cloudtrail:GetQueryResults", "cloudtrail:DescribeQuery"} {
				if (statement{body: st}).allows(a) {
					lake = append(lake, a)
					if st["Resource"] != testLake {
						t.Errorf("%s: %s on %v, want the event data store only", h, a, st["Resource"])
					}
				}
			}
		}
		want := 0
		if h == HandlerEvaluate || h == HandlerRotate {
			want = 3
		}
		if len(lake) != want {
			t.Errorf("%s: CloudTrail Lake actions %v, want %d", h, lake, want)
		}
	}
	for _, s := range centralTpl.statements() {
		if s.allows("cloudtrail:StartQuery") {
			t.Errorf("no event data store configured, yet %s allows cloudtrail:StartQuery", s.where)
		}
	}
}

// Who may hand work to the rotate queue: evaluate, reads (a read from
// outside the organization) and sweep (a remediation it must not do
// itself); rotate consumes it.
func TestRotateQueueSenders(t *testing.T) {
	for h, sts := range functionPolicies(t, centralTpl) {
		sends := false
		for _, st := range sts {
			if (statement{body: st}).allows("sqs:SendMessage") && strings.Contains(mustJSON(st["Resource"]), `"RotateQueue`) &&
				!strings.Contains(mustJSON(st["Resource"]), "DeadLetter") {
				sends = true
			}
		}
		if want := h != HandlerRotate; sends != want {
			t.Errorf("%s: sends to the rotate queue = %v, want %v", h, sends, want)
		}
	}
}

// AssetFiles bundles the policy data file and every non-test Rego file of
// policiesDir under policies/ (gobuild copies them next to bootstrap).
func TestAssetFiles(t *testing.T) {
	files := AssetFiles(offCfg)
	want := map[string]string{
		"policies/posture/cost_center_tag.rego": filepath.Join(offCfg.PoliciesDir, "posture", "cost_center_tag.rego"),
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("asset files %v, want %v", files, want)
	}
	if len(AssetFiles(testCfg)) != 0 {
		t.Errorf("asset files without policy data or policies: %v", AssetFiles(testCfg))
	}
}

// A broken policy in policiesDir fails the synth, naming file and line:
// cdk/main.go parses the context with config.Parse before building stacks.
func TestBrokenPoliciesDirFailsTheSynth(t *testing.T) {
	_, err := config.Parse(func(k string) any {
		return map[string]any{
			config.KeyOrganizationID:        "o-a1b2c3d4e5",
			config.KeyOrganizationalUnitIDs: []any{"ou-ab12-cd34ef56"},
			config.KeyRegions:               []any{"eu-west-1"},
			config.KeyPoliciesDir:           filepath.Join("..", "internal", "config", "testdata", "policies", "broken"),
		}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "broken.rego:5:") {
		t.Fatalf("want the parse error with file and line, got %v", err)
	}
}

// The member stack alone (as the stack set deploys it) refuses an empty
// rule list rather than deploying nothing.
func TestMemberStackNeedsRules(t *testing.T) {
	if _, err := NewMemberStack(awscdk.NewApp(nil), "X", MemberStackProps{Config: testCfg}); err == nil {
		t.Fatal("a member stack without rules was built")
	}
	if _, err := NewCentralStack(awscdk.NewApp(nil), "X", CentralStackProps{Config: testCfg,
		Code: func(string) awslambda.Code { return awslambda.Code_FromInline(jsii.String("x")) }}); err == nil {
		t.Fatal("a central stack without rules was built")
	}
}
