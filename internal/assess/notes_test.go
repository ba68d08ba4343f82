package assess_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/snapshot"
)

// TestNotesMakeExactlyTheReadingChecksError is the table of which built-in
// checks each part of the input a template fills can change: a note that a
// part is unknown makes exactly those checks error, the others keep their
// verdict. It cross-checks the input paths the template mapper notes
// (internal/template) against the checks' rules, through the engine's
// analysis of what each rule reads.
func TestNotesMakeExactlyTheReadingChecksError(t *testing.T) {
	days := int64(30)
	rotating := func(e *snapshot.SecretEntry) {
		e.Secret.RotationEnabled = true
		e.Secret.RotationRules = &snapshot.RotationRules{AutomaticallyAfterDays: &days}
	}
	cases := []struct {
		paths  []string
		mutate func(*snapshot.SecretEntry)
		want   string // the checks that turn error, sorted
	}{
		{[]string{"secret.KmsKeyId", "kms_key"}, nil, "kms-customer-managed"},
		{[]string{"resource_policy"}, nil, "no-external-access no-wildcard-principal"},
		{[]string{"secret.Tags"}, nil, "required-tags"},
		{[]string{"secret.RotationEnabled", "secret.RotationRules"}, nil, "rotation-enabled rotation-succeeding"},
		{[]string{"secret.ReplicationStatus", "replica_kms_keys"}, nil, "kms-customer-managed replication-present"},
		{[]string{"replica_kms_keys"}, nil, "kms-customer-managed"},
		{[]string{"secret.Name"}, nil, ""},
		{[]string{"secret.RotationLambdaARN"}, nil, ""},
		{[]string{"secret.Description"}, nil, ""},
		// rotation-enabled reads region only for a replica (its
		// PrimaryRegion guard fails for a primary); unused's replica skip
		// reads it unguarded.
		{[]string{"region"}, nil, "replication-present unused"},
		// Without rotation, the interval's definitions are guarded out.
		{[]string{"params.max_rotation_days"}, nil, ""},
		{[]string{"params.max_rotation_days"}, rotating, "rotation-enabled"},
		{[]string{"params.required_tag_keys"}, nil, "required-tags"},
		{[]string{""}, nil, "kms-customer-managed no-external-access no-wildcard-principal replication-present required-tags rotated-recently rotation-enabled rotation-succeeding unused"},
	}
	for _, c := range cases {
		base := func(e *snapshot.SecretEntry) {
			if c.mutate != nil {
				c.mutate(e)
			}
		}
		snap := oneSecret(func(e *snapshot.SecretEntry) {
			base(e)
			for _, p := range c.paths {
				e.Notes = append(e.Notes, snapshot.InputNote{Path: p, Kind: snapshot.NoteUnknown, Reason: "cannot resolve " + p})
			}
		})
		plainSnap := oneSecret(base)
		plain := byPolicy(setup(t, plainSnap, "").Secret(context.Background(), &plainSnap.Secrets[0]))
		got := setup(t, snap, "").Secret(context.Background(), &snap.Secrets[0])
		var errs []string
		for _, f := range got {
			if f.Status == finding.StatusError {
				errs = append(errs, f.PolicyID)
				if !strings.HasPrefix(f.Message, "cannot resolve ") {
					t.Errorf("%v: %s: message %q", c.paths, f.PolicyID, f.Message)
				}
				continue
			}
			if p := plain[f.PolicyID]; p.Status != f.Status || p.Message != f.Message {
				t.Errorf("%v: %s changed from %s %q to %s %q", c.paths, f.PolicyID, p.Status, p.Message, f.Status, f.Message)
			}
		}
		sort.Strings(errs)
		if strings.Join(errs, " ") != c.want {
			t.Errorf("unknown %v: errors %v, want %q", c.paths, errs, c.want)
		}
	}
}

// TestRuntimeStateNotApplicable: the checks that read a secret's runtime
// state are not_applicable for a secret not deployed yet, with the reason;
// a note that a value was assumed is added to the message of the checks
// that read it.
func TestRuntimeStateNotApplicable(t *testing.T) {
	snap := oneSecret(func(e *snapshot.SecretEntry) {
		e.Secret.CreatedDate = snapshot.Time{}
		for _, p := range []string{"ages", "version_stages", "secret.CreatedDate", "secret.LastAccessedDate", "secret.LastRotatedDate", "secret.NextRotationDate"} {
			e.Notes = append(e.Notes, snapshot.InputNote{Path: p, Kind: snapshot.NoteInapplicable, Reason: "before deploy"})
		}
		e.Notes = append(e.Notes, snapshot.InputNote{Path: "secret.Tags", Kind: snapshot.NoteAssumed, Reason: "parameter Owner = x (its default)"})
		e.Origin = &snapshot.Origin{ID: "template:t.yaml#S", ResourceType: "AWS::SecretsManager::Secret", LogicalID: "S", File: "t.yaml", Line: 7}
	})
	fs := byPolicy(setup(t, snap, "").Secret(context.Background(), &snap.Secrets[0]))
	for _, id := range []string{"unused", "rotated-recently", "rotation-succeeding"} {
		if f := fs[id]; f.Status != finding.StatusNotApplicable || !strings.HasPrefix(f.Message, "before deploy (reads ") {
			t.Errorf("%s: %s %q", id, f.Status, f.Message)
		}
	}
	if f := fs["rotation-enabled"]; f.Status != finding.StatusFail {
		t.Errorf("rotation-enabled: %s %q", f.Status, f.Message)
	}
	if f := fs["required-tags"]; f.Status != finding.StatusPass || f.Message != "assumes parameter Owner = x (its default)" {
		t.Errorf("required-tags: %s %q", f.Status, f.Message)
	}
	f := fs["kms-customer-managed"]
	if f.SecretARN != "template:t.yaml#S" || f.File != "t.yaml" || f.Line != 7 || f.LogicalID != "S" || f.ResourceType != "AWS::SecretsManager::Secret" {
		t.Errorf("location: %+v", f)
	}
}
