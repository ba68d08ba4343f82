package action_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
	h := &action.SecurityHub{}
	a, err := h.ASFF(failing())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(arn))
	checks := map[string][2]string{
		"Id":           {aws.ToString(a.Id), "secretwarden/111122223333/us-east-1/no-external-access/" + hex.EncodeToString(sum[:])},
		"ProductArn":   {aws.ToString(a.ProductArn), "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default"},
		"GeneratorId":  {aws.ToString(a.GeneratorId), "secretwarden/no-external-access"},
		"AwsAccountId": {aws.ToString(a.AwsAccountId), acct},
		"Region":       {aws.ToString(a.Region), region},
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
	// A finding without account and region takes them from its ARN.
	f := failing()
	f.AccountID, f.Region = "", ""
	own, _ := h.ASFF(f)
	if aws.ToString(own.AwsAccountId) != acct || aws.ToString(own.Region) != region || !strings.Contains(aws.ToString(own.ProductArn), ":us-east-1:"+acct+":product/"+acct+"/default") {
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
		{finding.StatusPass, "PASSED", "RESOLVED", "ARCHIVED", "INFORMATIONAL"},
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

// Each finding is imported in its own account and region (the client of
// that account-region, the Findings role there), at most 100 per call; an
// account-region that fails is reported and does not stop the others.
func TestImportPerAccountRegion(t *testing.T) {
	hs := newHubs()
	var slept []time.Duration
	h := &action.SecurityHub{Clients: hs.clients(), Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	mk := func(account, reg string, i int) finding.Finding {
		f := failing()
		f.AccountID, f.Region = account, reg
		f.SecretARN = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:s%03d-AbCdEf", reg, account, i)
		return f
	}
	var fs []finding.Finding
	for i := range 250 {
		fs = append(fs, mk("111122223333", "us-east-1", i))
	}
	fs = append(fs, mk("111122223333", "eu-west-1", 0), mk("444455556666", "us-east-1", 0), mk("444455556666", "us-east-1", 1),
		mk("777788889999", "us-east-1", 0), mk("555555555555", "us-east-1", 0), mk("555555555555", "us-east-1", 1))
	hs.denied["777788889999"] = true
	flaky, _ := h.ASFF(fs[120])
	refused, _ := h.ASFF(fs[251])
	hs.get("111122223333", "us-east-1").fail[aws.ToString(flaky.Id)] = "ThrottlingException"
	hs.get("444455556666", "us-east-1").fail[aws.ToString(refused.Id)] = "InvalidInput"
	hs.get("555555555555", "us-east-1").err = errors.New("AccessDeniedException: not subscribed to Security Hub")

	failures := h.Import(context.Background(), fs)

	east := hs.get("111122223333", "us-east-1")
	if len(east.imports) != 4 || len(east.imports[0]) != 100 || len(east.imports[1]) != 100 || len(east.imports[2]) != 1 ||
		aws.ToString(east.imports[2][0].Id) != aws.ToString(flaky.Id) || len(east.imports[3]) != 50 {
		t.Fatalf("batches of at most 100, the throttled finding sent again alone: %d calls", len(east.imports))
	}
	if len(slept) != 1 {
		t.Errorf("one backoff before the retry: %v", slept)
	}
	for k, hub := range hs.by {
		for _, batch := range hub.imports {
			for _, a := range batch {
				if aws.ToString(a.AwsAccountId) != hub.account || aws.ToString(a.Region) != hub.region ||
					aws.ToString(a.ProductArn) != "arn:aws:securityhub:"+hub.region+":"+hub.account+":product/"+hub.account+"/default" {
					t.Errorf("%s got a finding of %s/%s under %s", k, aws.ToString(a.AwsAccountId), aws.ToString(a.Region), aws.ToString(a.ProductArn))
				}
			}
		}
	}
	if len(hs.get("111122223333", "eu-west-1").imports) != 1 {
		t.Error("the other region of the same account is its own call")
	}
	got := map[string]int{}
	for _, f := range failures {
		got[f.AccountID+"/"+f.Region] = len(f.Findings)
		if f.Err == nil || !strings.Contains(f.Err.Error(), f.AccountID+"/"+f.Region) {
			t.Errorf("the failure names its account-region: %v", f.Err)
		}
	}
	want := map[string]int{"444455556666/us-east-1": 1, "777788889999/us-east-1": 1, "555555555555/us-east-1": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("failures %v, want %v", got, want)
	}
	if len(hs.get("444455556666", "us-east-1").imports) != 1 {
		t.Error("a refused finding (InvalidInput) is not sent again")
	}
}

func TestImportDryRunSendsNothing(t *testing.T) {
	hs := newHubs()
	h := &action.SecurityHub{Clients: hs.clients(), DryRun: true}
	if fails := h.Import(context.Background(), []finding.Finding{failing()}); len(fails) != 0 || len(hs.asked) != 0 {
		t.Fatalf("dry run: %v %v", fails, hs.asked)
	}
}
