package awsinv

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Snapshot materializes the live state in the snapshot format, taken at now.
func (inv *Inventory) Snapshot(ctx context.Context) (*snapshot.Snapshot, error) {
	return Snapshot(ctx, inv, inv.opts.Now())
}

// Snapshot reads any inventory into a warden.snapshot/v1 document: the
// organization, its accounts, every secret entry (those that could not be
// read keep their Error, so a replay against the snapshot reports them), the
// KMS keys the secrets and their replicas actually reference, and the aliases
// naming those keys. Unresolvable keys are left out: the snapshot then says
// what the live inventory said, that the key is unknown.
func Snapshot(ctx context.Context, inv inventory.Inventory, takenAt time.Time) (*snapshot.Snapshot, error) {
	org, accounts, err := inv.Organization(ctx)
	if err != nil {
		return nil, fmt.Errorf("read organization: %w", err)
	}
	snap := &snapshot.Snapshot{
		SchemaVersion:     snapshot.SchemaVersion,
		TakenAt:           snapshot.NewTime(takenAt),
		Organization:      org,
		OrganizationError: org.Error,
		Accounts:          append([]snapshot.Account{}, accounts...),
		Keys:              []snapshot.Key{},
		Secrets:           []snapshot.SecretEntry{},
	}
	err = inv.Secrets(ctx, func(e *snapshot.SecretEntry) error {
		snap.Secrets = append(snap.Secrets, *e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read secrets: %w", err)
	}
	keys, failed, err := referencedKeys(ctx, inv, snap.Secrets)
	if err != nil {
		return nil, err
	}
	addKeys(snap, keys)
	snap.Keys = append(snap.Keys, failed...)
	return snap, nil
}

// keyRef is a key reference in an account-region.
type keyRef struct{ account, region, ref string }

// referencedKeys resolves every distinct key reference, eight at a time.
// The keys that could not be read (DescribeKey failed, not "no such key")
// are returned as failed entries, named by ARN with their Error, so that a
// scan of the snapshot reports them as live does (error, not unknown).
func referencedKeys(ctx context.Context, inv inventory.Inventory, secrets []snapshot.SecretEntry) ([]*inventory.ResolvedKey, []snapshot.Key, error) {
	seen := map[keyRef]bool{}
	var refs []keyRef
	add := func(r keyRef) {
		if !inventory.IsAWSManagedRef(r.ref) && !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	for i := range secrets {
		e := &secrets[i]
		if e.Error != "" {
			continue
		}
		add(keyRef{e.AccountID, e.Region, e.Secret.KmsKeyID})
		for _, r := range e.Secret.ReplicationStatus {
			add(keyRef{e.AccountID, r.Region, r.KmsKeyID})
		}
	}
	out := make([]*inventory.ResolvedKey, len(refs))
	errs := make([]error, len(refs))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = inv.Key(ctx, r.account, r.region, r.ref)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("resolve keys: %w", err)
	}
	var failed []snapshot.Key
	for i, err := range errs {
		if err == nil || errors.Is(err, inventory.ErrKeyNotFound) {
			continue
		}
		r := refs[i]
		failed = append(failed, snapshot.Key{Arn: keyRefARN(secretPartition(secrets), r.account, r.region, r.ref), AWSAccountID: r.account, Error: err.Error()})
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].Arn < failed[j].Arn })
	return out, failed, nil
}

// keyRefARN names a key reference by ARN: itself when it is one, else the
// key or alias ARN it means in the account-region.
func keyRefARN(partition, account, region, ref string) string {
	if _, ok := inventory.ParseARN(ref); ok {
		return ref
	}
	if strings.HasPrefix(ref, "alias/") {
		return fmt.Sprintf("arn:%s:kms:%s:%s:%s", partition, region, account, ref)
	}
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", partition, region, account, ref)
}

// secretPartition is the partition of the secrets' ARNs ("aws" by default).
func secretPartition(secrets []snapshot.SecretEntry) string {
	for i := range secrets {
		if p, ok := inventory.ParseARN(secrets[i].Secret.ARN); ok && p.Partition != "" {
			return p.Partition
		}
	}
	return "aws"
}

// addKeys adds each resolved key once (by ARN) with its aliases, sorted.
func addKeys(snap *snapshot.Snapshot, keys []*inventory.ResolvedKey) {
	byARN := map[string]bool{}
	aliases := map[string]bool{}
	for _, k := range keys {
		if k == nil || k.Key == nil || k.Key.Arn == "" || byARN[k.Key.Arn] {
			continue
		}
		byARN[k.Key.Arn] = true
		snap.Keys = append(snap.Keys, *k.Key)
		p, ok := inventory.ParseARN(k.Key.Arn)
		if !ok {
			continue
		}
		for _, name := range k.AliasNames {
			arn := fmt.Sprintf("arn:%s:kms:%s:%s:%s", p.Partition, p.Region, p.Account, name)
			if aliases[arn] {
				continue
			}
			aliases[arn] = true
			snap.Aliases = append(snap.Aliases, snapshot.Alias{AliasName: name, AliasArn: arn, TargetKeyID: k.Key.KeyID, AccountID: p.Account, Region: p.Region})
		}
	}
	sort.Slice(snap.Keys, func(i, j int) bool { return snap.Keys[i].Arn < snap.Keys[j].Arn })
	sort.Slice(snap.Aliases, func(i, j int) bool { return snap.Aliases[i].AliasArn < snap.Aliases[j].AliasArn })
}
