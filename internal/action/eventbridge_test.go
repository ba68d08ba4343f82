package action_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/action"
)

func noSleep(context.Context, time.Duration) error { return nil }

func events(n int, detail any) []action.Event {
	evs := make([]action.Event, n)
	for i := range evs {
		evs[i] = action.Event{DetailType: action.DetailTypeFinding, Detail: detail, Resources: []string{arn}, Time: t0}
	}
	return evs
}

func TestPutEventsBatchesOfTen(t *testing.T) {
	bus := &fakeBus{}
	eb := &action.EventBridge{API: bus, BusName: "warden", Sleep: noSleep}
	if err := eb.Put(context.Background(), events(25, map[string]string{"policy_id": "x"})); err != nil {
		t.Fatal(err)
	}
	if len(bus.calls) != 3 || len(bus.calls[0]) != 10 || len(bus.calls[2]) != 5 {
		t.Fatalf("batches: %d", len(bus.calls))
	}
	e := bus.calls[0][0]
	if aws.ToString(e.Source) != "secretwarden" || aws.ToString(e.DetailType) != "Secret Warden Finding" ||
		aws.ToString(e.EventBusName) != "warden" || aws.ToString(e.Detail) != `{"policy_id":"x"}` || e.Resources[0] != arn {
		t.Fatalf("entry: %+v", e)
	}
}

func TestPutEventsSizeLimit(t *testing.T) {
	bus := &fakeBus{}
	eb := &action.EventBridge{API: bus, Sleep: noSleep}
	big := strings.Repeat("x", 100*1024)
	if err := eb.Put(context.Background(), events(3, big)); err != nil {
		t.Fatal(err)
	}
	if len(bus.calls) != 2 {
		t.Fatalf("three 100 KB events need two requests under 256 KB, got %d", len(bus.calls))
	}
	if err := eb.Put(context.Background(), events(1, strings.Repeat("x", 300*1024))); err == nil {
		t.Fatal("an event over 256 KB is refused")
	}
}

func TestPutEventsRetriesFailedEntries(t *testing.T) {
	bus := &fakeBus{failFirst: map[int]string{1: "ThrottlingException", 3: "MalformedDetail"}}
	eb := &action.EventBridge{API: bus, Sleep: noSleep}
	err := eb.Put(context.Background(), events(5, "d"))
	if len(bus.calls) != 2 || len(bus.calls[1]) != 1 {
		t.Fatalf("only the throttled entry is retried: %d calls", len(bus.calls))
	}
	if err == nil || !strings.Contains(err.Error(), "MalformedDetail") || strings.Contains(err.Error(), "Throttling") {
		t.Fatalf("the permanent failure is reported, the retried one is not: %v", err)
	}
	bus = &fakeBus{failAll: "InternalFailure"}
	eb.API = bus
	if err := eb.Put(context.Background(), events(2, "d")); err == nil || len(bus.calls) != 3 {
		t.Fatalf("transient failures are retried up to 3 attempts then reported: %v, %d calls", err, len(bus.calls))
	}
}
