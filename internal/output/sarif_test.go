package output_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/policy"
)

// sarifSchema compiles testdata/schemas/sarif-2.1.0 (the OASIS schema,
// draft-04) once per test binary.
func sarifSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	p := filepath.Join("..", "..", "testdata", "schemas", "sarif-2.1.0", "sarif-schema-2.1.0.json")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	const id = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ValidateSARIF fails the test unless b is a SARIF 2.1.0 log valid against
// the schema.
func validateSARIF(t testing.TB, b []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("sarif is not JSON: %v", err)
	}
	if err := sarifSchema(t).Validate(inst); err != nil {
		t.Fatalf("sarif does not validate against the SARIF 2.1.0 schema: %v", err)
	}
}

var (
	t0      = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	arnPay  = "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf"
	arnLive = "arn:aws:secretsmanager:eu-west-1:444455556666:secret:live/key-QwErTy"
)

func checks() []policy.Check {
	return []policy.Check{
		{ID: "no-external-access", Kind: policy.KindPosture, Title: "No access from outside the organization", Description: "The resource policy grants nothing outside the organization.", Severity: "critical", Controls: []string{"IAM.AccessAnalyzer"}, Remediation: "Remove the statements."},
		{ID: "rotation-enabled", Kind: policy.KindPosture, Title: "Automatic rotation is enabled", Severity: "high", Remediation: "Turn on rotation."},
		{ID: "unused", Kind: policy.KindPosture, Title: "The secret is used", Severity: "medium", Remediation: "Delete it."},
		{ID: "required-tags", Kind: policy.KindPosture, Title: "Required tags are present", Severity: "low", Remediation: "Tag it."},
		{ID: "rotation-failed", Kind: policy.KindEvent, Title: "Rotation failed", Severity: "high"},
	}
}

func sampleFindings() []finding.Finding {
	base := func(policyID, sev string, st finding.Status, arn string) finding.Finding {
		return finding.Finding{PolicyID: policyID, Title: "title of " + policyID, Severity: sev, Status: st, SecretARN: arn,
			SecretName: "payments/db", AccountID: "111122223333", AccountName: "payments-prod", OuPath: "r-1/ou-prod", Region: "us-east-1",
			Message: policyID + " says so", Controls: []string{}, Remediation: "fix " + policyID, FirstSeen: t0, LastSeen: t0}
	}
	exempt := base("rotation-enabled", "high", finding.StatusExempt, arnPay)
	exempt.Exception, exempt.ExceptionExpires = "EXC-1", "2027-06-30T00:00:00Z"
	notEval := base("unused", "medium", finding.StatusError, arnPay)
	notEval.Message = "not evaluated: access denied"
	live := base("required-tags", "low", finding.StatusFail, arnLive)
	live.AccountID, live.Region, live.SecretName = "444455556666", "eu-west-1", "live/key"
	return []finding.Finding{
		base("no-external-access", "critical", finding.StatusFail, arnPay),
		exempt,
		notEval,
		base("required-tags", "low", finding.StatusPass, arnPay),
		base("exception-expired", "medium", finding.StatusFail, arnPay), // not a check of the engine
		live,
	}
}

type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					DefaultConfig    struct{ Level string } `json:"defaultConfiguration"`
					Properties       map[string]any
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID              string `json:"ruleId"`
			RuleIndex           int    `json:"ruleIndex"`
			Level               string `json:"level"`
			Kind                string `json:"kind"`
			Message             struct{ Text string }
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Locations           []struct {
				Physical *struct {
					Artifact struct{ URI string } `json:"artifactLocation"`
					Region   *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				Logical []struct {
					FQN  string `json:"fullyQualifiedName"`
					Name string `json:"name"`
					Kind string `json:"kind"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			Suppressions []struct{ Kind, Status, Justification string } `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func renderSARIF(t *testing.T, fs []finding.Finding, o output.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := output.NewFindingWriterWith(output.SARIF, &buf, o)
	if err != nil {
		t.Fatal(err)
	}
	sum := finding.NewSummary()
	sum.Secrets = 2
	sum.Add(fs...)
	if err := w.Write(fs[:2]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(fs[2:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(sum); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The log validates against the SARIF 2.1.0 schema and carries one rule
// per posture check (METADATA: description, remediation as help,
// security-severity), levels from severity, stable fingerprints, the
// secret's ARN as logical location and the snapshot file and line as
// physical location.
func TestSARIF(t *testing.T) {
	locate := func(arn string) (string, int) {
		if arn == arnPay {
			return "org/secrets-payments.json", 42
		}
		return "", 0 // read live: no file
	}
	b := renderSARIF(t, sampleFindings(), output.Options{Checks: checks(), Locate: locate, ToolVersion: "v1.2.3"})
	validateSARIF(t, b)
	var log sarifLog
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "Secret Warden" || run.Tool.Driver.Version != "v1.2.3" {
		t.Errorf("driver %+v", run.Tool.Driver)
	}
	// Four posture checks (the event rule is not a SARIF rule), then the
	// policy only the findings name.
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, ","); got != "no-external-access,rotation-enabled,unused,required-tags,exception-expired" {
		t.Fatalf("rules %s", got)
	}
	r0 := run.Tool.Driver.Rules[0]
	if r0.Name != "NoExternalAccess" || r0.ShortDescription.Text != "No access from outside the organization" ||
		r0.FullDescription.Text != "The resource policy grants nothing outside the organization." ||
		r0.Help.Text != "Remove the statements." || r0.DefaultConfig.Level != "error" {
		t.Errorf("rule 0: %+v", r0)
	}
	wantSev := map[string]string{"no-external-access": "9.5", "rotation-enabled": "8.0", "unused": "5.5", "required-tags": "3.0", "exception-expired": "5.5"}
	wantLevel := map[string]string{"no-external-access": "error", "rotation-enabled": "error", "unused": "warning", "required-tags": "note", "exception-expired": "warning"}
	for _, r := range run.Tool.Driver.Rules {
		if r.Properties["security-severity"] != wantSev[r.ID] || r.DefaultConfig.Level != wantLevel[r.ID] {
			t.Errorf("rule %s: security-severity %v level %s", r.ID, r.Properties["security-severity"], r.DefaultConfig.Level)
		}
	}
	// fail, exempt, error, exception-expired, the live one: the pass is not a result.
	if len(run.Results) != 5 {
		t.Fatalf("%d results, want 5", len(run.Results))
	}
	for i, res := range run.Results {
		if ids[res.RuleIndex] != res.RuleID || res.Level != wantLevel[res.RuleID] || res.Kind != "fail" {
			t.Errorf("result %d: rule %s index %d level %s kind %s", i, res.RuleID, res.RuleIndex, res.Level, res.Kind)
		}
		if len(res.Locations) != 1 || len(res.Locations[0].Logical) != 1 || !strings.HasPrefix(res.Locations[0].Logical[0].FQN, "arn:aws:secretsmanager:") ||
			res.Locations[0].Logical[0].Kind != "resource" {
			t.Errorf("result %d: logical location %+v", i, res.Locations)
		}
		fp := res.PartialFingerprints[output.FingerprintKey]
		if len(fp) != 64 {
			t.Errorf("result %d: fingerprint %q", i, fp)
		}
	}
	first := run.Results[0]
	if p := first.Locations[0].Physical; p == nil || p.Artifact.URI != "org/secrets-payments.json" || p.Region == nil || p.Region.StartLine != 42 {
		t.Errorf("physical location %+v", p)
	}
	if !strings.Contains(first.Message.Text, "payments/db (payments-prod 111122223333, us-east-1): no-external-access says so") {
		t.Errorf("message %q", first.Message.Text)
	}
	if p := run.Results[4].Locations[0].Physical; p != nil {
		t.Errorf("a secret read from no file has no physical location: %+v", p)
	}
	if s := run.Results[1].Suppressions; len(s) != 1 || s[0].Kind != "external" || s[0].Status != "accepted" ||
		s[0].Justification != "exception EXC-1 until 2027-06-30T00:00:00Z" {
		t.Errorf("exempt result suppressions %+v", s)
	}
	if len(run.Results[0].Suppressions) != 0 {
		t.Error("a failing result is not suppressed")
	}
	if !strings.HasPrefix(run.Results[2].Message.Text, "payments/db") || !strings.Contains(run.Results[2].Message.Text, "not evaluated: access denied") {
		t.Errorf("error result message %q", run.Results[2].Message.Text)
	}
	// Stable: the same pair has the same fingerprint in another run, and
	// another pair another one.
	again := renderSARIF(t, sampleFindings(), output.Options{Checks: checks(), Locate: locate})
	var log2 sarifLog
	if err := json.Unmarshal(again, &log2); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, res := range log2.Runs[0].Results {
		fp := res.PartialFingerprints[output.FingerprintKey]
		if fp != run.Results[i].PartialFingerprints[output.FingerprintKey] {
			t.Errorf("result %d: fingerprint changed between runs", i)
		}
		if seen[fp] {
			t.Errorf("result %d: fingerprint shared with another pair", i)
		}
		seen[fp] = true
	}
	if output.Fingerprint("no-external-access", arnPay) != first.PartialFingerprints[output.FingerprintKey] {
		t.Error("fingerprint is sha256 of policy|arn")
	}
}

// No findings at all is still a valid log, with the rules.
func TestSARIFEmpty(t *testing.T) {
	var buf bytes.Buffer
	w, _ := output.NewFindingWriterWith(output.SARIF, &buf, output.Options{Checks: checks()})
	if err := w.Close(finding.NewSummary()); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, buf.Bytes())
	if !strings.Contains(buf.String(), `"results": []`) {
		t.Errorf("want an empty results array:\n%s", buf.String())
	}
}

func TestSARIFLevels(t *testing.T) {
	for sev, want := range map[string]string{"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note", "": "note"} {
		if got := output.SARIFLevel(sev); got != want {
			t.Errorf("%q: %s, want %s", sev, got, want)
		}
	}
}

// A finding from a template (warden scan --template) carries its file and
// line: SARIF gives them as the physical location, so code-scanning UIs
// annotate the template line, whatever the Locate option says.
func TestSARIFTemplateLocation(t *testing.T) {
	fs := sampleFindings()
	for i := range fs {
		fs[i].SecretARN = "template:cfn/app.yaml#Db"
		fs[i].ResourceType, fs[i].LogicalID, fs[i].File, fs[i].Line = "AWS::SecretsManager::Secret", "Db", "cfn/app.yaml", 7
	}
	locate := func(string) (string, int) { return "org/other.json", 1 }
	b := renderSARIF(t, fs, output.Options{Checks: checks(), Locate: locate})
	validateSARIF(t, b)
	var log sarifLog
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	for i, res := range log.Runs[0].Results {
		p := res.Locations[0].Physical
		if p == nil || p.Artifact.URI != "cfn/app.yaml" || p.Region == nil || p.Region.StartLine != 7 {
			t.Errorf("result %d: physical location %+v, want cfn/app.yaml:7", i, p)
		}
	}
}
