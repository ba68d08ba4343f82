package integration

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/secretwarden/warden/internal/awsinv"
)

// orgStubFactory is the real SDK factory (real clients, real retryer, real
// AssumeRole) whose Organizations ListParents and ListTagsForResource are
// answered in-process from the seeded layout: kumo v0.33.1 implements
// neither, and without them every account's metadata would be "unknown"
// (its secrets reported as not evaluated), which is the right behaviour
// against AWS and not what these tests are about. The CLI cannot be handed
// a factory, so for it the emulator's front door answers the same two calls
// from the same layout.
type orgStubFactory struct {
	*awsinv.SDKFactory
	org *awsinv.OrgClients
}

func newOrgStubFactory(cfg aws.Config, maxAttempts int, layout orgLayout) *orgStubFactory {
	f := awsinv.NewSDKFactory(cfg, maxAttempts)
	org := *f.Org()
	stub := layoutStub{layout}
	org.ListParents = stub
	org.ListTagsForResource = stub
	return &orgStubFactory{SDKFactory: f, org: &org}
}

func (f *orgStubFactory) Org() *awsinv.OrgClients { return f.org }

type layoutStub struct{ l orgLayout }

func (s layoutStub) ListParents(_ context.Context, in *organizations.ListParentsInput, _ ...func(*organizations.Options)) (*organizations.ListParentsOutput, error) {
	p, ok := s.l.Parents[aws.ToString(in.ChildId)]
	if !ok {
		return nil, &orgtypes.ChildNotFoundException{Message: aws.String("no parent known for " + aws.ToString(in.ChildId))}
	}
	typ := orgtypes.ParentTypeOrganizationalUnit
	if strings.HasPrefix(p, "r-") {
		typ = orgtypes.ParentTypeRoot
	}
	return &organizations.ListParentsOutput{Parents: []orgtypes.Parent{{Id: aws.String(p), Type: typ}}}, nil
}

func (s layoutStub) ListTagsForResource(_ context.Context, in *organizations.ListTagsForResourceInput, _ ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error) {
	tags := s.l.Tags[aws.ToString(in.ResourceId)]
	ks := make([]string, 0, len(tags))
	for k := range tags {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	out := &organizations.ListTagsForResourceOutput{}
	for _, k := range ks {
		out.Tags = append(out.Tags, orgtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out, nil
}

// TestInventoryFailuresStayLocal reads the organization through awsinv with
// the real SDK clients and three failures at once: ListSecrets denied in
// one account, GetResourcePolicy of one secret throttled past every retry
// in another, and a role that cannot be assumed in a third. Each failure
// is reported on exactly what it concerns; everything else is read.
func TestInventoryFailuresStayLocal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o := seedOrg(t)
	key := createKey(ctx, t, "inventory CMK")
	hot := createSecret(ctx, t, secretSpec{Name: "inv/hot-secret", KmsKeyID: *key.Arn, Tags: map[string]string{"owner": "a"}})
	calm := createSecret(ctx, t, secretSpec{Name: "inv/calm-secret", Tags: map[string]string{"owner": "b"}, Policy: publicPolicy()})

	denyList := &fault{name: "deny-list-analytics", code: "AccessDeniedException",
		message: "User is not authorized to perform: secretsmanager:ListSecrets",
		match: func(r *request) bool {
			return r.Service == "secretsmanager" && r.Operation == "ListSecrets" && r.Account == o.Analytics
		}}
	defer emu.addFault(denyList)()
	throttle := &fault{name: "throttle-hot-secret", code: "ThrottlingException", message: "Rate exceeded",
		match: func(r *request) bool {
			return r.Service == "secretsmanager" && r.Operation == "GetResourcePolicy" && r.Account == o.Payments && r.Params["SecretId"] == hot
		}}
	defer emu.addFault(throttle)()
	denyRole := &fault{name: "deny-sandbox-role", status: http.StatusForbidden, code: "AccessDenied", message: "not authorized to perform: sts:AssumeRole",
		match: func(r *request) bool {
			role, _ := r.Params["RoleArn"].(string)
			return r.Operation == "AssumeRole" && strings.Contains(role, ":"+o.Sandbox+":")
		}}
	defer emu.addFault(denyRole)()

	const attempts = 3
	layout := emu.layoutCopy()
	inv, err := awsinv.NewWithFactory(newOrgStubFactory(emu.sdkConfig(), attempts, layout), awsinv.Options{
		Regions:  []string{region},
		Accounts: []string{o.Payments, o.Analytics, o.Sandbox},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := emu.mark()
	snap, err := inv.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]map[string]string{} // account → ARN → Error
	policyErrs := map[string]string{}         // ARN → ResourcePolicyError
	for _, e := range snap.Secrets {
		if !prefixed(e.Secret.ARN, "inv/") && !strings.HasSuffix(e.Secret.ARN, ":secret:*") {
			continue
		}
		if entries[e.AccountID] == nil {
			entries[e.AccountID] = map[string]string{}
		}
		entries[e.AccountID][e.Secret.ARN] = e.Error
		policyErrs[e.Secret.ARN] = e.ResourcePolicyError
	}
	t.Logf("entries: %v", entries)

	// Payments: the throttled secret's policy is unread, naming the
	// throttling and the attempts (the secret itself is described: only the
	// checks that read the policy are error); its neighbour is read in full.
	if msg := policyErrs[hot]; entries[o.Payments][hot] != "" || !strings.Contains(msg, "GetResourcePolicy") || !strings.Contains(msg, "ThrottlingException") || !strings.Contains(msg, "gave up after 3 attempts") {
		t.Errorf("throttled secret: Error %q, ResourcePolicyError %q", entries[o.Payments][hot], msg)
	}
	if msg, ok := entries[o.Payments][calm]; !ok || msg != "" {
		t.Errorf("calm secret in payments: present %v, Error %q (want read)", ok, msg)
	}
	if n := emu.faultHits(throttle); n != attempts {
		t.Errorf("throttled GetResourcePolicy sent %d times, want %d (the retryer's attempts)", n, attempts)
	}
	// Analytics: one placeholder for the account-region, naming the denial.
	ph := func(acct string) string { return "arn:aws:secretsmanager:us-east-1:" + acct + ":secret:*" }
	if msg := entries[o.Analytics][ph(o.Analytics)]; !strings.Contains(msg, "ListSecrets in "+o.Analytics+"/us-east-1: AccessDeniedException") {
		t.Errorf("analytics placeholder Error %q", msg)
	}
	if len(entries[o.Analytics]) != 1 {
		t.Errorf("analytics entries %v, want the placeholder only", entries[o.Analytics])
	}
	// Sandbox: the role assumption failure.
	if msg := entries[o.Sandbox][ph(o.Sandbox)]; !strings.Contains(msg, "AssumeRole arn:aws:iam::"+o.Sandbox+":role/SecretWardenAudit") || !strings.Contains(msg, "AccessDenied") {
		t.Errorf("sandbox placeholder Error %q", msg)
	}
	// OU path and tags came from the in-process stub, not the front door's.
	for _, a := range snap.Accounts {
		if a.ID == o.Payments && a.OuPath != layout.Parents[o.ProdOU]+"/"+o.ProdOU {
			t.Errorf("payments OU path %q", a.OuPath)
		}
	}
	if ops := emu.ops(m); ops["organizations:ListParents"]+ops["organizations:ListTagsForResource"] != 0 {
		t.Errorf("the Go-level stub was bypassed: %v", ops)
	}
}
