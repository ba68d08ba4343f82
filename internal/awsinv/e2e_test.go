package awsinv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// awsServer speaks just enough STS (query/XML), Organizations, Secrets
// Manager and KMS (JSON) on 127.0.0.1 for one organization of two
// accounts. It tells the accounts apart by the access key that signed the
// request: AKIABASE is the management account, ASIA<account> an assumed
// role.
type awsServer struct {
	mu       sync.Mutex
	assumed  []url.Values
	signedBy map[string][]string // operation → accounts
}

var credential = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)

func (s *awsServer) account(r *http.Request) string {
	m := credential.FindStringSubmatch(r.Header.Get("Authorization"))
	if len(m) < 2 {
		return ""
	}
	if m[1] == "AKIABASE" {
		return mgmt
	}
	return strings.TrimPrefix(m[1], "ASIA")
}

func (s *awsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	acct := s.account(r)
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		form, _ := url.ParseQuery(string(body))
		s.sts(w, form)
		return
	}
	op := target[strings.Index(target, ".")+1:]
	s.mu.Lock()
	s.signedBy[op] = append(s.signedBy[op], acct)
	s.mu.Unlock()
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	var out any
	switch op {
	case "DescribeOrganization":
		out = map[string]any{"Organization": map[string]any{"Id": "o-exampleorg", "MasterAccountId": mgmt}}
	case "ListAccounts":
		out = map[string]any{"Accounts": []any{
			map[string]any{"Id": mgmt, "Name": "management", "State": "ACTIVE"},
			map[string]any{"Id": payProd, "Name": "payments-prod", "State": "ACTIVE"},
		}}
	case "ListParents":
		parent := map[string]any{payProd: map[string]any{"Id": "ou-prod", "Type": "ORGANIZATIONAL_UNIT"}}[in["ChildId"].(string)]
		if parent == nil {
			parent = map[string]any{"Id": "r-root", "Type": "ROOT"}
		}
		out = map[string]any{"Parents": []any{parent}}
	case "ListTagsForResource":
		out = map[string]any{"Tags": []any{map[string]any{"Key": "owner", "Value": in["ResourceId"]}}}
	case "ListSecrets":
		out = map[string]any{"SecretList": []any{map[string]any{"ARN": secretARN(acct, east, "s-"+acct), "Name": "s-" + acct}}}
	case "DescribeSecret":
		out = map[string]any{"ARN": in["SecretId"], "Name": "s-" + acct, "KmsKeyId": "alias/app", "CreatedDate": 1767225600}
	case "GetResourcePolicy":
		out = map[string]any{"ARN": in["SecretId"]}
	case "DescribeKey":
		out = map[string]any{"KeyMetadata": map[string]any{"KeyId": "k-" + acct, "Arn": fmt.Sprintf("arn:aws:kms:%s:%s:key/k-%s", east, acct, acct),
			"KeyManager": "CUSTOMER", "KeyState": "Enabled", "Enabled": true, "AWSAccountId": acct}}
	case "ListAliases":
		out = map[string]any{"Aliases": []any{map[string]any{"AliasName": "alias/app", "TargetKeyId": "k-" + acct}}, "Truncated": false}
	default:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"InvalidAction","message":"`+op+`"}`)
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (s *awsServer) sts(w http.ResponseWriter, form url.Values) {
	w.Header().Set("Content-Type", "text/xml")
	switch form.Get("Action") {
	case "GetCallerIdentity":
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>arn:aws:iam::%s:user/me</Arn><UserId>AIDA</UserId><Account>%s</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, mgmt, mgmt)
	case "AssumeRole":
		s.mu.Lock()
		s.assumed = append(s.assumed, form)
		s.mu.Unlock()
		acct := strings.Split(form.Get("RoleArn"), ":")[4]
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
<AccessKeyId>ASIA%s</AccessKeyId><SecretAccessKey>x</SecretAccessKey><SessionToken>t</SessionToken>
<Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/r/secret-warden</Arn>
<AssumedRoleId>AROA:secret-warden</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>
<ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></AssumeRoleResponse>`, acct, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), acct)
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>`, form.Get("Action"))
	}
}

// TestSDKEndToEnd runs the real SDK clients over HTTP on 127.0.0.1: the
// organization is discovered, the member account is read with the assumed
// role's credentials and the caller's own with the base ones.
func TestSDKEndToEnd(t *testing.T) {
	srv := &awsServer{signedBy: map[string][]string{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cfg := baseConfig()
	cfg.BaseEndpoint = aws.String(ts.URL)
	inv, err := New(cfg, Options{ExternalID: "ext-9"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	snap, err := inv.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Organization.ID != "o-exampleorg" || len(snap.Accounts) != 2 || snap.Accounts[1].OuPath != "r-root/ou-prod" || snap.Accounts[1].Tags[0].Value != payProd {
		t.Errorf("organization %+v accounts %+v", snap.Organization, snap.Accounts)
	}
	if len(snap.Secrets) != 2 {
		t.Fatalf("secrets %+v", snap.Secrets)
	}
	for i, acct := range []string{mgmt, payProd} {
		e := snap.Secrets[i]
		if e.Error != "" || e.AccountID != acct || e.Secret.ARN != secretARN(acct, east, "s-"+acct) || e.Secret.KmsKeyID != "alias/app" {
			t.Errorf("secret %d: %+v", i, e)
		}
	}
	if len(snap.Keys) != 2 || len(snap.Aliases) != 2 || snap.Aliases[1].AccountID != payProd {
		t.Errorf("keys %+v aliases %+v", snap.Keys, snap.Aliases)
	}
	if len(srv.assumed) != 1 {
		t.Fatalf("AssumeRole calls %d, want 1 (member account only)", len(srv.assumed))
	}
	a := srv.assumed[0]
	if a.Get("RoleArn") != "arn:aws:iam::111122223333:role/SecretWardenAudit" || a.Get("RoleSessionName") != SessionName || a.Get("ExternalId") != "ext-9" {
		t.Errorf("AssumeRole %v", a)
	}
	for _, op := range []string{"ListSecrets", "DescribeSecret", "GetResourcePolicy", "DescribeKey", "ListAliases"} {
		got := strings.Join(srv.signedBy[op], ",")
		if !strings.Contains(got, mgmt) || !strings.Contains(got, payProd) {
			t.Errorf("%s signed by %q: want both the base and the assumed credentials", op, got)
		}
	}
	for op := range srv.signedBy {
		if strings.Contains(op, "SecretValue") {
			t.Errorf("%s called", op)
		}
	}
}
