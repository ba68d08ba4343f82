package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secretwarden/warden/internal/asff"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/finding"
)

// hubBatch is the number of findings per BatchImportFindings /
// BatchUpdateFindings call.
const hubBatch = 100

// FindingType is the ASFF type of every Secret Warden finding.
const FindingType = asff.FindingType

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

// FindingID is the stable ASFF Id of a finding (asff.FindingID).
func FindingID(f finding.Finding) string { return asff.FindingID(f) }

// ProductARN is the default product ARN of an account in a region (asff.ProductARN).
func ProductARN(partition, region, account string) string {
	return asff.ProductARN(partition, region, account)
}

// SeverityLabel maps a finding severity to ASFF's label (asff.SeverityLabel).
func SeverityLabel(severity string) shtypes.SeverityLabel { return asff.SeverityLabel(severity) }

// ComplianceStatus maps a finding status to ASFF's Compliance.Status
// (asff.ComplianceStatus).
func ComplianceStatus(s finding.Status) shtypes.ComplianceStatus { return asff.ComplianceStatus(s) }

func (h *SecurityHub) now() time.Time { return defaults.Now(h.Now) }

// ASFF renders a finding with the shared mapper (asff.Map: the secret's own
// account, region and default product). With AccountID or Region set, the
// finding is re-addressed to the importing account and region (see
// SecurityHub).
func (h *SecurityHub) ASFF(f finding.Finding) (shtypes.AwsSecurityFinding, error) {
	out, err := asff.Map(f, h.now())
	if err != nil || (h.AccountID == "" && h.Region == "") {
		return out, err
	}
	account, region := orDefault(h.AccountID, aws.ToString(out.AwsAccountId)), orDefault(h.Region, aws.ToString(out.Region))
	out.AwsAccountId = aws.String(account)
	out.Region = aws.String(region)
	out.ProductArn = aws.String(asff.ProductARN(string(out.Resources[0].Partition), region, account))
	return out, nil
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
