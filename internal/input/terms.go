package input

import (
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/snapshot"
)

// obj collects key/value terms for an ast object, skipping nil values.
type obj struct{ kv [][2]*ast.Term }

func (o *obj) set(k string, v *ast.Term) {
	if v != nil {
		o.kv = append(o.kv, [2]*ast.Term{objectKey(k), v})
	}
}

// keyTerms are the object keys of the input schema, allocated once: terms are
// immutable, so every input shares them.
var keyTerms = func() map[string]*ast.Term {
	m := map[string]*ast.Term{}
	for _, k := range []string{
		"schema_version", "now", "region", "secret", "resource_policy", "kms_key", "replica_kms_keys",
		"account", "organization", "params", "event", "history",
		"ARN", "Name", "Description", "KmsKeyId", "RotationEnabled", "RotationLambdaARN", "RotationRules",
		"AutomaticallyAfterDays", "Duration", "ScheduleExpression", "LastRotatedDate", "LastChangedDate",
		"LastAccessedDate", "DeletedDate", "NextRotationDate", "CreatedDate", "Tags", "Key", "Value",
		"VersionIdsToStages", "OwningService", "PrimaryRegion", "ReplicationStatus", "Region", "Status",
		"StatusMessage", "Id", "OuPath", "id", "management_account_id", "account_ids",
		"Arn", "KeyId", "AWSAccountId", "KeyManager", "KeyState", "Enabled", "KeyRotationEnabled", "KeySpec",
		"MultiRegion", "AliasNames", "AliasName",
		"ages", "days", "hours", "replica_access_days", "version_stages",
	} {
		m[k] = ast.StringTerm(k)
	}
	return m
}()

func objectKey(k string) *ast.Term {
	if t, ok := keyTerms[k]; ok {
		return t
	}
	return ast.StringTerm(k)
}

func (o *obj) str(k, v string) {
	if v != "" {
		o.set(k, ast.StringTerm(v))
	}
}

func (o *obj) time(k string, t snapshot.Time) {
	if !t.IsZero() {
		o.set(k, ast.StringTerm(t.String()))
	}
}

func (o *obj) term() *ast.Term { return ast.ObjectTerm(o.kv...) }

func tagsTerm(tags []snapshot.Tag) *ast.Term {
	if tags == nil {
		return nil
	}
	ts := make([]*ast.Term, len(tags))
	for i, t := range tags {
		ts[i] = ast.ObjectTerm(
			[2]*ast.Term{keyTerms["Key"], ast.StringTerm(t.Key)},
			[2]*ast.Term{keyTerms["Value"], ast.StringTerm(t.Value)},
		)
	}
	return ast.ArrayTerm(ts...)
}

func stringsTerm(ss []string) *ast.Term {
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = ast.StringTerm(s)
	}
	return ast.ArrayTerm(ts...)
}

// secretTerm renders a DescribeSecret response with AWS field names.
func secretTerm(s *snapshot.Secret) *ast.Term {
	var o obj
	o.str("ARN", s.ARN)
	o.str("Name", s.Name)
	o.str("Description", s.Description)
	o.str("KmsKeyId", s.KmsKeyID)
	o.set("RotationEnabled", ast.BooleanTerm(s.RotationEnabled))
	o.str("RotationLambdaARN", s.RotationLambdaARN)
	if r := s.RotationRules; r != nil {
		var ro obj
		if r.AutomaticallyAfterDays != nil {
			ro.set("AutomaticallyAfterDays", ast.IntNumberTerm(int(*r.AutomaticallyAfterDays)))
		}
		ro.str("Duration", r.Duration)
		ro.str("ScheduleExpression", r.ScheduleExpression)
		o.set("RotationRules", ro.term())
	}
	o.time("LastRotatedDate", s.LastRotatedDate)
	o.time("LastChangedDate", s.LastChangedDate)
	o.time("LastAccessedDate", s.LastAccessedDate)
	o.time("DeletedDate", s.DeletedDate)
	o.time("NextRotationDate", s.NextRotationDate)
	o.time("CreatedDate", s.CreatedDate)
	o.set("Tags", tagsTerm(s.Tags))
	if s.VersionIdsToStages != nil {
		ids := make([]string, 0, len(s.VersionIdsToStages))
		for id := range s.VersionIdsToStages {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var vo obj
		for _, id := range ids {
			vo.set(id, stringsTerm(s.VersionIdsToStages[id]))
		}
		o.set("VersionIdsToStages", vo.term())
	}
	o.str("OwningService", s.OwningService)
	o.str("PrimaryRegion", s.PrimaryRegion)
	if s.ReplicationStatus != nil {
		rs := make([]*ast.Term, len(s.ReplicationStatus))
		for i, r := range s.ReplicationStatus {
			var ro obj
			ro.str("Region", r.Region)
			ro.str("KmsKeyId", r.KmsKeyID)
			ro.str("Status", r.Status)
			ro.str("StatusMessage", r.StatusMessage)
			ro.time("LastAccessedDate", r.LastAccessedDate)
			rs[i] = ro.term()
		}
		o.set("ReplicationStatus", ast.ArrayTerm(rs...))
	}
	return o.term()
}

// accountTerm renders an Organizations account.
func accountTerm(a *snapshot.Account, id string) *ast.Term {
	var o obj
	if a == nil {
		o.str("Id", id)
		return o.term()
	}
	o.str("Id", a.ID)
	o.str("Name", a.Name)
	o.str("Status", a.Status)
	o.str("OuPath", a.OuPath)
	o.set("Tags", tagsTerm(a.Tags))
	return o.term()
}

// keyTerm renders KMS KeyMetadata plus the alias names that point at it.
func keyTerm(k *snapshot.Key, aliases []string, awsManaged bool) *ast.Term {
	var o obj
	if k != nil {
		o.str("Arn", k.Arn)
		o.str("KeyId", k.KeyID)
		o.str("AWSAccountId", k.AWSAccountID)
		o.str("KeyManager", k.KeyManager)
		o.str("KeyState", k.KeyState)
		if k.Enabled != nil {
			o.set("Enabled", ast.BooleanTerm(*k.Enabled))
		}
		if k.KeyRotationEnabled != nil {
			o.set("KeyRotationEnabled", ast.BooleanTerm(*k.KeyRotationEnabled))
		}
		o.str("KeySpec", k.KeySpec)
		if k.MultiRegion != nil {
			o.set("MultiRegion", ast.BooleanTerm(*k.MultiRegion))
		}
	}
	if awsManaged && (k == nil || k.KeyManager == "") {
		o.str("KeyManager", "AWS")
	}
	if len(aliases) > 0 {
		o.set("AliasNames", stringsTerm(aliases))
		if awsManaged {
			o.str("AliasName", aliases[0])
		}
	}
	return o.term()
}
