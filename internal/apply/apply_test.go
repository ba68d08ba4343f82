package apply

import (
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf"

var at = time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)

func state() *inventory.State {
	days := int64(30)
	return inventory.NewState(&snapshot.Snapshot{Secrets: []snapshot.SecretEntry{{
		AccountID: "111122223333", Region: "us-east-1",
		Secret: snapshot.Secret{ARN: arn, Name: "app/db", RotationEnabled: true, RotationLambdaARN: "arn:aws:lambda:us-east-1:111122223333:function:rot",
			RotationRules:      &snapshot.RotationRules{AutomaticallyAfterDays: &days},
			VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}},
			ReplicationStatus:  []snapshot.ReplicationStatus{{Region: "eu-west-1", Status: "InSync"}},
			Tags:               []snapshot.Tag{{Key: "owner", Value: "team"}}},
	}}})
}

func ev(name string, req map[string]any) *event.Event {
	return &event.Event{ID: "e-" + name, Name: name, Time: at, AccountID: "111122223333", Region: "us-east-1",
		Source: "secretsmanager.amazonaws.com", Secret: event.SecretRef{Raw: "app/db", Name: "app/db"}, Request: req}
}

func TestApplyChangesState(t *testing.T) {
	cases := []struct {
		name  string
		req   map[string]any
		check func(*snapshot.SecretEntry) bool
	}{
		{"PutResourcePolicy", map[string]any{"resourcePolicy": `{"Version":"2012-10-17","Statement":[]}`}, func(e *snapshot.SecretEntry) bool {
			return e.ResourcePolicy != nil && *e.ResourcePolicy != ""
		}},
		{"DeleteResourcePolicy", nil, func(e *snapshot.SecretEntry) bool { return e.ResourcePolicy == nil }},
		{"UpdateSecret", map[string]any{"kmsKeyId": "alias/aws/secretsmanager"}, func(e *snapshot.SecretEntry) bool {
			return e.Secret.KmsKeyID == "alias/aws/secretsmanager" && e.Secret.LastChangedDate.Equal(at)
		}},
		{"DeleteSecret", map[string]any{"forceDeleteWithoutRecovery": true}, func(e *snapshot.SecretEntry) bool { return e.Secret.DeletedDate.Equal(at) }},
		{"CancelRotateSecret", nil, func(e *snapshot.SecretEntry) bool { return !e.Secret.RotationEnabled }},
		{"RotationSucceeded", nil, func(e *snapshot.SecretEntry) bool {
			return e.Secret.LastRotatedDate.Equal(at) && e.Secret.NextRotationDate.Equal(at.Add(30*24*time.Hour))
		}},
		{"RotationFailed", nil, func(e *snapshot.SecretEntry) bool { return hasPending(&e.Secret) }},
		{"RotateSecret", map[string]any{"rotationRules": map[string]any{"automaticallyAfterDays": float64(7)}}, func(e *snapshot.SecretEntry) bool {
			return *e.Secret.RotationRules.AutomaticallyAfterDays == 7 && hasPending(&e.Secret)
		}},
		{"RemoveRegionsFromReplication", map[string]any{"removeReplicaRegions": []any{"eu-west-1"}}, func(e *snapshot.SecretEntry) bool {
			return len(e.Secret.ReplicationStatus) == 0
		}},
		{"ReplicateSecretToRegions", map[string]any{"addReplicaRegions": []any{map[string]any{"region": "ap-south-1", "kmsKeyId": "alias/x"}}}, func(e *snapshot.SecretEntry) bool {
			return len(e.Secret.ReplicationStatus) == 2 && e.Secret.ReplicationStatus[0].Region == "ap-south-1"
		}},
		{"TagResource", map[string]any{"tags": []any{map[string]any{"key": "env", "value": "prod"}}}, func(e *snapshot.SecretEntry) bool {
			v, ok := e.Secret.Tag("env")
			return ok && v == "prod"
		}},
		{"UntagResource", map[string]any{"tagKeys": []any{"owner"}}, func(e *snapshot.SecretEntry) bool {
			_, ok := e.Secret.Tag("owner")
			return !ok
		}},
		{"GetSecretValue", nil, func(e *snapshot.SecretEntry) bool {
			return e.Secret.LastAccessedDate.Equal(time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC))
		}},
	}
	for _, c := range cases {
		st := state()
		e, err := Apply(st, ev(c.name, c.req))
		if err != nil || e == nil {
			t.Errorf("%s: %v %v", c.name, e, err)
			continue
		}
		if !c.check(e) {
			t.Errorf("%s: state not changed as expected: %+v", c.name, e.Secret)
		}
	}
}

func hasPending(s *snapshot.Secret) bool {
	for _, st := range s.VersionIdsToStages {
		for _, x := range st {
			if x == "AWSPENDING" {
				return true
			}
		}
	}
	return false
}

func TestFailedCallsAndReadsChangeNothing(t *testing.T) {
	st := state()
	e := ev("PutResourcePolicy", map[string]any{"resourcePolicy": "{}"})
	e.ErrorCode = "AccessDenied"
	if got, _ := Apply(st, e); got != nil || st.Snapshot().Secrets[0].ResourcePolicy != nil {
		t.Error("a failed call must not change state")
	}
	if got, _ := Apply(st, ev("DescribeSecret", nil)); got != nil {
		t.Error("read-only call changed state")
	}
	if got, _ := Apply(st, ev("SomethingNew", nil)); got != nil {
		t.Error("unknown call changed state")
	}
}

func TestCreateSecretAddsEntryOrNeedsARN(t *testing.T) {
	st := state()
	e := ev("CreateSecret", map[string]any{"name": "new", "kmsKeyId": "alias/k", "tags": []any{map[string]any{"key": "owner", "value": "x"}}})
	e.Secret = event.SecretRef{Raw: "new", ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:new-QwErTy", Name: "new"}
	got, err := Apply(st, e)
	if err != nil || got == nil || got.Secret.KmsKeyID != "alias/k" || !got.Secret.CreatedDate.Equal(at) || st.Len() != 2 {
		t.Fatalf("create: %+v %v", got, err)
	}
	e.Secret.ARN = ""
	if _, err := Apply(st, e); err == nil {
		t.Error("CreateSecret without an ARN must say so")
	}
}

func TestPutResourcePolicyWithoutPolicyIsAnError(t *testing.T) {
	if _, err := Apply(state(), ev("PutResourcePolicy", map[string]any{})); err == nil {
		t.Error("want an error")
	}
}
