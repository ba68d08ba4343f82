package awsinv

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestOrganizationAccountsOUPathsAndTags(t *testing.T) {
	org := sampleOrg()
	// A second account in ou-payments shares the walk above it.
	org.accounts = append(org.accounts, account("222233334444", "payments-dr"))
	org.parents["222233334444"] = orgtypes.Parent{Id: aws.String("ou-payments"), Type: orgtypes.ParentTypeOrganizationalUnit}
	f := newFakeFactory(org)
	inv := newTestInventory(t, f, Options{})
	o, accounts, err := inv.Organization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "o-exampleorg" || o.MasterAccountID != mgmt {
		t.Errorf("organization %+v", o)
	}
	if got := org.listPageCalls.Load(); got != 4 {
		t.Errorf("ListAccounts pages %d, want 4 (one account a page)", got)
	}
	want := map[string]string{mgmt: "r-root", payProd: "r-root/ou-prod/ou-payments", "222233334444": "r-root/ou-prod/ou-payments", devAcct: "r-root/ou-dev"}
	var ids []string
	for _, a := range accounts {
		ids = append(ids, a.ID)
		if a.OuPath != want[a.ID] {
			t.Errorf("%s OuPath %q, want %q", a.ID, a.OuPath, want[a.ID])
		}
		if a.Status != "ACTIVE" || a.Name == "" {
			t.Errorf("%s: %+v", a.ID, a)
		}
	}
	if strings.Join(ids, ",") != "111111111111,111122223333,222233334444,444455556666" {
		t.Errorf("accounts not sorted by id: %v", ids)
	}
	for _, ou := range []string{"ou-payments", "ou-prod"} {
		if n := org.parentCallsOf(ou); n > 2 {
			t.Errorf("ListParents(%s) called %d times: OU parents must be cached", ou, n)
		}
	}
	if accounts[1].Tags[0].Key != "env" || accounts[1].Tags[0].Value != "prod" {
		t.Errorf("tags %+v", accounts[1].Tags)
	}
	// Discovery runs once.
	if _, _, err := inv.Organization(context.Background()); err != nil || org.listPageCalls.Load() != 4 {
		t.Errorf("second Organization call re-listed accounts: %v", err)
	}
}

func TestOUPathFromAccountPaths(t *testing.T) {
	org := sampleOrg()
	org.accounts = []orgtypes.Account{account(payProd, "payments-prod", "o-exampleorg/r-root/ou-prod/ou-payments/111122223333/")}
	inv := newTestInventory(t, newFakeFactory(org), Options{})
	_, accounts, err := inv.Organization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if accounts[0].OuPath != "r-root/ou-prod/ou-payments" || org.parentCallsOf(payProd) != 0 {
		t.Errorf("OuPath %q from Paths, ListParents calls %d", accounts[0].OuPath, org.parentCallsOf(payProd))
	}
	for _, c := range []struct{ paths []string }{{nil}, {[]string{"garbage"}}, {[]string{"o-x/r-root/999/"}}} {
		if got := ouPathFromPaths(payProd, c.paths); got != "" {
			t.Errorf("%v: %q, want a ListParents walk", c.paths, got)
		}
	}
	if got := ouPathFromPaths(payProd, []string{"o-x/r-root/111122223333"}); got != "r-root" {
		t.Errorf("account under the root: %q", got)
	}
}

func TestAccountMetadataFailureMarksItsSecrets(t *testing.T) {
	org := sampleOrg()
	org.tagsErr = map[string]error{payProd: apiErr("AccessDeniedException", "no tags for you")}
	f := newFakeFactory(org)
	f.region(payProd, east, "s")
	f.region(mgmt, east, "m")
	inv := newTestInventory(t, f, Options{Regions: []string{east}})
	entries, err := collect(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	m := byARN(entries)
	if e := m[secretARN(payProd, east, "s")]; !strings.Contains(e.Error, "ListTagsForResource: AccessDeniedException: no tags for you") {
		t.Errorf("secret of an account without metadata: %q", e.Error)
	}
	if e := m[secretARN(mgmt, east, "m")]; e.Error != "" {
		t.Errorf("other accounts are complete: %q", e.Error)
	}
}

// An account in no organization is read alone: it is all there is.
func TestAccountInNoOrganizationIsReadAlone(t *testing.T) {
	org := sampleOrg()
	org.caller = payProd
	org.describeErr = apiErr("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	f := newFakeFactory(org)
	f.region(payProd, east, "mine")
	log, buf := logBuffer()
	inv := newTestInventory(t, f, Options{Regions: []string{east}, Logger: log})
	o, accounts, err := inv.Organization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 1 || accounts[0].ID != payProd || o.Error != "" {
		t.Fatalf("accounts %+v, organization %+v", accounts, o)
	}
	if !strings.Contains(buf.String(), "in no organization: reading it alone") {
		t.Errorf("the single-account read must be logged: %s", buf.String())
	}
	entries, err := collect(context.Background(), inv)
	if err != nil || len(entries) != 1 || entries[0].Secret.Name != "mine" || entries[0].Error != "" {
		t.Fatalf("entries %+v %v", entries, err)
	}
	if f.calls[0].role != nil {
		t.Errorf("the caller's account uses the base credentials, got %+v", f.calls[0].role)
	}
}

// An organization that cannot be listed is an error naming the missing
// permission, never a quiet scan of the caller's account; with accounts
// named, those are read and the organization carries the failure.
func TestOrganizationThatCannotBeListed(t *testing.T) {
	cases := map[string]struct {
		setup func(*fakeOrg)
		op    string
	}{
		"ListAccounts denied": {func(o *fakeOrg) {
			o.listErr = apiErr("AccessDeniedException", "You don't have permissions to access this resource.")
		}, "ListAccounts"},
		"DescribeOrganization denied": {func(o *fakeOrg) {
			o.describeErr = apiErr("AccessDeniedException", "You don't have permissions to access this resource.")
		}, "DescribeOrganization"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			org := sampleOrg()
			org.caller = payProd
			c.setup(org)
			f := newFakeFactory(org)
			f.region(payProd, east, "mine")
			inv := newTestInventory(t, f, Options{Regions: []string{east}})
			_, _, err := inv.Organization(context.Background())
			var oe *OrganizationError
			want := "cannot read the organization: " + c.op + " denied (AccessDeniedException: You don't have permissions to access this resource.): the caller needs organizations:" + c.op +
				", from the management account or a delegated administrator; to read only some accounts, name them (--accounts)"
			if !errors.As(err, &oe) || err.Error() != want {
				t.Errorf("got %v\nwant %s", err, want)
			}
			if _, err := collect(context.Background(), inv); !errors.As(err, &oe) {
				t.Errorf("Secrets: %v, want the organization error", err)
			}

			inv = newTestInventory(t, newFakeFactory(org), Options{Regions: []string{east}, Accounts: []string{payProd}})
			o, accounts, err := inv.Organization(context.Background())
			if err != nil || len(accounts) != 1 || accounts[0].ID != payProd {
				t.Fatalf("named accounts: %+v %v", accounts, err)
			}
			if !strings.HasPrefix(o.Error, c.op+" denied (AccessDeniedException") || !strings.Contains(o.Error, "organizations:"+c.op+" is needed") {
				t.Errorf("organization error %q", o.Error)
			}
		})
	}
}

func TestOrganizationErrorsOtherThanDenialFail(t *testing.T) {
	org := sampleOrg()
	org.describeErr = apiErr("ServiceException", "try later")
	inv := newTestInventory(t, newFakeFactory(org), Options{})
	if _, _, err := inv.Organization(context.Background()); err == nil || !strings.Contains(err.Error(), "describe organization") {
		t.Errorf("want a describe organization error, got %v", err)
	}
}

func TestRolePerMemberAccount(t *testing.T) {
	org := sampleOrg()
	org.callerARN = "arn:aws-us-gov:sts::111111111111:assumed-role/Admin/me"
	f := newFakeFactory(org)
	inv := newTestInventory(t, f, Options{Regions: []string{east}, RoleName: "audit/Warden", ExternalID: "ext-123"})
	if _, err := collect(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	roles := map[string]*Role{}
	for _, c := range f.calls {
		roles[c.account] = c.role
	}
	if roles[mgmt] != nil {
		t.Errorf("caller account must use the base credentials: %+v", roles[mgmt])
	}
	for _, a := range []string{payProd, devAcct} {
		r := roles[a]
		if r == nil || r.ARN != "arn:aws-us-gov:iam::"+a+":role/audit/Warden" || r.ExternalID != "ext-123" {
			t.Errorf("%s role %+v", a, r)
		}
	}
	f2 := newFakeFactory(sampleOrg())
	inv = newTestInventory(t, f2, Options{Regions: []string{east}, Accounts: []string{mgmt}, AssumeRoleInCallerAccount: true})
	if _, err := collect(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	if r := f2.calls[0].role; r == nil || r.ARN != "arn:aws:iam::111111111111:role/SecretWardenAudit" {
		t.Errorf("AssumeRoleInCallerAccount: %+v", r)
	}
}
