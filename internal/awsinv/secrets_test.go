package awsinv

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretwarden/warden/internal/snapshot"
)

func newTestInventory(t *testing.T, f ClientFactory, opts Options) *Inventory {
	t.Helper()
	if opts.Regions == nil {
		opts.Regions = []string{east, west}
	}
	inv, err := NewWithFactory(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestSecretsPaginatesDescribesAndOrders(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	sm, _ := f.region(payProd, east, "zeta", "alpha", "mid", "beta", "omega") // 3 pages of 2
	sm.policies["alpha"] = `{"Version":"2012-10-17","Statement":[]}`
	sm.primary["alpha"] = east
	sm.replicas["alpha"] = []smtypes.ReplicationStatusType{{Region: aws.String(west), Status: smtypes.StatusTypeInSync, KmsKeyId: aws.String("alias/rep")}}
	f.region(payProd, west, "w1")
	f.region(mgmt, east, "m1", "m2")
	f.region(devAcct, west, "d1")
	var progress [][2]int
	inv := newTestInventory(t, f, Options{Progress: func(d, n int) { progress = append(progress, [2]int{d, n}) }})

	var got []string
	var goroutines []bool
	caller := goid()
	err := inv.Secrets(context.Background(), func(e *snapshot.SecretEntry) error {
		got = append(got, e.AccountID+"/"+e.Region+"/"+e.Secret.Name)
		goroutines = append(goroutines, goid() == caller)
		if e.Error != "" {
			t.Errorf("%s: unexpected error %s", e.Secret.ARN, e.Error)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		mgmt + "/us-east-1/m1", mgmt + "/us-east-1/m2",
		payProd + "/us-east-1/alpha", payProd + "/us-east-1/beta", payProd + "/us-east-1/mid", payProd + "/us-east-1/omega", payProd + "/us-east-1/zeta",
		payProd + "/us-west-2/w1",
		devAcct + "/us-west-2/d1",
	}
	// dev (444455556666) sorts after payments (111122223333).
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order:\n got %v\nwant %v", got, want)
	}
	for i, same := range goroutines {
		if !same {
			t.Fatalf("callback %d ran on another goroutine", i)
		}
	}
	if n := sm.listCalls.Load(); n != 3 {
		t.Errorf("ListSecrets pages: %d, want 3", n)
	}
	if !sm.includeDeleted.Load() {
		t.Error("ListSecrets must include secrets planned for deletion")
	}
	if n := sm.describeCalls.Load(); n != 5 {
		t.Errorf("DescribeSecret calls: %d, want one per secret (5)", n)
	}
	if n := sm.policyCalls.Load(); n != 5 {
		t.Errorf("GetResourcePolicy calls: %d, want 5", n)
	}
	entries, _ := collect(context.Background(), inv)
	alpha := byARN(entries)[secretARN(payProd, east, "alpha")]
	if alpha.ResourcePolicy == nil || !strings.Contains(*alpha.ResourcePolicy, "2012-10-17") {
		t.Errorf("alpha policy: %v", alpha.ResourcePolicy)
	}
	if len(alpha.Secret.ReplicationStatus) != 1 || alpha.Secret.ReplicationStatus[0].Status != "InSync" || alpha.Secret.ReplicationStatus[0].KmsKeyID != "alias/rep" {
		t.Errorf("alpha replication: %+v", alpha.Secret.ReplicationStatus)
	}
	if !alpha.Secret.CreatedDate.Equal(created) || alpha.Secret.RotationRules == nil || *alpha.Secret.RotationRules.AutomaticallyAfterDays != 30 {
		t.Errorf("alpha describe fields: %+v", alpha.Secret)
	}
	if v, _ := alpha.Secret.Tag("owner"); v != "team-alpha" || alpha.Secret.VersionIdsToStages["v1"][0] != "AWSCURRENT" {
		t.Errorf("alpha tags/stages: %+v", alpha.Secret)
	}
	if byARN(entries)[secretARN(payProd, east, "beta")].ResourcePolicy != nil {
		t.Error("a secret without a policy must have a null ResourcePolicy")
	}
	if len(progress) == 0 || progress[0] != [2]int{0, 6} || progress[len(progress)-1] != [2]int{6, 6} {
		t.Errorf("progress %v", progress)
	}
}

func TestDescribeReplicatedOnly(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	sm, _ := f.region(mgmt, east, "plain", "replicated")
	sm.primary["replicated"] = east
	sm.replicas["replicated"] = []smtypes.ReplicationStatusType{{Region: aws.String(west), Status: smtypes.StatusTypeFailed}}
	inv := newTestInventory(t, f, Options{Regions: []string{east}, Accounts: []string{mgmt}, DescribeReplicatedOnly: true})
	entries, err := collect(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	if n := sm.describeCalls.Load(); n != 1 {
		t.Errorf("DescribeSecret calls %d, want 1 (the replicated secret only)", n)
	}
	m := byARN(entries)
	if len(m[secretARN(mgmt, east, "replicated")].Secret.ReplicationStatus) != 1 {
		t.Error("replicated secret must carry its ReplicationStatus")
	}
	if p := m[secretARN(mgmt, east, "plain")]; p.Secret.Name != "plain" || p.Error != "" {
		t.Errorf("plain: %+v", p)
	}
}

func TestAccessDeniedIsIsolatedAndReported(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	denied, _ := f.region(payProd, east, "a", "b")
	denied.listErr = apiErr("AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/SecretWardenAudit/secret-warden is not authorized to perform: secretsmanager:ListSecrets")
	partial, _ := f.region(payProd, west, "p1", "p2", "p3", "p4")
	partial.listErrAtPage = 1
	partial.listErr = apiErr("InternalFailure", "boom")
	one, _ := f.region(mgmt, east, "ok", "nopolicy", "nodescribe", "vanished")
	one.policyErr[one.arn("nopolicy")] = apiErr("AccessDeniedException", "denied by SCP")
	one.describeErr[one.arn("nodescribe")] = apiErr("AccessDeniedException", "denied by KMS")
	one.describeErr[one.arn("vanished")] = apiErr("ResourceNotFoundException", "gone")
	f.region(mgmt, west, "m-west")
	f.assumeErr[devAcct] = apiErr("AccessDenied", "User: arn:aws:iam::111111111111:user/me is not authorized to perform: sts:AssumeRole")

	inv := newTestInventory(t, f, Options{})
	entries, err := collect(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	m := byARN(entries)
	ph := "arn:aws:secretsmanager:us-east-1:" + payProd + ":secret:*"
	if e, ok := m[ph]; !ok || e.Error != "ListSecrets in 111122223333/us-east-1: AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/SecretWardenAudit/secret-warden is not authorized to perform: secretsmanager:ListSecrets" {
		t.Errorf("denied account-region: %+v", e)
	}
	westPH := "arn:aws:secretsmanager:us-west-2:" + payProd + ":secret:*"
	if e := m[westPH]; !strings.HasPrefix(e.Error, "ListSecrets in 111122223333/us-west-2: InternalFailure") {
		t.Errorf("partial listing must be reported: %+v", e)
	}
	for _, n := range []string{"p1", "p2"} {
		if e, ok := m[partial.arn(n)]; !ok || e.Error != "" {
			t.Errorf("secrets listed before the failure must be kept: %s %+v", n, e)
		}
	}
	if e := m[one.arn("ok")]; e.Error != "" || e.Secret.Name != "ok" {
		t.Errorf("ok: %+v", e)
	}
	// A policy that cannot be read costs only the checks that read it: the
	// secret is described, the policy's failure kept apart.
	if e := m[one.arn("nopolicy")]; e.Error != "" || e.ResourcePolicyError != "GetResourcePolicy in 111111111111/us-east-1: AccessDeniedException: denied by SCP" || e.Secret.Name != "nopolicy" {
		t.Errorf("nopolicy: %+v", e)
	}
	if e := m[one.arn("nodescribe")]; e.Error != "DescribeSecret in 111111111111/us-east-1: AccessDeniedException: denied by KMS" || e.Secret.Name != "nodescribe" {
		t.Errorf("nodescribe: %+v", e)
	}
	if _, ok := m[one.arn("vanished")]; ok {
		t.Error("a secret deleted during the sweep must be dropped")
	}
	if e := m[secretARN(mgmt, west, "m-west")]; e.Error != "" {
		t.Errorf("other regions are complete: %+v", e)
	}
	for _, r := range []string{east, west} {
		e := m["arn:aws:secretsmanager:"+r+":"+devAcct+":secret:*"]
		if !strings.HasPrefix(e.Error, "AssumeRole arn:aws:iam::444455556666:role/SecretWardenAudit in 444455556666/"+r+": AccessDenied: User:") {
			t.Errorf("assume role failure in %s: %q", r, e.Error)
		}
	}
	// The placeholder of an account-region follows its secrets.
	idx := map[string]int{}
	for i, e := range entries {
		idx[e.Secret.ARN] = i
	}
	if !(idx[partial.arn("p2")] < idx[westPH] && idx[westPH] == idx[partial.arn("p2")]+1) {
		t.Errorf("placeholder of %s must follow its secrets: %v", westPH, idx)
	}
}

func TestAccountFilterAndUnknownAccount(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	f.region(payProd, east, "x")
	inv := newTestInventory(t, f, Options{Regions: []string{east}, Accounts: []string{payProd, "999999999999"}})
	entries, err := collect(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Secret.Name != "x" || !strings.Contains(entries[1].Error, "999999999999 is not an account of organization o-exampleorg") {
		t.Fatalf("entries %+v", entries)
	}
	_, accounts, _ := inv.Organization(context.Background())
	if len(accounts) != 3 {
		t.Errorf("Organization must list every account whatever the filter: %d", len(accounts))
	}
}

func TestCallbackErrorAndCancelStop(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	f.region(payProd, east, "a", "b")
	inv := newTestInventory(t, f, Options{})
	stop := errors.New("stop")
	n := 0
	err := inv.Secrets(context.Background(), func(*snapshot.SecretEntry) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := inv.Secrets(ctx, func(*snapshot.SecretEntry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// goid identifies the running goroutine (tests only).
func goid() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	return strings.Fields(string(b))[1]
}

func TestInactiveAccountsAreSkipped(t *testing.T) {
	org := sampleOrg()
	org.accounts[2].State = "SUSPENDED"
	f := newFakeFactory(org)
	log, buf := logBuffer()
	inv := newTestInventory(t, f, Options{Regions: []string{east}, Logger: log})
	if _, err := collect(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.calls {
		if c.account == devAcct {
			t.Errorf("suspended account read: %+v", c)
		}
	}
	if !strings.Contains(buf.String(), "not active") {
		t.Errorf("skip not logged: %s", buf.String())
	}
}
