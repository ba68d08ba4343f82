package cdkguard_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretwarden/warden/pkg/cdkguard"
	"github.com/secretwarden/warden/pkg/cdkguard/internal/sampleapp"
)

var update = flag.Bool("update", false, "rewrite testdata/templates/cdk-app.out from a fresh synth of the sample app")

// newApp is a CDK app writing to a temporary directory with the context
// the CDK CLI gives an app it runs for `cdk synth` (path and asset metadata
// on: aws-cdk-lib cx-api PATH_METADATA_ENABLE_CONTEXT
// "aws:cdk:enable-path-metadata", ASSET_RESOURCE_METADATA_ENABLED_CONTEXT
// "aws:cdk:enable-asset-metadata"; version reporting off as in cdk.json), in
// the "inmemory" app mode (CDK_APP_MODE_CONTEXT "@aws-cdk/core:appMode"), in
// which a failed validation throws with the whole report in its message.
func newApp(t *testing.T) (awscdk.App, string) {
	t.Helper()
	out := t.TempDir()
	return awscdk.NewApp(&awscdk.AppProps{
		Outdir: jsii.String(out),
		Context: &map[string]any{
			"@aws-cdk/core:appMode":         "inmemory",
			"aws:cdk:enable-path-metadata":  true,
			"aws:cdk:enable-asset-metadata": true,
		},
		AnalyticsReporting: jsii.Bool(false),
	}), out
}

// synth runs app.Synth and returns the error it throws (jsii panics with it).
func synth(app awscdk.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	app.Synth(nil)
	return nil
}

func TestGuardFailsSynthOnBadSecret(t *testing.T) {
	app, out := newApp(t)
	sampleapp.GoodStack(app, "GoodSecrets")
	sampleapp.BadStack(app, "BadSecrets")
	if err := cdkguard.Add(app, cdkguard.Options{FailOn: "high"}); err != nil {
		t.Fatal(err)
	}
	err := synth(app)
	if err == nil {
		t.Fatal("synth succeeded; want a validation failure for the bad secret")
	}
	msg := err.Error()
	for _, want := range []string{
		"ValidationFailed",
		"no-wildcard-principal", "statement 0 allows * to secretsmanager:GetSecretValue",
		"no-external-access", "rotation-enabled", "ApiToken",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("synth error does not name %q:\n%s", want, msg)
		}
	}
	// The good secret is not reported.
	if strings.Contains(msg, "DbPassword") {
		t.Errorf("synth error names the good secret DbPassword:\n%s", msg)
	}
	conclusion, violations := readReport(t, out).guard(t)
	want := []string{
		"kms-customer-managed medium BadSecrets/ApiToken/Resource BadSecrets.template.json:3",
		"kms-customer-managed medium BadSecrets/Shared/SharedToken/Resource BadSecretsShared96DA05BC.nested.template.json:3",
		"no-external-access critical BadSecrets/ApiToken/Resource BadSecrets.template.json:3",
		"no-wildcard-principal high BadSecrets/ApiToken/Resource BadSecrets.template.json:3",
		"required-tags low BadSecrets/ApiToken/Resource BadSecrets.template.json:3",
		"rotation-enabled high BadSecrets/ApiToken/Resource BadSecrets.template.json:3",
		"rotation-enabled high BadSecrets/Shared/SharedToken/Resource BadSecretsShared96DA05BC.nested.template.json:3",
	}
	if conclusion != "failure" || strings.Join(violations, "\n") != strings.Join(want, "\n") {
		t.Errorf("validation-report.json: conclusion %q, violations:\n%s\nwant failure with:\n%s", conclusion, strings.Join(violations, "\n"), strings.Join(want, "\n"))
	}
}

// TestGuardPassesGoodSecret: a good secret passes, and a finding below
// FailOn (an untagged secret: required-tags is low) is reported without
// failing the synth.
func TestGuardPassesGoodSecret(t *testing.T) {
	app, out := newApp(t)
	stack := sampleapp.GoodStack(app, "GoodSecrets")
	key := awskms.NewKey(stack, jsii.String("OtherKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	untagged := awssecretsmanager.NewSecret(stack, jsii.String("Untagged"), &awssecretsmanager.SecretProps{EncryptionKey: key})
	untagged.AddRotationSchedule(jsii.String("Rotation"), &awssecretsmanager.RotationScheduleOptions{
		HostedRotation:     awssecretsmanager.HostedRotation_MysqlSingleUser(nil),
		AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(60)),
	})
	if err := cdkguard.Add(app, cdkguard.Options{FailOn: "high"}); err != nil {
		t.Fatal(err)
	}
	if err := synth(app); err != nil {
		t.Fatalf("synth of the good secret failed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "GoodSecrets.template.json")); err != nil {
		t.Fatalf("no template written: %v", err)
	}
	conclusion, violations := readReport(t, out).guard(t)
	want := "required-tags low GoodSecrets/Untagged/Resource GoodSecrets.template.json:"
	if conclusion != "success" || len(violations) != 1 || !strings.HasPrefix(violations[0], want) {
		t.Errorf("validation-report.json: conclusion %q, violations %q; want success with only %q", conclusion, violations, want)
	}
}

// validationReport is the part of the CDK's validation-report.json read.
type validationReport struct {
	PluginReports []struct {
		PluginName string `json:"pluginName"`
		Conclusion string `json:"conclusion"`
		Violations []struct {
			RuleName            string `json:"ruleName"`
			CustomSeverity      string `json:"customSeverity"`
			ViolatingConstructs []struct {
				ConstructPath          string `json:"constructPath"`
				CloudFormationResource struct {
					TemplatePath  string   `json:"templatePath"`
					LogicalID     string   `json:"logicalId"`
					PropertyPaths []string `json:"propertyPaths"`
				} `json:"cloudFormationResource"`
			} `json:"violatingConstructs"`
		} `json:"violations"`
	} `json:"pluginReports"`
}

// guard returns the secret-warden plugin's conclusion and its violations as
// "rule severity constructPath template:line".
func (r validationReport) guard(t *testing.T) (string, []string) {
	t.Helper()
	for _, p := range r.PluginReports {
		if p.PluginName != cdkguard.Name {
			continue
		}
		var vs []string
		for _, v := range p.Violations {
			for _, c := range v.ViolatingConstructs {
				vs = append(vs, fmt.Sprintf("%s %s %s %s", v.RuleName, v.CustomSeverity, c.ConstructPath,
					strings.Join(c.CloudFormationResource.PropertyPaths, ",")))
			}
		}
		sort.Strings(vs)
		return p.Conclusion, vs
	}
	t.Fatalf("validation report has no %s plugin report", cdkguard.Name)
	return "", nil
}

func readReport(t *testing.T, dir string) validationReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	if err != nil {
		t.Fatalf("read validation report: %v", err)
	}
	var r validationReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decode validation report: %v", err)
	}
	return r
}

// sampleDir is the sample app's cloud assembly kept as test data.
const sampleDir = "../../testdata/templates/cdk-app.out"

// TestSampleAssembly synthesizes the sample app and compares its templates
// and manifests with testdata/templates/cdk-app.out (-update rewrites them):
// the test data is what `cdk synth` produces with the pinned aws-cdk-lib.
func TestSampleAssembly(t *testing.T) {
	app, out := newApp(t)
	sampleapp.Build(app)
	if err := synth(app); err != nil {
		t.Fatal(err)
	}
	got := assemblyFiles(t, out)
	if *update {
		if err := os.RemoveAll(sampleDir); err != nil {
			t.Fatal(err)
		}
		for name, data := range got {
			p := filepath.Join(sampleDir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := assemblyFiles(t, sampleDir)
	if strings.Join(sortedNames(got), "\n") != strings.Join(sortedNames(want), "\n") {
		t.Fatalf("files differ (run go test ./pkg/cdkguard -run TestSampleAssembly -update):\n got %v\nwant %v", sortedNames(got), sortedNames(want))
	}
	for name, data := range got {
		if string(data) != string(want[name]) {
			t.Errorf("%s differs from a fresh synth (run go test ./pkg/cdkguard -run TestSampleAssembly -update)", name)
		}
	}
}

// assemblyFiles are the manifests and templates of an assembly directory
// (relative path → contents): what warden scan --template reads, not the
// tree, reports or assets.
func assemblyFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if name != "manifest.json" && !strings.HasSuffix(name, ".template.json") {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedNames(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
