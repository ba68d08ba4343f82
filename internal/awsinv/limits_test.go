package awsinv

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestDefaultLimitsLeaveHeadroom(t *testing.T) {
	l := DefaultLimits()
	if l.GetResourcePolicy != 40 || l.ListSecrets != 80 {
		t.Errorf("GetResourcePolicy %v (quota 50), ListSecrets %v (quota 100): want 80%%", l.GetResourcePolicy, l.ListSecrets)
	}
	if l.DescribeSecret < 1000 || l.DescribeSecret > 40000*Headroom {
		t.Errorf("DescribeSecret %v: high, below its 40,000 TPS quota", l.DescribeSecret)
	}
}

func TestLimitersArePerAccountRegion(t *testing.T) {
	ls := newLimiters(DefaultLimits())
	a := ls.get(payProd, east)
	if ls.get(payProd, east) != a {
		t.Fatal("an account-region must keep its limiters")
	}
	for _, other := range []*regionLimiters{ls.get(payProd, west), ls.get(devAcct, east)} {
		for f := range numFamilies {
			if other[f] == a[f] {
				t.Errorf("%s limiter shared between account-regions", f)
			}
		}
	}
	want := map[family]rate.Limit{famListSecrets: 80, famGetResourcePolicy: 40, famDescribeSecret: 2000, famDescribeKey: 100, famListAliases: 10}
	for f, w := range want {
		if a[f].Limit() != w {
			t.Errorf("%s limit %v, want %v", f, a[f].Limit(), w)
		}
		if a[f].Burst() < 1 || float64(a[f].Burst()) > float64(w)/10+1 {
			t.Errorf("%s burst %d", f, a[f].Burst())
		}
	}
	if ls.get("x", "y")[famListSecrets] == nil || len(ls.m) != 4 {
		t.Errorf("limiter sets %d, want 4", len(ls.m))
	}
}

func TestGetResourcePolicyIsRateLimited(t *testing.T) {
	f := newFakeFactory(sampleOrg())
	var names []string
	for i := range 15 {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	f.region(mgmt, east, names...)
	f.region(payProd, east, names...)
	limits := DefaultLimits()
	limits.GetResourcePolicy = 50 // burst 5: 15 calls need at least 200 ms
	inv := newTestInventory(t, f, Options{Regions: []string{east}, Accounts: []string{mgmt, payProd}, Limits: &limits, PerRegionConcurrency: 15})
	start := time.Now()
	entries, err := collect(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if len(entries) != 30 {
		t.Fatalf("entries %d", len(entries))
	}
	if elapsed < 190*time.Millisecond {
		t.Errorf("15 GetResourcePolicy calls at 50/s took %v: not rate limited", elapsed)
	}
	// Two account-regions have two budgets: in parallel, not 2 × 200 ms.
	if elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if len(inv.lim.m) != 2 {
		t.Errorf("limiter sets %d, want one per account-region", len(inv.lim.m))
	}
}

func TestUnlimitedWhenZero(t *testing.T) {
	if l := newLimiter(0); l.Limit() != rate.Inf {
		t.Errorf("limit %v", l.Limit())
	}
}
