package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/cli"
	"github.com/secretwarden/warden/internal/snapshot"
)

// scanFinding is a finding of `warden scan --output json`.
type scanFinding struct {
	PolicyID   string `json:"policy_id"`
	Severity   string `json:"severity"`
	Status     string `json:"status"`
	SecretARN  string `json:"secret_arn"`
	SecretName string `json:"secret_name"`
	AccountID  string `json:"account_id"`
	Region     string `json:"region"`
	Message    string `json:"message"`
}

type scanOutput struct {
	Findings []scanFinding `json:"findings"`
	Summary  struct {
		Secrets  int            `json:"secrets"`
		ByStatus map[string]int `json:"by_status"`
	} `json:"summary"`
}

// liveEnv points the default credential chain at the emulator, and at
// nothing else: no profile, no shared files, no instance metadata.
func liveEnv(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": baseAccessKey, "AWS_SECRET_ACCESS_KEY": baseSecretKey, "AWS_SESSION_TOKEN": "",
		"AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_ENDPOINT_URL":            emu.URL,
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "no-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
	} {
		t.Setenv(k, v)
	}
}

// runCLI runs warden with args and returns the exit code, stdout, stderr.
func runCLI(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Execute(ctx, cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb}, args)
	return code, out.String(), errb.String()
}

// scanFixture is the estate the scan tests seed: one secret per situation.
type scanFixture struct {
	org                                               *testOrg
	keyARN                                            string
	dbCMK, awsKey, public, orgOnly, external, unknown string
	policies                                          map[string]string // ARN → policy put
}

const missingKeyARN = "arn:aws:kms:us-east-1:000000000000:key/0badc0de-0000-4000-8000-00000000dead"

func seedScanFixture(ctx context.Context, t *testing.T) *scanFixture {
	t.Helper()
	o := seedOrg(t)
	key := createKey(ctx, t, "payments CMK")
	f := &scanFixture{org: o, keyARN: *key.Arn, policies: map[string]string{}}
	owner := map[string]string{"owner": "team-payments", "env": "prod"}
	f.dbCMK = createSecret(ctx, t, secretSpec{Name: "scan/payments/db-cmk", KmsKeyID: f.keyARN, Tags: owner})
	f.awsKey = createSecret(ctx, t, secretSpec{Name: "scan/shared/api-token-aws-key"})
	f.public = createSecret(ctx, t, secretSpec{Name: "scan/shared/public-token", KmsKeyID: f.keyARN, Tags: owner, Policy: publicPolicy()})
	f.orgOnly = createSecret(ctx, t, secretSpec{Name: "scan/platform/org-restricted", KmsKeyID: f.keyARN, Tags: owner, Policy: orgRestrictedPolicy(o.ID)})
	f.external = createSecret(ctx, t, secretSpec{Name: "scan/analytics/partner-export", KmsKeyID: f.keyARN, Tags: owner, Policy: externalPolicy(externalAccount)})
	f.unknown = createSecret(ctx, t, secretSpec{Name: "scan/legacy/missing-key", KmsKeyID: missingKeyARN, Tags: owner})
	f.policies[f.public] = publicPolicy()
	f.policies[f.orgOnly] = orgRestrictedPolicy(o.ID)
	f.policies[f.external] = externalPolicy(externalAccount)
	return f
}

// expected statuses per secret and policy; messageHas, when set, must be
// in the finding's message.
type want struct {
	status     string
	messageHas string
}

func (f *scanFixture) expectations() map[string]map[string]want {
	// What every secret of the fixture shares: created just now by kumo
	// (no rotation: kumo has no RotateSecret), no replica required.
	base := func() map[string]want {
		return map[string]want{
			"rotation-enabled":      {"fail", "automatic rotation is not enabled"},
			"rotation-succeeding":   {status: "not_applicable"},
			"rotated-recently":      {status: "pass"},
			"unused":                {status: "pass"},
			"replication-present":   {status: "not_applicable"},
			"kms-customer-managed":  {status: "pass"},
			"required-tags":         {status: "pass"},
			"no-wildcard-principal": {status: "pass"},
			"no-external-access":    {status: "pass"},
		}
	}
	exp := map[string]map[string]want{}
	exp[f.dbCMK] = base()
	e := base()
	e["kms-customer-managed"] = want{"fail", "alias/aws/secretsmanager"}
	e["required-tags"] = want{"fail", "owner"}
	exp[f.awsKey] = e
	e = base()
	e["no-wildcard-principal"] = want{"fail", "sid Everyone"}
	e["no-external-access"] = want{"fail", "sid Everyone"}
	exp[f.public] = e
	exp[f.orgOnly] = base() // a wildcard pinned by aws:PrincipalOrgID passes both
	e = base()
	e["no-external-access"] = want{"fail", externalAccount}
	exp[f.external] = e
	e = base()
	e["kms-customer-managed"] = want{"fail", "not found in the inventory (unknown key)"} // DescribeKey: NotFoundException; never a silent pass
	exp[f.unknown] = e
	return exp
}

// TestLiveScanFindings runs `warden scan --output json --regions us-east-1`
// against the seeded organization, with the audit role of one member
// account denied and GetResourcePolicy throttled twice in another, and
// checks concrete statuses per secret and policy in every account.
func TestLiveScanFindings(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f := seedScanFixture(ctx, t)
	o := f.org
	liveEnv(t)

	deny := &fault{name: "deny-sandbox-role", status: http.StatusForbidden, code: "AccessDenied",
		message: "User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + o.Sandbox + ":role/SecretWardenAudit",
		match: func(r *request) bool {
			role, _ := r.Params["RoleArn"].(string)
			return r.Operation == "AssumeRole" && strings.Contains(role, ":"+o.Sandbox+":")
		}}
	defer emu.addFault(deny)()
	throttle := &fault{name: "throttle-payments", code: "ThrottlingException", message: "Rate exceeded", remaining: 2,
		match: func(r *request) bool {
			return r.Service == "secretsmanager" && r.Operation == "GetResourcePolicy" && r.Account == o.Payments
		}}
	defer emu.addFault(throttle)()

	m := emu.mark()
	code, stdout, stderr := runCLI(ctx, "scan", "--output", "json", "--regions", region)
	t.Logf("stderr:\n%s", stderr)

	// The denied account is reported and makes the exit code 2, after
	// everything else was evaluated and printed.
	if code != cli.ExitBadInput {
		t.Errorf("exit code %d, want %d (one account unreadable)", code, cli.ExitBadInput)
	}
	for _, s := range []string{"not evaluated", "arn:aws:secretsmanager:us-east-1:" + o.Sandbox + ":secret:*", "AccessDenied", "the rest was evaluated"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q", s)
		}
	}
	var out scanOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("scan output is not JSON: %v\n%s", err, stdout)
	}

	// Index: account → secret → policy → finding.
	got := map[string]map[string]map[string]scanFinding{}
	for _, fd := range out.Findings {
		if fd.Region != region {
			t.Errorf("finding in region %q: %+v", fd.Region, fd)
		}
		if got[fd.AccountID] == nil {
			got[fd.AccountID] = map[string]map[string]scanFinding{}
		}
		if got[fd.AccountID][fd.SecretARN] == nil {
			got[fd.AccountID][fd.SecretARN] = map[string]scanFinding{}
		}
		got[fd.AccountID][fd.SecretARN][fd.PolicyID] = fd
	}

	// kumo keeps one account's data whatever role is assumed, so every
	// readable account lists the same secrets: each must be evaluated,
	// in its own account, with the same statuses.
	exp := f.expectations()
	readable := []string{o.Data, o.Management, o.Payments, o.Analytics}
	for _, acct := range readable {
		for arn, policies := range exp {
			for pid, w := range policies {
				fd, ok := got[acct][arn][pid]
				if !ok {
					t.Errorf("%s %s: no %s finding", o.Names[acct], arn, pid)
					continue
				}
				if fd.Status != w.status || !strings.Contains(fd.Message, w.messageHas) {
					t.Errorf("%s %s %s: status %q message %q, want %q containing %q", o.Names[acct], fd.SecretName, pid, fd.Status, fd.Message, w.status, w.messageHas)
				}
			}
			if n := len(got[acct][arn]); n != len(policies) {
				t.Errorf("%s %s: %d findings, want %d (one per posture check)", o.Names[acct], arn, n, len(policies))
			}
		}
	}
	// The unreadable account: error findings on its placeholder, never a pass.
	placeholder := "arn:aws:secretsmanager:us-east-1:" + o.Sandbox + ":secret:*"
	if len(got[o.Sandbox]) != 1 || len(got[o.Sandbox][placeholder]) == 0 {
		t.Errorf("sandbox account: findings %v, want only error findings on %s", keys(got[o.Sandbox]), placeholder)
	}
	for pid, fd := range got[o.Sandbox][placeholder] {
		if fd.Status != "error" || !strings.Contains(fd.Message, "AccessDenied") {
			t.Errorf("sandbox %s: status %q message %q, want error naming AccessDenied", pid, fd.Status, fd.Message)
		}
	}
	// Throttling slowed the payments account down but reached no finding.
	if n := emu.faultHits(throttle); n != 2 {
		t.Errorf("throttling fault answered %d times, want 2", n)
	}
	for arn, byPolicy := range got[o.Payments] {
		for pid, fd := range byPolicy {
			if fd.Status == "error" {
				t.Errorf("payments %s %s: error finding %q: a throttled call must be retried", arn, pid, fd.Message)
			}
		}
	}

	// The requests: one AssumeRole per account but the caller's own, with
	// the audit role and session name; each readable account read with its
	// own credentials (the caller's base ones in its own account); the
	// Organizations calls kumo lacks answered by the stub.
	reqs := emu.requests(m)
	assumed := map[string]bool{}
	readBy := map[string]map[string]int{}
	for _, r := range reqs {
		if r.Operation == "AssumeRole" {
			role, _ := r.Params["RoleArn"].(string)
			if r.Params["RoleSessionName"] != awsinv.SessionName {
				t.Errorf("AssumeRole session name %v, want %s", r.Params["RoleSessionName"], awsinv.SessionName)
			}
			assumed[role] = true
		}
		if r.Service == "secretsmanager" || r.Service == "kms" {
			if readBy[r.Account] == nil {
				readBy[r.Account] = map[string]int{}
			}
			readBy[r.Account][r.Operation]++
		}
	}
	for _, acct := range o.accounts() {
		role := "arn:aws:iam::" + acct + ":role/SecretWardenAudit"
		if assumed[role] != (acct != o.Data) {
			t.Errorf("AssumeRole of %s: %v, want it for every account but the caller's own (%s)", role, assumed[role], o.Data)
		}
	}
	for _, acct := range readable {
		for _, op := range []string{"ListSecrets", "DescribeSecret", "GetResourcePolicy", "DescribeKey"} {
			if readBy[acct][op] == 0 {
				t.Errorf("%s: no %s signed by its audit-role credentials (saw %v)", o.Names[acct], op, readBy[acct])
			}
		}
	}
	if len(readBy[o.Sandbox]) > 0 || len(readBy[""]) > 0 {
		t.Errorf("calls not signed by a readable account's role: sandbox %v, base credentials %v", readBy[o.Sandbox], readBy[""])
	}
	ops := emu.ops(m)
	if ops["organizations:ListParents"] == 0 || ops["organizations:ListTagsForResource"] == 0 {
		t.Errorf("the OU path and tags were not read: %v", ops)
	}
}

// TestLiveSnapshot runs `warden snapshot --out FILE` live and checks the
// state it read: the organization with OU paths and account tags, the
// secrets as DescribeSecret returned them, the resource policies verbatim,
// the customer managed key.
func TestLiveSnapshot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f := seedScanFixture(ctx, t)
	o := f.org
	liveEnv(t)
	path := filepath.Join(t.TempDir(), "org.json")
	code, _, stderr := runCLI(ctx, "snapshot", "--out", path, "--regions", region, "--accounts", o.Payments)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	snap, err := snapshot.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Organization.ID != o.ID || snap.Organization.MasterAccountID != o.Management {
		t.Errorf("organization %+v, want %s managed by %s", snap.Organization, o.ID, o.Management)
	}
	byID := map[string]snapshot.Account{}
	for _, a := range snap.Accounts {
		byID[a.ID] = a
	}
	if len(byID) != 5 {
		t.Errorf("accounts %v, want the 5 of the organization", keys(byID))
	}
	pay := byID[o.Payments]
	if pay.OuPath != o.Root+"/"+o.ProdOU || pay.Name != "payments-prod" || pay.Status != "ACTIVE" {
		t.Errorf("payments account %+v, want OU path %s/%s", pay, o.Root, o.ProdOU)
	}
	if tags := tagMap(pay.Tags); tags["env"] != "prod" || tags["cost-center"] != "payments" {
		t.Errorf("payments tags %v", pay.Tags)
	}
	seen := map[string]bool{}
	for _, e := range snap.Secrets {
		if !prefixed(e.Secret.ARN, "scan/") {
			continue
		}
		seen[e.Secret.ARN] = true
		if e.AccountID != o.Payments || e.Region != region || e.Error != "" {
			t.Errorf("entry %s: account %s region %s error %q", e.Secret.Name, e.AccountID, e.Region, e.Error)
		}
		want := f.policies[e.Secret.ARN]
		gotPolicy := ""
		if e.ResourcePolicy != nil {
			gotPolicy = *e.ResourcePolicy
		}
		if !sameJSON(gotPolicy, want) {
			t.Errorf("%s: resource policy %q, want %q", e.Secret.Name, gotPolicy, want)
		}
		switch e.Secret.ARN {
		case f.dbCMK:
			if e.Secret.KmsKeyID != f.keyARN || tagMap(e.Secret.Tags)["owner"] != "team-payments" {
				t.Errorf("db-cmk: KmsKeyId %q tags %v", e.Secret.KmsKeyID, e.Secret.Tags)
			}
		case f.awsKey:
			if e.Secret.KmsKeyID != "" || len(e.Secret.Tags) != 0 {
				t.Errorf("api-token: KmsKeyId %q tags %v, want none", e.Secret.KmsKeyID, e.Secret.Tags)
			}
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d scan/ secrets in the snapshot, want 6", len(seen))
	}
	var cmk *snapshot.Key
	for i := range snap.Keys {
		if snap.Keys[i].Arn == f.keyARN {
			cmk = &snap.Keys[i]
		}
	}
	if cmk == nil || cmk.KeyManager != "CUSTOMER" || cmk.KeyState != "Enabled" {
		t.Errorf("customer managed key %s in the snapshot: %+v", f.keyARN, cmk)
	}
}

func tagMap(tags []snapshot.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func sameJSON(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
