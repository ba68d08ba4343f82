// Package apply updates a working copy of the inventory with the state
// change a successful Secrets Manager API call or service event made, so
// that replay decides later events against the state they really met.
package apply

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Effect classifies what an event name does to state.
type Effect int

// Effects of known event names.
const (
	// Unknown event names are not decided.
	Unknown Effect = iota
	// ReadOnly calls change nothing (DescribeSecret, ListSecrets, …).
	ReadOnly
	// Access reads a secret value: it moves LastAccessedDate and feeds the access ledger.
	Access
	// Change modifies the secret's configuration or lifecycle.
	Change
	// Signal is an external signal with no state of its own (GuardDuty findings).
	Signal
)

var effects = map[string]Effect{
	"DescribeSecret": ReadOnly, "ListSecrets": ReadOnly, "ListSecretVersionIds": ReadOnly,
	"GetResourcePolicy": ReadOnly, "ValidateResourcePolicy": ReadOnly, "GetRandomPassword": ReadOnly,
	"GetSecretValue": Access, "BatchGetSecretValue": Access,
	"CreateSecret": Change, "UpdateSecret": Change, "PutSecretValue": Change, "UpdateSecretVersionStage": Change,
	"PutResourcePolicy": Change, "DeleteResourcePolicy": Change, "DeleteSecret": Change, "RestoreSecret": Change,
	"RotateSecret": Change, "CancelRotateSecret": Change, "RotationStarted": Change, "RotationSucceeded": Change,
	"RotationFailed": Change, "RotationAbandoned": Change, "ReplicateSecretToRegions": Change,
	"RemoveRegionsFromReplication": Change, "StopReplicationToReplica": Change, "TagResource": Change,
	"UntagResource": Change, "ReplicationSucceeded": Change, "ReplicationFailed": Change,
	"EndSecretVersionDelete": ReadOnly, "StartSecretVersionDelete": ReadOnly, "CancelSecretVersionDelete": ReadOnly,
	"GuardDutyFinding": Signal,
}

// EffectOf tells what an event name does.
func EffectOf(name string) Effect { return effects[name] }

// NeedsSecret reports whether an event can only be decided for a named secret.
func NeedsSecret(name string) bool {
	switch name {
	case "ListSecrets", "GetRandomPassword", "GuardDutyFinding", "BatchGetSecretValue":
		return false
	}
	return true
}

// Apply changes st as ev did and returns the entry it created or changed
// (nil when nothing changed). Failed calls (ErrorCode set) change nothing.
func Apply(st *inventory.State, ev *event.Event) (*snapshot.SecretEntry, error) {
	if ev.ErrorCode != "" || EffectOf(ev.Name) == Unknown || EffectOf(ev.Name) == ReadOnly || EffectOf(ev.Name) == Signal {
		return nil, nil
	}
	if ev.Name == "CreateSecret" {
		return create(st, ev)
	}
	if ev.Name == "BatchGetSecretValue" {
		for _, r := range ev.Secrets {
			if e := lookup(st, ev, r); e != nil {
				touchAccess(e, ev.Time)
			}
		}
		return nil, nil
	}
	e := lookup(st, ev, ev.Secret)
	if e == nil {
		return nil, nil
	}
	s := &e.Secret
	req := ev.Request
	t := snapshot.NewTime(ev.Time)
	switch ev.Name {
	case "GetSecretValue":
		touchAccess(e, ev.Time)
		return e, nil
	case "UpdateSecret":
		if k, ok := str(req, "kmsKeyId"); ok {
			s.KmsKeyID = k
		}
		if d, ok := str(req, "description"); ok {
			s.Description = d
		}
		s.LastChangedDate = t
	case "PutSecretValue", "UpdateSecretVersionStage":
		s.LastChangedDate = t
	case "PutResourcePolicy":
		p, ok := str(req, "resourcePolicy")
		if !ok {
			return nil, fmt.Errorf("apply %s: requestParameters.resourcePolicy missing", ev.Name)
		}
		e.ResourcePolicy = &p
	case "DeleteResourcePolicy":
		e.ResourcePolicy = nil
	case "DeleteSecret":
		s.DeletedDate = t
	case "RestoreSecret":
		s.DeletedDate = snapshot.Time{}
	case "RotateSecret":
		rotate(s, req, ev.Time)
	case "CancelRotateSecret":
		s.RotationEnabled = false
		s.NextRotationDate = snapshot.Time{}
		dropPending(s)
		s.LastChangedDate = t
	case "RotationStarted":
		addPending(s, ev.ID)
	case "RotationSucceeded":
		dropPending(s)
		s.LastRotatedDate = t
		s.LastChangedDate = t
		if d := intervalDays(s); d > 0 {
			s.NextRotationDate = snapshot.NewTime(ev.Time.Add(time.Duration(d) * 24 * time.Hour))
		}
	case "RotationFailed", "RotationAbandoned":
		addPending(s, ev.ID)
	case "ReplicateSecretToRegions":
		for _, r := range list(req, "addReplicaRegions") {
			m, _ := r.(map[string]any)
			region, _ := str(m, "region")
			if region == "" {
				continue
			}
			kms, _ := str(m, "kmsKeyId")
			setReplica(s, snapshot.ReplicationStatus{Region: region, KmsKeyID: kms, Status: "InSync"})
		}
	case "RemoveRegionsFromReplication":
		for _, r := range list(req, "removeReplicaRegions") {
			if region, ok := r.(string); ok {
				removeReplica(s, region)
			}
		}
	case "StopReplicationToReplica":
		// Called in the replica's region: the replica becomes standalone.
		primary := s.PrimaryRegion
		s.PrimaryRegion = ""
		if primary != "" && primary != e.Region {
			if p := st.Lookup(e.AccountID, primary, s.Name); p != nil {
				removeReplica(&p.Secret, e.Region)
			}
		}
	case "ReplicationFailed", "ReplicationSucceeded":
		status := "InSync"
		if ev.Name == "ReplicationFailed" {
			status = "Failed"
		}
		for i := range s.ReplicationStatus {
			s.ReplicationStatus[i].Status = status
		}
	case "TagResource":
		for _, x := range list(req, "tags") {
			m, _ := x.(map[string]any)
			k, _ := str(m, "key")
			v, _ := str(m, "value")
			if k != "" {
				setTag(s, k, v)
			}
		}
	case "UntagResource":
		for _, x := range list(req, "tagKeys") {
			if k, ok := x.(string); ok {
				removeTag(s, k)
			}
		}
	}
	return e, nil
}

func lookup(st *inventory.State, ev *event.Event, r event.SecretRef) *snapshot.SecretEntry {
	for _, ref := range []string{r.ARN, r.Raw, r.Name} {
		if e := st.Lookup(ev.AccountID, ev.Region, ref); e != nil {
			return e
		}
	}
	return nil
}

// Lookup resolves an event's secret reference against st.
func Lookup(st *inventory.State, ev *event.Event, r event.SecretRef) *snapshot.SecretEntry {
	return lookup(st, ev, r)
}

func create(st *inventory.State, ev *event.Event) (*snapshot.SecretEntry, error) {
	arn := ev.Secret.ARN
	if arn == "" {
		return nil, fmt.Errorf("apply CreateSecret: the event carries no secret ARN (responseElements)")
	}
	req := ev.Request
	name, _ := str(req, "name")
	if name == "" {
		name = ev.Secret.Name
	}
	t := snapshot.NewTime(ev.Time)
	s := snapshot.Secret{ARN: arn, Name: name, CreatedDate: t, LastChangedDate: t}
	s.Description, _ = str(req, "description")
	s.KmsKeyID, _ = str(req, "kmsKeyId")
	for _, x := range list(req, "tags") {
		m, _ := x.(map[string]any)
		k, _ := str(m, "key")
		v, _ := str(m, "value")
		if k != "" {
			setTag(&s, k, v)
		}
	}
	for _, r := range list(req, "addReplicaRegions") {
		m, _ := r.(map[string]any)
		region, _ := str(m, "region")
		kms, _ := str(m, "kmsKeyId")
		if region != "" {
			s.PrimaryRegion = ev.Region
			setReplica(&s, snapshot.ReplicationStatus{Region: region, KmsKeyID: kms, Status: "InSync"})
		}
	}
	return st.Put(snapshot.SecretEntry{AccountID: ev.AccountID, Region: ev.Region, Secret: s}), nil
}

func rotate(s *snapshot.Secret, req map[string]any, at time.Time) {
	s.RotationEnabled = true
	if l, ok := str(req, "rotationLambdaARN"); ok {
		s.RotationLambdaARN = l
	}
	if rr, ok := req["rotationRules"].(map[string]any); ok {
		rules := &snapshot.RotationRules{}
		if n, ok := num(rr["automaticallyAfterDays"]); ok {
			d := int64(n)
			rules.AutomaticallyAfterDays = &d
		}
		rules.Duration, _ = str(rr, "duration")
		rules.ScheduleExpression, _ = str(rr, "scheduleExpression")
		s.RotationRules = rules
	}
	if d := intervalDays(s); d > 0 {
		s.NextRotationDate = snapshot.NewTime(at.Add(time.Duration(d) * 24 * time.Hour))
	}
	s.LastChangedDate = snapshot.NewTime(at)
	if v, ok := req["rotateImmediately"].(bool); !ok || v {
		addPending(s, "rotate-"+at.Format("20060102T150405"))
	}
}

func intervalDays(s *snapshot.Secret) int64 {
	if s.RotationRules != nil && s.RotationRules.AutomaticallyAfterDays != nil {
		return *s.RotationRules.AutomaticallyAfterDays
	}
	return 0
}

func touchAccess(e *snapshot.SecretEntry, at time.Time) {
	day := at.UTC().Truncate(24 * time.Hour)
	e.Secret.LastAccessedDate = snapshot.NewTime(day)
}

// addPending records a rotation in progress (an AWSPENDING version).
func addPending(s *snapshot.Secret, id string) {
	for _, stages := range s.VersionIdsToStages {
		for _, st := range stages {
			if st == "AWSPENDING" {
				return
			}
		}
	}
	if s.VersionIdsToStages == nil {
		s.VersionIdsToStages = map[string][]string{}
	}
	s.VersionIdsToStages["pending-"+id] = []string{"AWSPENDING"}
}

// dropPending removes the AWSPENDING stage from every version.
func dropPending(s *snapshot.Secret) {
	for id, stages := range s.VersionIdsToStages {
		kept := stages[:0:0]
		for _, st := range stages {
			if st != "AWSPENDING" {
				kept = append(kept, st)
			}
		}
		if len(kept) == 0 {
			delete(s.VersionIdsToStages, id)
		} else {
			s.VersionIdsToStages[id] = kept
		}
	}
}

func setReplica(s *snapshot.Secret, r snapshot.ReplicationStatus) {
	for i := range s.ReplicationStatus {
		if s.ReplicationStatus[i].Region == r.Region {
			s.ReplicationStatus[i] = r
			return
		}
	}
	s.ReplicationStatus = append(s.ReplicationStatus, r)
	sort.Slice(s.ReplicationStatus, func(i, j int) bool { return s.ReplicationStatus[i].Region < s.ReplicationStatus[j].Region })
}

func removeReplica(s *snapshot.Secret, region string) {
	out := s.ReplicationStatus[:0]
	for _, r := range s.ReplicationStatus {
		if r.Region != region {
			out = append(out, r)
		}
	}
	s.ReplicationStatus = out
}

func setTag(s *snapshot.Secret, k, v string) {
	for i := range s.Tags {
		if s.Tags[i].Key == k {
			s.Tags[i].Value = v
			return
		}
	}
	s.Tags = append(s.Tags, snapshot.Tag{Key: k, Value: v})
}

func removeTag(s *snapshot.Secret, k string) {
	out := s.Tags[:0]
	for _, t := range s.Tags {
		if t.Key != k {
			out = append(out, t)
		}
	}
	s.Tags = out
}

// str reads a string field, matching the key case-insensitively (CloudTrail
// spellings vary between event versions).
func str(m map[string]any, k string) (string, bool) {
	v, ok := get(m, k)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

func list(m map[string]any, k string) []any {
	v, _ := get(m, k)
	l, _ := v.([]any)
	return l
}

func get(m map[string]any, k string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[k]; ok {
		return v, true
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return nil, false
}

func num(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case interface{ Float64() (float64, error) }:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
