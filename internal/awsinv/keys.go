package awsinv

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/secretwarden/warden/internal/inventory"
)

// aliasEntry is one ListAliases entry.
type aliasEntry struct {
	name, arn, target string
}

// Key implements inventory.Inventory: it resolves a secret's KmsKeyId with
// DescribeKey in the secret's account (the region of a key ARN, else the
// given region), cached per account, region and reference, and fills
// AliasNames from ListAliases of the key's account-region (cached). An
// absent reference or alias/aws/secretsmanager is the AWS managed key and
// costs no call. The result must not be modified.
func (inv *Inventory) Key(ctx context.Context, accountID, region, ref string) (*inventory.ResolvedKey, error) {
	if inventory.IsAWSManagedRef(ref) {
		return &inventory.ResolvedKey{AliasNames: []string{inventory.AWSManagedAlias}, AWSManaged: true}, nil
	}
	if p, ok := inventory.ParseARN(ref); ok && p.Region != "" {
		region = p.Region
	}
	return inv.keys.get(ctx, accountID+"|"+region+"|"+ref, func() (*inventory.ResolvedKey, error) {
		k, err := inv.resolveKey(ctx, accountID, region, ref)
		if err != nil && !isContext(err) {
			inv.opts.Logger.Warn("KMS key not resolved: the key checks of the secrets using it fail (no such key) or are error", "account", accountID, "region", region, "key", ref, "reason", apiText(err))
		}
		return k, err
	})
}

func (inv *Inventory) resolveKey(ctx context.Context, account, region, ref string) (*inventory.ResolvedKey, error) {
	v, err := inv.orgView(ctx)
	if err != nil {
		return nil, err
	}
	c, err := inv.factory.Region(ctx, account, region, inv.role(v, account))
	if err != nil {
		return nil, fmt.Errorf("create clients for %s/%s: %w", account, region, err)
	}
	lim := inv.lim.get(account, region)
	if err := lim.wait(ctx, famDescribeKey); err != nil {
		return nil, err
	}
	out, err := c.DescribeKey.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
	if err != nil {
		msg := fmt.Sprintf("DescribeKey %s in %s/%s: %s", ref, account, region, apiText(err))
		if isCode(err, "NotFoundException") {
			// No such key: the key checks fail ("unknown key"). Any other
			// failure means the key could not be read: they are error.
			return nil, &textError{msg: msg, err: errors.Join(err, inventory.ErrKeyNotFound)}
		}
		return nil, &textError{msg: msg, err: err}
	}
	if out.KeyMetadata == nil {
		return nil, fmt.Errorf("describe key %s in %s/%s: no KeyMetadata", ref, account, region)
	}
	key := fromKeyMetadata(out.KeyMetadata)
	names := map[string]bool{}
	if name := aliasName(ref); name != "" {
		names[name] = true
	}
	kp, ok := inventory.ParseARN(key.Arn)
	if ok && kp.Account == account {
		aliases, err := inv.aliases.get(ctx, account+"|"+kp.Region, func() ([]aliasEntry, error) {
			return inv.listAliases(ctx, c, lim)
		})
		if err != nil && !isContext(err) {
			inv.opts.Logger.Warn("KMS aliases not listed: allowlists by alias name cannot match", "account", account, "region", kp.Region, "reason", apiText(err))
		}
		for _, a := range aliases {
			if a.target == key.KeyID {
				names[a.name] = true
			}
		}
	}
	res := &inventory.ResolvedKey{Key: key, AWSManaged: key.KeyManager == "AWS"}
	for n := range names {
		res.AliasNames = append(res.AliasNames, n)
	}
	sort.Strings(res.AliasNames)
	return res, nil
}

// aliasName is the alias name of an alias reference ("alias/x" or its ARN).
func aliasName(ref string) string {
	if p, ok := inventory.ParseARN(ref); ok {
		ref = p.Resource
	}
	if strings.HasPrefix(ref, "alias/") {
		return ref
	}
	return ""
}

// listAliases pages through ListAliases of one account-region.
func (inv *Inventory) listAliases(ctx context.Context, c *RegionClients, lim *regionLimiters) ([]aliasEntry, error) {
	var out []aliasEntry
	p := kms.NewListAliasesPaginator(c.ListAliases, &kms.ListAliasesInput{})
	for p.HasMorePages() {
		if err := lim.wait(ctx, famListAliases); err != nil {
			return nil, err
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list aliases: %w", err)
		}
		for _, a := range page.Aliases {
			out = append(out, aliasEntry{name: aws.ToString(a.AliasName), arn: aws.ToString(a.AliasArn), target: aws.ToString(a.TargetKeyId)})
		}
	}
	return out, nil
}
