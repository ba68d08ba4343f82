// Package replay decides a stream of past events in time order against a
// working copy of a snapshot: "what if these policies had been live then?".
package replay

import (
	"context"
	"fmt"
	"sort"

	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/event"
)

// Sink receives each decision in time order.
type Sink func(*decide.Decision) error

// Run sorts events by time (stable: ties keep their input order) and
// decides each with d, handing decisions to sink.
func Run(ctx context.Context, d *decide.Decider, events []event.Event, sink Sink) (*decide.Summary, error) {
	sorted := make([]*event.Event, len(events))
	for i := range events {
		sorted[i] = &events[i]
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.Before(sorted[j].Time) })
	sum := decide.NewSummary()
	for _, ev := range sorted {
		if err := ctx.Err(); err != nil {
			return sum, fmt.Errorf("replay events: %w", err)
		}
		dec, err := d.Decide(ctx, ev)
		if err != nil {
			return sum, fmt.Errorf("replay events: %w", err)
		}
		sum.Add(dec)
		if err := sink(dec); err != nil {
			return sum, fmt.Errorf("write decision: %w", err)
		}
	}
	return sum, nil
}
