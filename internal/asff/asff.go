// Package asff maps a finding to the AWS Security Finding Format (ASFF): the
// one mapper behind the Lambdas' Security Hub import (internal/action) and
// `warden scan --output asff`. It is pure: no client, no clock of its own.
//
// AWS Security Hub User Guide, "AWS Security Finding Format (ASFF)" and
// "Required top-level attributes in ASFF": AwsAccountId, CreatedAt,
// Description, GeneratorId, Id, ProductArn, Resources (Id, Type),
// SchemaVersion, Severity, Title, Types and UpdatedAt are required; every
// finding Map returns sets them (asserted in asff_test.go).
package asff

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secretwarden/warden/internal/finding"
)

// SchemaVersion is the ASFF schema version.
const SchemaVersion = "2018-10-08"

// FindingType is the ASFF type of every Secret Warden finding (the
// "Software and Configuration Checks" namespace of the ASFF types taxonomy).
const FindingType = "Software and Configuration Checks/AWS Security Best Practices"

// Security Hub limits (ASFF attribute constraints).
const (
	maxTitle       = 256
	maxDescription = 1024
	maxRecommend   = 512
	maxRequirement = 32
)

// FindingID is the stable ASFF Id of a finding:
// "secretwarden/<account>/<region>/<policy>/<sha256(secret ARN)>".
func FindingID(f finding.Finding) string {
	sum := sha256.Sum256([]byte(f.SecretARN))
	return fmt.Sprintf("secretwarden/%s/%s/%s/%s", f.AccountID, f.Region, f.PolicyID, hex.EncodeToString(sum[:]))
}

// ProductARN is the default product ARN of an account in a region
// ("arn:<partition>:securityhub:<region>:<account>:product/<account>/default"),
// under which BatchImportFindings accepts findings whose AwsAccountId is
// that account.
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

// Time formats t as ASFF timestamps are written.
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Map renders f as the finding of the secret's own account and region:
// AwsAccountId is the secret's account, Region its region, ProductArn that
// account's default product there. now stands in for a missing LastSeen.
//
// A finding that clears (pass, not applicable) is INFORMATIONAL, workflow
// RESOLVED and RecordState ARCHIVED, with Compliance PASSED (NOT_AVAILABLE):
// BatchImportFindings cannot change Workflow once a finding exists, and
// Security Hub resets the workflow to NEW by itself when the record state
// goes back to ACTIVE or the compliance leaves PASSED (Security Hub API
// Reference, "Workflow"). The policy's own severity is kept in
// Severity.Original. (An exempt finding keeps workflow NEW: SUPPRESSED would
// hide it once the exception expires, since Security Hub only reopens a
// finding whose compliance leaves PASSED.)
func Map(f finding.Finding, now time.Time) (shtypes.AwsSecurityFinding, error) {
	ref, err := parseSecretARN(f.SecretARN)
	if err != nil {
		return shtypes.AwsSecurityFinding{}, fmt.Errorf("render finding %s of %q: %w", f.PolicyID, f.SecretARN, err)
	}
	if f.AccountID == "" {
		f.AccountID = ref.account
	}
	if f.Region == "" {
		f.Region = ref.region
	}
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
	case finding.StatusPass, finding.StatusNotApplicable:
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
	for k, v := range map[string]string{
		"secretwarden/Exception":        f.Exception,
		"secretwarden/ExceptionExpires": f.ExceptionExpires,
		"secretwarden/AccountName":      f.AccountName,
		"secretwarden/OuPath":           f.OuPath,
	} {
		if v != "" {
			fields[k] = v
		}
	}
	controls := f.Controls
	if len(controls) > maxRequirement {
		controls = controls[:maxRequirement]
	}
	orig := f.Severity
	if orig == "" {
		orig = "info"
	}
	title := f.Title
	if title == "" {
		title = f.PolicyID
	}
	name := f.SecretName
	if name == "" {
		name = ref.name
	}
	out := shtypes.AwsSecurityFinding{
		SchemaVersion:   aws.String(SchemaVersion),
		Id:              aws.String(FindingID(f)),
		ProductArn:      aws.String(ProductARN(ref.partition, f.Region, f.AccountID)),
		ProductName:     aws.String("Secret Warden"),
		CompanyName:     aws.String("Secret Warden"),
		GeneratorId:     aws.String("secretwarden/" + f.PolicyID),
		AwsAccountId:    aws.String(f.AccountID),
		Region:          aws.String(f.Region),
		Types:           []string{FindingType},
		CreatedAt:       aws.String(Time(first)),
		UpdatedAt:       aws.String(Time(last)),
		FirstObservedAt: aws.String(Time(first)),
		LastObservedAt:  aws.String(Time(last)),
		Severity:        &shtypes.Severity{Label: label, Original: aws.String(orig)},
		FindingProviderFields: &shtypes.FindingProviderFields{
			Severity: &shtypes.FindingProviderSeverity{Label: label, Original: aws.String(orig)},
			Types:    []string{FindingType},
		},
		Title:       aws.String(Clip(title, maxTitle)),
		Description: aws.String(Clip(desc, maxDescription)),
		Compliance:  &shtypes.Compliance{Status: ComplianceStatus(f.Status), RelatedRequirements: controls},
		Workflow:    &shtypes.Workflow{Status: workflow},
		RecordState: record,
		Resources: []shtypes.Resource{{
			Type:      aws.String("AwsSecretsManagerSecret"),
			Id:        aws.String(f.SecretARN),
			Region:    aws.String(f.Region),
			Partition: shtypes.Partition(ref.partition),
			Details: &shtypes.ResourceDetails{
				AwsSecretsManagerSecret: &shtypes.AwsSecretsManagerSecretDetails{Name: aws.String(name)},
			},
		}},
		ProductFields: fields,
	}
	if f.Remediation != "" {
		out.Remediation = &shtypes.Remediation{Recommendation: &shtypes.Recommendation{Text: aws.String(Clip(f.Remediation, maxRecommend))}}
	}
	return out, nil
}

// Clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

type secretRef struct{ partition, region, account, name string }

// parseSecretARN splits a Secrets Manager secret ARN; the name drops the
// six-character suffix Secrets Manager appends.
func parseSecretARN(s string) (secretRef, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return secretRef{}, fmt.Errorf("parse secret ARN: %w", err)
	}
	name, ok := strings.CutPrefix(a.Resource, "secret:")
	if a.Service != "secretsmanager" || !ok || a.AccountID == "" || a.Region == "" {
		return secretRef{}, fmt.Errorf("parse secret ARN: %q is not a Secrets Manager secret ARN", s)
	}
	if i := strings.LastIndexByte(name, '-'); i > 0 && len(name)-i == 7 {
		name = name[:i]
	}
	return secretRef{partition: a.Partition, region: a.Region, account: a.AccountID, name: name}, nil
}
