package replay_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/replay"
	"github.com/secretwarden/warden/internal/snapshot"
)

func decider(t *testing.T) *decide.Decider {
	t.Helper()
	eng, cfg, err := builtin.Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st := inventory.NewState(&snapshot.Snapshot{})
	b, err := input.NewBuilder(context.Background(), st, cfg.Params, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &decide.Decider{State: st, Assessor: &assess.Assessor{Engine: eng, Builder: b, Config: cfg}, History: decide.NewMemory()}
}

func TestRunDecidesInTimeOrderStably(t *testing.T) {
	base := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	mk := func(id string, at time.Time) event.Event {
		return event.Event{ID: id, Name: "ListSecrets", Source: "secretsmanager.amazonaws.com", Time: at}
	}
	evs := []event.Event{mk("c", base.Add(2*time.Minute)), mk("a", base), mk("b1", base.Add(time.Minute)), mk("b2", base.Add(time.Minute))}
	var order []string
	sum, err := replay.Run(context.Background(), decider(t), evs, func(d *decide.Decision) error {
		order = append(order, d.EventID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := order[0] + order[1] + order[2] + order[3]; got != "ab1b2c" {
		t.Errorf("order %v", order)
	}
	if sum.Events != 4 || sum.Decided+sum.Skipped != 4 {
		t.Errorf("summary %+v", sum)
	}
}

func TestRunStopsOnSinkError(t *testing.T) {
	evs := []event.Event{{ID: "a", Name: "ListSecrets", Source: "secretsmanager.amazonaws.com"}, {ID: "b", Name: "ListSecrets", Source: "secretsmanager.amazonaws.com"}}
	boom := errors.New("disk full")
	n := 0
	_, err := replay.Run(context.Background(), decider(t), evs, func(*decide.Decision) error { n++; return boom })
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("err %v after %d", err, n)
	}
}
