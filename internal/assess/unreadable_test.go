package assess_test

import (
	"context"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/snapshot"
)

// statuses runs every check on the first secret of snap.
func statuses(t *testing.T, snap *snapshot.Snapshot) map[string]finding.Finding {
	t.Helper()
	a := setup(t, snap, "")
	return byPolicy(a.Secret(context.Background(), &snap.Secrets[0]))
}

// clean is what the checks say of a secret whose parts all read.
func clean(t *testing.T, mut func(*snapshot.SecretEntry)) map[string]finding.Finding {
	t.Helper()
	return statuses(t, oneSecret(mut))
}

// exactlyErrors asserts that the checks in want are error with cause in
// their message, and every other check has the status it has when nothing
// is missing.
func exactlyErrors(t *testing.T, got, base map[string]finding.Finding, cause string, want ...string) {
	t.Helper()
	errs := map[string]bool{}
	for _, id := range want {
		errs[id] = true
	}
	for id, f := range got {
		switch {
		case errs[id]:
			if f.Status != finding.StatusError || !strings.HasPrefix(f.Message, "not evaluated: ") || !strings.Contains(f.Message, cause) {
				t.Errorf("%s: %s %q, want error naming %q", id, f.Status, f.Message, cause)
			}
		case f.Status != base[id].Status:
			t.Errorf("%s: %s (%s), want %s as when every part reads", id, f.Status, f.Message, base[id].Status)
		}
	}
}

// GetResourcePolicy denied: only the two checks that read the policy are
// error, with the AWS error; a real fail of another check (the AWS managed
// key) is still reported.
func TestUnreadablePolicyErrorsOnlyThePolicyChecks(t *testing.T) {
	denied := "GetResourcePolicy in 111122223333/us-east-1: AccessDeniedException: not authorized"
	got := statuses(t, oneSecret(func(e *snapshot.SecretEntry) { e.ResourcePolicyError = denied }))
	exactlyErrors(t, got, clean(t, nil), denied, "no-external-access", "no-wildcard-principal")
	if f := got["kms-customer-managed"]; f.Status != finding.StatusFail || !strings.Contains(f.Message, "AWS managed key") {
		t.Errorf("kms-customer-managed must still fail: %+v", f)
	}
}

// DescribeKey denied: kms-customer-managed is error naming the cause, not
// an "unknown key" fail; a key that does not exist still fails.
func TestUndescribableKeyIsErrorNotUnknown(t *testing.T) {
	keyARN := "arn:aws:kms:us-east-1:111122223333:key/0000-1111"
	useKey := func(e *snapshot.SecretEntry) { e.Secret.KmsKeyID = keyARN }
	denied := "DescribeKey " + keyARN + " in 111122223333/us-east-1: AccessDeniedException: key policy denies kms:DescribeKey"
	snap := oneSecret(useKey)
	snap.Keys = []snapshot.Key{{Arn: keyARN, AWSAccountID: "111122223333", Error: denied}}
	got := statuses(t, snap)
	exactlyErrors(t, got, clean(t, useKey), denied, "kms-customer-managed")
	if f := clean(t, useKey)["kms-customer-managed"]; f.Status != finding.StatusFail || !strings.Contains(f.Message, "unknown key") {
		t.Errorf("a key not in the inventory fails: %+v", f)
	}
}

// An invalid field makes error the checks that read it (or what is derived
// from it), no other.
func TestInvalidFieldsErrorTheChecksThatReadThem(t *testing.T) {
	days := int64(30)
	rotating := func(e *snapshot.SecretEntry) {
		e.Secret.RotationEnabled = true
		e.Secret.RotationLambdaARN = "arn:aws:lambda:us-east-1:111122223333:function:rot"
		e.Secret.RotationRules = &snapshot.RotationRules{AutomaticallyAfterDays: &days}
	}
	for _, c := range []struct {
		field string
		want  []string
	}{
		// AutomaticallyAfterDays: -5 used to pass rotation-enabled.
		{"Secret.RotationRules.AutomaticallyAfterDays", []string{"rotation-enabled", "rotation-succeeding"}},
		// NextRotationDate 0001-01-01 used to pass rotation-succeeding.
		{"Secret.NextRotationDate", []string{"rotation-succeeding"}},
		{"Secret.Tags[1].Key", []string{"required-tags"}},
		{"ResourcePolicy", []string{"no-external-access", "no-wildcard-principal"}},
		{"Secret.KmsKeyId", []string{"kms-customer-managed"}},
		{"Secret.CreatedDate", []string{"rotated-recently", "rotation-succeeding", "unused"}},
	} {
		t.Run(c.field, func(t *testing.T) {
			msg := "line 3, column 7: bad value"
			got := statuses(t, oneSecret(func(e *snapshot.SecretEntry) {
				rotating(e)
				e.Invalid = []snapshot.InvalidField{{Field: c.field, Msg: msg}}
			}))
			exactlyErrors(t, got, clean(t, rotating), "invalid "+c.field+" in the snapshot: "+msg, c.want...)
		})
	}
}

// The organization's account list unknown: the in-organization check is
// error, the others are evaluated.
func TestUnknownOrganizationErrorsTheOrganizationCheck(t *testing.T) {
	snap := oneSecret(nil)
	snap.OrganizationError = "ListAccounts denied (AccessDeniedException: no)"
	exactlyErrors(t, statuses(t, snap), clean(t, nil), "ListAccounts denied", "no-external-access")
}
