package awsinv

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretwarden/warden/internal/snapshot"
)

// This file serves the Lambda handlers and `warden rotate`, which read one
// secret or one account-region rather than the whole organization: the
// organization is discovered once (as for Secrets) and shared by every call.

// Clients returns the clients of an account-region with the credentials the
// inventory uses there: the audit role in a member account, the base
// credentials in the caller's own account (unless
// Options.AssumeRoleInCallerAccount).
func (inv *Inventory) Clients(ctx context.Context, accountID, region string) (*RegionClients, error) {
	v, err := inv.orgView(ctx)
	if err != nil {
		return nil, err
	}
	role := inv.role(v, accountID)
	c, err := inv.factory.Region(ctx, accountID, region, role)
	if err != nil {
		return nil, fmt.Errorf("create clients for %s/%s: %w", accountID, region, err)
	}
	return c, nil
}

// Unit reads one account-region exactly as Secrets reads each of its
// account-regions (every secret, described, with its resource policy,
// sorted by name; what cannot be read is in Error fields, a whole
// account-region that cannot be read is one placeholder entry), whatever
// Options.Accounts and Options.Regions say. An account that is not in the
// organization yields a placeholder entry; an account that is not active
// yields nothing. fn is called from the calling goroutine; its error stops
// the read.
func (inv *Inventory) Unit(ctx context.Context, accountID, region string, fn func(*snapshot.SecretEntry) error) error {
	v, err := inv.orgView(ctx)
	if err != nil {
		return err
	}
	u := unit{account: accountID, region: region}
	switch a := v.account(accountID); {
	case a == nil:
		u.fail = fmt.Sprintf("account %s is not an account of organization %s", accountID, v.org.ID)
	case a.Status != "" && a.Status != "ACTIVE":
		inv.opts.Logger.Info("skipping an account that is not active", "account", a.ID, "status", a.Status)
		return nil
	}
	entries := inv.readUnit(ctx, v, u)
	for i := range entries {
		if err := fn(&entries[i]); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("list secrets: %w", err)
	}
	return nil
}

// Secret reads one secret of an account-region without listing the region:
// DescribeSecret and GetResourcePolicy, through the audit role and within
// the account-region's rate limits. secretID is a full or partial ARN or a
// name. It returns (nil, nil) when the secret does not exist.
//
// When a call fails, the returned entry carries the failure in Error (the
// engine turns it into error findings, never a silent pass) and the error
// is returned too, so the caller can tell a transient failure (throttling,
// a 5xx: worth a retry) from a lasting one (access denied).
func (inv *Inventory) Secret(ctx context.Context, accountID, region, secretID string) (*snapshot.SecretEntry, error) {
	v, err := inv.orgView(ctx)
	if err != nil {
		return nil, err
	}
	e := &snapshot.SecretEntry{AccountID: accountID, Region: region, Secret: snapshot.Secret{
		ARN: secretIDAsARN(v.partition, accountID, region, secretID), Name: secretName(secretID),
	}}
	if v.account(accountID) == nil {
		e.Error = fmt.Sprintf("account %s is not an account of organization %s", accountID, v.org.ID)
		return e, nil
	}
	role := inv.role(v, accountID)
	c, err := inv.factory.Region(ctx, accountID, region, role)
	if err != nil {
		op := "create clients"
		if role != nil {
			op = "AssumeRole " + role.ARN
		}
		e.Error = callError(op, accountID, region, err)
		return e, fmt.Errorf("read secret %s: %w", secretID, err)
	}
	lim := inv.lim.get(accountID, region)
	err = lim.wait(ctx, famDescribeSecret)
	var out *secretsmanager.DescribeSecretOutput
	if err == nil {
		out, err = c.DescribeSecret.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	}
	switch {
	case err != nil && isCode(err, notFound):
		return nil, nil
	case err != nil:
		e.Error = callError("DescribeSecret", accountID, region, err)
		return e, fmt.Errorf("describe secret %s: %w", secretID, err)
	}
	e.Secret = fromDescribe(out)
	err = lim.wait(ctx, famGetResourcePolicy)
	var pol *secretsmanager.GetResourcePolicyOutput
	if err == nil {
		pol, err = c.GetResourcePolicy.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(e.Secret.ARN)})
	}
	switch {
	case err == nil:
		if s := aws.ToString(pol.ResourcePolicy); s != "" {
			e.ResourcePolicy = &s
		}
	case isCode(err, notFound):
		return nil, nil
	case !e.Secret.DeletedDate.IsZero() && isCode(err, "InvalidRequestException"):
		// As in a sweep: a secret pending deletion refuses most calls and
		// its checks are not applicable anyway.
	default:
		// Only the checks that read the policy depend on it.
		e.ResourcePolicyError = callError("GetResourcePolicy", accountID, region, err)
		return e, fmt.Errorf("get resource policy of %s: %w", e.Secret.ARN, err)
	}
	if p := v.problems[accountID]; p != "" {
		e.Error = "account " + accountID + " metadata unknown (OU or tag parameters cannot be applied): " + p
	}
	return e, nil
}

// account returns the discovered account with id, or nil.
func (v *orgView) account(id string) *snapshot.Account {
	for i := range v.accounts {
		if v.accounts[i].ID == id {
			return &v.accounts[i]
		}
	}
	return nil
}

// secretIDAsARN names a secret that could not be read by an ARN: the id when
// it is one, else an ARN built from its name (without the random suffix).
func secretIDAsARN(partition, account, region, id string) string {
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s", partition, region, account, id)
}

// secretName is the name part of a secret id.
func secretName(id string) string {
	if strings.HasPrefix(id, "arn:") {
		if i := strings.Index(id, ":secret:"); i >= 0 {
			return id[i+len(":secret:"):]
		}
	}
	return id
}
