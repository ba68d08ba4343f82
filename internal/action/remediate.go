package action

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Remediator removes offending statements from a secret's resource policy.
type Remediator struct {
	// Reads reaches GetResourcePolicy in the secret's account and region
	// (the Audit role).
	Reads ClientFor[GetResourcePolicyAPI]
	// Writes reaches PutResourcePolicy and DeleteResourcePolicy there (the
	// Responder role, whose PutResourcePolicy requires BlockPublicPolicy).
	Writes ClientFor[ResourcePolicyWriteAPI]
	// DryRun reads the current policy and plans, but writes nothing.
	DryRun bool
}

// RemediationRequest names the statements to remove.
type RemediationRequest struct {
	SecretARN string
	// Statements are 0-based indices into DecidedPolicy (the decision's
	// "statements").
	Statements []int
	// DecidedPolicy is the policy text the indices refer to: the policy as
	// put, from the event (see PolicyAsPut). Required: a statement is only
	// removed when the current policy still holds exactly that statement.
	DecidedPolicy string
}

// RemediationResult is what a remediation found and did.
type RemediationResult struct {
	// PriorPolicy is the policy before the remediation ("" when the secret
	// had none); it is saved with the finding.
	PriorPolicy string
	// Removed are the indices, in PriorPolicy, of the statements removed
	// (or that would be, in a dry run).
	Removed []int
	// Skipped says, per requested statement that was not removed, why
	// (changed since the decision, no longer present).
	Skipped []string
	// NewPolicy is the policy put ("" when deleted or unchanged).
	NewPolicy string
	// Deleted is true when no statement remained and the policy was (or
	// would be) deleted.
	Deleted bool
	// Changed is true when PutResourcePolicy or DeleteResourcePolicy ran.
	Changed bool
}

// Remediate removes the requested statements from the secret's current
// resource policy. Each requested statement is looked up by content in
// the current policy (by Sid first when it has one), so a stale index never
// removes the wrong statement: a statement changed since the decision is
// left alone and reported in Skipped. The rest of the policy is put back
// with BlockPublicPolicy, or the policy is deleted when nothing remains.
// Running it again finds nothing left to remove (idempotent). Secrets
// Manager has no conditional write: a policy changed between the read and
// the write is overwritten (the prior text is returned either way).
func (r *Remediator) Remediate(ctx context.Context, req RemediationRequest) (RemediationResult, error) {
	var res RemediationResult
	ref, err := parseSecretARN(req.SecretARN)
	if err != nil {
		return res, fmt.Errorf("remediate: %w", err)
	}
	if len(req.Statements) == 0 {
		return res, errors.New("remediate: no statements requested")
	}
	if req.DecidedPolicy == "" {
		return res, errors.New("remediate: the policy the statement indices refer to is unknown, so they cannot be re-validated: nothing removed")
	}
	decided, err := parsePolicy(req.DecidedPolicy)
	if err != nil {
		return res, fmt.Errorf("remediate: decided policy: %w", err)
	}
	if r.Reads == nil || r.Writes == nil {
		return res, errors.New("remediate: no Secrets Manager client configured")
	}
	reader, err := r.Reads(ctx, ref.account, ref.region)
	if err != nil {
		return res, fmt.Errorf("remediate: reach secrets manager in %s/%s: %w", ref.account, ref.region, err)
	}
	out, err := reader.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(req.SecretARN)})
	if err != nil {
		return res, fmt.Errorf("remediate: get resource policy: %w", err)
	}
	res.PriorPolicy = aws.ToString(out.ResourcePolicy)
	if res.PriorPolicy == "" {
		res.Skipped = append(res.Skipped, "the secret has no resource policy any more")
		return res, nil
	}
	current, err := parsePolicy(res.PriorPolicy)
	if err != nil {
		return res, fmt.Errorf("remediate: current policy: %w", err)
	}

	taken := make([]bool, len(current.statements))
	for _, i := range dedupeInts(req.Statements) {
		if i < 0 || i >= len(decided.statements) {
			return RemediationResult{PriorPolicy: res.PriorPolicy}, fmt.Errorf("remediate: statement %d is not in the decided policy (%d statements): nothing removed", i, len(decided.statements))
		}
		want := decided.statements[i]
		j, why := match(current.statements, taken, want)
		if j < 0 {
			res.Skipped = append(res.Skipped, fmt.Sprintf("statement %d %s", i, why))
			continue
		}
		taken[j] = true
		res.Removed = append(res.Removed, j)
	}
	sort.Ints(res.Removed)
	if len(res.Removed) == 0 {
		return res, nil
	}
	var keep []any
	for j, st := range current.statements {
		if !taken[j] {
			keep = append(keep, st)
		}
	}
	if len(keep) == 0 {
		res.Deleted = true
		if r.DryRun {
			return res, nil
		}
		api, err := r.Writes(ctx, ref.account, ref.region)
		if err != nil {
			return res, fmt.Errorf("remediate: reach secrets manager in %s/%s to write: %w", ref.account, ref.region, err)
		}
		if _, err := api.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(req.SecretARN)}); err != nil {
			return res, fmt.Errorf("remediate: delete resource policy: %w", err)
		}
		res.Changed = true
		return res, nil
	}
	res.NewPolicy, err = current.render(keep)
	if err != nil {
		return res, fmt.Errorf("remediate: %w", err)
	}
	if r.DryRun {
		return res, nil
	}
	api, err := r.Writes(ctx, ref.account, ref.region)
	if err != nil {
		return res, fmt.Errorf("remediate: reach secrets manager in %s/%s to write: %w", ref.account, ref.region, err)
	}
	// BlockPublicPolicy is always sent: Secrets Manager then refuses a
	// policy that still allows broad access (API Reference,
	// "PutResourcePolicy"), and the Responder role may only put a policy
	// with it (condition secretsmanager:BlockPublicPolicy = true).
	_, err = api.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{
		SecretId: aws.String(req.SecretARN), ResourcePolicy: aws.String(res.NewPolicy), BlockPublicPolicy: aws.Bool(true),
	})
	var public *smtypes.PublicPolicyException
	if errors.As(err, &public) {
		return res, fmt.Errorf("remediate: the remaining statements still make the secret public, so Secrets Manager refused them (BlockPublicPolicy); the offending policy is still in place: %w", err)
	}
	if err != nil {
		return res, fmt.Errorf("remediate: put resource policy: %w", err)
	}
	res.Changed = true
	return res, nil
}

// match finds the current statement that is the decided one: by Sid when
// it has one (then the content must be unchanged), else by content. It
// returns -1 and why when there is none.
func match(current []any, taken []bool, want any) (int, string) {
	if s := sid(want); s != "" {
		changed := false
		for j, st := range current {
			if taken[j] || sid(st) != s {
				continue
			}
			if sameStatement(st, want) {
				return j, ""
			}
			changed = true
		}
		if changed {
			return -1, fmt.Sprintf("(Sid %q) changed since the decision: not removed", s)
		}
		return -1, fmt.Sprintf("(Sid %q) is no longer in the policy", s)
	}
	for j, st := range current {
		if !taken[j] && sameStatement(st, want) {
			return j, ""
		}
	}
	return -1, "is no longer in the policy (or changed since the decision): not removed"
}

func dedupeInts(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
