package awsinv

import (
	"context"
	"fmt"
	"sort"

	"github.com/secretwarden/warden/internal/snapshot"
)

// unit is one account-region to read.
type unit struct {
	account, region string
	// fail, when set, is why the unit cannot be read at all.
	fail string
}

// units lists the account-regions to read, sorted by account then region.
func (inv *Inventory) units(v *orgView) []unit {
	known := map[string]bool{}
	var out []unit
	for _, a := range v.accounts {
		known[a.ID] = true
		if !inv.wanted(a.ID) {
			continue
		}
		if a.Status != "" && a.Status != "ACTIVE" {
			inv.opts.Logger.Info("skipping an account that is not active", "account", a.ID, "status", a.Status)
			continue
		}
		for _, r := range inv.opts.Regions {
			out = append(out, unit{account: a.ID, region: r})
		}
	}
	for _, id := range inv.opts.Accounts {
		if known[id] {
			continue
		}
		for _, r := range inv.opts.Regions {
			out = append(out, unit{account: id, region: r, fail: fmt.Sprintf("account %s is not an account of organization %s", id, v.org.ID)})
		}
	}
	sortUnits(out)
	return out
}

func sortUnits(u []unit) {
	sort.Slice(u, func(i, j int) bool {
		if u[i].account != u[j].account {
			return u[i].account < u[j].account
		}
		return u[i].region < u[j].region
	})
}

// placeholder stands for a whole account-region that could not be read.
func placeholder(partition, account, region, msg string) snapshot.SecretEntry {
	return snapshot.SecretEntry{
		AccountID: account,
		Region:    region,
		Secret: snapshot.Secret{
			ARN:  fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:*", partition, region, account),
			Name: "*",
		},
		Error: msg,
	}
}

// result is a unit read.
type result struct {
	idx     int
	entries []snapshot.SecretEntry
}

// Secrets implements inventory.Inventory. Every account-region is read in
// parallel (Options.Concurrency at a time); fn is called from the calling
// goroutine in the order account, region, secret name, as soon as an
// account-region's turn comes. An error from fn or a cancelled context stops
// the read.
func (inv *Inventory) Secrets(ctx context.Context, fn func(*snapshot.SecretEntry) error) error {
	v, err := inv.orgView(ctx)
	if err != nil {
		return err
	}
	units := inv.units(v)
	total := len(units)
	if inv.opts.Progress != nil {
		inv.opts.Progress(0, total)
	}
	if total == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	results := make(chan result, total)
	workers := min(inv.opts.Concurrency, total)
	done := make(chan struct{})
	go func() {
		defer close(jobs)
		for i := range units {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	running := workers
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range jobs {
				results <- result{idx: i, entries: inv.readUnit(ctx, v, units[i])}
			}
		}()
	}
	stop := func() {
		cancel()
		for ; running > 0; running-- {
			<-done
		}
	}
	defer stop()

	pending := map[int][]snapshot.SecretEntry{}
	next, finished := 0, 0
	for next < total {
		var r result
		select {
		case r = <-results:
		case <-ctx.Done():
			return fmt.Errorf("list secrets: %w", ctx.Err())
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("list secrets: %w", err)
		}
		finished++
		if inv.opts.Progress != nil {
			inv.opts.Progress(finished, total)
		}
		pending[r.idx] = r.entries
		for {
			entries, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			for i := range entries {
				if err := fn(&entries[i]); err != nil {
					return err
				}
			}
			next++
		}
	}
	return nil
}
