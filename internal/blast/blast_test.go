package blast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const (
	acctA   = "222222222222"
	acctB   = "333333333333"
	denied  = "444444444444"
	key     = "ASIABGOSNXVABAJGRH5L"
	princ   = "AROAIUPZSQPCOPJFF44TR:i-0a1b2c3d4e5f60789"
	roleARN = "arn:aws:iam::222222222222:role/payments-api-ec2"
)

func secret(account, name string) string {
	return "arn:aws:secretsmanager:us-east-1:" + account + ":secret:" + name + "-AbCdEf"
}

// clock is a fake clock whose Sleep advances it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// ledger is an access ledger with a coverage and fixed reads.
type ledger struct {
	since time.Time
	reads []string
	asked []time.Time
}

func (l *ledger) Coverage(context.Context) (time.Time, bool, error) {
	return l.since, !l.since.IsZero(), nil
}
func (l *ledger) Reads(_ context.Context, keys []string, since time.Time) ([]string, error) {
	l.asked = append(l.asked, since)
	return l.reads, nil
}

// record is a CloudTrail GetSecretValue record as LookupEvents returns it
// in CloudTrailEvent.
func record(account, principalID, accessKey, secretID, errorCode string) string {
	rec := map[string]any{
		"eventVersion": "1.11", "eventID": fmt.Sprintf("%s-%s", account, secretID), "eventName": "GetSecretValue",
		"eventSource": "secretsmanager.amazonaws.com", "eventTime": "2026-10-01T10:00:00Z", "awsRegion": "us-east-1",
		"recipientAccountId": account, "eventType": "AwsApiCall",
		"userIdentity": map[string]any{"type": "AssumedRole", "principalId": principalID, "accessKeyId": accessKey, "accountId": account,
			"arn": "arn:aws:sts::" + account + ":assumed-role/payments-api-ec2/i-0a1b2c3d4e5f60789"},
		"requestParameters": map[string]any{"secretId": secretID},
	}
	if errorCode != "" {
		rec["errorCode"] = errorCode
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

// trail is LookupEvents in one account-region: pages of records per
// attribute, served 2 records a page; it records each request and when
// it came.
type trail struct {
	clk     *clock
	mu      sync.Mutex
	records map[string][]string // "Key=Value" → CloudTrailEvent JSON
	reqs    []*cloudtrail.LookupEventsInput
	at      []time.Time
	err     error
}

func (t *trail) LookupEvents(_ context.Context, in *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reqs = append(t.reqs, in)
	t.at = append(t.at, t.clk.Now())
	if t.err != nil {
		return nil, t.err
	}
	if len(in.LookupAttributes) != 1 {
		return nil, errors.New("InvalidLookupAttributesException: one attribute per call")
	}
	a := in.LookupAttributes[0]
	recs := t.records[string(a.AttributeKey)+"="+aws.ToString(a.AttributeValue)]
	start := 0
	if in.NextToken != nil {
		fmt.Sscanf(*in.NextToken, "p%d", &start)
	}
	end := min(start+2, len(recs))
	out := &cloudtrail.LookupEventsOutput{}
	for _, r := range recs[start:end] {
		out.Events = append(out.Events, cttypes.Event{CloudTrailEvent: aws.String(r)})
	}
	if end < len(recs) {
		out.NextToken = aws.String(fmt.Sprintf("p%d", end))
	}
	return out, nil
}

type trails struct {
	clk *clock
	by  map[string]*trail
}

func (ts *trails) get(account, region string) *trail {
	k := account + "/" + region
	if ts.by[k] == nil {
		ts.by[k] = &trail{clk: ts.clk, records: map[string][]string{}}
	}
	return ts.by[k]
}

func (ts *trails) lookup(accounts ...string) *Lookup {
	return &Lookup{
		Accounts: func(context.Context) ([]string, error) { return accounts, nil },
		Regions:  []string{"us-east-1"},
		Clients: func(_ context.Context, account, region string) (LookupEventsAPI, error) {
			if account == denied {
				return nil, errors.New("assume role arn:aws:iam::" + account + ":role/SecretWardenAudit: AccessDenied")
			}
			return ts.get(account, region), nil
		},
		Pacer:       &Pacer{Interval: 625 * time.Millisecond, Now: ts.clk.Now, Sleep: ts.clk.Sleep},
		Concurrency: 1,
	}
}

// The ledger answers for the part of the window it covers; LookupEvents,
// through each account-region's client, for the rest; what could not be
// seen is said.
func TestPlanLedgerThenLookupEvents(t *testing.T) {
	clk := &clock{now: now}
	ts := &trails{clk: clk, by: map[string]*trail{}}
	a := ts.get(acctA, "us-east-1")
	a.records["AccessKeyId="+key] = []string{
		record(acctA, princ, key, secret(acctA, "payments/db"), ""),
		record(acctA, princ, key, "payments/by-name", ""),
		record(acctA, princ, key, secret(acctA, "denied"), "AccessDenied"),
	}
	a.records["Username=i-0a1b2c3d4e5f60789"] = []string{
		record(acctA, princ, "ASIAOTHERKEY0000000", secret(acctA, "payments/api"), ""),
		record(acctA, "AROAOTHERROLE:i-0a1b2c3d4e5f60789", "ASIAX", secret(acctA, "someone-else"), ""),
	}
	led := &ledger{since: now.Add(-10 * 24 * time.Hour), reads: []string{secret(acctB, "recent")}}
	p := &Planner{Ledger: led, LedgerTTL: 30 * 24 * time.Hour, Lookup: ts.lookup(acctA, acctB, denied), Now: clk.Now}
	plan, err := p.Plan(context.Background(), []string{key, princ}, now.Add(-30*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		secret(acctA, "payments/api"), "arn:aws:secretsmanager:us-east-1:222222222222:secret:payments/by-name",
		secret(acctA, "payments/db"), secret(acctB, "recent"),
	}
	if !reflect.DeepEqual(plan.Secrets, want) {
		t.Fatalf("secrets %v\nwant %v", plan.Secrets, want)
	}
	if len(led.asked) != 1 || !led.asked[0].Equal(led.since) {
		t.Errorf("the ledger is asked from its coverage: %v", led.asked)
	}
	if len(plan.Covered) != 2 || plan.Covered[0].Source != SourceLookup || plan.Covered[1].Source != SourceLedger ||
		!plan.Covered[0].To.Equal(led.since) || !plan.Covered[1].From.Equal(led.since) || plan.Covered[0].Where != "2 of 3 account-regions" {
		t.Fatalf("coverage %+v", plan.Covered)
	}
	if len(plan.Unseen) != 1 || plan.Unseen[0].Where != denied+"/us-east-1" || !strings.Contains(plan.Unseen[0].Why, "AccessDenied") {
		t.Fatalf("unseen %+v", plan.Unseen)
	}
	// The requests: one attribute per call, the window LookupEvents covers,
	// pages of at most 50, paginated (the access key's 3 records: 2 pages).
	var attrs []string
	for _, in := range a.reqs {
		if !aws.ToTime(in.StartTime).Equal(now.Add(-30*24*time.Hour)) || !aws.ToTime(in.EndTime).Equal(led.since) || aws.ToInt32(in.MaxResults) != 50 {
			t.Errorf("request window %v to %v, %d", aws.ToTime(in.StartTime), aws.ToTime(in.EndTime), aws.ToInt32(in.MaxResults))
		}
		attrs = append(attrs, string(in.LookupAttributes[0].AttributeKey)+"="+aws.ToString(in.LookupAttributes[0].AttributeValue))
	}
	if got := strings.Join(attrs, ","); got != "AccessKeyId="+key+",AccessKeyId="+key+",Username=i-0a1b2c3d4e5f60789" {
		t.Errorf("lookups %s", got)
	}
	if s := plan.Summary(); !strings.Contains(s, "access ledger 2026-11-10T12:00:00Z to 2026-11-20T12:00:00Z") || !strings.Contains(s, denied+"/us-east-1") {
		t.Errorf("summary %q", s)
	}
}

// LookupEvents is paced under its quota of 2 per second per account and
// region (CloudTrail API Reference, "LookupEvents"): calls in one
// account-region are at least 625 ms apart; other account-regions have
// their own budget.
func TestLookupEventsIsPacedPerAccountRegion(t *testing.T) {
	clk := &clock{now: now}
	ts := &trails{clk: clk, by: map[string]*trail{}}
	var recs []string
	for i := range 9 {
		recs = append(recs, record(acctA, princ, key, secret(acctA, fmt.Sprint(i)), ""))
	}
	ts.get(acctA, "us-east-1").records["AccessKeyId="+key] = recs
	ts.get(acctB, "us-east-1").records["AccessKeyId="+key] = recs[:1]
	l := ts.lookup(acctA, acctB)
	arns, _, gaps := l.Run(context.Background(), []string{key}, now.Add(-time.Hour), now)
	if len(arns) != 9 || len(gaps) != 0 {
		t.Fatalf("%v %v", arns, gaps)
	}
	at := ts.get(acctA, "us-east-1").at
	if len(at) != 5 {
		t.Fatalf("9 records, 2 a page: 5 calls, got %d", len(at))
	}
	for i := 1; i < len(at); i++ {
		if d := at[i].Sub(at[i-1]); d < 625*time.Millisecond {
			t.Errorf("calls %d and %d only %s apart", i-1, i, d)
		}
	}
	if b := ts.get(acctB, "us-east-1").at; len(b) != 1 || !b[0].Equal(at[len(at)-1]) {
		t.Errorf("another account-region is not held back by the first one's pace: %v vs %v", b, at)
	}
	if d := NewPacer(LookupEventsTPS * Headroom).Interval; d != 625*time.Millisecond {
		t.Errorf("default pace %s", d)
	}
}

func TestLookupStopsAtMaxPagesAndSaysSo(t *testing.T) {
	clk := &clock{now: now}
	ts := &trails{clk: clk, by: map[string]*trail{}}
	var recs []string
	for i := range 10 {
		recs = append(recs, record(acctA, princ, key, secret(acctA, fmt.Sprint(i)), ""))
	}
	ts.get(acctA, "us-east-1").records["AccessKeyId="+key] = recs
	l := ts.lookup(acctA)
	l.MaxPages = 2
	arns, cov, gaps := l.Run(context.Background(), []string{key}, now.Add(-time.Hour), now)
	if len(arns) != 4 || len(gaps) != 1 || !strings.Contains(gaps[0].Why, "stopped after 2 pages") || cov.Where != "0 of 1 account-regions" {
		t.Fatalf("%v %+v %+v", arns, gaps, cov)
	}
}

// With read events off the ledger is not used; LookupEvents covers only the
// last 90 days, and the plan says so.
func TestPlanWithReadEventsOff(t *testing.T) {
	clk := &clock{now: now}
	ts := &trails{clk: clk, by: map[string]*trail{}}
	ts.get(acctA, "us-east-1").records["Username=app"] = []string{record(acctA, "AIDAUSER", "AKIAUSERKEY000000000", secret(acctA, "x"), "")}
	p := &Planner{Lookup: ts.lookup(acctA), Now: clk.Now}
	plan, err := p.Plan(context.Background(), []string{"arn:aws:iam::222222222222:user/app", "AIDAUSER"}, now.Add(-120*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Secrets) != 1 || len(plan.Covered) != 1 || !plan.Covered[0].From.Equal(now.Add(-LookupRetention)) {
		t.Fatalf("plan %+v", plan)
	}
	whys := ""
	for _, g := range plan.Unseen {
		whys += g.Why + "|"
	}
	if !strings.Contains(whys, "read events are off") || !strings.Contains(whys, "only covers the last 90 days") {
		t.Errorf("unseen %s", whys)
	}
}

func TestPlanLedgerExpiredItems(t *testing.T) {
	clk := &clock{now: now}
	ts := &trails{clk: clk, by: map[string]*trail{}}
	led := &ledger{since: now.Add(-200 * 24 * time.Hour)}
	p := &Planner{Ledger: led, LedgerTTL: 30 * 24 * time.Hour, Lookup: ts.lookup(acctA), Now: clk.Now}
	plan, err := p.Plan(context.Background(), []string{key}, now.Add(-60*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Covered) != 2 || !plan.Covered[1].From.Equal(now.Add(-30*24*time.Hour)) || !plan.Covered[0].To.Equal(now.Add(-30*24*time.Hour)) {
		t.Fatalf("the ledger covers its retention, LookupEvents what expired: %+v", plan.Covered)
	}
}

func TestAttributes(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{key, princ}, "AccessKeyId=" + key + ",Username=i-0a1b2c3d4e5f60789"},
		{[]string{"arn:aws:iam::222222222222:user/ops/alice"}, "Username=alice"},
		{[]string{"arn:aws:sts::222222222222:assumed-role/app/sess-1"}, "Username=sess-1"},
		{[]string{roleARN}, "EventName=GetSecretValue,EventName=BatchGetSecretValue"},
	} {
		if got := describe(Attributes(tc.keys)); got != strings.ReplaceAll(tc.want, ",", ", ") {
			t.Errorf("%v: %s, want %s", tc.keys, got, tc.want)
		}
	}
}

// lake is CloudTrail Lake: the query runs for two polls, then its results
// come in two pages.
type lake struct {
	started []string
	gets    []*cloudtrail.GetQueryResultsInput
	status  []cttypes.QueryStatus
	rows    [][][]map[string]string
}

func (l *lake) StartQuery(_ context.Context, in *cloudtrail.StartQueryInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.StartQueryOutput, error) {
	l.started = append(l.started, aws.ToString(in.QueryStatement))
	return &cloudtrail.StartQueryOutput{QueryId: aws.String("q-1")}, nil
}

func (l *lake) GetQueryResults(_ context.Context, in *cloudtrail.GetQueryResultsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.GetQueryResultsOutput, error) {
	l.gets = append(l.gets, in)
	if len(l.status) > 0 {
		s := l.status[0]
		l.status = l.status[1:]
		if s != cttypes.QueryStatusFinished {
			return &cloudtrail.GetQueryResultsOutput{QueryStatus: s, ErrorMessage: aws.String("boom")}, nil
		}
	}
	page := 0
	if in.NextToken != nil {
		page = 1
	}
	out := &cloudtrail.GetQueryResultsOutput{QueryStatus: cttypes.QueryStatusFinished, QueryResultRows: l.rows[page]}
	if page == 0 {
		out.NextToken = aws.String("next")
	}
	return out, nil
}

func row(cols map[string]string) []map[string]string {
	var out []map[string]string
	for _, c := range lakeColumns {
		if v, ok := cols[c]; ok {
			out = append(out, map[string]string{c: v})
		}
	}
	return out
}

const storeARN = "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"

// With an event data store configured, one CloudTrail Lake query (StartQuery,
// then GetQueryResults polled while it runs and paginated) replaces
// LookupEvents; the SQL selects the principal's successful value reads in
// the window.
func TestPlanQueriesCloudTrailLake(t *testing.T) {
	clk := &clock{now: now}
	lk := &lake{status: []cttypes.QueryStatus{cttypes.QueryStatusQueued, cttypes.QueryStatusRunning, cttypes.QueryStatusFinished},
		rows: [][][]map[string]string{
			{row(map[string]string{"eventName": "GetSecretValue", "recipientAccountId": acctA, "awsRegion": "us-east-1", "principalId": princ, "secretId": secret(acctA, "a")}),
				// A row of another principal is dropped, whatever the SQL returned.
				row(map[string]string{"eventName": "GetSecretValue", "recipientAccountId": acctA, "awsRegion": "us-east-1", "principalId": "AROAOTHER:x", "secretId": secret(acctA, "other")})},
			{row(map[string]string{"eventName": "BatchGetSecretValue", "recipientAccountId": acctB, "awsRegion": "eu-west-1", "accessKeyId": key,
				"secretIdList": `["payments/b","` + secret(acctB, "c") + `"]`})},
		}}
	ts := &trails{clk: clk, by: map[string]*trail{}}
	p := &Planner{Lake: &Lake{ARN: storeARN, API: lk, Sleep: clk.Sleep}, Lookup: ts.lookup(acctA), Now: clk.Now}
	from := now.Add(-200 * 24 * time.Hour)
	plan, err := p.Plan(context.Background(), []string{key, princ, "O'Brien"}, from, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"arn:aws:secretsmanager:eu-west-1:333333333333:secret:payments/b", secret(acctA, "a"), secret(acctB, "c")}
	if !reflect.DeepEqual(plan.Secrets, want) {
		t.Fatalf("secrets %v, want %v", plan.Secrets, want)
	}
	if len(ts.by) != 0 {
		t.Error("no LookupEvents when the Lake answers")
	}
	if len(lk.started) != 1 {
		t.Fatalf("one query: %v", lk.started)
	}
	sql := lk.started[0]
	for _, part := range []string{
		"FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE ",
		"eventSource = 'secretsmanager.amazonaws.com'",
		"eventName IN ('GetSecretValue', 'BatchGetSecretValue')",
		"errorCode IS NULL",
		"eventTime >= '" + from.Format("2006-01-02 15:04:05") + "' AND eventTime <= '2026-11-20 12:00:00'",
		"userIdentity.principalid IN ('" + key + "', '" + princ + "', 'O''Brien')",
		"userIdentity.accesskeyid IN (", "userIdentity.sessioncontext.sessionissuer.arn IN (",
	} {
		if !strings.Contains(sql, part) {
			t.Errorf("SQL lacks %q:\n%s", part, sql)
		}
	}
	if len(lk.gets) != 4 || aws.ToString(lk.gets[3].NextToken) != "next" || aws.ToString(lk.gets[0].QueryId) != "q-1" {
		t.Errorf("polled while queued or running, then paginated: %d calls", len(lk.gets))
	}
	if len(plan.Covered) != 1 || plan.Covered[0].Source != SourceLake || !plan.Covered[0].From.Equal(from) {
		t.Errorf("covered %+v", plan.Covered)
	}
}

func TestPlanFallsBackToLookupEventsWhenTheLakeFails(t *testing.T) {
	clk := &clock{now: now}
	lk := &lake{status: []cttypes.QueryStatus{cttypes.QueryStatusFailed}}
	ts := &trails{clk: clk, by: map[string]*trail{}}
	p := &Planner{Lake: &Lake{ARN: storeARN, API: lk, Sleep: clk.Sleep}, Lookup: ts.lookup(acctA), Now: clk.Now}
	plan, err := p.Plan(context.Background(), []string{key}, now.Add(-10*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Covered) != 1 || plan.Covered[0].Source != SourceLookup || len(plan.Unseen) < 2 || !strings.Contains(plan.Unseen[1].Why, "CloudTrail Lake query failed") {
		t.Fatalf("%+v", plan)
	}
	if _, err := DataStoreID("arn:aws:cloudtrail:us-east-1:1:trail/x"); err == nil {
		t.Error("a trail is not an event data store")
	}
}
