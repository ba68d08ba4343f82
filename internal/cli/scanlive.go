package cli

import (
	"context"

	"github.com/secretwarden/warden/internal/output"
	"github.com/secretwarden/warden/internal/scan"
	"github.com/secretwarden/warden/internal/snapshot"
)

// runLive scans live AWS: the inventory streams account-region by
// account-region into the engine.
func (o *scanOpts) runLive(ctx context.Context, stdio IO, format output.Format) error {
	l, err := o.load(ctx)
	if err != nil {
		return badInput(err)
	}
	now, err := evalTime(o.now, &snapshot.Snapshot{})
	if err != nil {
		return err
	}
	prog := newProgress(stdio.Err)
	inv, err := openLive(ctx, &o.live, newLogger(prog), prog.regions)
	if err != nil {
		return err
	}
	u := &unreadable{}
	sum, err := scanInventory(ctx, stdio, l, countingInventory{Inventory: inv, u: u}, now, format, scan.Options{Progress: prog.evaluated}, nil)
	prog.clear()
	if err != nil {
		return err
	}
	if err := u.report(stdio.Err); err != nil {
		return err
	}
	return failGate(sum, o.failOn)
}
