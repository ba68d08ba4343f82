package action

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/finding"
)

// Security Hub limits.
const (
	hubBatch       = 100 // findings per BatchImportFindings / BatchUpdateFindings
	maxTitle       = 256
	maxDescription = 1024
	maxRecommend   = 512
	maxRequirement = 32
)

// FindingType is the ASFF type of every Secret Warden finding.
const FindingType = "Software and Configuration Checks/AWS Security Best Practices"

// SecurityHub imports findings into Security Hub as ASFF.
//
// With the default product ARN, BatchImportFindings only accepts findings
// whose AwsAccountId is the calling account. So findings are imported as
// AccountID's (the account whose credentials API uses, normally the central
// security account) into Region (API's region), while the finding's Id,
// Resources and ProductFields name the member account and region of the
// secret. Leave AccountID and Region empty to import each finding as its
// own account's and region's: API must then be a client in that account
// and region.
type SecurityHub struct {
	// ImportAPI makes the BatchImportFindings calls.
	ImportAPI BatchImportFindingsAPI
	// UpdateAPI, when set, marks resolved findings' workflow RESOLVED
	// (BatchImportFindings cannot change Workflow after a finding exists).
	UpdateAPI BatchUpdateFindingsAPI
	// AccountID is the importing account (see above).
	AccountID string
	// Region is the importing region (see above).
	Region string
	// DryRun imports nothing.
	DryRun bool
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// FindingID is the stable ASFF Id of a finding:
// "secretwarden/<account>/<region>/<policy>/<sha256(secret ARN)>".
func FindingID(f finding.Finding) string {
	sum := sha256.Sum256([]byte(f.SecretARN))
	return fmt.Sprintf("secretwarden/%s/%s/%s/%s", f.AccountID, f.Region, f.PolicyID, hex.EncodeToString(sum[:]))
}

// ProductARN is the default product ARN of an account in a region.
func ProductARN(partition, region, account string) string {
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, region, account, account)
}

// SeverityLabel maps a finding severity to ASFF's label.
func SeverityLabel(severity string) shtypes.SeverityLabel {
	switch severity {
	case "critical":
		return shtypes.SeverityLabelCritical
	case "high":
		return shtypes.SeverityLabelHigh
	case "medium":
		return shtypes.SeverityLabelMedium
	case "low":
		return shtypes.SeverityLabelLow
	}
	return shtypes.SeverityLabelInformational
}

// ComplianceStatus maps a finding status to ASFF's Compliance.Status:
// fail → FAILED, pass → PASSED, exempt (an accepted, expiring exception) →
// WARNING, error and not_applicable → NOT_AVAILABLE.
func ComplianceStatus(s finding.Status) shtypes.ComplianceStatus {
	switch s {
	case finding.StatusFail:
		return shtypes.ComplianceStatusFailed
	case finding.StatusPass:
		return shtypes.ComplianceStatusPassed
	case finding.StatusExempt:
		return shtypes.ComplianceStatusWarning
	}
	return shtypes.ComplianceStatusNotAvailable
}

func (h *SecurityHub) now() time.Time { return defaults.Now(h.Now) }

func asffTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ASFF renders a finding. A passing finding is INFORMATIONAL with workflow
// RESOLVED; a not-applicable one is also ARCHIVED; the policy's own
// severity is kept in Severity.Original. (An exempt finding keeps workflow
// NEW: SUPPRESSED would hide it once the exception expires, since Security
// Hub only reopens a finding whose compliance leaves PASSED.)
func (h *SecurityHub) ASFF(f finding.Finding) (shtypes.AwsSecurityFinding, error) {
	ref, err := parseSecretARN(f.SecretARN)
	if err != nil {
		return shtypes.AwsSecurityFinding{}, fmt.Errorf("render finding %s: %w", f.PolicyID, err)
	}
	if f.AccountID == "" {
		f.AccountID = ref.account
	}
	if f.Region == "" {
		f.Region = ref.region
	}
	account, region := orDefault(h.AccountID, f.AccountID), orDefault(h.Region, f.Region)
	now := h.now()
	first, last := f.FirstSeen, f.LastSeen
	if last.IsZero() {
		last = now
	}
	if first.IsZero() || first.After(last) {
		first = last
	}
	label := SeverityLabel(f.Severity)
	workflow, record := shtypes.WorkflowStatusNew, shtypes.RecordStateActive
	switch f.Status {
	case finding.StatusPass:
		label, workflow = shtypes.SeverityLabelInformational, shtypes.WorkflowStatusResolved
	case finding.StatusNotApplicable:
		label, workflow, record = shtypes.SeverityLabelInformational, shtypes.WorkflowStatusResolved, shtypes.RecordStateArchived
	}
	desc := f.Message
	if f.Exception != "" {
		desc += " (exception " + f.Exception + ")"
	}
	if desc == "" {
		desc = fmt.Sprintf("%s: %s", f.PolicyID, f.Status)
	}
	fields := map[string]string{
		"secretwarden/PolicyId":  f.PolicyID,
		"secretwarden/Status":    string(f.Status),
		"secretwarden/AccountId": f.AccountID,
		"secretwarden/Region":    f.Region,
	}
	if f.Exception != "" {
		fields["secretwarden/Exception"] = f.Exception
	}
	controls := f.Controls
	if len(controls) > maxRequirement {
		controls = controls[:maxRequirement]
	}
	out := shtypes.AwsSecurityFinding{
		SchemaVersion:   aws.String("2018-10-08"),
		Id:              aws.String(FindingID(f)),
		ProductArn:      aws.String(ProductARN(ref.partition, region, account)),
		ProductName:     aws.String("Secret Warden"),
		CompanyName:     aws.String("Secret Warden"),
		GeneratorId:     aws.String("secretwarden/" + f.PolicyID),
		AwsAccountId:    aws.String(account),
		Region:          aws.String(region),
		Types:           []string{FindingType},
		CreatedAt:       aws.String(asffTime(first)),
		UpdatedAt:       aws.String(asffTime(last)),
		FirstObservedAt: aws.String(asffTime(first)),
		LastObservedAt:  aws.String(asffTime(last)),
		Severity:        &shtypes.Severity{Label: label, Original: aws.String(orDefault(f.Severity, "info"))},
		FindingProviderFields: &shtypes.FindingProviderFields{
			Severity: &shtypes.FindingProviderSeverity{Label: label, Original: aws.String(orDefault(f.Severity, "info"))},
			Types:    []string{FindingType},
		},
		Title:       aws.String(clip(orDefault(f.Title, f.PolicyID), maxTitle)),
		Description: aws.String(clip(desc, maxDescription)),
		Compliance:  &shtypes.Compliance{Status: ComplianceStatus(f.Status), RelatedRequirements: controls},
		Workflow:    &shtypes.Workflow{Status: workflow},
		RecordState: record,
		Resources: []shtypes.Resource{{
			Type:      aws.String("AwsSecretsManagerSecret"),
			Id:        aws.String(f.SecretARN),
			Region:    aws.String(f.Region),
			Partition: shtypes.Partition(ref.partition),
			Details: &shtypes.ResourceDetails{
				AwsSecretsManagerSecret: &shtypes.AwsSecretsManagerSecretDetails{Name: aws.String(orDefault(f.SecretName, ref.name))},
			},
		}},
		ProductFields: fields,
	}
	if f.Remediation != "" {
		out.Remediation = &shtypes.Remediation{Recommendation: &shtypes.Recommendation{Text: aws.String(clip(f.Remediation, maxRecommend))}}
	}
	return out, nil
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// Import sends findings in batches of 100. Findings Security Hub refuses
// (FailedFindings) are reported in the returned error with their Ids; the
// other batches are still sent.
func (h *SecurityHub) Import(ctx context.Context, fs []finding.Finding) error {
	var errs []error
	var batch []shtypes.AwsSecurityFinding
	flush := func() {
		if len(batch) == 0 {
			return
		}
		errs = append(errs, h.importBatch(ctx, batch))
		batch = nil
	}
	for _, f := range fs {
		a, err := h.ASFF(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		batch = append(batch, a)
		if len(batch) == hubBatch {
			flush()
		}
	}
	flush()
	return errors.Join(errs...)
}

func (h *SecurityHub) importBatch(ctx context.Context, batch []shtypes.AwsSecurityFinding) error {
	if h.DryRun {
		return nil
	}
	if h.ImportAPI == nil {
		return errors.New("import findings: no Security Hub client configured")
	}
	out, err := h.ImportAPI.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: batch})
	if err != nil {
		return fmt.Errorf("import %d finding(s) into Security Hub: %w", len(batch), err)
	}
	var errs []error
	for _, ff := range out.FailedFindings {
		errs = append(errs, fmt.Errorf("import finding %s: %s: %s", aws.ToString(ff.Id), aws.ToString(ff.ErrorCode), aws.ToString(ff.ErrorMessage)))
	}
	if n := int(aws.ToInt32(out.FailedCount)); n > len(out.FailedFindings) {
		errs = append(errs, fmt.Errorf("import findings: %d failed, %d reported", n, len(out.FailedFindings)))
	}
	return errors.Join(errs...)
}

// Resolve imports findings that pass again and, when UpdateAPI is set,
// sets their workflow status to RESOLVED (Security Hub resets it to NEW by
// itself if the finding fails again).
func (h *SecurityHub) Resolve(ctx context.Context, fs []finding.Finding) error {
	if err := h.Import(ctx, fs); err != nil {
		return err
	}
	if h.UpdateAPI == nil || h.DryRun {
		return nil
	}
	var errs []error
	for start := 0; start < len(fs); start += hubBatch {
		var ids []shtypes.AwsSecurityFindingIdentifier
		for _, f := range fs[start:min(start+hubBatch, len(fs))] {
			a, err := h.ASFF(f)
			if err != nil {
				continue // reported by Import
			}
			ids = append(ids, shtypes.AwsSecurityFindingIdentifier{Id: a.Id, ProductArn: a.ProductArn})
		}
		out, err := h.UpdateAPI.BatchUpdateFindings(ctx, &securityhub.BatchUpdateFindingsInput{
			FindingIdentifiers: ids,
			Workflow:           &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusResolved},
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("resolve %d finding(s) in Security Hub: %w", len(ids), err))
			continue
		}
		for _, u := range out.UnprocessedFindings {
			id := ""
			if u.FindingIdentifier != nil {
				id = aws.ToString(u.FindingIdentifier.Id)
			}
			errs = append(errs, fmt.Errorf("resolve finding %s: %s: %s", id, aws.ToString(u.ErrorCode), aws.ToString(u.ErrorMessage)))
		}
	}
	return errors.Join(errs...)
}
