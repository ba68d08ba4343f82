package awsinv

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretwarden/warden/internal/snapshot"
)

// readUnit reads one account-region: every secret, described, with its
// resource policy, sorted by name. What cannot be read is in Error fields.
func (inv *Inventory) readUnit(ctx context.Context, v *orgView, u unit) []snapshot.SecretEntry {
	if u.fail != "" {
		return []snapshot.SecretEntry{placeholder(v.partition, u.account, u.region, u.fail)}
	}
	role := inv.role(v, u.account)
	c, err := inv.factory.Region(ctx, u.account, u.region, role)
	if err != nil {
		op := "create clients"
		if role != nil {
			op = "AssumeRole " + role.ARN
		}
		return []snapshot.SecretEntry{placeholder(v.partition, u.account, u.region, callError(op, u.account, u.region, err))}
	}
	lim := inv.lim.get(u.account, u.region)
	entries, listErr := inv.listSecrets(ctx, c, lim, u)
	gone := make([]bool, len(entries))
	var wg sync.WaitGroup
	sem := make(chan struct{}, inv.opts.PerRegionConcurrency)
	for i := range entries {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			gone[i] = !inv.enrich(ctx, c, lim, &entries[i])
		}()
	}
	wg.Wait()
	out := entries[:0]
	for i := range entries {
		if !gone[i] {
			out = append(out, entries[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Secret.Name != out[j].Secret.Name {
			return out[i].Secret.Name < out[j].Secret.Name
		}
		return out[i].Secret.ARN < out[j].Secret.ARN
	})
	if p := v.problems[u.account]; p != "" {
		for i := range out {
			if out[i].Error == "" {
				out[i].Error = "account " + u.account + " metadata unknown (OU or tag parameters cannot be applied): " + p
			}
		}
	}
	if listErr != nil {
		out = append(out, placeholder(v.partition, u.account, u.region, callError("ListSecrets", u.account, u.region, listErr)))
	}
	return out
}

// listSecrets pages through ListSecrets, secrets pending deletion included.
// On an error it returns what it listed so far with the error.
func (inv *Inventory) listSecrets(ctx context.Context, c *RegionClients, lim *regionLimiters, u unit) ([]snapshot.SecretEntry, error) {
	var out []snapshot.SecretEntry
	p := secretsmanager.NewListSecretsPaginator(c.ListSecrets, &secretsmanager.ListSecretsInput{
		IncludePlannedDeletion: aws.Bool(true),
		MaxResults:             aws.Int32(100),
	})
	for p.HasMorePages() {
		if err := lim.wait(ctx, famListSecrets); err != nil {
			return out, err
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, err
		}
		for i := range page.SecretList {
			out = append(out, snapshot.SecretEntry{AccountID: u.account, Region: u.region, Secret: fromListEntry(&page.SecretList[i])})
		}
	}
	return out, nil
}

// notFound is the code of a secret deleted while the sweep ran.
const notFound = "ResourceNotFoundException"

// enrich describes a listed secret and reads its resource policy. It
// returns false when the secret no longer exists.
func (inv *Inventory) enrich(ctx context.Context, c *RegionClients, lim *regionLimiters, e *snapshot.SecretEntry) bool {
	id := aws.String(e.Secret.ARN)
	if !inv.opts.DescribeReplicatedOnly || e.Secret.PrimaryRegion != "" {
		err := lim.wait(ctx, famDescribeSecret)
		var out *secretsmanager.DescribeSecretOutput
		if err == nil {
			out, err = c.DescribeSecret.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: id})
		}
		switch {
		case err == nil:
			e.Secret = fromDescribe(out)
		case isCode(err, notFound):
			inv.opts.Logger.Debug("secret deleted during the sweep", "arn", e.Secret.ARN)
			return false
		default:
			e.Error = callError("DescribeSecret", e.AccountID, e.Region, err)
			return true
		}
	}
	err := lim.wait(ctx, famGetResourcePolicy)
	var pol *secretsmanager.GetResourcePolicyOutput
	if err == nil {
		pol, err = c.GetResourcePolicy.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: id})
	}
	switch {
	case err == nil:
		if s := aws.ToString(pol.ResourcePolicy); s != "" {
			e.ResourcePolicy = &s
		}
	case isCode(err, notFound):
		inv.opts.Logger.Debug("secret deleted during the sweep", "arn", e.Secret.ARN)
		return false
	case !e.Secret.DeletedDate.IsZero() && isCode(err, "InvalidRequestException"):
		// A secret pending deletion refuses most calls; its checks are
		// not applicable anyway, so its policy is recorded as none.
		inv.opts.Logger.Debug("resource policy of a secret pending deletion not readable", "arn", e.Secret.ARN, "reason", apiText(err))
	default:
		// Only the checks that read the policy depend on it: the rest of
		// the secret is evaluated.
		e.ResourcePolicyError = callError("GetResourcePolicy", e.AccountID, e.Region, err)
	}
	return true
}
