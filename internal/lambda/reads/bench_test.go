package reads

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/store"
)

// noopDB answers every write at once: the benchmark measures the handler's
// CPU (decode, classify, coalesce, build the conditional requests), not
// DynamoDB's latency.
type noopDB struct{ store.DB }

func (noopDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return &dynamodb.UpdateItemOutput{}, nil
}

// benchOrg is an organization of the benchmark's 20 accounts.
type benchOrg struct{}

func (benchOrg) Organization(context.Context) (snapshot.Organization, []snapshot.Account, error) {
	var accounts []snapshot.Account
	for i := range 20 {
		accounts = append(accounts, snapshot.Account{ID: fmt.Sprintf("%012d", 222222222200+i)})
	}
	return snapshot.Organization{ID: orgID, MasterAccountID: mgmt}, accounts, nil
}

// benchBatch is the reads batch the benchmark measures: SQS's largest for a
// standard queue with a batching window (Lambda Developer Guide, "Using
// Lambda with Amazon SQS": BatchSize up to 10,000).
const benchBatch = 10_000

// benchBatchOf is a batch of reads from inside the organization: 200
// principals in 20 accounts each reading some of 25 secrets, at random
// times of one UTC day, in the full envelope EventBridge delivers (about
// 1.7 KB each, TLS details and all).
func benchBatchOf() events.SQSEvent {
	rng := rand.New(rand.NewPCG(1, 2))
	var ev events.SQSEvent
	for i := range benchBatch {
		p := rng.IntN(200)
		account := fmt.Sprintf("%012d", 222222222200+p%20)
		r := read{
			id: fmt.Sprintf("%08x-22cf-4a6d-9c3e-%012d", i, i), account: account,
			principal: fmt.Sprintf("AROAEXAMPLEROLE%03d:i-%017x", p, p),
			key:       fmt.Sprintf("ASIAEXAMPLE%09d", p),
			secret:    fmt.Sprintf("arn:aws:secretsmanager:us-east-1:%s:secret:app/service-%02d-AbCdEf", account, rng.IntN(25)),
			at:        now.Add(-time.Duration(rng.IntN(10*3600)) * time.Second),
		}
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: r.envelope()})
	}
	return ev
}

// BenchmarkReadsBatch measures one invocation over a 10,000-read batch:
// decode, classify (inside the organization), coalesce the ledger writes
// and build their conditional requests. ns/read is the per-read CPU;
// run with -cpu 1 for one core:
//
//	go test ./internal/lambda/reads -run X -bench . -cpu 1
func BenchmarkReadsBatch(b *testing.B) {
	ev := benchBatchOf()
	orgs := benchOrg{}
	st := store.New(noopDB{}, table)
	st.Now = func() time.Time { return now }
	dec := &decider{}
	writes := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for b.Loop() {
		// A new handler per batch: nothing is remembered from the last one,
		// so every distinct write of the batch is made.
		h := &Handler{Org: orgs, OrganizationID: orgID, Ledger: st, Decider: dec, Metrics: io.Discard,
			Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
		resp, _ := h.Handle(context.Background(), ev)
		if len(resp.BatchItemFailures) != 0 || len(dec.evs) != 0 {
			b.Fatalf("failures %v, decided %d", resp.BatchItemFailures, len(dec.evs))
		}
		writes = len(h.seen)
	}
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchBatch, "ns/read")
	// The process's CPU time (user and system, the garbage collector
	// included) per read: unlike ns/read, it does not grow when other
	// processes share the machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/benchBatch, "cpu-ns/read")
	b.ReportMetric(float64(writes)/benchBatch, "writes/read")
}

// cpuTime is the CPU time the process has used (getrusage RUSAGE_SELF).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
