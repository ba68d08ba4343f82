package cli

import (
	"context"
	"fmt"

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
	sum, errs, err := scanInventory(ctx, stdio, l, countingInventory{Inventory: inv, u: u}, now, format, scan.Options{Progress: prog.evaluated}, nil)
	prog.clear()
	if err != nil {
		return err
	}
	u.print(stdio.Err)
	v := verdict{sum: sum, errs: errs, failOn: o.failOn}
	if sum.Secrets == 0 {
		v.empty = "no secrets found in the accounts and regions read: nothing was evaluated"
	}
	if u.n > 0 && errs.atLeast(o.failOn) > 0 {
		return &ExitError{Code: ExitBadInput, Err: fmt.Errorf("%d secret(s) or account-region(s) could not be read from AWS (error findings, see above); the rest was evaluated", u.n)}
	}
	return v.exit("in live AWS")
}
