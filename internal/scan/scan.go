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
	parent := ctx
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
				if ctx.Err() != nil { // stopping: the batch will not be sunk
					close(b.done)
					continue
				}
				for _, e := range b.entries {
					fs := a.Secret(ctx, e)
					if b.out == nil {
						// Size the batch's findings on its first secret's
						// instead of growing them (a batch of 128 secrets
						// holds about a thousand findings).
						b.out = make([]finding.Finding, 0, len(fs)*len(b.entries))
					}
					b.out = append(b.out, fs...)
				}
				close(b.done)
			}
		}()
	}

	var produceErr error
	go func() {
		defer close(ordered)
		defer close(work)
		newBatch := func() *batch {
			return &batch{entries: make([]*snapshot.SecretEntry, 0, min(size, 4096)), done: make(chan struct{})}
		}
		cur := newBatch()
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
			cur = newBatch()
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
	skipped := false // a batch was not sunk because ctx was cancelled
	for b := range ordered {
		select {
		case <-b.done:
		case <-ctx.Done():
		}
		if sinkErr != nil {
			continue
		}
		if ctx.Err() != nil {
			skipped = true
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
	case skipped:
		// Cancelled after the last secret was read: the findings are not
		// all out either.
		return sum, fmt.Errorf("scan: %w", context.Cause(parent))
	}
	return sum, nil
}
