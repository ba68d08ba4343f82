package scan_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/synth"
)

func setup(t testing.TB, n int) (inventory.Inventory, *assess.Assessor, *snapshot.Snapshot) {
	t.Helper()
	snap := synth.Generate(n, 3)
	doc, err := builtin.Data()
	if err != nil {
		t.Fatal(err)
	}
	eng, cfg, err := builtin.Load(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.NewState(snap)
	bld, err := input.NewBuilder(context.Background(), inv, cfg.Params, snap.TakenAt.Time)
	if err != nil {
		t.Fatal(err)
	}
	return inv, &assess.Assessor{Engine: eng, Builder: bld, Config: cfg}, snap
}

func TestRunStreamsFindingsInInventoryOrder(t *testing.T) {
	inv, a, snap := setup(t, 700)
	var want []finding.Finding
	for i := range snap.Secrets {
		want = append(want, a.Secret(context.Background(), &snap.Secrets[i])...)
	}
	wantSum := finding.NewSummary()
	wantSum.Secrets = len(snap.Secrets)
	wantSum.Add(want...)
	for _, opts := range []scan.Options{{}, {Workers: 1, BatchSize: 1}, {Workers: 3, BatchSize: 7}, {Workers: 8, BatchSize: 1000}} {
		var got []finding.Finding
		var progress []int
		opts.Progress = func(done int) { progress = append(progress, done) }
		sum, err := scan.Run(context.Background(), inv, a, opts, func(batch []finding.Finding) error {
			got = append(got, batch...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: findings differ from evaluating the secrets one by one (%d vs %d)", opts, len(got), len(want))
		}
		if !reflect.DeepEqual(sum, wantSum) {
			t.Errorf("%+v: summary %+v, want %+v", opts, sum, wantSum)
		}
		for i := 1; i < len(progress); i++ {
			if progress[i] <= progress[i-1] {
				t.Fatalf("%+v: progress goes back: %v", opts, progress)
			}
		}
		if len(progress) == 0 || progress[len(progress)-1] != len(snap.Secrets) {
			t.Errorf("%+v: progress ends at %v, want %d", opts, progress, len(snap.Secrets))
		}
	}
}

func TestRunStopsOnSinkError(t *testing.T) {
	inv, a, _ := setup(t, 300)
	boom := errors.New("disk full")
	calls := 0
	_, err := scan.Run(context.Background(), inv, a, scan.Options{BatchSize: 10}, func([]finding.Finding) error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want it to wrap %v", err, boom)
	}
	if calls != 3 {
		t.Errorf("sink called %d times after failing on the 3rd", calls)
	}
}

// A cancelled scan says so, also when the inventory was all read (a few
// large batches) and only findings are left to write.
func TestRunCancelled(t *testing.T) {
	inv, a, _ := setup(t, 300)
	for _, size := range []int{10, 100} {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		_, err := scan.Run(ctx, inv, a, scan.Options{BatchSize: size}, func([]finding.Finding) error {
			calls++
			if calls == 1 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("batch size %d: err %v, want context.Canceled", size, err)
		}
		if calls != 1 {
			t.Errorf("batch size %d: sink called %d times after the cancel", size, calls)
		}
	}
}

// BenchmarkRun scans 2,000 synthetic secrets into a sink that drops them.
//
//	go test ./internal/scan -run '^$' -bench Run -benchmem
func BenchmarkRun(b *testing.B) {
	inv, a, _ := setup(b, 2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scan.Run(context.Background(), inv, a, scan.Options{}, func([]finding.Finding) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
