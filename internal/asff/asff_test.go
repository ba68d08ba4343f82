package asff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/asff"
	"github.com/secretwarden/warden/internal/finding"
)

const arn = "arn:aws:secretsmanager:eu-west-1:444455556666:secret:payments/db-AbCdEf"

var t0 = time.Date(2026, 11, 20, 10, 5, 0, 0, time.UTC)

func failing() finding.Finding {
	return finding.Finding{
		PolicyID: "no-external-access", Title: "No access from outside the organization", Severity: "critical",
		Status: finding.StatusFail, SecretARN: arn, SecretName: "payments/db", AccountID: "444455556666", Region: "eu-west-1",
		AccountName: "payments-prod", OuPath: "r-1/ou-prod",
		Message: "statement 1 grants 999988887777", Controls: []string{"IAM.AccessAnalyzer"},
		Remediation: "Remove the statement", FirstSeen: t0, LastSeen: t0.Add(time.Hour),
	}
}

// "Required top-level attributes in ASFF" (AWS Security Hub User Guide):
// every status renders every one of them, non-empty, and the finding is
// the secret's own account's, under that account's default product ARN
// in the secret's region (BatchImportFindings, "the AwsAccountId must
// match the account of the caller" for the default product).
func TestMapSetsRequiredFieldsInTheSecretsAccount(t *testing.T) {
	for _, st := range finding.Statuses {
		f := failing()
		f.Status = st
		a, err := asff.Map(f, t0)
		if err != nil {
			t.Fatal(err)
		}
		required := map[string]string{
			"AwsAccountId":  aws.ToString(a.AwsAccountId),
			"CreatedAt":     aws.ToString(a.CreatedAt),
			"Description":   aws.ToString(a.Description),
			"GeneratorId":   aws.ToString(a.GeneratorId),
			"Id":            aws.ToString(a.Id),
			"ProductArn":    aws.ToString(a.ProductArn),
			"SchemaVersion": aws.ToString(a.SchemaVersion),
			"Title":         aws.ToString(a.Title),
			"UpdatedAt":     aws.ToString(a.UpdatedAt),
		}
		for k, v := range required {
			if v == "" {
				t.Errorf("%s: %s empty", st, k)
			}
		}
		if a.Severity == nil || a.Severity.Label == "" || len(a.Types) != 1 || len(a.Resources) != 1 ||
			aws.ToString(a.Resources[0].Id) != arn || aws.ToString(a.Resources[0].Type) != "AwsSecretsManagerSecret" {
			t.Errorf("%s: severity, types or resources missing: %+v", st, a)
		}
		if aws.ToString(a.AwsAccountId) != "444455556666" || aws.ToString(a.Region) != "eu-west-1" ||
			aws.ToString(a.ProductArn) != "arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default" {
			t.Errorf("%s: not the secret's account: %s %s %s", st, aws.ToString(a.AwsAccountId), aws.ToString(a.Region), aws.ToString(a.ProductArn))
		}
		if a.ProductFields["secretwarden/AccountName"] != "payments-prod" || a.ProductFields["secretwarden/OuPath"] != "r-1/ou-prod" {
			t.Errorf("%s: product fields %v", st, a.ProductFields)
		}
	}
}

func TestMapFillsAccountAndRegionFromTheARN(t *testing.T) {
	f := failing()
	f.AccountID, f.Region, f.SecretName, f.Title = "", "", "", ""
	f.LastSeen, f.FirstSeen = time.Time{}, time.Time{}
	a, err := asff.Map(f, t0)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(a.AwsAccountId) != "444455556666" || aws.ToString(a.Region) != "eu-west-1" ||
		aws.ToString(a.Resources[0].Details.AwsSecretsManagerSecret.Name) != "payments/db" ||
		aws.ToString(a.Title) != "no-external-access" || aws.ToString(a.UpdatedAt) != "2026-11-20T10:05:00.000Z" {
		t.Errorf("defaults: %s %s %s %s %s", aws.ToString(a.AwsAccountId), aws.ToString(a.Region),
			aws.ToString(a.Resources[0].Details.AwsSecretsManagerSecret.Name), aws.ToString(a.Title), aws.ToString(a.UpdatedAt))
	}
	f.SecretARN = "not-an-arn"
	if _, err := asff.Map(f, t0); err == nil || !strings.Contains(err.Error(), "no-external-access") {
		t.Errorf("bad ARN: %v", err)
	}
}

func TestMapClipsToSecurityHubLimits(t *testing.T) {
	f := failing()
	f.Title = strings.Repeat("é", 200)       // 400 bytes
	f.Message = strings.Repeat("x", 2000)    // > 1024
	f.Remediation = strings.Repeat("r", 600) // > 512
	f.Controls = make([]string, 40)          // > 32
	a, _ := asff.Map(f, t0)
	if n := len(aws.ToString(a.Title)); n > 256 {
		t.Errorf("title %d bytes", n)
	}
	if n := len(aws.ToString(a.Description)); n > 1024 {
		t.Errorf("description %d bytes", n)
	}
	if n := len(aws.ToString(a.Remediation.Recommendation.Text)); n > 512 {
		t.Errorf("recommendation %d bytes", n)
	}
	if n := len(a.Compliance.RelatedRequirements); n > 32 {
		t.Errorf("%d related requirements", n)
	}
	if !strings.HasSuffix(aws.ToString(a.Title), "…") || strings.ContainsRune(aws.ToString(a.Title), '\uFFFD') {
		t.Errorf("title clipped badly: %q", aws.ToString(a.Title))
	}
}
