package template

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/template/cdkout"
	"github.com/secretwarden/warden/internal/template/cfn"
	"github.com/secretwarden/warden/internal/template/tfplan"
)

// CloudFormation resource types read ("AWS resource and property types
// reference", CloudFormation Template Reference).
const (
	typeSecret         = "AWS::SecretsManager::Secret"
	typeRotation       = "AWS::SecretsManager::RotationSchedule"
	typeResourcePolicy = "AWS::SecretsManager::ResourcePolicy"
	typeKey            = "AWS::KMS::Key"
	typeReplicaKey     = "AWS::KMS::ReplicaKey"
	typeAlias          = "AWS::KMS::Alias"
	typeStack          = "AWS::CloudFormation::Stack"
)

// maxStackDepth bounds nested stacks (CloudFormation itself allows a
// hierarchy, not a cycle).
const maxStackDepth = 16

// stackEnv is what a template is deployed with.
type stackEnv struct {
	account, region, stackName string
	values                     map[string]cfn.Given
	chain                      []string // templates of the parent stacks (cycle check)
	// via is the nested stack resource that includes the template
	// ("Parent.yaml#Child"), "" at the top.
	via string
}

// doc is a file read and recognised: a CloudFormation template (root) or a
// Terraform plan (plan, its bytes).
type doc struct {
	path string
	root *cfn.Node
	plan []byte
}

// file reads one file named on the command line or found in a directory.
// It returns nil for a file that is not a template (an error when it was
// named) and for a manifest.json named directly (its assembly is read).
func (l *loader) file(in input) *doc {
	if filepath.Base(in.path) == cdkout.ManifestFile && in.explicit {
		l.assembly(filepath.Dir(in.path))
		return nil
	}
	data, err := l.read(in.path)
	if err != nil {
		l.problem(Problem{File: in.path, Msg: strings.TrimPrefix(err.Error(), "read "+in.path+": ")})
		return nil
	}
	if cfn.IsJSON(data) && tfplan.Looks(topKeys(data)) {
		return &doc{path: in.path, plan: data}
	}
	root, err := cfn.ParseDocument(in.path, data)
	if err != nil {
		l.problem(problemOf(in.path, err))
		return nil
	}
	if !cfn.Looks(root) {
		if in.explicit {
			l.problem(Problem{File: in.path, Msg: "not a CloudFormation template (no Resources or AWSTemplateFormatVersion), CDK assembly or Terraform plan (format_version and planned_values)"})
		}
		return nil
	}
	return &doc{path: in.path, root: root}
}

// nestedFiles lists the local templates a template includes as nested
// stacks (by aws:asset:path metadata or a literal local TemplateURL).
func nestedFiles(d *doc) []string {
	res := d.root.Get("Resources")
	if d.root == nil || res == nil {
		return nil
	}
	var out []string
	for _, f := range res.Fields {
		r := f.Value
		if r.Get("Type") == nil || r.Get("Type").Text != typeStack {
			continue
		}
		if p := r.Get("Metadata").Get("aws:asset:path"); p != nil && p.Kind == cfn.KindString {
			if file, err := cdkout.NestedTemplate(d.path, p.Text); err == nil {
				out = append(out, file)
			}
			continue
		}
		if u := r.Get("Properties").Get("TemplateURL"); u != nil && u.Kind == cfn.KindString && u.Text != "" && !strings.Contains(u.Text, "://") {
			out = append(out, filepath.Join(filepath.Dir(d.path), filepath.FromSlash(u.Text)))
		}
	}
	return out
}

// problemOf turns a parse error into a problem.
func problemOf(file string, err error) Problem {
	if e, ok := err.(*cfn.Error); ok {
		return Problem{File: e.File, Line: e.Line, Msg: e.Msg}
	}
	return Problem{File: file, Msg: err.Error()}
}

// assembly reads a CDK cloud assembly and the stacks it lists.
func (l *loader) assembly(dir string) {
	if l.assemblies[filepath.Clean(dir)] {
		return
	}
	stacks, dirs, err := cdkout.Read(dir, l.read)
	for _, d := range dirs {
		l.assemblies[d] = true
	}
	if err != nil {
		l.assemblies[filepath.Clean(dir)] = true
		l.problem(Problem{File: filepath.Join(dir, cdkout.ManifestFile), Msg: strings.TrimPrefix(err.Error(), filepath.Join(dir, cdkout.ManifestFile)+": ")})
		return
	}
	for _, s := range stacks {
		data, err := l.read(s.Template)
		if err != nil {
			l.problem(Problem{File: s.Template, Msg: strings.TrimPrefix(err.Error(), "read "+s.Template+": ")})
			continue
		}
		root, err := cfn.ParseDocument(s.Template, data)
		if err != nil {
			l.problem(problemOf(s.Template, err))
			continue
		}
		env := stackEnv{account: s.Account, region: s.Region, stackName: s.Name, values: map[string]cfn.Given{}}
		if env.account == "" {
			env.account = l.opts.Account
		}
		if env.region == "" {
			env.region = l.opts.Region
		}
		for k, v := range s.Parameters {
			env.values[k] = cfn.Given{Value: v, From: "the assembly manifest"}
		}
		l.template(s.Template, root, env)
	}
}

// cfnMapper maps one template.
type cfnMapper struct {
	l       *loader
	t       *cfn.Template
	r       *cfn.Resolver
	env     stackEnv
	keys    map[string]string // logical id of a key, replica key or alias → its key identifier
	aliases map[string]string // alias name defined here → key identifier
	secrets map[string]*secret
	order   []string
	repeat  bool // the template was mapped before (included twice)
}

// template maps one CloudFormation template and its nested stacks.
func (l *loader) template(file string, root *cfn.Node, env stackEnv) {
	for _, c := range env.chain {
		if c == filepath.Clean(file) {
			l.problem(Problem{File: file, Msg: "nested stack cycle: the template includes itself"})
			return
		}
	}
	if len(env.chain) > maxStackDepth {
		l.problem(Problem{File: file, Msg: fmt.Sprintf("nested stacks deeper than %d", maxStackDepth)})
		return
	}
	t, err := cfn.FromDocument(file, root)
	if err != nil {
		l.problem(problemOf(file, err))
		return
	}
	l.res.Templates++
	clean := filepath.Clean(file)
	repeat := l.mapped[clean]
	l.mapped[clean] = true
	values := map[string]cfn.Given{}
	for k, v := range l.opts.Parameters {
		if _, declared := t.Parameters[k]; declared {
			values[k] = cfn.Given{Value: v, From: "--parameter"}
		}
	}
	for k, v := range env.values { // a parent stack's or the manifest's win
		values[k] = v
	}
	m := &cfnMapper{
		l: l, t: t, env: env,
		r:       cfn.NewResolver(t, cfn.Env{Account: env.account, Region: env.region, StackName: env.stackName, Values: values}),
		keys:    map[string]string{},
		aliases: map[string]string{},
		secrets: map[string]*secret{},
		repeat:  repeat,
	}
	m.mapKeys()
	for _, res := range t.Resources {
		if res.Type == typeSecret && m.created(res) {
			m.secret(res)
		}
	}
	for _, res := range t.Resources {
		switch res.Type {
		case typeRotation:
			m.rotation(res)
		case typeResourcePolicy:
			m.resourcePolicy(res)
		}
	}
	for _, id := range m.order {
		l.res.Secrets = append(l.res.Secrets, m.secrets[id].finish(&l.opts))
	}
	for _, res := range t.Resources {
		if res.Type == typeStack && m.created(res) {
			m.nested(res)
		}
	}
}

// created reports whether a resource is created: its Condition holds or
// cannot be decided (then it is judged as if created: what it would be).
func (m *cfnMapper) created(res *cfn.Resource) bool {
	if res.Condition == "" {
		return true
	}
	ok, _, u := m.r.Condition(res.Condition)
	return ok || u != nil
}

// conditionUnknown says why a resource's Condition cannot be decided ("" when it can).
func (m *cfnMapper) conditionUnknown(res *cfn.Resource) string {
	if res.Condition == "" {
		return ""
	}
	if _, _, u := m.r.Condition(res.Condition); u != nil {
		return fmt.Sprintf("cannot resolve Condition %s of %s: %s", res.Condition, res.LogicalID, u.Error())
	}
	return ""
}

func (m *cfnMapper) keyID(logicalID string) string { return IDPrefix + m.t.File + "#" + logicalID }

func (m *cfnMapper) prop(res *cfn.Resource, name string) *cfn.Node { return res.Properties.Get(name) }

// mapKeys registers the template's KMS keys, replica keys and aliases.
func (m *cfnMapper) mapKeys() {
	for _, res := range m.t.Resources {
		if (res.Type != typeKey && res.Type != typeReplicaKey) || !m.created(res) {
			continue
		}
		id := m.keyID(res.LogicalID)
		k := snapshot.Key{Arn: id, KeyID: id, KeyManager: "CUSTOMER", KeyState: "Enabled", AWSAccountID: m.env.account}
		if v := m.r.Resolve(m.prop(res, "Enabled")); v.Err == nil {
			if b, ok := v.Value.(bool); ok && !b {
				k.KeyState = "Disabled"
			}
		}
		if v := m.r.Resolve(m.prop(res, "EnableKeyRotation")); v.Err == nil {
			if b, ok := v.Value.(bool); ok {
				k.KeyRotationEnabled = &b
			}
		}
		if v := m.r.Resolve(m.prop(res, "KeySpec")); v.Err == nil {
			if s, ok := v.Value.(string); ok {
				k.KeySpec = s
			}
		}
		if v := m.r.Resolve(m.prop(res, "MultiRegion")); v.Err == nil {
			if b, ok := v.Value.(bool); ok {
				k.MultiRegion = &b
			}
		}
		m.keys[res.LogicalID] = id
		m.l.addKey(k)
	}
	for _, res := range m.t.Resources {
		if res.Type != typeAlias || !m.created(res) {
			continue
		}
		name := m.r.Resolve(m.prop(res, "AliasName"))
		aliasName, _ := name.Value.(string)
		target := m.r.Resolve(m.prop(res, "TargetKeyId"))
		var key string
		switch v := target.Value.(type) {
		case cfn.Ref:
			key = m.keys[v.LogicalID]
		}
		if key == "" {
			// The target is a key the template does not define, or cannot
			// be resolved: the alias still names a customer managed key
			// (aliases cannot name AWS managed keys), so the alias stands
			// for its key.
			key = m.keyID(res.LogicalID)
			m.l.addKey(snapshot.Key{Arn: key, KeyID: key, KeyManager: "CUSTOMER", AWSAccountID: m.env.account})
		}
		m.keys[res.LogicalID] = key
		if aliasName != "" {
			m.aliases[aliasName] = key
			m.l.res.Aliases = append(m.l.res.Aliases, snapshot.Alias{AliasName: aliasName, TargetKeyID: key, AccountID: IDPrefix + m.t.File})
		}
	}
}

// resolve evaluates a property and names the assumptions it rests on.
func (m *cfnMapper) resolve(n *cfn.Node) (cfn.Result, []string) {
	res := m.r.Resolve(n)
	return res, assumptionReasons(res.Assumed)
}

func assumptionReasons(as []cfn.Assumption) []string {
	var out []string
	for _, a := range as {
		if strings.HasPrefix(a.Name, "AWS::") {
			out = append(out, fmt.Sprintf("%s = %s (the region is not known)", a.Name, a.Value))
		} else {
			out = append(out, fmt.Sprintf("parameter %s = %s (its default)", a.Name, a.Value))
		}
	}
	return out
}

// cannot is the message of an unresolved property.
func cannot(prop string, u *cfn.Unresolved) string {
	return "cannot resolve " + prop + ": " + u.Error()
}

// secret maps an AWS::SecretsManager::Secret.
func (m *cfnMapper) secret(res *cfn.Resource) {
	s := newSecret(snapshot.Origin{ResourceType: res.Type, LogicalID: res.LogicalID, File: m.t.File, Line: res.Line}, m.env.account, m.env.region)
	if m.repeat {
		// The same template included again (another nested stack resource):
		// another secret, told apart by the stack that includes it.
		s.e.Origin.ID += "@" + m.env.via
	}
	m.secrets[res.LogicalID] = s
	m.order = append(m.order, res.LogicalID)
	if why := m.conditionUnknown(res); why != "" {
		s.assumed([]string{""}, []string{"the secret is created (" + why + ")"})
	}
	str := func(prop string, paths []string, set func(string)) bool {
		n := m.prop(res, prop)
		if n == nil {
			return true
		}
		v, as := m.resolve(n)
		if v.Err != nil {
			s.unknown(paths, cannot(prop, v.Err))
			return false
		}
		if v.Absent {
			return true
		}
		str, ok := m.r.String(v.Value)
		if !ok {
			s.unknown(paths, fmt.Sprintf("cannot resolve %s: %s (not a string)", prop, n))
			return false
		}
		set(str)
		s.assumed(paths, as)
		return true
	}
	if !str("Name", pathsName, func(v string) { s.e.Secret.Name = v }) {
		s.nameUnresolved = true
	}
	str("Description", pathsDesc, func(v string) { s.e.Secret.Description = v })
	m.kmsKey(s, m.prop(res, "KmsKeyId"), "KmsKeyId", pathsKey, m.env.region, func(ref string) { s.e.Secret.KmsKeyID = ref })
	m.replicas(s, m.prop(res, "ReplicaRegions"))
	m.tags(s, m.prop(res, "Tags"))
}

// kmsKey resolves a KmsKeyId property (see the package comment).
func (m *cfnMapper) kmsKey(s *secret, n *cfn.Node, prop string, paths []string, region string, set func(string)) {
	if n == nil {
		return // the AWS managed key
	}
	v, as := m.resolve(n)
	if v.Err != nil {
		s.unknown(paths, cannot(prop, v.Err))
		return
	}
	if v.Absent || v.Value == nil {
		s.assumed(paths, as)
		return
	}
	switch x := v.Value.(type) {
	case cfn.Ref:
		key, ok := m.keys[x.LogicalID]
		if !ok || (x.Type != typeKey && x.Type != typeReplicaKey && x.Type != typeAlias) {
			s.unknown(paths, fmt.Sprintf("cannot resolve %s: %s is a %s, not a KMS key", prop, x, x.Type))
			return
		}
		set(key)
		s.assumed(paths, as)
		return
	case string:
		if key, ok := m.aliases[x]; ok {
			set(key)
		} else if strings.HasPrefix(x, IDPrefix) && m.l.keyIDs[x] {
			set(x) // a key of a parent stack, passed as a parameter
		} else if key, ok := m.aliasARN(x); ok {
			set(key)
		} else if why := m.l.external(x, m.env.account, region); why != "" {
			s.unknown(paths, fmt.Sprintf("cannot resolve %s: %s (%s)", prop, x, why))
			return
		} else {
			set(x)
		}
		s.assumed(paths, as)
		return
	}
	s.unknown(paths, fmt.Sprintf("cannot resolve %s: %s (not a key reference)", prop, n))
}

// aliasARN resolves arn:…:kms:REGION:ACCOUNT:alias/NAME naming an alias of
// the template.
func (m *cfnMapper) aliasARN(s string) (string, bool) {
	p, ok := inventory.ParseARN(s)
	if !ok || p.Service != "kms" || !strings.HasPrefix(p.Resource, "alias/") {
		return "", false
	}
	key, ok := m.aliases[p.Resource]
	return key, ok
}

// external checks a key reference the templates do not define: the AWS
// managed key, or a key of the context snapshot. It says why it cannot be
// resolved, or "".
func (l *loader) external(ref, account, region string) string {
	if inventory.IsAWSManagedRef(ref) {
		return ""
	}
	if l.opts.Context == nil {
		return "a key the template does not define; give --snapshot with the account's keys and aliases"
	}
	if _, err := l.opts.Context.Key(l.ctx, account, region, ref); err != nil {
		return "a key neither the template nor the --snapshot defines"
	}
	return ""
}

// replicas maps ReplicaRegions: [{Region, KmsKeyId}]. A replica the
// template declares is taken as InSync: its sync status is runtime state,
// and replication-present judges the regions declared.
func (m *cfnMapper) replicas(s *secret, n *cfn.Node) {
	if n == nil {
		return
	}
	if n.Kind != cfn.KindList {
		v, _ := m.resolve(n)
		if v.Err != nil {
			s.unknown(pathsReplicas, cannot("ReplicaRegions", v.Err))
			return
		}
		if v.Absent {
			return
		}
		s.unknown(pathsReplicas, fmt.Sprintf("cannot resolve ReplicaRegions: %s (not a list)", n))
		return
	}
	for i, item := range n.Items {
		prop := fmt.Sprintf("ReplicaRegions[%d]", i)
		rn := item.Get("Region")
		if item.Kind != cfn.KindMap || rn == nil {
			v, _ := m.resolve(item)
			if v.Err != nil {
				s.unknown(pathsReplicas, cannot(prop, v.Err))
			} else if !v.Absent {
				s.unknown(pathsReplicas, fmt.Sprintf("cannot resolve %s: %s (want {Region, KmsKeyId})", prop, item))
			}
			continue
		}
		v, as := m.resolve(rn)
		region, ok := m.r.String(v.Value)
		if v.Err != nil || !ok || region == "" {
			why := fmt.Sprintf("cannot resolve %s.Region: %s", prop, rn)
			if v.Err != nil {
				why = cannot(prop+".Region", v.Err)
			}
			s.unknown(pathsReplicas, why)
			continue
		}
		s.assumed(pathsReplicas, as)
		rs := snapshot.ReplicationStatus{Region: region, Status: "InSync"}
		m.kmsKey(s, item.Get("KmsKeyId"), prop+".KmsKeyId", pathsReplKey, region, func(ref string) { rs.KmsKeyID = ref })
		s.e.Secret.ReplicationStatus = append(s.e.Secret.ReplicationStatus, rs)
	}
}

// tags maps Tags: [{Key, Value}].
func (m *cfnMapper) tags(s *secret, n *cfn.Node) {
	if n == nil {
		return
	}
	v, as := m.resolve(n)
	if v.Err != nil {
		// Which tag: resolve them one by one for the message and the keys.
		s.unknown(pathsTags, cannot("Tags", v.Err))
		s.unresolvedTags = append(s.unresolvedTags, unresolvedTagKeys(m, n)...)
		return
	}
	list, ok := v.Value.([]any)
	if v.Absent {
		return
	}
	if !ok {
		s.unknown(pathsTags, fmt.Sprintf("cannot resolve Tags: %s (not a list)", n))
		s.unresolvedTags = append(s.unresolvedTags, "")
		return
	}
	for i, it := range list {
		t, ok := it.(map[string]any)
		k, kok := m.r.String(t["Key"])
		val, vok := m.r.String(t["Value"])
		if !ok || !kok || !vok {
			s.unknown(pathsTags, fmt.Sprintf("cannot resolve Tags[%d]: want {Key, Value} strings", i))
			s.unresolvedTags = append(s.unresolvedTags, k)
			continue
		}
		s.e.Secret.Tags = append(s.e.Secret.Tags, snapshot.Tag{Key: k, Value: val})
	}
	if s.e.Secret.Tags == nil {
		s.e.Secret.Tags = []snapshot.Tag{}
	}
	s.assumed(pathsTags, as)
	s.tagsAssumed = as
}

// unresolvedTagKeys lists the keys of the tags that cannot be resolved (""
// when the key itself cannot be).
func unresolvedTagKeys(m *cfnMapper, n *cfn.Node) []string {
	if n.Kind != cfn.KindList {
		return []string{""}
	}
	var out []string
	for _, it := range n.Items {
		if m.r.Resolve(it).Err == nil {
			continue
		}
		k := m.r.Resolve(it.Get("Key"))
		ks, _ := k.Value.(string)
		if k.Err != nil {
			ks = ""
		}
		out = append(out, ks)
	}
	return out
}

// target finds the template secret a SecretId names (Ref of the secret,
// which is its ARN; or its name). It returns nil, "" for a secret the
// template does not declare, and nil with a reason when it cannot tell.
func (m *cfnMapper) target(res *cfn.Resource) (*secret, string) {
	n := m.prop(res, "SecretId")
	if n == nil {
		return nil, fmt.Sprintf("%s %s has no SecretId", res.Type, res.LogicalID)
	}
	v := m.r.Resolve(n)
	if v.Err != nil {
		return nil, cannot("SecretId of "+res.LogicalID, v.Err)
	}
	switch x := v.Value.(type) {
	case cfn.Ref:
		if s := m.secrets[x.LogicalID]; s != nil && x.Type == typeSecret {
			return s, ""
		}
		return nil, ""
	case string:
		for _, id := range m.order {
			if s := m.secrets[id]; s.e.Secret.Name != "" && s.e.Secret.Name == x {
				return s, ""
			}
		}
	}
	return nil, ""
}

// attach runs fn on the secret a SecretSpecific resource names; when it
// cannot be told which, every secret of the template gets the reason as an
// unknown for paths.
func (m *cfnMapper) attach(res *cfn.Resource, paths []string, fn func(*secret)) {
	if !m.created(res) {
		return
	}
	s, why := m.target(res)
	if s == nil {
		if why != "" {
			for _, id := range m.order {
				m.secrets[id].unknown(paths, why)
			}
		}
		return
	}
	if why := m.conditionUnknown(res); why != "" {
		s.unknown(paths, why)
		return
	}
	fn(s)
}

// rotation maps an AWS::SecretsManager::RotationSchedule onto its secret.
func (m *cfnMapper) rotation(res *cfn.Resource) {
	m.attach(res, pathsRotation, func(s *secret) {
		s.e.Secret.RotationEnabled = true
		rules := m.prop(res, "RotationRules")
		if rules != nil {
			rr := &snapshot.RotationRules{}
			ok := true
			for _, f := range []string{"AutomaticallyAfterDays", "Duration", "ScheduleExpression"} {
				n := rules.Get(f)
				if n == nil {
					continue
				}
				v, as := m.resolve(n)
				str, sok := m.r.String(v.Value)
				if v.Err != nil || !sok {
					why := fmt.Sprintf("cannot resolve RotationRules.%s of %s: %s", f, res.LogicalID, n)
					if v.Err != nil {
						why = cannot("RotationRules."+f+" of "+res.LogicalID, v.Err)
					}
					s.unknown(pathsRotation, why)
					ok = false
					continue
				}
				if v.Absent {
					continue
				}
				s.assumed(pathsRotation, as)
				switch f {
				case "AutomaticallyAfterDays":
					d, err := strconv.ParseInt(str, 10, 64)
					if err != nil {
						s.unknown(pathsRotation, fmt.Sprintf("RotationRules.AutomaticallyAfterDays of %s: %q is not a whole number of days", res.LogicalID, str))
						ok = false
						continue
					}
					rr.AutomaticallyAfterDays = &d
				case "Duration":
					rr.Duration = str
				default:
					rr.ScheduleExpression = str
				}
			}
			if ok || rr.AutomaticallyAfterDays != nil || rr.ScheduleExpression != "" {
				s.e.Secret.RotationRules = rr
			}
		}
		if n := m.prop(res, "RotationLambdaARN"); n != nil {
			v, _ := m.resolve(n)
			if str, ok := m.r.String(v.Value); v.Err == nil && ok {
				s.e.Secret.RotationLambdaARN = str
			} else if v.Err != nil {
				s.unknown(pathsLambda, cannot("RotationLambdaARN of "+res.LogicalID, v.Err))
			} else {
				s.unknown(pathsLambda, fmt.Sprintf("cannot resolve RotationLambdaARN of %s: %s (%s)", res.LogicalID, n, lambdaWhy(v.Value)))
			}
		} else if m.prop(res, "HostedRotationLambda") != nil {
			s.unknown(pathsLambda, fmt.Sprintf("RotationLambdaARN of %s: the hosted rotation function is created at deploy", res.LogicalID))
		}
	})
}

func lambdaWhy(v any) string {
	if r, ok := v.(cfn.Ref); ok {
		return fmt.Sprintf("the ARN of %s, known once it is created", r.LogicalID)
	}
	return "not a string"
}

// resourcePolicy maps an AWS::SecretsManager::ResourcePolicy onto its secret.
func (m *cfnMapper) resourcePolicy(res *cfn.Resource) {
	m.attach(res, pathsPolicy, func(s *secret) {
		n := m.prop(res, "ResourcePolicy")
		if n == nil {
			s.unknown(pathsPolicy, fmt.Sprintf("%s %s has no ResourcePolicy", res.Type, res.LogicalID))
			return
		}
		v, as := m.resolve(n)
		if v.Err != nil {
			s.unknown(pathsPolicy, cannot("ResourcePolicy of "+res.LogicalID, v.Err))
			return
		}
		var text string
		switch x := v.Value.(type) {
		case string:
			var doc map[string]any
			if err := json.Unmarshal([]byte(x), &doc); err != nil {
				s.unknown(pathsPolicy, fmt.Sprintf("ResourcePolicy of %s is not a JSON object: %v", res.LogicalID, err))
				return
			}
			text = x
		case map[string]any:
			j, u := m.r.JSON(n, x)
			if u != nil {
				s.unknown(pathsPolicy, cannot("ResourcePolicy of "+res.LogicalID, u))
				return
			}
			b, err := json.Marshal(j)
			if err != nil {
				s.unknown(pathsPolicy, fmt.Sprintf("ResourcePolicy of %s: %v", res.LogicalID, err))
				return
			}
			text = string(b)
		default:
			s.unknown(pathsPolicy, fmt.Sprintf("ResourcePolicy of %s: want a policy document", res.LogicalID))
			return
		}
		if s.e.ResourcePolicy != nil {
			s.unknown(pathsPolicy, fmt.Sprintf("%s is the second resource policy of the secret: which one applies depends on the deploy order", res.LogicalID))
			return
		}
		s.e.ResourcePolicy = &text
		s.assumed(pathsPolicy, as)
	})
}

// nested reads the template of an AWS::CloudFormation::Stack: the file CDK
// wrote next to its parent (Metadata aws:asset:path), or a TemplateURL that
// is a local path (the input of `aws cloudformation package`).
func (m *cfnMapper) nested(res *cfn.Resource) {
	file := ""
	if p := res.Metadata.Get("aws:asset:path"); p != nil && p.Kind == cfn.KindString {
		f, err := cdkout.NestedTemplate(m.t.File, p.Text)
		if err != nil {
			m.l.problem(Problem{File: m.t.File, Line: res.Line, Msg: fmt.Sprintf("nested stack %s: %v", res.LogicalID, err)})
			return
		}
		file = f
	} else if f, ok, err := cdkout.NestedFromAssets(m.t.File, stringsIn(m.prop(res, "TemplateURL")), m.l.read); err != nil || ok {
		if err != nil {
			m.l.problem(Problem{File: m.t.File, Line: res.Line, Msg: fmt.Sprintf("nested stack %s: %v", res.LogicalID, err)})
			return
		}
		file = f
	} else {
		v := m.r.Resolve(m.prop(res, "TemplateURL"))
		url, ok := v.Value.(string)
		switch {
		case v.Err != nil:
			m.l.problem(Problem{File: m.t.File, Line: res.Line, Msg: fmt.Sprintf("nested stack %s: %s: its secrets are not scanned", res.LogicalID, cannot("TemplateURL", v.Err))})
			return
		case !ok || url == "":
			m.l.problem(Problem{File: m.t.File, Line: res.Line, Msg: fmt.Sprintf("nested stack %s: no TemplateURL", res.LogicalID)})
			return
		case strings.Contains(url, "://"):
			m.l.problem(Problem{File: m.t.File, Line: res.Line, Msg: fmt.Sprintf("nested stack %s: TemplateURL %s is not a local file: its secrets are not scanned (scan the child template too, or the cdk.out)", res.LogicalID, url)})
			return
		}
		file = filepath.Join(filepath.Dir(m.t.File), filepath.FromSlash(url))
	}
	data, err := m.l.read(file)
	if err != nil {
		m.l.problem(Problem{File: m.t.File, Line: res.Line, Msg: fmt.Sprintf("nested stack %s: %v", res.LogicalID, err)})
		return
	}
	root, err := cfn.ParseDocument(file, data)
	if err != nil {
		m.l.problem(problemOf(file, err))
		return
	}
	env := stackEnv{account: m.env.account, region: m.env.region, values: map[string]cfn.Given{},
		chain: append(append([]string(nil), m.env.chain...), filepath.Clean(m.t.File)),
		via:   m.t.File + "#" + res.LogicalID}
	if ps := m.prop(res, "Parameters"); ps != nil && ps.Kind == cfn.KindMap {
		for _, f := range ps.Fields {
			v := m.r.Resolve(f.Value)
			g := cfn.Given{From: "stack " + res.LogicalID + " of " + m.t.File, Assumed: v.Assumed}
			switch {
			case v.Err != nil:
				g.Err = v.Err
			default:
				if ref, ok := v.Value.(cfn.Ref); ok && m.keys[ref.LogicalID] != "" {
					// A key (or alias) of the parent: the child's KmsKeyId
					// resolves to the same key.
					g.Value = m.keys[ref.LogicalID]
				} else if s, ok := m.r.String(v.Value); ok {
					g.Value = s
				} else if list, ok := v.Value.([]any); ok {
					parts := make([]string, 0, len(list))
					for _, x := range list {
						s, _ := m.r.String(x)
						parts = append(parts, s)
					}
					g.Value = strings.Join(parts, ",")
				} else {
					g.Err = &cfn.Unresolved{Expr: f.Value, Why: notStringWhy(v.Value)}
				}
			}
			env.values[f.Key] = g
		}
	}
	m.l.template(file, root, env)
}

func notStringWhy(v any) string {
	if r, ok := v.(cfn.Ref); ok {
		return fmt.Sprintf("%s is known only once %s is created", r, r.LogicalID)
	}
	return "not a string"
}

// stringsIn lists the strings of a template value, intrinsics included.
func stringsIn(n *cfn.Node) []string {
	if n == nil {
		return nil
	}
	var out []string
	switch n.Kind {
	case cfn.KindString:
		out = append(out, n.Text)
	case cfn.KindList:
		for _, it := range n.Items {
			out = append(out, stringsIn(it)...)
		}
	case cfn.KindMap:
		for _, f := range n.Fields {
			out = append(out, stringsIn(f.Value)...)
		}
	}
	return out
}
