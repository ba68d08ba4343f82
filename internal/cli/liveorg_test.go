package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeAWS answers the calls of a live scan from the caller's account
// 123456789012, member of organization o-exampleorg1 but not allowed to list
// its accounts (ListAccounts: AccessDeniedException).
func fakeAWS(t *testing.T) {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		target := r.Header.Get("X-Amz-Target")
		arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch {
		case target == "" && strings.Contains(string(body), "Action=GetCallerIdentity"):
			w.Header().Set("Content-Type", "text/xml")
			_, _ = io.WriteString(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
		case target == "AWSOrganizationsV20161128.DescribeOrganization":
			_, _ = io.WriteString(w, `{"Organization":{"Id":"o-exampleorg1","Arn":"arn:aws:organizations::111111111111:organization/o-exampleorg1","MasterAccountId":"111111111111"}}`)
		case target == "AWSOrganizationsV20161128.ListAccounts":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"You don't have permissions to access this resource."}`)
		case target == "secretsmanager.ListSecrets":
			_, _ = io.WriteString(w, `{"SecretList":[{"ARN":"`+arn+`","Name":"app/db"}]}`)
		case target == "secretsmanager.DescribeSecret":
			_, _ = io.WriteString(w, `{"ARN":"`+arn+`","Name":"app/db","RotationEnabled":false,"CreatedDate":1767225600}`)
		case target == "secretsmanager.GetResourcePolicy":
			_, _ = io.WriteString(w, `{"ARN":"`+arn+`","ResourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:root\"},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"InvalidAction","message":"unexpected"}`)
		}
	}))
	t.Cleanup(ts.Close)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIATEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": ts.URL,
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

// With AccessDenied on organizations:ListAccounts the live scan used to
// fall back to the caller's account and exit 0. It is an error naming the
// missing permission, with nothing scanned.
func TestScanLiveOrganizationNotListable(t *testing.T) {
	fakeAWS(t)
	code, out, errs := run("scan", "--output", "json")
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != ExitBadInput || out != "" || len(lines) != 1 || !strings.Contains(lines[0], "ListAccounts denied (AccessDeniedException") ||
		!strings.Contains(lines[0], "needs organizations:ListAccounts") || !strings.Contains(lines[0], "--accounts") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, _, errs = run("snapshot", "--out", "-")
	if code != ExitBadInput || !strings.Contains(errs, "organizations:ListAccounts") {
		t.Errorf("snapshot: exit %d %q", code, errs)
	}
}

// Naming the accounts scans them; whether a principal is inside the
// organization cannot be told without its account list: no-external-access
// is error (not a wrong fail: 111111111111 is the management account), the
// other checks are evaluated, the exit is 2.
func TestScanLiveNamedAccountsWithoutListAccounts(t *testing.T) {
	fakeAWS(t)
	code, out, errs := run("scan", "--accounts", "123456789012", "--output", "json")
	if code != ExitBadInput {
		t.Errorf("exit %d, want 2: %s", code, errs)
	}
	var doc struct {
		Findings []struct {
			PolicyID string `json:"policy_id"`
			Status   string `json:"status"`
			Message  string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range doc.Findings {
		switch f.PolicyID {
		case "no-external-access":
			seen++
			if f.Status != "error" || !strings.Contains(f.Message, "ListAccounts denied") {
				t.Errorf("no-external-access: %s %q", f.Status, f.Message)
			}
		case "no-wildcard-principal", "required-tags", "rotation-enabled":
			seen++
			if f.Status == "error" {
				t.Errorf("%s is error: %s", f.PolicyID, f.Message)
			}
		}
	}
	if seen != 4 {
		t.Errorf("findings %+v", doc.Findings)
	}
}
