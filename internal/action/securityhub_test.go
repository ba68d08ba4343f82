package action_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/finding"
)

func failing() finding.Finding {
	return finding.Finding{
		PolicyID: "no-external-access", Title: "No access from outside the organization", Severity: "critical",
		Status: finding.StatusFail, SecretARN: arn, SecretName: "payments/db", AccountID: acct, Region: region,
		Message: "statement 1 grants 999988887777", Controls: []string{"IAM.AccessAnalyzer"},
		Remediation: "Remove the statement", FirstSeen: t0, LastSeen: t0.Add(time.Hour),
	}
}

func TestASFF(t *testing.T) {
	h := &action.SecurityHub{AccountID: "999999999999", Region: "eu-west-1"}
	a, err := h.ASFF(failing())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(arn))
	checks := map[string][2]string{
		"Id":           {aws.ToString(a.Id), "secretwarden/111122223333/us-east-1/no-external-access/" + hex.EncodeToString(sum[:])},
		"ProductArn":   {aws.ToString(a.ProductArn), "arn:aws:securityhub:eu-west-1:999999999999:product/999999999999/default"},
		"GeneratorId":  {aws.ToString(a.GeneratorId), "secretwarden/no-external-access"},
		"AwsAccountId": {aws.ToString(a.AwsAccountId), "999999999999"},
		"Schema":       {aws.ToString(a.SchemaVersion), "2018-10-08"},
		"Type":         {a.Types[0], "Software and Configuration Checks/AWS Security Best Practices"},
		"Severity":     {string(a.Severity.Label), "CRITICAL"},
		"Compliance":   {string(a.Compliance.Status), "FAILED"},
		"Workflow":     {string(a.Workflow.Status), "NEW"},
		"RecordState":  {string(a.RecordState), "ACTIVE"},
		"ResType":      {aws.ToString(a.Resources[0].Type), "AwsSecretsManagerSecret"},
		"ResId":        {aws.ToString(a.Resources[0].Id), arn},
		"ResRegion":    {aws.ToString(a.Resources[0].Region), region},
		"Partition":    {string(a.Resources[0].Partition), "aws"},
		"Remediation":  {aws.ToString(a.Remediation.Recommendation.Text), "Remove the statement"},
		"CreatedAt":    {aws.ToString(a.CreatedAt), "2026-11-20T10:05:00.000Z"},
		"UpdatedAt":    {aws.ToString(a.UpdatedAt), "2026-11-20T11:05:00.000Z"},
		"Member":       {a.ProductFields["secretwarden/AccountId"], acct},
		"FPSeverity":   {string(a.FindingProviderFields.Severity.Label), "CRITICAL"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	b, _ := h.ASFF(failing())
	if aws.ToString(a.Id) != aws.ToString(b.Id) {
		t.Fatal("the Id must be stable")
	}
	// Without an importing account, the finding is its own account's.
	own, _ := (&action.SecurityHub{}).ASFF(failing())
	if aws.ToString(own.AwsAccountId) != acct || !strings.Contains(aws.ToString(own.ProductArn), ":us-east-1:"+acct+":product/"+acct+"/default") {
		t.Fatalf("own account: %s %s", aws.ToString(own.AwsAccountId), aws.ToString(own.ProductArn))
	}
}

func TestASFFStatuses(t *testing.T) {
	h := &action.SecurityHub{}
	for _, c := range []struct {
		status   finding.Status
		comp     shtypes.ComplianceStatus
		workflow shtypes.WorkflowStatus
		record   shtypes.RecordState
		label    shtypes.SeverityLabel
	}{
		{finding.StatusFail, "FAILED", "NEW", "ACTIVE", "CRITICAL"},
		{finding.StatusPass, "PASSED", "RESOLVED", "ACTIVE", "INFORMATIONAL"},
		{finding.StatusExempt, "WARNING", "NEW", "ACTIVE", "CRITICAL"},
		{finding.StatusError, "NOT_AVAILABLE", "NEW", "ACTIVE", "CRITICAL"},
		{finding.StatusNotApplicable, "NOT_AVAILABLE", "RESOLVED", "ARCHIVED", "INFORMATIONAL"},
	} {
		f := failing()
		f.Status = c.status
		a, err := h.ASFF(f)
		if err != nil {
			t.Fatal(err)
		}
		if a.Compliance.Status != c.comp || a.Workflow.Status != c.workflow || a.RecordState != c.record || a.Severity.Label != c.label {
			t.Errorf("%s: %s %s %s %s", c.status, a.Compliance.Status, a.Workflow.Status, a.RecordState, a.Severity.Label)
		}
	}
	for sev, label := range map[string]string{"high": "HIGH", "medium": "MEDIUM", "low": "LOW", "info": "INFORMATIONAL"} {
		if got := action.SeverityLabel(sev); string(got) != label {
			t.Errorf("%s → %s", sev, got)
		}
	}
}

func TestImportBatchesAndReportsFailures(t *testing.T) {
	fh := &fakeHub{fail: map[string]bool{}}
	h := &action.SecurityHub{ImportAPI: fh, UpdateAPI: fh}
	var fs []finding.Finding
	for i := range 250 {
		f := failing()
		f.SecretARN = fmt.Sprintf("arn:aws:secretsmanager:us-east-1:111122223333:secret:s%03d-AbCdEf", i)
		fs = append(fs, f)
	}
	bad, _ := h.ASFF(fs[120])
	fh.fail[aws.ToString(bad.Id)] = true
	err := h.Import(context.Background(), fs)
	if len(fh.imports) != 3 || len(fh.imports[0]) != 100 || len(fh.imports[2]) != 50 {
		t.Fatalf("batches: %d", len(fh.imports))
	}
	if err == nil || !strings.Contains(err.Error(), aws.ToString(bad.Id)) || !strings.Contains(err.Error(), "InvalidInput") {
		t.Fatalf("failed finding not reported: %v", err)
	}
}

func TestResolveMarksWorkflowResolved(t *testing.T) {
	fh := &fakeHub{}
	h := &action.SecurityHub{ImportAPI: fh, UpdateAPI: fh}
	f := failing()
	f.Status = finding.StatusPass
	if err := h.Resolve(context.Background(), []finding.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if len(fh.imports) != 1 || fh.imports[0][0].Compliance.Status != "PASSED" {
		t.Fatal("resolved finding imported as PASSED")
	}
	if len(fh.updates) != 1 || fh.updates[0].Workflow.Status != "RESOLVED" ||
		aws.ToString(fh.updates[0].FindingIdentifiers[0].Id) != aws.ToString(fh.imports[0][0].Id) {
		t.Fatalf("workflow update: %+v", fh.updates)
	}
	dry := &action.SecurityHub{ImportAPI: fh, UpdateAPI: fh, DryRun: true}
	if err := dry.Resolve(context.Background(), []finding.Finding{f}); err != nil || len(fh.imports) != 1 || len(fh.updates) != 1 {
		t.Fatal("dry run sends nothing")
	}
}
