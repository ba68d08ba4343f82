package live

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/snapshot"
)

const (
	central = "111111111111"
	member  = "222222222222"
	east    = "us-east-1"
)

var now = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func TestStateLoadsOnlyTheNamedSecrets(t *testing.T) {
	fac := lambdatest.NewFactory(central, member)
	r := fac.Region(member, east, lambdatest.Secret{Name: "app/db", KmsKeyID: "k1", Policy: `{"Version":"2012-10-17","Statement":[]}`}, lambdatest.Secret{Name: "other"})
	src, err := New(fac.ClientFactory(), awsinv.Options{Regions: []string{east}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, arns, err := src.State(context.Background(), []Ref{
		{AccountID: member, Region: east, SecretID: "app/db"},
		{AccountID: member, Region: east, SecretID: r.ARN("app/db")},
		{AccountID: member, Region: east, SecretID: "gone"},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(arns) != 1 || arns[0] != r.ARN("app/db") || st.Len() != 1 {
		t.Fatalf("one secret (found twice, once missing): %v, %d", arns, st.Len())
	}
	if list, _ := r.Calls(); list != 0 {
		t.Error("the region is not listed")
	}
	e := st.Lookup(member, east, "app/db")
	if e == nil || e.ResourcePolicy == nil || e.Error != "" {
		t.Fatalf("entry %+v", e)
	}
	if k, err := st.Key(context.Background(), member, east, "k1"); err != nil || k.Key == nil || k.Key.KeyManager != "CUSTOMER" {
		t.Errorf("the secret's key is in the state: %+v %v", k, err)
	}
	org, accounts, _ := st.Organization(context.Background())
	if org.ID != "o-exampleorg1" || len(accounts) != 2 {
		t.Errorf("organization %+v %v", org, accounts)
	}
	if role := fac.RoleUsed(member); role == nil || !strings.HasSuffix(role.ARN, ":role/SecretWardenAudit") {
		t.Errorf("member accounts are read through the audit role: %+v", role)
	}
}

func TestStateFailures(t *testing.T) {
	fac := lambdatest.NewFactory(central, member, "333333333333")
	r := fac.Region(member, east, lambdatest.Secret{Name: "denied"}, lambdatest.Secret{Name: "slow"})
	r.DescribeErr[r.ARN("denied")] = lambdatest.APIError("AccessDeniedException", "no")
	r.DescribeErr[r.ARN("slow")] = lambdatest.Throttled()
	fac.AssumeErr["333333333333"] = lambdatest.APIError("AccessDenied", "no trust")
	src, _ := New(fac.ClientFactory(), awsinv.Options{Regions: []string{east}}, 0)
	ctx := context.Background()

	st, arns, err := src.State(ctx, []Ref{{member, east, r.ARN("denied")}, {"333333333333", east, "x"}}, now)
	if err != nil || len(arns) != 2 {
		t.Fatalf("lasting failures are entries: %v %v", arns, err)
	}
	for _, arn := range arns {
		if e := st.Lookup("", "", arn); e == nil || e.Error == "" {
			t.Errorf("%s carries its error: %+v", arn, e)
		}
	}
	_, _, err = src.State(ctx, []Ref{{member, east, r.ARN("denied")}, {member, east, r.ARN("slow")}}, now)
	if err == nil || !batch.Retryable(err) {
		t.Errorf("a throttled read is a transient error: %v", err)
	}
}

func TestUnitAndRefresh(t *testing.T) {
	fac := lambdatest.NewFactory(central, member)
	fac.Region(member, east, lambdatest.Secret{Name: "b"}, lambdatest.Secret{Name: "a"})
	src, _ := New(fac.ClientFactory(), awsinv.Options{Regions: []string{east}}, time.Minute)
	clock := time.Now()
	src.now = func() time.Time { return clock }
	inv, err := src.Unit(member, east)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := inv.Secrets(context.Background(), func(e *snapshot.SecretEntry) error { names = append(names, e.Secret.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Errorf("unit: %v", names)
	}
	first, _ := src.Inventory()
	again, _ := src.Inventory()
	clock = clock.Add(2 * time.Minute)
	later, _ := src.Inventory()
	if first != again || first == later {
		t.Error("the organization is rediscovered after the refresh interval only")
	}
}

func TestRefOf(t *testing.T) {
	ev := &event.Event{AccountID: member, Region: east}
	r, ok := RefOf(ev, event.NewSecretRef("arn:aws:secretsmanager:eu-west-1:333333333333:secret:x-AbCdEf"))
	if !ok || r.AccountID != "333333333333" || r.Region != "eu-west-1" {
		t.Errorf("an ARN's account and region win: %+v", r)
	}
	r, ok = RefOf(ev, event.NewSecretRef("app/db"))
	if !ok || r.AccountID != member || r.Region != east || r.SecretID != "app/db" {
		t.Errorf("a name is in the event's account and region: %+v", r)
	}
	if _, ok := RefOf(ev, event.SecretRef{}); ok {
		t.Error("no reference")
	}
}

func TestRequireOrganization(t *testing.T) {
	fac := lambdatest.NewFactory(central, member)
	r := fac.Region(member, east, lambdatest.Secret{Name: "app/db"})
	ctx := context.Background()
	src, _ := New(fac.ClientFactory(), awsinv.Options{Regions: []string{east}}, 0)
	src.RequireOrganization("o-exampleorg1")
	if _, _, err := src.State(ctx, []Ref{{member, east, r.ARN("app/db")}}, now); err != nil {
		t.Fatalf("the right organization: %v", err)
	}

	// Organizations denied: the inventory refuses to read anything (it
	// never falls back to the caller's account alone), a misconfiguration.
	fac.OrgErr = lambdatest.APIError("AccessDeniedException", "not authorized to perform organizations:DescribeOrganization")
	denied, _ := New(fac.ClientFactory(), awsinv.Options{Regions: []string{east}}, 0)
	denied.RequireOrganization("o-exampleorg1")
	_, _, err := denied.State(ctx, []Ref{{member, east, r.ARN("app/db")}}, now)
	if !errors.Is(err, ErrOrganization) || !strings.Contains(err.Error(), "organizations:DescribeOrganization") {
		t.Errorf("State: %v", err)
	}
	unit, err := denied.Unit(member, east)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := unit.Organization(ctx); !errors.Is(err, ErrOrganization) {
		t.Errorf("Unit: %v", err)
	}
	if batch.Retryable(err) {
		t.Error("a misconfiguration is not transient")
	}
}
