package awsinv

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/snapshot"
)

func TestSecretReadsOneSecretWithoutListing(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	sm, _ := f.region(payProd, east, "db", "other")
	sm.policies["db"] = `{"Version":"2012-10-17","Statement":[]}`
	inv := newTestInventory(t, f, Options{})

	e, err := inv.Secret(context.Background(), payProd, east, sm.arn("db"))
	if err != nil || e == nil {
		t.Fatalf("Secret: %v, %v", e, err)
	}
	if e.Secret.ARN != sm.arn("db") || e.Secret.Name != "db" || e.ResourcePolicy == nil || e.Error != "" || e.AccountID != payProd || e.Region != east {
		t.Errorf("entry %+v", e)
	}
	if sm.listCalls.Load() != 0 || sm.describeCalls.Load() != 1 || sm.policyCalls.Load() != 1 {
		t.Errorf("calls: list %d describe %d policy %d, want 0/1/1", sm.listCalls.Load(), sm.describeCalls.Load(), sm.policyCalls.Load())
	}
	if len(f.calls) != 1 || f.calls[0].role == nil || !strings.HasSuffix(f.calls[0].role.ARN, ":role/"+DefaultRoleName) {
		t.Errorf("a member account is read through the audit role: %+v", f.calls)
	}

	gone, err := inv.Secret(context.Background(), payProd, east, sm.arn("deleted"))
	if gone != nil || err != nil {
		t.Errorf("a missing secret is (nil, nil), got %+v, %v", gone, err)
	}
}

func TestSecretFailuresAreEntriesAndErrors(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	sm, _ := f.region(payProd, east, "db")
	sm.describeErr[sm.arn("db")] = apiErr("AccessDeniedException", "not allowed")
	f.assumeErr[devAcct] = apiErr("AccessDenied", "no trust")
	inv := newTestInventory(t, f, Options{})
	ctx := context.Background()

	e, err := inv.Secret(ctx, payProd, east, sm.arn("db"))
	if err == nil || e == nil || !strings.Contains(e.Error, "DescribeSecret in "+payProd+"/us-east-1: AccessDeniedException") {
		t.Errorf("denied describe: %+v, %v", e, err)
	}
	if errorCode(err) != "AccessDeniedException" {
		t.Errorf("the API error must be kept for the caller: %v", err)
	}

	e, err = inv.Secret(ctx, devAcct, east, "app/db")
	if err == nil || e == nil || !strings.HasPrefix(e.Error, "AssumeRole ") {
		t.Errorf("role not assumable: %+v, %v", e, err)
	}
	if want := "arn:aws:secretsmanager:us-east-1:" + devAcct + ":secret:app/db"; e.Secret.ARN != want || e.Secret.Name != "app/db" {
		t.Errorf("a name is reported under an ARN: %q %q", e.Secret.ARN, e.Secret.Name)
	}

	e, err = inv.Secret(ctx, "999999999999", east, "x")
	if err != nil || e == nil || !strings.Contains(e.Error, "not an account of organization o-exampleorg") {
		t.Errorf("outside account: %+v, %v", e, err)
	}
}

func TestUnitReadsOneAccountRegion(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	f.region(payProd, east, "b", "a")
	other, _ := f.region(payProd, west, "w")
	// Options restrict the organization-wide read, not a unit.
	inv := newTestInventory(t, f, Options{Regions: []string{west}, Accounts: []string{devAcct}})
	var got []string
	err := inv.Unit(context.Background(), payProd, east, func(e *snapshot.SecretEntry) error {
		got = append(got, e.Secret.Name)
		return nil
	})
	if err != nil || strings.Join(got, ",") != "a,b" {
		t.Errorf("unit: %v %v", got, err)
	}
	if other.listCalls.Load() != 0 {
		t.Error("only the unit is read")
	}

	var entries []snapshot.SecretEntry
	err = inv.Unit(context.Background(), "999999999999", east, func(e *snapshot.SecretEntry) error {
		entries = append(entries, *e)
		return nil
	})
	if err != nil || len(entries) != 1 || !strings.HasSuffix(entries[0].Secret.ARN, ":secret:*") || entries[0].Error == "" {
		t.Errorf("unknown account: %+v %v", entries, err)
	}

	stop := errors.New("stop")
	if err := inv.Unit(context.Background(), payProd, east, func(*snapshot.SecretEntry) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
}

func TestClientsUseTheInventoryRoles(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	inv := newTestInventory(t, f, Options{RoleName: "Audit", ExternalID: "ext"})
	ctx := context.Background()
	if _, err := inv.Clients(ctx, mgmt, east); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Clients(ctx, payProd, west); err != nil {
		t.Fatal(err)
	}
	if f.calls[0].role != nil {
		t.Errorf("the caller's own account uses the base credentials: %+v", f.calls[0].role)
	}
	if r := f.calls[1].role; r == nil || r.ARN != "arn:aws:iam::"+payProd+":role/Audit" || r.ExternalID != "ext" {
		t.Errorf("member role: %+v", r)
	}
	f.assumeErr[devAcct] = apiErr("AccessDenied", "no")
	if _, err := inv.Clients(ctx, devAcct, east); err == nil {
		t.Error("a role that cannot be assumed is an error")
	}
}
