package template

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/template/tfplan"
)

// Terraform resource types read (AWS provider documentation, "Resource:
// aws_secretsmanager_secret", "aws_secretsmanager_secret_rotation",
// "aws_secretsmanager_secret_policy", "aws_kms_key", "aws_kms_alias",
// "aws_kms_replica_key").
const (
	tfSecret     = "aws_secretsmanager_secret"
	tfRotation   = "aws_secretsmanager_secret_rotation"
	tfPolicy     = "aws_secretsmanager_secret_policy"
	tfKey        = "aws_kms_key"
	tfReplicaKey = "aws_kms_replica_key"
	tfAlias      = "aws_kms_alias"
)

// tfMapper maps one plan.
type tfMapper struct {
	l       *loader
	p       *tfplan.Plan
	keys    map[string]string // config address of a key or alias → key identifier
	byValue map[string]string // a key's known ARN, key id, alias name or alias ARN → key identifier
	secrets []*secret
	res     map[*secret]*tfplan.Resource
}

// plan maps a Terraform plan.
func (l *loader) plan(file string, data []byte) {
	p, err := tfplan.Parse(file, data)
	if err != nil {
		l.problem(Problem{File: file, Msg: strings.TrimPrefix(err.Error(), file+": ")})
		return
	}
	l.res.Templates++
	m := &tfMapper{l: l, p: p, keys: map[string]string{}, byValue: map[string]string{}, res: map[*secret]*tfplan.Resource{}}
	m.mapKeys()
	for _, r := range p.Resources {
		if r.Type == tfSecret {
			m.secret(r)
		}
	}
	for _, r := range p.Resources {
		switch r.Type {
		case tfRotation:
			m.rotation(r)
		case tfPolicy:
			m.policyResource(r)
		}
	}
	for _, s := range m.secrets {
		l.res.Secrets = append(l.res.Secrets, s.finish(&l.opts))
	}
}

func (m *tfMapper) id(address string) string { return IDPrefix + m.p.File + "#" + address }

func str(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func (m *tfMapper) mapKeys() {
	for _, r := range m.p.Resources {
		if r.Type != tfKey && r.Type != tfReplicaKey {
			continue
		}
		id := m.id(r.Address)
		k := snapshot.Key{Arn: id, KeyID: id, KeyManager: "CUSTOMER", KeyState: "Enabled"}
		if b, ok := r.Values["is_enabled"].(bool); ok && !b {
			k.KeyState = "Disabled"
		}
		if b, ok := r.Values["enable_key_rotation"].(bool); ok {
			k.KeyRotationEnabled = &b
		}
		if b, ok := r.Values["multi_region"].(bool); ok {
			k.MultiRegion = &b
		}
		if s, ok := r.Values["customer_master_key_spec"].(string); ok {
			k.KeySpec = s
		}
		m.l.addKey(k)
		if _, seen := m.keys[r.ConfigAddress()]; !seen {
			m.keys[r.ConfigAddress()] = id
		}
		for _, attr := range []string{"arn", "key_id"} {
			if s, ok := r.Values[attr].(string); ok && s != "" {
				m.byValue[s] = id
			}
		}
	}
	for _, r := range m.p.Resources {
		if r.Type != tfAlias {
			continue
		}
		key := ""
		if s, ok := r.Values["target_key_id"].(string); ok && s != "" {
			key = m.byValue[s]
		} else if t, ok := m.p.Expression(r, "target_key_id"); ok {
			for _, a := range t.Resources {
				if k, ok := m.keys[a]; ok {
					key = k
					break
				}
			}
		}
		if key == "" {
			// An alias names a customer managed key, whichever it is.
			key = m.id(r.Address)
			m.l.addKey(snapshot.Key{Arn: key, KeyID: key, KeyManager: "CUSTOMER"})
		}
		if _, seen := m.keys[r.ConfigAddress()]; !seen {
			m.keys[r.ConfigAddress()] = key
		}
		if name, ok := r.Values["name"].(string); ok && name != "" {
			m.byValue[name] = key
			m.l.res.Aliases = append(m.l.res.Aliases, snapshot.Alias{AliasName: name, TargetKeyID: key, AccountID: IDPrefix + m.p.File})
		}
		if arn, ok := r.Values["arn"].(string); ok && arn != "" {
			m.byValue[arn] = key
		}
	}
}

// unknown reports whether an attribute's value is known only after apply
// and set by the configuration. An attribute the configuration does not set
// but the provider computes (policy, rotation_rules.automatically_after_days
// for a schedule_expression, tags_all) is unknown in a plan that creates the
// resource, and is not the user's: it is treated as absent.
func (m *tfMapper) unknown(r *tfplan.Resource, path ...any) bool {
	if !r.IsUnknown(path...) {
		return false
	}
	_, configured := m.p.Expression(r, path...)
	return configured
}

// afterApply says what an unknown attribute's value comes from.
func (m *tfMapper) afterApply(r *tfplan.Resource, path ...any) string {
	t, ok := m.p.Expression(r, path...)
	refs := append(append([]string(nil), t.Resources...), t.Opaque...)
	if !ok || len(refs) == 0 {
		return "known after apply"
	}
	return "known after apply, from " + strings.Join(refs, ", ")
}

func attrName(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch x := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(x)
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		}
	}
	return b.String()
}

// keyRef resolves a kms_key_id: its value when known, else the resources
// the configuration takes it from. ok is false with a reason when it
// cannot be resolved; "" is the AWS managed key.
func (m *tfMapper) keyRef(r *tfplan.Resource, value any, account, region string, path ...any) (string, string) {
	name := attrName(path)
	if m.unknown(r, path...) {
		t, _ := m.p.Expression(r, path...)
		if len(t.Opaque) == 0 && len(t.Resources) > 0 {
			key := ""
			for _, a := range t.Resources {
				k, ok := m.keys[a]
				if !ok {
					key = ""
					break
				}
				if key == "" {
					key = k
				}
			}
			if key != "" {
				return key, ""
			}
		}
		return "", fmt.Sprintf("cannot resolve %s: %s", name, m.afterApply(r, path...))
	}
	s, _ := value.(string)
	if s == "" {
		return "", "" // the AWS managed key
	}
	if k, ok := m.byValue[s]; ok {
		return k, ""
	}
	if p, ok := inventory.ParseARN(s); ok && p.Service == "kms" && strings.HasPrefix(p.Resource, "alias/") {
		if k, ok := m.byValue[p.Resource]; ok {
			return k, ""
		}
	}
	if why := m.l.external(s, account, region); why != "" {
		return "", fmt.Sprintf("cannot resolve %s: %s (%s)", name, s, why)
	}
	return s, ""
}

func (m *tfMapper) secret(r *tfplan.Resource) {
	account, region := m.l.opts.Account, m.p.Region(r)
	if region == "" {
		region = m.l.opts.Region
	}
	if arn, ok := r.Values["arn"].(string); ok {
		if p, ok := inventory.ParseARN(arn); ok {
			account, region = p.Account, p.Region
		}
	}
	s := newSecret(snapshot.Origin{ResourceType: r.Type, LogicalID: r.Address, File: m.p.File}, account, region)
	m.secrets = append(m.secrets, s)
	m.res[s] = r
	v := r.Values
	if name, ok := v["name"].(string); ok && name != "" {
		s.e.Secret.Name = name
	} else if m.unknown(r, "name") || m.unknown(r, "name_prefix") {
		s.nameUnresolved = true
		s.unknown(pathsName, "cannot resolve name: "+m.afterApply(r, "name"))
	}
	if d, ok := v["description"].(string); ok {
		s.e.Secret.Description = d
	}
	if ref, why := m.keyRef(r, v["kms_key_id"], account, region, "kms_key_id"); why != "" {
		s.unknown(pathsKey, why)
	} else {
		s.e.Secret.KmsKeyID = ref
	}
	if m.unknown(r, "replica") {
		s.unknown(pathsReplicas, "cannot resolve replica: "+m.afterApply(r, "replica"))
	} else if list, ok := v["replica"].([]any); ok {
		for i, it := range list {
			rep, _ := it.(map[string]any)
			rr, _ := rep["region"].(string)
			if rr == "" || m.unknown(r, "replica", i, "region") {
				s.unknown(pathsReplicas, fmt.Sprintf("cannot resolve replica[%d].region: %s", i, m.afterApply(r, "replica", i, "region")))
				continue
			}
			rs := snapshot.ReplicationStatus{Region: rr, Status: "InSync"}
			if ref, why := m.keyRef(r, rep["kms_key_id"], account, rr, "replica", i, "kms_key_id"); why != "" {
				s.unknown(pathsReplKey, why)
			} else {
				rs.KmsKeyID = ref
			}
			s.e.Secret.ReplicationStatus = append(s.e.Secret.ReplicationStatus, rs)
		}
	}
	switch {
	case r.IsUnknown("tags_all") && (m.unknown(r, "tags") || r.IsUnknown("tags")):
		s.unknown(pathsTags, "cannot resolve tags_all: "+m.afterApply(r, "tags"))
		s.unresolvedTags = append(s.unresolvedTags, "")
	default:
		tags, ok := v["tags_all"].(map[string]any)
		if !ok {
			tags, _ = v["tags"].(map[string]any)
		}
		s.e.Secret.Tags = []snapshot.Tag{}
		for _, k := range sortedKeys(tags) {
			val, _ := str(tags[k])
			s.e.Secret.Tags = append(s.e.Secret.Tags, snapshot.Tag{Key: k, Value: val})
		}
	}
	if m.unknown(r, "policy") {
		s.unknown(pathsPolicy, "cannot resolve policy: "+m.afterApply(r, "policy"))
	} else if p, ok := v["policy"].(string); ok && p != "" {
		m.setPolicy(s, r, p)
	}
}

func (m *tfMapper) setPolicy(s *secret, r *tfplan.Resource, text string) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		s.unknown(pathsPolicy, fmt.Sprintf("policy of %s is not a JSON object: %v", r.Address, err))
		return
	}
	if s.e.ResourcePolicy != nil && *s.e.ResourcePolicy != text {
		s.unknown(pathsPolicy, fmt.Sprintf("%s sets a second resource policy on the secret: which one applies depends on the apply order", r.Address))
		return
	}
	s.e.ResourcePolicy = &text
}

// target finds the secrets of the plan an attribute (secret_id,
// secret_arn) names: by its value when known (an existing secret's ARN or
// name), else by the resources the configuration takes it from. With none,
// a reason when it cannot tell (else the secret is not in the plan).
func (m *tfMapper) target(r *tfplan.Resource, attr string) ([]*secret, string) {
	if !m.unknown(r, attr) {
		v, _ := r.Values[attr].(string)
		var out []*secret
		for _, s := range m.secrets {
			sv := m.res[s].Values
			if a, _ := sv["arn"].(string); v != "" && (a == v || s.e.Secret.Name == v) {
				out = append(out, s)
			}
		}
		return out, ""
	}
	t, _ := m.p.Expression(r, attr)
	var out []*secret
	for _, a := range t.Resources {
		var all []*secret
		for _, s := range m.secrets {
			if m.res[s].ConfigAddress() == a {
				all = append(all, s)
			}
		}
		out = append(out, pickInstance(r, all, m.res)...)
	}
	if len(out) == 0 {
		return nil, fmt.Sprintf("cannot tell which secret %s.%s names: %s", r.Address, attr, m.afterApply(r, attr))
	}
	return out, ""
}

// pickInstance chooses, among the instances of a counted or for_each
// secret, the one with the same instance key as r (secret_id =
// aws_secretsmanager_secret.db[count.index]); all of them when it cannot.
func pickInstance(r *tfplan.Resource, all []*secret, res map[*secret]*tfplan.Resource) []*secret {
	if len(all) <= 1 {
		return all
	}
	key := instanceKeyOf(r.Address)
	for _, s := range all {
		if instanceKeyOf(res[s].Address) == key && key != "" {
			return []*secret{s}
		}
	}
	return all
}

func instanceKeyOf(addr string) string {
	if !strings.HasSuffix(addr, "]") {
		return ""
	}
	if i := strings.LastIndex(addr, "["); i >= 0 {
		return addr[i:]
	}
	return ""
}

func (m *tfMapper) attach(r *tfplan.Resource, attr string, paths []string, fn func(*secret)) {
	targets, why := m.target(r, attr)
	if why != "" {
		for _, s := range m.secrets {
			s.unknown(paths, why)
		}
		return
	}
	for _, s := range targets {
		fn(s)
	}
}

func (m *tfMapper) rotation(r *tfplan.Resource) {
	m.attach(r, "secret_id", pathsRotation, func(s *secret) {
		s.e.Secret.RotationEnabled = true
		if m.unknown(r, "rotation_rules") {
			s.unknown(pathsRotation, "cannot resolve rotation_rules of "+r.Address+": "+m.afterApply(r, "rotation_rules"))
			return
		}
		list, _ := r.Values["rotation_rules"].([]any)
		if len(list) > 0 {
			rules, _ := list[0].(map[string]any)
			rr := &snapshot.RotationRules{}
			for _, f := range []string{"automatically_after_days", "duration", "schedule_expression"} {
				if m.unknown(r, "rotation_rules", 0, f) {
					s.unknown(pathsRotation, fmt.Sprintf("cannot resolve rotation_rules.%s of %s: %s", f, r.Address, m.afterApply(r, "rotation_rules", 0, f)))
					continue
				}
				v, ok := str(rules[f])
				if !ok || v == "" || (f == "automatically_after_days" && v == "0") {
					continue
				}
				switch f {
				case "automatically_after_days":
					d, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						s.unknown(pathsRotation, fmt.Sprintf("rotation_rules.automatically_after_days of %s: %q is not a whole number of days", r.Address, v))
						continue
					}
					rr.AutomaticallyAfterDays = &d
				case "duration":
					rr.Duration = v
				default:
					rr.ScheduleExpression = v
				}
			}
			s.e.Secret.RotationRules = rr
		}
		if m.unknown(r, "rotation_lambda_arn") {
			s.unknown(pathsLambda, "cannot resolve rotation_lambda_arn of "+r.Address+": "+m.afterApply(r, "rotation_lambda_arn"))
		} else if a, ok := r.Values["rotation_lambda_arn"].(string); ok {
			s.e.Secret.RotationLambdaARN = a
		}
	})
}

func (m *tfMapper) policyResource(r *tfplan.Resource) {
	m.attach(r, "secret_arn", pathsPolicy, func(s *secret) {
		if m.unknown(r, "policy") {
			s.unknown(pathsPolicy, "cannot resolve policy of "+r.Address+": "+m.afterApply(r, "policy"))
			return
		}
		p, _ := r.Values["policy"].(string)
		if p == "" {
			s.unknown(pathsPolicy, r.Address+" has no policy")
			return
		}
		m.setPolicy(s, r, p)
	})
}
