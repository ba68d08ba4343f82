package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestScanLiveHonoursEnvironment runs the real openLive: credentials,
// region and endpoint come from the environment, and the endpoint is a
// minimal AWS on 127.0.0.1 where Organizations is not in use.
func TestScanLiveHonoursEnvironment(t *testing.T) {
	var mu sync.Mutex
	var scopes []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		scopes = append(scopes, r.Header.Get("Authorization"))
		mu.Unlock()
		target := r.Header.Get("X-Amz-Target")
		arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch {
		case target == "" && strings.Contains(string(body), "Action=GetCallerIdentity"):
			w.Header().Set("Content-Type", "text/xml")
			_, _ = io.WriteString(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
		case strings.HasPrefix(target, "AWSOrganizationsV20161128."):
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"AWSOrganizationsNotInUseException","message":"Your account is not a member of an organization."}`)
		case target == "secretsmanager.ListSecrets":
			_, _ = io.WriteString(w, `{"SecretList":[{"ARN":"`+arn+`","Name":"app/db"}]}`)
		case target == "secretsmanager.DescribeSecret":
			_, _ = io.WriteString(w, `{"ARN":"`+arn+`","Name":"app/db","RotationEnabled":false,"CreatedDate":1767225600}`)
		case target == "secretsmanager.GetResourcePolicy":
			_, _ = io.WriteString(w, `{"ARN":"`+arn+`"}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"InvalidAction","message":"unexpected"}`)
		}
	}))
	defer ts.Close()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIATEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": ts.URL,
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	code, out, errs := run("scan", "--output", "json")
	if code != ExitOK && code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "the caller's account is in no organization: reading it alone") {
		t.Errorf("the single-account read must be announced: %s", errs)
	}
	var doc struct {
		Findings []struct {
			SecretARN string `json:"secret_arn"`
			Region    string `json:"region"`
			Status    string `json:"status"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Findings) == 0 {
		t.Fatalf("findings: %v %s", err, out)
	}
	for _, f := range doc.Findings {
		if f.Region != "eu-west-1" || f.Status == "error" {
			t.Errorf("finding %+v", f)
		}
	}
	for _, s := range scopes {
		if !strings.Contains(s, "Credential=AKIATEST/") || !strings.Contains(s, "/eu-west-1/") && !strings.Contains(s, "/us-east-1/") {
			t.Errorf("request signed %q", s)
		}
	}
}
