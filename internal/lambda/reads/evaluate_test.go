package reads

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	warden "github.com/secretwarden/warden"
	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/lambda/evaluate"
	"github.com/secretwarden/warden/internal/lambda/lambdatest"
	"github.com/secretwarden/warden/internal/lambda/live"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/store"
	"github.com/secretwarden/warden/internal/store/storetest"
)

// sampleOrg serves the bundled sample organization: as live state for the
// evaluate handler, as the organization for the reads handler.
type sampleOrg struct {
	mu    sync.Mutex
	loads int
}

func (s *sampleOrg) snapshot(t testing.TB) *snapshot.Snapshot {
	snap, err := snapshot.LoadFS(warden.Sample, "testdata/org", "testdata/org")
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func (s *sampleOrg) State(_ context.Context, refs []live.Ref, _ time.Time) (*inventory.State, []string, error) {
	s.mu.Lock()
	s.loads++
	s.mu.Unlock()
	snap, err := snapshot.LoadFS(warden.Sample, "testdata/org", "testdata/org")
	if err != nil {
		return nil, nil, err
	}
	st := inventory.NewState(snap)
	var arns []string
	for _, r := range refs {
		if e := st.Lookup(r.AccountID, r.Region, r.SecretID); e != nil {
			arns = append(arns, e.Secret.ARN)
		}
	}
	return st, arns, nil
}

func (s *sampleOrg) Organization(context.Context) (snapshot.Organization, []snapshot.Account, error) {
	snap, err := snapshot.LoadFS(warden.Sample, "testdata/org", "testdata/org")
	if err != nil {
		return snapshot.Organization{}, nil, err
	}
	return snap.Organization, snap.Accounts, nil
}

// evaluateRig is an evaluate handler over the sample organization, with
// its alerts and rotate queue.
type evaluateRig struct {
	h      *evaluate.Handler
	st     *store.Store
	org    *sampleOrg
	alerts *lambdatest.SNS
	rotate *lambdatest.SQS
}

var sampleNow = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func newEvaluate(t *testing.T) *evaluateRig {
	t.Helper()
	eng, cfg := lambdatest.Engine(t)
	st := store.New(storetest.New(t, table), table)
	st.Now = func() time.Time { return sampleNow }
	r := &evaluateRig{st: st, org: &sampleOrg{}, alerts: &lambdatest.SNS{}, rotate: &lambdatest.SQS{}}
	sns := &action.SNS{API: r.alerts, TopicARN: "arn:aws:sns:us-east-1:111111111111:alerts"}
	modes := action.Modes{"read-outside-organization": action.ModeEnforce}
	r.h = &evaluate.Handler{
		Store: st, States: r.org, Engine: eng, Policy: cfg,
		Recorder: &action.Recorder{Store: st, Alerts: sns},
		Executor: &action.Executor{Modes: modes, Alerts: sns, Dedupe: st, PriorPolicies: st,
			Rotator: &action.QueueRotator{API: r.rotate, QueueURL: "https://sqs.us-east-1.amazonaws.com/111111111111/rotate"},
			Now:     func() time.Time { return sampleNow }},
		Metrics: &bytes.Buffer{}, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return sampleNow },
	}
	return r
}

// sampleReads are the sample read events, one message each, as the org
// bus delivers them.
func sampleReads(t *testing.T) []string {
	t.Helper()
	var bodies []string
	for _, name := range []string{"05_GetSecretValue_payments-db-primary-app-role.json", "09_GetSecretValue_access-denied-burst.jsonl",
		"18_GetSecretValue_terraform-state-key-external-account.json", "25_GetSecretValue_tmp-export-not-in-snapshot.json",
		"26_GetSecretValue_payments-db-primary-exfiltrated-creds.json"} {
		b, err := fs.ReadFile(warden.Sample, "testdata/events/"+name)
		if err != nil {
			t.Fatal(err)
		}
		docs := []string{string(b)}
		if strings.HasSuffix(name, ".jsonl") {
			docs = strings.Split(strings.TrimSpace(string(b)), "\n")
		}
		for _, d := range docs {
			var rec map[string]any
			if err := json.Unmarshal([]byte(d), &rec); err != nil {
				t.Fatal(err)
			}
			env, _ := json.Marshal(map[string]any{"version": "0", "id": "env-" + rec["eventID"].(string), "detail-type": "AWS API Call via CloudTrail",
				"source": "aws.secretsmanager", "account": rec["recipientAccountId"], "time": rec["eventTime"], "region": rec["awsRegion"],
				"resources": []any{}, "detail": rec})
			bodies = append(bodies, string(env))
		}
	}
	return bodies
}

func sorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}

// The reads handler decides the reads that need it exactly as the evaluate
// handler does (same alerts, same rotation requests), without loading any
// state for the reads from inside the organization.
func TestReadsAreDecidedExactlyAsTheEvaluateHandlerDecidesThem(t *testing.T) {
	bodies := sampleReads(t)
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: "m" + string(rune('a'+i)), Body: b})
	}

	alone := newEvaluate(t)
	if resp, _ := alone.h.Handle(context.Background(), ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("evaluate: %v", resp.BatchItemFailures)
	}

	via := newEvaluate(t)
	h := &Handler{Org: via.org, OrganizationID: "o-a1b2c3d4e5", Ledger: via.st, Decider: via.h, Metrics: &bytes.Buffer{},
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return sampleNow }}
	if resp, _ := h.Handle(context.Background(), ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("reads: %v", resp.BatchItemFailures)
	}

	if alone.alerts.Len() == 0 || len(alone.rotate.Sent()) == 0 {
		t.Fatalf("the samples must alert and rotate (external read): %d alerts, %d rotations", alone.alerts.Len(), len(alone.rotate.Sent()))
	}
	if got, want := sorted(via.alerts.Messages), sorted(alone.alerts.Messages); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("alerts differ:\nreads    %v\nevaluate %v", got, want)
	}
	if got, want := sorted(via.rotate.Sent()), sorted(alone.rotate.Sent()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rotation requests differ:\nreads    %v\nevaluate %v", got, want)
	}
	burst := false
	for _, m := range alone.alerts.Messages {
		burst = burst || strings.Contains(m, "access-denied-burst")
	}
	if !burst {
		t.Error("the access-denied burst alerts")
	}
	// Inside reads loaded no state: only the outside and denied ones did.
	if via.org.loads >= alone.org.loads {
		t.Errorf("state loads: reads %d, evaluate %d: reads from inside must load none", via.org.loads, alone.org.loads)
	}
	// And the ledger knows the same reads either way; a secret read by name
	// (sample 26) is named by its ARN without the random suffix, since no
	// state is loaded to complete it (DescribeSecret resolves it when a
	// plan needs it).
	full := "arn:aws:secretsmanager:us-east-1:334455667788:secret:payments/db-primary-Kw0EJ3"
	partial := strings.TrimSuffix(full, "-Kw0EJ3")
	for _, key := range []string{"ASIAIU3YUZ2KCP2LLPYG", "ASIABGOSNXVABAJGRH5L"} {
		a, _ := alone.st.Reads(context.Background(), []string{key}, sampleNow.Add(-30*24*time.Hour))
		b, _ := via.st.Reads(context.Background(), []string{key}, sampleNow.Add(-30*24*time.Hour))
		if strings.Join(a, ",") != full || strings.Join(b, ",") != partial+","+full {
			t.Errorf("ledger of %s: evaluate %v, reads %v", key, a, b)
		}
	}
}
