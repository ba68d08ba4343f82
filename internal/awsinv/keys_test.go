package awsinv

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/secretwarden/warden/internal/inventory"
)

func TestKeyResolutionIsCached(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	_, k := f.region(payProd, east)
	arn := k.addKey("1234abcd", "CUSTOMER", "alias/payments", "alias/payments-db")
	k.addKey("other", "CUSTOMER", "alias/other")
	managedARN := k.addKey("aws-sm", "AWS", "alias/aws/secretsmanager")
	inv := newTestInventory(t, f, Options{})
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rk, err := inv.Key(ctx, payProd, east, "alias/payments")
			if err != nil || rk.Key == nil || rk.Key.Arn != arn {
				t.Errorf("alias/payments: %+v %v", rk, err)
			}
		}()
	}
	wg.Wait()
	if n := k.describeCalls.Load(); n != 1 {
		t.Errorf("DescribeKey calls %d for 20 lookups of one reference, want 1", n)
	}
	hits, loads := inv.keys.stats()
	if hits != 19 || loads != 1 {
		t.Errorf("key cache hits %d loads %d, want 19 and 1", hits, loads)
	}
	rk, err := inv.Key(ctx, payProd, "eu-west-1", arn) // the ARN's region wins
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rk.AliasNames, ",") != "alias/payments,alias/payments-db" || rk.AWSManaged || rk.Key.KeyManager != "CUSTOMER" || !*rk.Key.Enabled {
		t.Errorf("resolved %+v aliases %v", rk.Key, rk.AliasNames)
	}
	if n := k.aliasCalls.Load(); n != 4 {
		t.Errorf("ListAliases pages %d, want one listing (4 pages) for the account-region", n)
	}
	if _, err := inv.Key(ctx, payProd, east, "1234abcd"); err != nil || k.describeCalls.Load() != 3 || k.aliasCalls.Load() != 4 {
		t.Errorf("another reference form is another DescribeKey, the aliases stay cached: %v %d %d", err, k.describeCalls.Load(), k.aliasCalls.Load())
	}

	before := k.describeCalls.Load()
	for _, ref := range []string{"", "alias/aws/secretsmanager", "arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager"} {
		rk, err := inv.Key(ctx, payProd, east, ref)
		if err != nil || !rk.AWSManaged || rk.AliasNames[0] != inventory.AWSManagedAlias {
			t.Errorf("%q: %+v %v", ref, rk, err)
		}
	}
	if k.describeCalls.Load() != before {
		t.Error("the AWS managed key must cost no call")
	}
	if rk, err := inv.Key(ctx, payProd, east, managedARN); err != nil || !rk.AWSManaged {
		t.Errorf("a key whose KeyManager is AWS is AWS managed: %+v %v", rk, err)
	}
}

func TestKeyErrorsAreCachedAndReported(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	_, k := f.region(payProd, east)
	k.describeErr = apiErr("AccessDeniedException", "key policy denies kms:DescribeKey")
	log, buf := logBuffer()
	inv := newTestInventory(t, f, Options{Logger: log})
	for range 3 {
		_, err := inv.Key(context.Background(), payProd, east, "alias/secret-key")
		if err == nil || err.Error() != "DescribeKey alias/secret-key in 111122223333/us-east-1: AccessDeniedException: key policy denies kms:DescribeKey" ||
			errorCode(err) != "AccessDeniedException" || errors.Is(err, inventory.ErrKeyNotFound) {
			t.Fatalf("want a describe key error, got %v", err)
		}
	}
	if n := k.describeCalls.Load(); n != 1 {
		t.Errorf("a denied key is asked once, got %d", n)
	}
	if !strings.Contains(buf.String(), "KMS key not resolved") || strings.Count(buf.String(), "KMS key not resolved") != 1 {
		t.Errorf("the failure is logged once: %s", buf.String())
	}
}

func TestKeyUsesTheAccountRole(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	_, k := f.region(devAcct, west)
	k.addKey("k", "CUSTOMER")
	inv := newTestInventory(t, f, Options{ExternalID: "x"})
	if _, err := inv.Key(context.Background(), devAcct, west, "k"); err != nil {
		t.Fatal(err)
	}
	last := f.calls[len(f.calls)-1]
	if last.account != devAcct || last.region != west || last.role == nil || !strings.HasSuffix(last.role.ARN, ":role/SecretWardenAudit") {
		t.Errorf("key read with %+v", last)
	}
}
