package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const (
	restoredPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	publicPolicy   = `{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
)

type restoreRig struct {
	region *lambdatest.Region
	st     *store.Store
	where  []string
}

// fakeRestore replaces openRestore with one account-region whose secret
// app/db had its policy removed by a remediation (saved in the table).
func fakeRestore(t *testing.T) *restoreRig {
	t.Helper()
	r := &restoreRig{region: lambdatest.NewFactory(rotCentral, rotPay).Region(rotPay, rotEast, lambdatest.Secret{Name: "app/db"})}
	db := storetest.New(t, rotTable)
	r.st = store.New(db, rotTable)
	r.st.Now = func() time.Time { return rotNow }
	prev := openRestore
	t.Cleanup(func() { openRestore = prev })
	openRestore = func(_ context.Context, o *restoreOpts, _ *slog.Logger) (*restoreEnv, error) {
		return &restoreEnv{
			DB: db,
			Reads: func(_ context.Context, account, region string) (action.GetResourcePolicyAPI, error) {
				r.where = append(r.where, "audit "+account+"/"+region)
				return r.region, nil
			},
			Writes: func(_ context.Context, account, region string) (action.ResourcePolicyWriteAPI, error) {
				r.where = append(r.where, "responder "+account+"/"+region)
				return r.region, nil
			},
			Now: func() time.Time { return rotNow },
		}, nil
	}
	return r
}

func TestRestorePolicyDryRunThenExecute(t *testing.T) {
	r := fakeRestore(t)
	arn := r.region.ARN("app/db")
	ctx := context.Background()
	if err := r.st.SavePriorPolicy(ctx, arn, "resource-policy-exposed", restoredPolicy, rotNow.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.st.SavePriorPolicy(ctx, arn, "older-rule", `{"Version":"2012-10-17","Statement":[]}`, rotNow.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}

	code, out, errs := run("restore-policy", "--secret", arn, "--table", rotTable)
	if code != ExitOK || len(r.region.Puts) != 0 {
		t.Fatalf("dry run: exit %d, %d puts\n%s%s", code, len(r.region.Puts), out, errs)
	}
	for _, want := range []string{"dry run", "saved by rule resource-policy-exposed", `"Sid":"Partner"`, "policy in place:  (none)", "plan: restore", "--execute"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}

	code, out, errs = run("restore-policy", "--secret", arn, "--table", rotTable, "--execute", "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if len(r.region.Puts) != 1 {
		t.Fatalf("one PutResourcePolicy: %+v", r.region.Puts)
	}
	put := r.region.Puts[0]
	if aws.ToString(put.SecretId) != arn || aws.ToString(put.ResourcePolicy) != restoredPolicy || !aws.ToBool(put.BlockPublicPolicy) {
		t.Errorf("the saved policy is put back with BlockPublicPolicy: %+v", put)
	}
	if strings.Join(r.where, ",") != "audit "+rotPay+"/"+rotEast+",audit "+rotPay+"/"+rotEast+",responder "+rotPay+"/"+rotEast {
		t.Errorf("read through the audit role, written through the responder, in the secret's account: %v", r.where)
	}
	var doc restoreDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Result != "restored" || doc.Saved.RestoredAt.IsZero() {
		t.Fatalf("%v %+v", err, doc)
	}
	saved, _ := r.st.PriorPolicies(ctx, arn)
	if len(saved) != 2 || saved[0].RestoredAt.IsZero() {
		t.Errorf("the restore is recorded with the saved policy: %+v", saved)
	}

	// Again: the policy is in place, nothing to do.
	code, out, _ = run("restore-policy", "--secret", arn, "--table", rotTable, "--execute")
	if code != ExitOK || len(r.region.Puts) != 1 || !strings.Contains(out, "plan: nothing to do") {
		t.Errorf("exit %d, %d puts:\n%s", code, len(r.region.Puts), out)
	}
	// --rule picks an older saved policy.
	code, out, _ = run("restore-policy", "--secret", arn, "--table", rotTable, "--rule", "older-rule")
	if code != ExitOK || !strings.Contains(out, "saved by rule older-rule") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestRestorePolicyRefusals(t *testing.T) {
	r := fakeRestore(t)
	arn := r.region.ARN("app/db")
	if err := r.st.SavePriorPolicy(context.Background(), arn, "resource-policy-exposed", publicPolicy, rotNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run("restore-policy", "--secret", arn, "--table", rotTable, "--execute")
	if code != ExitFindings || !strings.Contains(out, "result: refused") || !strings.Contains(errs, "Secrets Manager refuses it with BlockPublicPolicy") {
		t.Errorf("a public saved policy is refused (exit 1): %d\n%s\n%s", code, out, errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--secret", arn}, "--table is required"},
		{[]string{"--secret", "payments/db", "--table", rotTable}, "is not a full secret ARN"},
		{[]string{"--secret", r.region.ARN("other"), "--table", rotTable}, "no saved policy for"},
		{[]string{"--secret", arn, "--table", rotTable, "--rule", "x"}, "no policy saved by rule x"},
		{[]string{"--secret", arn, "--table", rotTable, "-o", "yaml"}, "unknown format"},
	} {
		code, _, errs := run(append([]string{"restore-policy"}, tc.args...)...)
		if code != ExitBadInput || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tc.args, code, errs, tc.want)
		}
	}
}
