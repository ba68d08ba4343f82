// Package scan evaluates every secret of an inventory in parallel and
// streams the findings, in inventory order, to a sink.
package scan

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Sink receives findings batch by batch, in inventory order.
type Sink func(batch []finding.Finding) error

// Options tune a scan.
type Options struct {
	// Workers evaluating secrets; 0 means GOMAXPROCS.
	Workers int
	// BatchSize is the number of secrets per unit of work; 0 means 128.
	BatchSize int
	// Progress, when set, is called after each batch with the number of
	// secrets done so far.
	Progress func(done int)
}

type batch struct {
	seq     int
	entries []*snapshot.SecretEntry
	out     []finding.Finding
	done    chan struct{}
}

// Run evaluates every secret of inv with a and hands the findings to sink.
// It returns the summary. A sink error or a cancelled context stops it.
func Run(ctx context.Context, inv inventory.Inventory, a *assess.Assessor, opts Options, sink Sink) (*finding.Summary, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := opts.BatchSize
	if size <= 0 {
		size = 128
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	work := make(chan *batch, workers*2)
	ordered := make(chan *batch, workers*4)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				for _, e := range b.entries {
					b.out = append(b.out, a.Secret(ctx, e)...)
				}
				close(b.done)
			}
		}()
	}

	var produceErr error
	go func() {
		defer close(ordered)
		defer close(work)
		cur := &batch{done: make(chan struct{})}
		seq := 0
		flush := func() bool {
			if len(cur.entries) == 0 {
				return true
			}
			cur.seq = seq
			seq++
			select {
			case ordered <- cur:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- cur:
			case <-ctx.Done():
				return false
			}
			cur = &batch{done: make(chan struct{})}
			return true
		}
		produceErr = inv.Secrets(ctx, func(e *snapshot.SecretEntry) error {
			cur.entries = append(cur.entries, e)
			if len(cur.entries) >= size && !flush() {
				return ctx.Err()
			}
			return nil
		})
		if produceErr == nil {
			flush()
		}
	}()

	sum := finding.NewSummary()
	var sinkErr error
	done := 0
	for b := range ordered {
		select {
		case <-b.done:
		case <-ctx.Done():
		}
		if sinkErr != nil || ctx.Err() != nil {
			continue
		}
		select {
		case <-b.done:
		default:
			continue
		}
		sum.Secrets += len(b.entries)
		sum.Add(b.out...)
		if err := sink(b.out); err != nil {
			sinkErr = err
			cancel()
		}
		done += len(b.entries)
		if opts.Progress != nil {
			opts.Progress(done)
		}
		b.out, b.entries = nil, nil
	}
	cancel()
	wg.Wait()
	switch {
	case sinkErr != nil:
		return sum, fmt.Errorf("write findings: %w", sinkErr)
	case produceErr != nil:
		return sum, fmt.Errorf("read inventory: %w", produceErr)
	}
	return sum, nil
}
