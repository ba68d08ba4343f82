package cli

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/blast"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/rails"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const (
	rotCentral = "111111111111"
	rotPay     = "222222222222"
	rotDev     = "333333333333"
	rotEast    = "us-east-1"
	rotWest    = "eu-west-1"
	rotTable   = "warden"
)

var rotNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

type rotateRig struct {
	fac  *lambdatest.Factory
	pay  *lambdatest.Region
	west *lambdatest.Region
	db   *storetest.Fake
	opts *rotateOpts
}

// fakeRotate replaces openRotate with an organization of two member
// accounts: payments (us-east-1: two rotatable secrets, one without a
// rotation function, one mid-rotation; eu-west-1: one rotatable) and dev
// (whose role cannot be assumed).
func fakeRotate(t *testing.T) *rotateRig {
	t.Helper()
	rot := "arn:aws:lambda:us-east-1:222222222222:function:rot"
	fac := lambdatest.NewFactory(rotCentral, rotPay, rotDev)
	r := &rotateRig{fac: fac, db: storetest.New(t, rotTable)}
	r.pay = fac.Region(rotPay, rotEast,
		lambdatest.Secret{Name: "app/db", RotationLambdaARN: rot, Tags: map[string]string{"team": "payments"}},
		lambdatest.Secret{Name: "app/api", RotationLambdaARN: rot, Tags: map[string]string{"team": "payments"}},
		lambdatest.Secret{Name: "app/static", Tags: map[string]string{"team": "payments"}},
		lambdatest.Secret{Name: "app/busy", RotationLambdaARN: rot, Pending: true},
	)
	r.west = fac.Region(rotPay, rotWest, lambdatest.Secret{Name: "app/db", RotationLambdaARN: rot, Tags: map[string]string{"team": "payments"}})
	fac.Region(rotDev, rotEast, lambdatest.Secret{Name: "dev/x"})
	fac.AssumeErr[rotDev] = lambdatest.APIError("AccessDenied", "not authorized to perform sts:AssumeRole")
	prev := openRotate
	t.Cleanup(func() { openRotate = prev })
	openRotate = func(_ context.Context, o *rotateOpts, log *slog.Logger) (*rotateEnv, error) {
		r.opts = o
		regions := o.live.regions
		if len(regions) == 0 {
			regions = []string{rotEast}
		}
		base, err := awsinv.NewWithFactory(fac.ClientFactory(), awsinv.Options{Regions: regions, Logger: log})
		if err != nil {
			return nil, err
		}
		env := &rotateEnv{
			Inventory: func(_ context.Context, accounts []string) (inventory.Inventory, error) {
				if len(accounts) == 0 {
					accounts = o.live.accounts
				}
				return awsinv.NewWithFactory(fac.ClientFactory(), awsinv.Options{Regions: regions, Accounts: accounts, Logger: log})
			},
			Describe: func(ctx context.Context, account, region string) (rails.DescribeSecretAPI, error) {
				c, err := base.Clients(ctx, account, region)
				if err != nil {
					return nil, err
				}
				return c.DescribeSecret, nil
			},
			Rotate: func(ctx context.Context, account, region string) (action.RotateSecretAPI, error) {
				c, err := base.Clients(ctx, account, region)
				if err != nil {
					return nil, err
				}
				return c.DescribeSecret.(action.RotateSecretAPI), nil
			},
			Now: func() time.Time { return rotNow },
		}
		if o.table != "" {
			env.DB = r.db
		}
		return env, nil
	}
	return r
}

func (r *rotateRig) store() *store.Store {
	s := store.New(r.db, rotTable)
	s.Now = func() time.Time { return rotNow }
	return s
}

type rotatePlan struct {
	Execute bool      `json:"execute"`
	Secrets []planRow `json:"secrets"`
	Summary planSummary
}

func decodePlan(t *testing.T, out string) rotatePlan {
	t.Helper()
	var p rotatePlan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	return p
}

func (p rotatePlan) row(arn string) planRow {
	for _, r := range p.Secrets {
		if r.SecretARN == arn {
			return r
		}
	}
	return planRow{}
}

func TestRotateFlagErrors(t *testing.T) {
	fakeRotate(t)
	arn := lambdatest.SecretARN(rotPay, rotEast, "app/db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "exactly one of --secret, --account, --tag or --principal"},
		{[]string{"--secret", arn, "--account", rotPay}, "exactly one of"},
		{[]string{"--secret", "payments/db"}, "is not a secret ARN"},
		{[]string{"--secret", arn, "--regions", rotEast}, "--regions does not apply to --secret"},
		{[]string{"--account", "12"}, "not a 12-digit account id"},
		{[]string{"--account", rotPay, "--accounts", rotDev}, "--accounts does not apply to --account"},
		{[]string{"--tag", "team"}, "want KEY=VALUE"},
		{[]string{"--tag", "=x"}, "want KEY=VALUE"},
		{[]string{"--principal", "ASIAEXAMPLE", "--cloudtrail-lake-event-data-store", "arn:aws:cloudtrail:us-east-1:111111111111:trail/t"}, "not an event data store"},
		{[]string{"--principal", "ASIAEXAMPLE", "--ledger-days", "0"}, "--ledger-days must be at least 1"},
		{[]string{"--secret", arn, "--execute"}, "--execute needs --table"},
		{[]string{"--secret", arn, "--rotation-dedupe-minutes", "0", "--table", rotTable}, "dedupe window must be positive"},
		{[]string{"--secret", arn, "--output", "csv"}, "--output"},
		{[]string{"--tag", "a=b", "--accounts", "x"}, "not a 12-digit account id"},
	} {
		code, _, errs := run(append([]string{"rotate"}, tc.args...)...)
		if code != ExitBadInput || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestRotateDryRunShowsThePlan(t *testing.T) {
	r := fakeRotate(t)
	code, out, errs := run("rotate", "--account", rotPay)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"dry run", "will rotate  allowed", lambdatest.SecretARN(rotPay, rotEast, "app/db"),
		"blocked      rotation-configured", "blocked      in-progress",
		"4 secret(s): 2 will rotate, 2 blocked", "without --table the dedupe window and the rate limits were not checked",
		"Run again with --execute --table NAME",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if len(r.pay.Rotated()) != 0 {
		t.Error("a dry run rotates nothing")
	}
	if r.db.Calls("PutItem") != 0 {
		t.Error("no table was given: nothing written")
	}
}

func TestRotateTagAcrossRegionsWithTheTableState(t *testing.T) {
	r := fakeRotate(t)
	st := r.store()
	api := lambdatest.SecretARN(rotPay, rotEast, "app/api")
	if _, err := st.Once(context.Background(), store.RotationDedupeKey(api), time.Hour, rotNow.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run("rotate", "--tag", "team=payments", "--regions", rotEast+","+rotWest, "--accounts", rotPay, "--table", rotTable, "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	p := decodePlan(t, out)
	if p.Execute || p.Summary.Secrets != 4 || !p.Summary.RailsState {
		t.Fatalf("plan %+v", p)
	}
	if row := p.row(api); row.Plan != "blocked" || row.Rail != "dedupe" {
		t.Errorf("a secret rotated within the window is blocked: %+v", row)
	}
	if row := p.row(lambdatest.SecretARN(rotPay, rotWest, "app/db")); row.Plan != "rotate" {
		t.Errorf("eu-west-1 is covered: %+v", row)
	}
	if row := p.row(lambdatest.SecretARN(rotPay, rotEast, "app/busy")); row.SecretARN != "" {
		t.Error("a secret without the tag is not planned")
	}
	if r.db.Calls("PutItem")+r.db.Calls("UpdateItem") != 1 {
		t.Errorf("the plan claims nothing (only the test's own marker): %d writes", r.db.Calls("PutItem")+r.db.Calls("UpdateItem"))
	}
}

func TestRotateExecuteUnderTheRails(t *testing.T) {
	r := fakeRotate(t)
	db := lambdatest.SecretARN(rotPay, rotEast, "app/db")
	static := lambdatest.SecretARN(rotPay, rotEast, "app/static")
	code, out, errs := run("rotate", "--secret", db, "--secret", static, "--table", rotTable, "--execute", "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	p := decodePlan(t, out)
	if row := p.row(db); row.Result != "rotated" || row.VersionID == "" {
		t.Errorf("rotated: %+v", row)
	}
	if row := p.row(static); row.Plan != "blocked" || row.Result != "" {
		t.Errorf("a blocked secret is not attempted: %+v", row)
	}
	if got := r.pay.Rotated(); len(got) != 1 || got[0] != db {
		t.Errorf("RotateSecret calls: %v", got)
	}
	decisions, err := r.store().RotationDecisions(context.Background(), db)
	if err != nil || len(decisions) != 1 || !decisions[0].Allowed {
		t.Errorf("the decision is recorded in the table: %+v %v", decisions, err)
	}

	// Again: the dedupe window now blocks it in the plan.
	code, out, _ = run("rotate", "--secret", db, "--table", rotTable, "--execute")
	if code != ExitOK || !strings.Contains(out, "dedupe") || len(r.pay.Rotated()) != 1 {
		t.Errorf("exit %d, rotations %v:\n%s", code, r.pay.Rotated(), out)
	}
}

func TestRotatePrincipalFromTheLedgerAndTheAccountLimit(t *testing.T) {
	r := fakeRotate(t)
	st := r.store()
	if _, err := st.RecordCoverage(context.Background(), rotNow.Add(-60*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	key := "ASIAIU3YUZ2KCP2LLPYG"
	db, api := lambdatest.SecretARN(rotPay, rotEast, "app/db"), lambdatest.SecretARN(rotPay, rotEast, "app/api")
	for _, arn := range []string{db, api, "legacy/name-only"} {
		if err := st.RecordRead(context.Background(), []string{key, "arn:aws:iam::222222222222:role/app"}, arn, rotNow.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := run("rotate", "--principal", key, "--table", rotTable, "--execute", "--rotation-account-limit", "1")
	if code != ExitBadInput {
		t.Fatalf("a ledger entry that cannot be planned outranks the refused rotation: exit %d, want 2: %s\n%s", code, errs, out)
	}
	if got := r.pay.Rotated(); len(got) != 1 {
		t.Errorf("the account limit allows one: %v", got)
	}
	for _, want := range []string{"2 will rotate", "1 rotated, 1 refused or failed", "account-limit"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "not planned: legacy/name-only: named by a name only") || !strings.Contains(errs, "1 planned rotation(s) were refused or failed") {
		t.Errorf("a ledger entry without an ARN is reported: %s", errs)
	}

	// Without the unplannable entry, a refused rotation exits 1.
	r2 := fakeRotate(t)
	st2 := r2.store()
	if _, err := st2.RecordCoverage(context.Background(), rotNow.Add(-60*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{db, api} {
		if err := st2.RecordRead(context.Background(), []string{key}, arn, rotNow.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs = run("rotate", "--principal", key, "--table", rotTable, "--execute", "--rotation-account-limit", "1")
	if code != ExitFindings || len(r2.pay.Rotated()) != 1 {
		t.Errorf("exit %d, want 1: %s\n%s", code, errs, out)
	}
}

func TestRotateReportsUnreadableAccounts(t *testing.T) {
	fakeRotate(t)
	code, out, errs := run("rotate", "--account", rotDev)
	if code != ExitBadInput {
		t.Fatalf("exit %d, want 2: %s", code, errs)
	}
	if !strings.Contains(errs, "AccessDenied") || !strings.Contains(out, "0 secret(s)") {
		t.Errorf("stdout %s\nstderr %s", out, errs)
	}
}

// trailFake is LookupEvents in one account-region: every lookup returns the
// records of its attribute.
type trailFake struct {
	records map[string][]string
	reqs    []*cloudtrail.LookupEventsInput
}

func (f *trailFake) LookupEvents(_ context.Context, in *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	f.reqs = append(f.reqs, in)
	a := in.LookupAttributes[0]
	out := &cloudtrail.LookupEventsOutput{}
	for _, r := range f.records[string(a.AttributeKey)+"="+aws.ToString(a.AttributeValue)] {
		out.Events = append(out.Events, cttypes.Event{CloudTrailEvent: aws.String(r)})
	}
	return out, nil
}

func readRecord(account, principal, key, secretID string) string {
	b, _ := json.Marshal(map[string]any{
		"eventID": "e-" + secretID, "eventName": "GetSecretValue", "eventSource": "secretsmanager.amazonaws.com",
		"eventTime": "2026-11-01T10:00:00Z", "awsRegion": rotEast, "recipientAccountId": account, "eventType": "AwsApiCall",
		"userIdentity":      map[string]any{"type": "AssumedRole", "principalId": principal, "accessKeyId": key, "accountId": account},
		"requestParameters": map[string]any{"secretId": secretID},
	})
	return string(b)
}

// --principal plans from the ledger where it covers the window and from
// LookupEvents for the rest, in every account and region; a secret read by
// name is resolved with DescribeSecret; an account CloudTrail could not be
// asked in is reported (exit 2), the plan says what covered what.
func TestRotatePrincipalPlansFromCloudTrail(t *testing.T) {
	r := fakeRotate(t)
	st := r.store()
	key := "ASIAIU3YUZ2KCP2LLPYG"
	db, api := lambdatest.SecretARN(rotPay, rotEast, "app/db"), lambdatest.SecretARN(rotPay, rotEast, "app/api")
	if _, err := st.RecordCoverage(context.Background(), rotNow.Add(-5*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordRead(context.Background(), []string{key}, db, rotNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	trail := &trailFake{records: map[string][]string{"AccessKeyId=" + key: {readRecord(rotPay, "AROAAPP:i-1", key, "app/api")}}}
	prev := openRotate
	t.Cleanup(func() { openRotate = prev })
	openRotate = func(ctx context.Context, o *rotateOpts, log *slog.Logger) (*rotateEnv, error) {
		env, err := prev(ctx, o, log)
		if err != nil {
			return nil, err
		}
		env.Regions = []string{rotEast}
		env.Accounts = func(context.Context) ([]string, error) { return []string{rotPay, rotDev}, nil }
		env.Lookup = func(_ context.Context, account, region string) (blast.LookupEventsAPI, error) {
			if account == rotDev {
				return nil, errors.New("assume role arn:aws:iam::333333333333:role/SecretWardenAudit: AccessDenied")
			}
			return trail, nil
		}
		return env, nil
	}
	code, out, errs := run("rotate", "--principal", key, "--table", rotTable, "--since", "720h")
	if code != ExitBadInput {
		t.Fatalf("the account CloudTrail could not be asked in makes it exit 2: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{db, api, "2 will rotate",
		"covered by CloudTrail LookupEvents from 2026-10-21T10:00:00Z to 2026-11-15T10:00:00Z in 1 of 2 account-regions",
		"covered by access ledger from 2026-11-15T10:00:00Z to 2026-11-20T10:00:00Z",
		"not seen in 333333333333/us-east-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "not planned: CloudTrail in 333333333333/us-east-1") {
		t.Errorf("stderr %s", errs)
	}
	if len(trail.reqs) != 1 || aws.ToString(trail.reqs[0].LookupAttributes[0].AttributeValue) != key ||
		!aws.ToTime(trail.reqs[0].EndTime).Equal(rotNow.Add(-5*24*time.Hour)) {
		t.Errorf("LookupEvents requests %+v", trail.reqs)
	}
}
