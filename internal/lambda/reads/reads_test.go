package reads

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

const (
	table      = "warden"
	orgID      = "o-exampleorg1"
	memberAcct = "222222222222"
	member2    = "333333333333"
	mgmt       = "111111111111"
	outside    = "999988887777"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// staticOrg is an organization of three accounts.
type staticOrg struct {
	id  string
	err error
}

func (o staticOrg) Organization(context.Context) (snapshot.Organization, []snapshot.Account, error) {
	if o.err != nil {
		return snapshot.Organization{}, nil, o.err
	}
	id := o.id
	if id == "" {
		id = orgID
	}
	return snapshot.Organization{ID: id, MasterAccountID: mgmt}, []snapshot.Account{{ID: memberAcct}, {ID: member2}}, nil
}

// decider records the events it is asked to decide.
type decider struct {
	mu   sync.Mutex
	evs  []event.Event
	fail map[string]error // by event id
}

func (d *decider) HandleEvent(_ context.Context, ev *event.Event, _ *metrics.Set) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.evs = append(d.evs, *ev)
	return d.fail[ev.ID]
}

func (d *decider) ids() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, e := range d.evs {
		out = append(out, e.ID)
	}
	return out
}

// recorder records the UpdateItem requests and fails those of a partition.
type recorder struct {
	store.DB
	mu     sync.Mutex
	reqs   []*dynamodb.UpdateItemInput
	failPK string
}

func (r *recorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, in)
	fail := r.failPK != "" && in.Key["pk"].(*types.AttributeValueMemberS).Value == r.failPK
	r.mu.Unlock()
	if fail {
		return nil, errors.New("ProvisionedThroughputExceededException: slow down")
	}
	return r.DB.UpdateItem(ctx, in, opts...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

type rig struct {
	h    *Handler
	db   *storetest.Fake
	rec  *recorder
	st   *store.Store
	dec  *decider
	out  *bytes.Buffer
	logs *bytes.Buffer
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := storetest.New(t, table)
	rec := &recorder{DB: db}
	st := store.New(rec, table)
	st.Now = func() time.Time { return now }
	var out, logs bytes.Buffer
	r := &rig{db: db, rec: rec, st: st, dec: &decider{fail: map[string]error{}}, out: &out, logs: &logs}
	r.h = &Handler{
		Org: staticOrg{}, OrganizationID: orgID, Ledger: st, Decider: r.dec,
		Metrics: &out, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Now: func() time.Time { return now },
	}
	return r
}

// read is a GetSecretValue record.
type read struct {
	id, account, principal, key, secret, errorCode string
	at                                             time.Time
	noIdentity                                     bool
	service                                        bool
	batch                                          []string
}

// envelope renders a read as the reads queue delivers it.
func (r read) envelope() string {
	at := r.at
	if at.IsZero() {
		at = now.Add(-time.Minute)
	}
	rec := map[string]any{
		"eventVersion": "1.11", "eventID": r.id, "eventName": "GetSecretValue", "eventSource": "secretsmanager.amazonaws.com",
		"eventTime": at.Format(time.RFC3339), "awsRegion": "us-east-1", "eventType": "AwsApiCall", "readOnly": true,
		"recipientAccountId": memberAcct, "requestParameters": map[string]any{"secretId": r.secret}, "responseElements": nil,
		"sourceIPAddress": "10.0.0.1", "userAgent": "aws-sdk-go-v2",
		"tlsDetails": map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "secretsmanager.us-east-1.amazonaws.com"},
	}
	if r.batch != nil {
		rec["eventName"] = "BatchGetSecretValue"
		rec["requestParameters"] = map[string]any{"secretIdList": r.batch}
	}
	switch {
	case r.service:
		rec["userIdentity"] = map[string]any{"invokedBy": "cloudformation.amazonaws.com"}
	case !r.noIdentity:
		rec["userIdentity"] = map[string]any{
			"type": "AssumedRole", "principalId": r.principal, "accountId": r.account, "accessKeyId": r.key,
			"arn": "arn:aws:sts::" + r.account + ":assumed-role/app/" + r.principal,
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::" + r.account + ":role/app"},
				"attributes": map[string]any{"mfaAuthenticated": "false", "creationDate": "2026-11-20T09:00:00Z"}},
		}
	}
	if r.errorCode != "" {
		rec["errorCode"] = r.errorCode
		rec["errorMessage"] = "no"
	}
	b, _ := json.Marshal(map[string]any{"version": "0", "id": "env-" + r.id, "detail-type": "AWS API Call via CloudTrail",
		"source": "aws.secretsmanager", "account": memberAcct, "time": at.Format(time.RFC3339), "region": "us-east-1",
		"resources": []any{}, "detail": rec})
	return string(b)
}

func secretARN(account, name string) string {
	return "arn:aws:secretsmanager:us-east-1:" + account + ":secret:" + name + "-AbCdEf"
}

func batchOf(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: b})
	}
	return ev
}

func failedIDs(resp events.SQSEventResponse) []string {
	var out []string
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

func emf(t *testing.T, out *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var doc map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &doc); err != nil {
		t.Fatalf("EMF line: %v: %q", err, out.String())
	}
	return doc
}

func TestReadsFromInsideOnlyFeedTheLedgerOncePerDay(t *testing.T) {
	r := newRig(t)
	a, b := secretARN(memberAcct, "app/db"), secretARN(member2, "app/api")
	p1 := read{account: memberAcct, principal: "AROAAPP:i-1", key: "ASIAKEY1"}
	p2 := read{account: member2, principal: "AROAAPP:i-2", key: "ASIAKEY2"}
	var bodies []string
	for i := range 6 { // p1 reads a six times, across two UTC days
		x := p1
		x.id, x.secret, x.at = fmt.Sprintf("e%d", i), a, now.Add(-time.Duration(i)*4*time.Hour)
		bodies = append(bodies, x.envelope())
	}
	x := p1
	x.id, x.secret = "e6", b
	bodies = append(bodies, x.envelope())
	y := p2
	y.id, y.secret = "e7", a
	bodies = append(bodies, y.envelope())
	resp, _ := r.h.Handle(context.Background(), batchOf(bodies...))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v\n%s", resp.BatchItemFailures, r.logs)
	}
	if ids := r.dec.ids(); len(ids) != 0 {
		t.Fatalf("a read from inside the organization is never decided: %v", ids)
	}
	// Writes: (p1, a) on 2 days, (p1, b), (p2, a); aliases: p1's session
	// ARN, role ARN and access key on 2 days, p2's on 1; the coverage.
	wantWrites := 4 + 3*2 + 3 + 1
	if got := r.rec.count(); got != wantWrites {
		t.Fatalf("%d UpdateItem requests, want %d (one per principal, secret and UTC day)", got, wantWrites)
	}
	for _, in := range r.rec.reqs {
		if cond := aws.ToString(in.ConditionExpression); cond != "attribute_not_exists(#day) OR #day < :day" {
			t.Errorf("every ledger write is conditional on the day: %q", cond)
		}
	}
	got, err := r.st.Reads(context.Background(), []string{"ASIAKEY1"}, now.Add(-48*time.Hour))
	if err != nil || len(got) != 2 {
		t.Fatalf("the ledger finds p1's secrets by its access key: %v %v", got, err)
	}
	m := emf(t, r.out)
	if m["ReadsInside"] != 8.0 || m["LedgerWrites"] != float64(wantWrites-1) || m["ReadsDecided"] != nil && m["ReadsDecided"] != 0.0 {
		t.Errorf("metrics %v", m)
	}
	// The same reads again (a redelivery, or the next batch): this process
	// already wrote them today, so nothing is written.
	r.out.Reset()
	before := r.rec.count()
	resp, _ = r.h.Handle(context.Background(), batchOf(bodies...))
	if len(resp.BatchItemFailures) != 0 || r.rec.count() != before {
		t.Fatalf("no second write: %d new requests, failures %v", r.rec.count()-before, resp.BatchItemFailures)
	}
	// Another process (a concurrent Lambda): its writes are refused by the
	// condition, and the stored day stays as it was.
	other := &Handler{Org: r.h.Org, OrganizationID: orgID, Ledger: r.st, Decider: r.dec, Metrics: r.out, Log: r.h.Log, Now: r.h.Now}
	item := r.db.Item(store.LedgerPK("AROAAPP:i-2"), "SECRET#"+a)
	if _, err := other.Handle(context.Background(), batchOf(bodies[7])); err != nil {
		t.Fatal(err)
	}
	if after := r.db.Item(store.LedgerPK("AROAAPP:i-2"), "SECRET#"+a); after["read_at"].(*types.AttributeValueMemberS).Value != item["read_at"].(*types.AttributeValueMemberS).Value {
		t.Errorf("a refused write changed the item: %v → %v", item, after)
	}
}

func TestClassification(t *testing.T) {
	r := newRig(t)
	sec := secretARN(memberAcct, "app/db")
	inside := read{account: memberAcct, principal: "AROAAPP:i-1", key: "ASIAKEY1", secret: sec}
	mk := func(id string, f func(*read)) string {
		x := inside
		x.id = id
		f(&x)
		return x.envelope()
	}
	change := strings.Replace(mk("change", func(*read) {}), `"GetSecretValue"`, `"PutResourcePolicy"`, 1)
	resp, _ := r.h.Handle(context.Background(), batchOf(
		mk("inside", func(*read) {}),
		mk("management", func(x *read) { x.account = mgmt }),
		mk("service", func(x *read) { x.service = true }),
		mk("outside", func(x *read) { x.account = outside }),
		mk("unknown", func(x *read) { x.noIdentity = true }),
		mk("denied", func(x *read) { x.errorCode = "AccessDenied" }),
		mk("denied-exception", func(x *read) { x.errorCode = "AccessDeniedException" }),
		mk("not-found", func(x *read) { x.errorCode = "ResourceNotFoundException" }),
		mk("batch", func(x *read) { x.batch = []string{sec, secretARN(memberAcct, "app/other")} }),
		change,
		`{"not": "an event"}`,
	))
	if got := failedIDs(resp); len(got) != 0 {
		t.Fatalf("failures %v\n%s", got, r.logs)
	}
	want := "outside,unknown,denied,denied-exception,change"
	if got := strings.Join(r.dec.ids(), ","); got != want {
		t.Fatalf("decided %s, want %s", got, want)
	}
	for _, ev := range r.dec.evs {
		if ev.Request == nil {
			t.Errorf("%s is decided on the full event (request parameters and all), not the fast decode", ev.ID)
		}
	}
	m := emf(t, r.out)
	if m["ReadsInside"] != 4.0 || m["ReadsDecided"] != 5.0 || m["ReadsFailed"] != 1.0 || m["MalformedMessages"] != 1.0 || m["ReadsUnattributed"] != 1.0 {
		t.Errorf("metrics %v", m)
	}
	// The service read names no principal: nothing in the ledger for it;
	// the batch read records both secrets.
	if got, _ := r.st.Reads(context.Background(), []string{"AROAAPP:i-1"}, now.Add(-time.Hour)); len(got) != 2 {
		t.Errorf("ledger %v", got)
	}
	if !strings.Contains(r.logs.String(), `"message_id":"m10"`) || strings.Contains(r.logs.String(), "an event") {
		t.Errorf("the malformed message is logged by id, never its body: %s", r.logs)
	}
}

func TestPartialFailuresArePerMessage(t *testing.T) {
	r := newRig(t)
	a, b := secretARN(memberAcct, "app/db"), secretARN(memberAcct, "app/api")
	p1 := read{account: memberAcct, principal: "AROAAPP:i-1", secret: a}
	p2 := read{account: memberAcct, principal: "AROAAPP:i-2", secret: b}
	out := read{account: outside, principal: "AROAEVIL:x", secret: a}
	r.rec.failPK = store.LedgerPK("AROAAPP:i-2")
	r.dec.fail["bad-decision"] = errors.New("ThrottlingException: rate exceeded")
	mk := func(x read, id string) string { x.id = id; return x.envelope() }
	resp, _ := r.h.Handle(context.Background(), batchOf(
		mk(p1, "ok-1"), mk(p2, "fails-1"), mk(out, "ok-decided"), mk(p2, "fails-2"), mk(out, "bad-decision"), mk(p1, "ok-2"),
	))
	if got := strings.Join(failedIDs(resp), ","); got != "m4,m1,m3" {
		t.Fatalf("returned %s, want the failed decision and the two reads whose ledger write failed", got)
	}
	if m := emf(t, r.out); m["MessagesFailed"] != 3.0 {
		t.Errorf("metrics %v", m)
	}
	// The retry succeeds and writes only what is missing.
	r.rec.failPK = ""
	delete(r.dec.fail, "bad-decision")
	before := r.rec.count()
	resp, _ = r.h.Handle(context.Background(), batchOf(mk(p2, "fails-1"), mk(p2, "fails-2")))
	if len(resp.BatchItemFailures) != 0 || r.rec.count()-before != 1 {
		t.Fatalf("retry: failures %v, %d writes (want the one that failed)", resp.BatchItemFailures, r.rec.count()-before)
	}
}

func TestAnotherOrganizationIsNeverClassified(t *testing.T) {
	for name, org := range map[string]staticOrg{"other": {id: "o-otherorg12"}, "unreadable": {err: errors.New("AccessDenied")}} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			r.h.Org = org
			x := read{id: "e1", account: memberAcct, principal: "AROAAPP:i-1", secret: secretARN(memberAcct, "a")}
			resp, _ := r.h.Handle(context.Background(), batchOf(x.envelope(), x.envelope()))
			if len(resp.BatchItemFailures) != 2 || r.rec.count() != 0 || len(r.dec.ids()) != 0 {
				t.Fatalf("every message waits for a retry, nothing is written or decided: %v", resp.BatchItemFailures)
			}
		})
	}
}

// screen responds to the events whose ids it names.
type screen map[string]bool

func (s screen) Responds(_ context.Context, ev *event.Event, members func(string) bool) (bool, error) {
	if ev.Request == nil || !members(memberAcct) {
		return false, errors.New("the screen gets the full event and the organization")
	}
	return s[ev.ID], nil
}

func TestCustomRulesScreenWhatNoBuiltInRuleDecides(t *testing.T) {
	r := newRig(t)
	r.h.Screen = screen{"custom-inside": true, "custom-failed": true}
	x := read{account: memberAcct, principal: "AROAAPP:i-1", secret: secretARN(memberAcct, "a")}
	mk := func(id, code string) string { y := x; y.id, y.errorCode = id, code; return y.envelope() }
	resp, _ := r.h.Handle(context.Background(), batchOf(mk("plain", ""), mk("custom-inside", ""), mk("custom-failed", "DecryptionFailure"), mk("failed", "DecryptionFailure")))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp)
	}
	if got := strings.Join(r.dec.ids(), ","); got != "custom-inside,custom-failed" {
		t.Fatalf("decided %s", got)
	}
	if got, _ := r.st.Reads(context.Background(), []string{"AROAAPP:i-1"}, now.Add(-time.Hour)); len(got) != 1 {
		t.Errorf("a screened read from inside is still in the ledger: %v", got)
	}
}
