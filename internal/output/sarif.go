package output

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/policy"
)

// SARIF constants.
const (
	// ToolName is the tool's name in SARIF, ASFF and OCSF documents.
	ToolName = "Secret Warden"
	// ToolURI is where the tool is described.
	ToolURI = "https://github.com/secretwarden/warden"
	// FingerprintKey names the partialFingerprints entry of every result:
	// sha256 of "policy id|secret ARN", stable across runs, so code-scanning
	// UIs track one alert per (secret, policy) pair.
	FingerprintKey = "secretwarden/v1"
)

// SecuritySeverity is the CVSS-like score (0.0–10.0) a SARIF rule carries
// in properties["security-severity"], which GitHub code scanning turns into
// its Critical (≥ 9.0), High (7.0–8.9), Medium (4.0–6.9) and Low (0.1–3.9)
// levels ("SARIF support for code scanning", reportingDescriptor object).
// Each value sits inside its band so the mapping survives rounding.
var SecuritySeverity = map[string]float64{"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 3.0, "info": 0.0}

// SARIFLevel is the SARIF level of a severity: critical and high are
// "error", medium is "warning", low and info are "note".
func SARIFLevel(severity string) string {
	switch severity {
	case "critical", "high":
		return "error"
	case "medium":
		return "warning"
	}
	return "note"
}

// Fingerprint is a result's stable partial fingerprint.
func Fingerprint(policyID, secretARN string) string {
	sum := sha256.Sum256([]byte(policyID + "|" + secretARN))
	return hex.EncodeToString(sum[:])
}

// sarifFindings collects results and writes one SARIF 2.1.0 log on Close
// (SARIF is a single document). Only findings that need attention become
// results: fail and error (an error is a check that could not run: never a
// silent pass) as kind "fail", and exempt ones as results with an accepted
// external suppression naming the exception. Passes and not-applicable
// findings are counted in the run's properties, not listed.
type sarifFindings struct {
	w      io.Writer
	opts   Options
	report *sarif.Report
	run    *sarif.Run
	rules  map[string]int // rule id → index in the driver's rules
}

func newSARIFFindings(w io.Writer, o Options) *sarifFindings {
	report := sarif.NewReport()
	run := sarif.NewRunWithInformationURI(ToolName, ToolURI)
	if o.ToolVersion != "" {
		run.Tool.Driver.WithVersion(o.ToolVersion)
	}
	report.AddRun(run)
	s := &sarifFindings{w: w, opts: o, report: report, run: run, rules: map[string]int{}}
	for i := range o.Checks {
		c := &o.Checks[i]
		if c.Kind == policy.KindPosture || c.Kind == "" {
			s.addRule(c.ID, c.Title, c.Description, c.Severity, c.Remediation, c.Controls)
		}
	}
	return s
}

// addRule adds the rule of a check once and returns its index.
func (s *sarifFindings) addRule(id, title, description, severity, remediation string, controls []string) int {
	if i, ok := s.rules[id]; ok {
		return i
	}
	if description == "" {
		description = title
	}
	if remediation == "" {
		remediation = "See the policy " + id + "."
	}
	props := sarif.NewPropertyBag()
	props.Add("security-severity", strconv.FormatFloat(SecuritySeverity[severity], 'f', 1, 64))
	props.Add("severity", severity)
	props.AddTag("security")
	for _, c := range controls {
		props.AddTag(c)
	}
	s.run.AddRule(id).
		WithName(ruleName(id)).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(title)).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(description)).
		WithHelp(sarif.NewMultiformatMessageString().WithText(remediation).WithMarkdown(remediation)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(SARIFLevel(severity))).
		WithProperties(props)
	s.rules[id] = len(s.run.Tool.Driver.Rules) - 1
	return s.rules[id]
}

// ruleName is a rule id in the PascalCase SARIF viewers expect
// ("rotation-enabled" → "RotationEnabled").
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r == '-' || r == '_' || r == '.' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

func (s *sarifFindings) Write(batch []finding.Finding) error {
	for i := range batch {
		f := &batch[i]
		if f.Status != finding.StatusFail && f.Status != finding.StatusError && f.Status != finding.StatusExempt {
			continue
		}
		idx := s.addRule(f.PolicyID, f.Title, "", f.Severity, f.Remediation, f.Controls)
		s.run.AddResult(s.result(f, idx))
	}
	return nil
}

// result renders one finding.
func (s *sarifFindings) result(f *finding.Finding, ruleIndex int) *sarif.Result {
	name := f.SecretName
	if name == "" {
		name = f.SecretARN
	}
	where := f.AccountID
	if f.AccountName != "" {
		where = f.AccountName + " " + f.AccountID
	}
	text := fmt.Sprintf("%s (%s, %s): %s", name, where, f.Region, f.Message)
	logical := sarif.NewLogicalLocation().
		WithFullyQualifiedName(f.SecretARN).
		WithName(name).
		WithKind("resource")
	loc := sarif.NewLocation().WithLogicalLocations([]*sarif.LogicalLocation{logical})
	file, line := f.File, f.Line // a secret declared by a template
	if file == "" && s.opts.Locate != nil {
		file, line = s.opts.Locate(f.SecretARN) // a snapshot entry
	}
	if file != "" {
		phys := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewArtifactLocation().WithURI(fileURI(file)))
		if line > 0 {
			phys.WithRegion(sarif.NewRegion().WithStartLine(line))
		}
		loc.WithPhysicalLocation(phys)
	}
	props := sarif.NewPropertyBag().
		Add("status", string(f.Status)).
		Add("severity", f.Severity).
		Add("account_id", f.AccountID).
		Add("region", f.Region)
	if f.OuPath != "" {
		props.Add("ou_path", f.OuPath)
	}
	r := sarif.NewRuleResult(f.PolicyID).
		WithRuleIndex(ruleIndex).
		WithLevel(SARIFLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(text)).
		WithLocations([]*sarif.Location{loc}).
		WithPartialFingerprints(map[string]string{FingerprintKey: Fingerprint(f.PolicyID, f.SecretARN)}).
		WithProperties(props)
	if f.Status == finding.StatusExempt {
		just := "exception " + f.Exception
		if f.ExceptionExpires != "" {
			just += " until " + f.ExceptionExpires
		}
		r.WithSuppressions([]*sarif.Suppression{sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(just)})
	}
	return r
}

// fileURI is a SARIF artifact URI for a path as given: relative paths stay
// relative references (resolved against the repository root by code
// scanning), absolute ones become file:// URIs.
func fileURI(p string) string {
	slashed := filepath.ToSlash(p)
	if filepath.IsAbs(p) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // a Windows drive path
		}
		return "file://" + slashed
	}
	return strings.TrimPrefix(slashed, "./")
}

func (s *sarifFindings) Close(sum *finding.Summary) error {
	if sum != nil {
		props := sarif.NewPropertyBag().
			Add("secrets", sum.Secrets).
			Add("findings", sum.Findings).
			Add("by_status", sum.ByStatus)
		s.run.WithProperties(props)
	}
	if err := s.report.PrettyWrite(s.w); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	if _, err := io.WriteString(s.w, "\n"); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}
