package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

// indexedStore is a store over a fake table with the two findings indexes
// the CDK table declares.
func indexedStore(t *testing.T) (*store.Store, *storetest.Fake) {
	t.Helper()
	s, fake, _ := newStore(t)
	fake.AddIndex(store.IndexByAccount, store.AttrGSI1PK, store.AttrGSI1SK)
	fake.AddIndex(store.IndexByPolicy, store.AttrGSI2PK, store.AttrGSI2SK)
	return s, fake
}

var (
	idxAccounts = []string{"111111111111", "222222222222", "333333333333"}
	idxPolicies = []string{"kms-customer-managed", "no-external-access", "rotation-enabled", "unused"}
)

// seed records findings for 3 accounts × 40 secrets × 4 policies with a mix
// of statuses, and returns them by key.
func seed(t *testing.T, s *store.Store) map[string]finding.Finding {
	t.Helper()
	all := map[string]finding.Finding{}
	statuses := []finding.Status{finding.StatusPass, finding.StatusFail, finding.StatusPass, finding.StatusExempt, finding.StatusError, finding.StatusNotApplicable}
	n := 0
	for _, acct := range idxAccounts {
		for i := range 40 {
			arn := fmt.Sprintf("arn:aws:secretsmanager:us-east-1:%s:secret:app/s%02d-AbCdEf", acct, i)
			for _, p := range idxPolicies {
				f := finding.Finding{PolicyID: p, Title: p, Severity: "high", Status: statuses[n%len(statuses)],
					SecretARN: arn, SecretName: fmt.Sprintf("app/s%02d", i), AccountID: acct, AccountName: "acct-" + acct[:1],
					OuPath: "r-1/ou-" + acct[:1], Region: "us-east-1", Message: "m", Controls: []string{}, LastSeen: t0}
				n++
				if _, err := s.Record(context.Background(), f); err != nil {
					t.Fatal(err)
				}
				all[f.Key()] = f
			}
		}
	}
	return all
}

func list(t *testing.T, s *store.Store, q store.FindingQuery) []finding.Finding {
	t.Helper()
	var out []finding.Finding
	err := s.ListFindings(context.Background(), q, func(batch []finding.Finding) error {
		if len(batch) > 100 {
			t.Errorf("batch of %d", len(batch))
		}
		out = append(out, batch...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keysOf(fs []finding.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Key())
	}
	sort.Strings(out)
	return out
}

// Each filter combination is answered by Queries of an index whose key
// condition selects exactly the answer (items read = findings returned: no
// Scan, no filtering after reading, so the cost does not grow with the
// table), and the answer is what was recorded.
func TestListFindingsQueriesAnIndexForEachFilter(t *testing.T) {
	s, fake := indexedStore(t)
	fake.PageSize = 7        // pagination of every query
	fake.UnprocessedGets = 5 // and a BatchGetItem retry
	all := seed(t, s)
	// An item holding only a remediation's saved prior policy is no finding.
	if err := s.SavePriorPolicy(context.Background(), "arn:aws:secretsmanager:us-east-1:111111111111:secret:gone-AbCdEf", "no-external-access", "{}", t0); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.FindingQuery{
		{AccountID: "222222222222"},
		{AccountID: "222222222222", Status: finding.StatusFail},
		{AccountID: "222222222222", PolicyID: "unused"},
		{AccountID: "222222222222", PolicyID: "unused", Status: finding.StatusExempt},
		{PolicyID: "rotation-enabled"},
		{PolicyID: "rotation-enabled", Status: finding.StatusError},
		{Policies: idxPolicies},
		{Policies: []string{"unused", "no-external-access", "unused"}, Status: finding.StatusFail},
		{AccountID: "999999999999"},
	} {
		name := fmt.Sprintf("%+v", q)
		var want []finding.Finding
		for _, f := range all {
			inPolicies := len(q.Policies) == 0 || strings.Contains(strings.Join(q.Policies, ","), f.PolicyID)
			if (q.AccountID == "" || f.AccountID == q.AccountID) && (q.PolicyID == "" || f.PolicyID == q.PolicyID) &&
				(q.Status == "" || f.Status == q.Status) && inPolicies {
				want = append(want, f)
			}
		}
		before, queriesBefore := fake.ItemsQueried(), len(fake.Queries())
		got := list(t, s, q)
		if g, w := strings.Join(keysOf(got), "\n"), strings.Join(keysOf(want), "\n"); g != w {
			t.Errorf("%s: got %d findings, want %d", name, len(got), len(want))
		}
		if read := fake.ItemsQueried() - before; read != len(want) {
			t.Errorf("%s: queries read %d items for %d findings", name, read, len(want))
		}
		for _, in := range fake.Queries()[queriesBefore:] {
			ix := aws.ToString(in.IndexName)
			if ix != store.IndexByAccount && ix != store.IndexByPolicy {
				t.Errorf("%s: query of index %q", name, ix)
			}
			if q.AccountID != "" && ix != store.IndexByAccount && q.Status == "" && q.PolicyID == "" {
				t.Errorf("%s: an account's findings come from ByAccount", name)
			}
		}
		for _, f := range got {
			full := all[f.Key()]
			if f.AccountName != full.AccountName || f.OuPath != full.OuPath || f.SecretName != full.SecretName || !f.LastSeen.Equal(t0) {
				t.Errorf("%s: %s read back as %+v", name, f.Key(), f)
				break
			}
		}
	}
	if fake.Calls("BatchGetItem") == 0 {
		t.Fatal("findings are read with BatchGetItem")
	}
}

// A status change moves the finding in both indexes.
func TestListFindingsFollowsStatusChanges(t *testing.T) {
	s, _ := indexedStore(t)
	ctx := context.Background()
	f := fnd(finding.StatusFail, t0)
	if _, err := s.Record(ctx, f); err != nil {
		t.Fatal(err)
	}
	if got := list(t, s, store.FindingQuery{AccountID: f.AccountID, Status: finding.StatusFail}); len(got) != 1 {
		t.Fatalf("failing: %d", len(got))
	}
	f.Status, f.LastSeen = finding.StatusPass, t0.Add(1)
	if _, err := s.Record(ctx, f); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.FindingQuery{{AccountID: f.AccountID, Status: finding.StatusFail}, {PolicyID: f.PolicyID, Status: finding.StatusFail}} {
		if got := list(t, s, q); len(got) != 0 {
			t.Errorf("%+v: a passing finding is listed as failing", q)
		}
	}
	if got := list(t, s, store.FindingQuery{PolicyID: f.PolicyID, Status: finding.StatusPass}); len(got) != 1 || got[0].Status != finding.StatusPass {
		t.Errorf("passing: %+v", got)
	}
}

func TestListFindingsNeedsAScope(t *testing.T) {
	s, fake := indexedStore(t)
	err := s.ListFindings(context.Background(), store.FindingQuery{Status: finding.StatusFail}, func([]finding.Finding) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "name an account, a policy") {
		t.Errorf("no scope: %v", err)
	}
	if fake.Calls("Query") != 0 {
		t.Error("nothing is read without a scope")
	}
}
