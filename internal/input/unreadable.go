package input

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Unreadable is a part of a secret's policy input that could not be read,
// or was invalid and left out: the checks that read it cannot be judged.
type Unreadable struct {
	// Path is the part's input path ("resource_policy", "kms_key",
	// "secret.RotationRules.AutomaticallyAfterDays"); empty means all of it.
	Path []string
	// Derived marks a part the builder derives from another one and leaves
	// out when that one is invalid (input.ages.days.X for an invalid date
	// X): only a check that reads it by name needs it.
	Derived bool
	// Reason says why, for the error finding.
	Reason string
}

// Unreadable lists the parts of e's input that could not be read: its
// resource policy (GetResourcePolicy failed), its KMS key or a replica's
// (DescribeKey failed, not "no such key"), the fields the snapshot held
// invalid values for, and the organization's account list when it could
// not be listed. An entry that could not be read at all is not listed
// here: Build refuses it (UnreadError).
func (b *Builder) Unreadable(ctx context.Context, e *snapshot.SecretEntry) []Unreadable {
	var out []Unreadable
	if e.ResourcePolicyError != "" {
		out = append(out, Unreadable{Path: []string{"resource_policy"}, Reason: "resource policy not read: " + e.ResourcePolicyError})
	}
	if r := b.keyProblem(ctx, e.AccountID, e.Region, e.Secret.KmsKeyID); r != "" {
		out = append(out, Unreadable{Path: []string{"kms_key"}, Reason: r})
	}
	for _, rep := range e.Secret.ReplicationStatus {
		if r := b.keyProblem(ctx, e.AccountID, rep.Region, rep.KmsKeyID); r != "" {
			out = append(out, Unreadable{Path: []string{"replica_kms_keys", rep.Region}, Reason: "replica " + rep.Region + ": " + r})
		}
	}
	for _, f := range e.Invalid {
		out = append(out, invalidParts(f)...)
	}
	if b.orgError != "" {
		out = append(out, Unreadable{Path: []string{"organization", "account_ids"}, Reason: "the organization's accounts are not known: " + b.orgError})
	}
	return out
}

// keyProblem says why a key reference could not be read, or "" when it
// was read or does not exist (an unknown key is judged by the checks).
func (b *Builder) keyProblem(ctx context.Context, account, region, ref string) string {
	if inventory.IsAWSManagedRef(ref) {
		return ""
	}
	if _, ok := b.keys.get(keyRef{account, region, ref}); ok {
		return ""
	}
	_, err := b.inv.Key(ctx, account, region, ref)
	if err == nil || errors.Is(err, inventory.ErrKeyNotFound) || errors.Is(err, context.Canceled) {
		return ""
	}
	return "KMS key " + ref + " could not be described: " + err.Error()
}

// invalidParts maps an invalid snapshot field to the input parts it feeds.
func invalidParts(f snapshot.InvalidField) []Unreadable {
	reason := "invalid " + f.Field + " in the snapshot: " + f.Msg
	field, _, _ := strings.Cut(f.Field, "[") // Secret.Tags[2].Key: Secret.Tags
	parts := strings.Split(field, ".")
	switch parts[0] {
	case "Secret":
		path := append([]string{"secret"}, parts[1:]...)
		out := []Unreadable{{Path: path, Reason: reason}}
		derived := func(p ...string) { out = append(out, Unreadable{Path: p, Derived: true, Reason: reason}) }
		switch {
		case len(parts) == 1:
			derived("ages")
			derived("version_stages")
		case slices.Contains(AgeFields, parts[1]):
			derived("ages", "days", parts[1])
			derived("ages", "hours", parts[1])
		case parts[1] == "ReplicationStatus":
			derived("ages", "replica_access_days")
		case parts[1] == "VersionIdsToStages":
			derived("version_stages")
		}
		return out
	case "ResourcePolicy":
		return []Unreadable{{Path: []string{"resource_policy"}, Reason: reason}}
	case "Region":
		return []Unreadable{{Path: []string{"region"}, Reason: reason}}
	case "AccountId":
		return []Unreadable{{Path: []string{"account"}, Reason: reason}, {Path: []string{"params"}, Reason: reason}}
	}
	// Anything else (the entry's Error itself): nothing can be trusted.
	return []Unreadable{{Path: nil, Reason: reason}}
}
