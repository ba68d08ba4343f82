package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	smithytime "github.com/aws/smithy-go/time"

	"github.com/secretwarden/warden/internal/asff"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/finding"
)

// hubBatch is the number of findings per BatchImportFindings call (its limit).
const hubBatch = 100

// FindingType is the ASFF type of every Secret Warden finding.
const FindingType = asff.FindingType

// SecurityHub imports findings into Security Hub as ASFF, each in the
// account and region it is about: through the Findings role assumed in the
// secret's account (WARDEN_FINDINGS_ROLE_NAME), with a client in the
// secret's region, under that account's default product ARN
// (arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default).
// BatchImportFindings only accepts, with the default product ARN, findings
// whose AwsAccountId is the calling account (Security Hub API Reference,
// "BatchImportFindings"); with Security Hub's delegated administrator the
// member accounts' findings aggregate there.
//
// An account-region whose import fails (the role cannot be assumed,
// AccessDenied, throttling after the SDK's retries, findings Security Hub
// refuses) does not stop the others: Import returns its failures, per
// account-region, and the Recorder keeps them owed to the next recording.
type SecurityHub struct {
	// Clients gives the BatchImportFindings client of an account and region.
	Clients ClientFor[BatchImportFindingsAPI]
	// DryRun imports nothing.
	DryRun bool
	// Attempts bounds the imports of findings Security Hub fails for a
	// reason that may pass (throttling, an internal error): default 3.
	Attempts int
	// Sleep waits between those attempts (default: a context-aware timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// ImportFailure is an account-region whose findings were not all imported.
type ImportFailure struct {
	AccountID, Region string
	// Findings are the findings not imported.
	Findings []finding.Finding
	// Err says why.
	Err error
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

// ASFF renders a finding as its own account's, in its own region, with the
// mapper `warden scan --output asff` also uses (asff.Map): a finding that
// clears is Compliance PASSED (or NOT_AVAILABLE), RecordState ARCHIVED.
func (h *SecurityHub) ASFF(f finding.Finding) (shtypes.AwsSecurityFinding, error) {
	return asff.Map(f, h.now())
}

// Import imports findings in their own accounts and regions, in batches of
// at most 100 per call (BatchImportFindings' limit) per account-region, and
// returns the account-regions whose findings were not all imported. A
// finding Security Hub fails for a reason that may pass is sent again, up
// to Attempts times with backoff; one it refuses otherwise, or a call that
// fails after the SDK's own retries, is a failure of its account-region
// only: the others are still imported.
func (h *SecurityHub) Import(ctx context.Context, fs []finding.Finding) []ImportFailure {
	type group struct {
		account, region string
		asff            []shtypes.AwsSecurityFinding
		fs              []finding.Finding
	}
	var groups []*group
	byKey := map[string]*group{}
	var failures []ImportFailure
	for _, f := range fs {
		a, err := h.ASFF(f)
		if err != nil {
			failures = append(failures, ImportFailure{AccountID: f.AccountID, Region: f.Region, Findings: []finding.Finding{f}, Err: err})
			continue
		}
		acct, region := aws.ToString(a.AwsAccountId), aws.ToString(a.Region)
		g := byKey[acct+"|"+region]
		if g == nil {
			g = &group{account: acct, region: region}
			byKey[acct+"|"+region] = g
			groups = append(groups, g)
		}
		g.asff = append(g.asff, a)
		g.fs = append(g.fs, f)
	}
	if h.DryRun {
		return failures
	}
	for _, g := range groups {
		if fail := h.importGroup(ctx, g.account, g.region, g.asff, g.fs); fail != nil {
			failures = append(failures, *fail)
		}
	}
	return failures
}

// importGroup imports one account-region's findings.
func (h *SecurityHub) importGroup(ctx context.Context, account, region string, asff []shtypes.AwsSecurityFinding, fs []finding.Finding) *ImportFailure {
	fail := func(failed []finding.Finding, err error) *ImportFailure {
		return &ImportFailure{AccountID: account, Region: region, Findings: failed, Err: fmt.Errorf("import findings into Security Hub in %s/%s: %w", account, region, err)}
	}
	if h.Clients == nil {
		return fail(fs, errors.New("no Security Hub client configured"))
	}
	api, err := h.Clients(ctx, account, region)
	if err != nil {
		return fail(fs, err)
	}
	var failed []finding.Finding
	var errs []error
	for start := 0; start < len(asff); start += hubBatch {
		end := min(start+hubBatch, len(asff))
		bad, err := h.importBatch(ctx, api, asff[start:end])
		if err != nil {
			failed = append(failed, fs[start:end]...)
			errs = append(errs, err)
			continue
		}
		for i, e := range bad {
			if e != nil {
				failed = append(failed, fs[start+i])
				errs = append(errs, e)
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fail(failed, errors.Join(errs...))
}

// importBatch imports at most 100 findings and returns, per finding, why it
// was refused (nil when imported). Findings refused for a reason that may
// pass are sent again.
func (h *SecurityHub) importBatch(ctx context.Context, api BatchImportFindingsAPI, batch []shtypes.AwsSecurityFinding) ([]error, error) {
	attempts := h.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	why := make([]error, len(batch))
	pending := make([]int, len(batch))
	for i := range batch {
		pending[i] = i
	}
	delay := 200 * time.Millisecond
	for attempt := 1; len(pending) > 0; attempt++ {
		send := make([]shtypes.AwsSecurityFinding, len(pending))
		byID := map[string]int{}
		for k, i := range pending {
			send[k] = batch[i]
			byID[aws.ToString(batch[i].Id)] = i
		}
		out, err := api.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: send})
		if err != nil {
			return nil, fmt.Errorf("import %d finding(s): %w", len(send), err)
		}
		var again []int
		for _, ff := range out.FailedFindings {
			i, ok := byID[aws.ToString(ff.Id)]
			if !ok {
				continue
			}
			code := aws.ToString(ff.ErrorCode)
			why[i] = fmt.Errorf("finding %s: %s: %s", aws.ToString(ff.Id), code, aws.ToString(ff.ErrorMessage))
			if transientCode(code) && attempt < attempts {
				again = append(again, i)
			}
		}
		if n := int(aws.ToInt32(out.FailedCount)); n > len(out.FailedFindings) {
			return nil, fmt.Errorf("import findings: %d failed, %d reported", n, len(out.FailedFindings))
		}
		for _, i := range again {
			why[i] = nil
		}
		pending = again
		if len(pending) > 0 {
			if err := h.sleep(ctx, delay); err != nil {
				for _, i := range pending {
					why[i] = fmt.Errorf("finding %s: %w", aws.ToString(batch[i].Id), err)
				}
				return why, nil
			}
			delay *= 2
		}
	}
	return why, nil
}

// transientCode reports a FailedFindings error code that a later attempt
// may not meet (throttling, a service-side error).
func transientCode(code string) bool {
	c := strings.ToLower(code)
	for _, s := range []string{"throttl", "toomanyrequests", "limitexceeded", "internal", "serviceunavailable", "unavailable"} {
		if strings.Contains(c, s) {
			return true
		}
	}
	return false
}

func (h *SecurityHub) sleep(ctx context.Context, d time.Duration) error {
	if h.Sleep != nil {
		return h.Sleep(ctx, d)
	}
	return smithytime.SleepWithContext(ctx, d)
}
