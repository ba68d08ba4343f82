// Package tfplan reads a Terraform plan in the JSON form `terraform show
// -json PLANFILE` prints: the managed resources of planned_values (root
// module and child modules, recursively), what is still unknown at plan time
// (resource_changes[].change.after_unknown), and the configuration's
// references, so that a value known only after apply can still be traced to
// the resource it comes from (a KMS key created by the same plan).
//
// Format: "JSON Output Format", Terraform internals,
// https://developer.hashicorp.com/terraform/internals/json-format
// (format_version 1.x: planned_values, resource_changes, configuration with
// expressions {constant_value | references} and module_calls).
package tfplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Plan is a parsed plan.
type Plan struct {
	File             string
	FormatVersion    string
	TerraformVersion string
	// Resources are the managed resources of planned_values: the root
	// module's, then each child module's, depth first.
	Resources []*Resource

	byConfig map[string][]*Resource // config address (no instance keys) → instances
	configs  map[string]*configRes  // config address → its configuration
	calls    map[string]*moduleCall // module path ("module.a.module.b") → its call
	regions  map[string]string      // provider config key → region constant
}

// Resource is one resource instance of the plan.
type Resource struct {
	// Address is the instance address: aws_secretsmanager_secret.db,
	// module.app.aws_kms_key.k[0].
	Address string
	// Module is the module instance address ("" for the root module).
	Module string
	Type   string
	Name   string
	// Values are the planned attribute values known at plan time.
	Values map[string]any
	// Unknown mirrors Values for attributes known only after apply
	// (after_unknown): true for an unknown value, nested for blocks.
	Unknown map[string]any
	// Actions are the planned actions (["create"], ["update"], ["no-op"], ...).
	Actions []string

	config string // config address
	scope  string // module path of its configuration ("" root, "module.a")
}

// Looks reports whether a JSON document has the shape of a plan: a
// format_version next to planned_values (or terraform_version).
func Looks(keys []string) bool {
	has := map[string]bool{}
	for _, k := range keys {
		has[k] = true
	}
	return has["format_version"] && (has["planned_values"] || has["terraform_version"])
}

type rawPlan struct {
	FormatVersion    string `json:"format_version"`
	TerraformVersion string `json:"terraform_version"`
	PlannedValues    *struct {
		RootModule *rawModule `json:"root_module"`
	} `json:"planned_values"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Change  struct {
			Actions      []string       `json:"actions"`
			AfterUnknown map[string]any `json:"after_unknown"`
		} `json:"change"`
	} `json:"resource_changes"`
	Configuration struct {
		ProviderConfig map[string]struct {
			Name        string                     `json:"name"`
			Expressions map[string]json.RawMessage `json:"expressions"`
		} `json:"provider_config"`
		RootModule *configModule `json:"root_module"`
	} `json:"configuration"`
}

type rawModule struct {
	Address      string        `json:"address"`
	Resources    []rawResource `json:"resources"`
	ChildModules []*rawModule  `json:"child_modules"`
}

type rawResource struct {
	Address string         `json:"address"`
	Mode    string         `json:"mode"`
	Type    string         `json:"type"`
	Name    string         `json:"name"`
	Values  map[string]any `json:"values"`
}

type expression struct {
	ConstantValue any      `json:"constant_value"`
	References    []string `json:"references"`
}

type configModule struct {
	Resources   []configRes            `json:"resources"`
	ModuleCalls map[string]*moduleCall `json:"module_calls"`
	Outputs     map[string]struct {
		Expression json.RawMessage `json:"expression"`
	} `json:"outputs"`
}

type configRes struct {
	Address           string                     `json:"address"`
	Mode              string                     `json:"mode"`
	Type              string                     `json:"type"`
	ProviderConfigKey string                     `json:"provider_config_key"`
	Expressions       map[string]json.RawMessage `json:"expressions"`
}

type moduleCall struct {
	Source      string                     `json:"source"`
	Expressions map[string]json.RawMessage `json:"expressions"`
	Module      *configModule              `json:"module"`

	parent string // module path of the caller
}

// Parse reads a plan.
func Parse(file string, data []byte) (*Plan, error) {
	var raw rawPlan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: not a Terraform plan in JSON: %w", file, err)
	}
	if raw.FormatVersion == "" || !strings.HasPrefix(raw.FormatVersion, "1.") {
		return nil, fmt.Errorf("%s: format_version %q: want 1.x (terraform show -json PLANFILE)", file, raw.FormatVersion)
	}
	if raw.PlannedValues == nil || raw.PlannedValues.RootModule == nil {
		return nil, fmt.Errorf("%s: no planned_values.root_module: not a plan (terraform show -json PLANFILE, not a state)", file)
	}
	p := &Plan{
		File:             file,
		FormatVersion:    raw.FormatVersion,
		TerraformVersion: raw.TerraformVersion,
		byConfig:         map[string][]*Resource{},
		configs:          map[string]*configRes{},
		calls:            map[string]*moduleCall{},
		regions:          map[string]string{},
	}
	unknown := map[string]map[string]any{}
	actions := map[string][]string{}
	for _, rc := range raw.ResourceChanges {
		unknown[rc.Address] = rc.Change.AfterUnknown
		actions[rc.Address] = rc.Change.Actions
	}
	if err := p.walk(raw.PlannedValues.RootModule, unknown, actions, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for key, pc := range raw.Configuration.ProviderConfig {
		var e expression
		if raw, ok := pc.Expressions["region"]; ok && json.Unmarshal(raw, &e) == nil {
			if s, ok := e.ConstantValue.(string); ok {
				p.regions[key] = s
			}
		}
	}
	if raw.Configuration.RootModule != nil {
		p.indexConfig(raw.Configuration.RootModule, "", 0)
	}
	return p, nil
}

const maxModuleDepth = 64

func (p *Plan) walk(m *rawModule, unknown map[string]map[string]any, actions map[string][]string, depth int) error {
	if depth > maxModuleDepth {
		return fmt.Errorf("planned_values: modules nested deeper than %d", maxModuleDepth)
	}
	for _, rr := range m.Resources {
		if rr.Mode != "managed" {
			continue
		}
		if rr.Address == "" || rr.Type == "" {
			return fmt.Errorf("planned_values: a resource in %q has no address or type", m.Address)
		}
		r := &Resource{
			Address: rr.Address, Module: m.Address, Type: rr.Type, Name: rr.Name,
			Values: rr.Values, Unknown: unknown[rr.Address], Actions: actions[rr.Address],
		}
		if r.Values == nil {
			r.Values = map[string]any{}
		}
		r.config = stripKeys(rr.Address)
		r.scope = stripKeys(m.Address)
		p.Resources = append(p.Resources, r)
		p.byConfig[r.config] = append(p.byConfig[r.config], r)
	}
	for _, c := range m.ChildModules {
		if err := p.walk(c, unknown, actions, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (p *Plan) indexConfig(m *configModule, scope string, depth int) {
	if depth > maxModuleDepth {
		return
	}
	for i := range m.Resources {
		c := &m.Resources[i]
		p.configs[join(scope, c.Address)] = c
	}
	for name, call := range m.ModuleCalls {
		path := join(scope, "module."+name)
		call.parent = scope
		p.calls[path] = call
		if call.Module != nil {
			p.indexConfig(call.Module, path, depth+1)
		}
	}
}

func join(scope, addr string) string {
	if scope == "" {
		return addr
	}
	return scope + "." + addr
}

var instanceKey = regexp.MustCompile(`\[[^\]]*\]`)

// stripKeys drops instance keys: module.a[0].aws_x.y["k"] → module.a.aws_x.y.
func stripKeys(addr string) string { return instanceKey.ReplaceAllString(addr, "") }

// Region is the region a resource is planned in: its own region attribute
// (AWS provider 6 adds one to every resource), else its provider
// configuration's constant region; "" when neither says.
func (p *Plan) Region(r *Resource) string {
	if s, ok := r.Values["region"].(string); ok && s != "" {
		return s
	}
	key := "aws"
	if c := p.configs[r.config]; c != nil && c.ProviderConfigKey != "" {
		key = c.ProviderConfigKey
	}
	if s, ok := p.regions[key]; ok {
		return s
	}
	// A module's resources name their provider "module.x:aws" or "x:aws"
	// when it is inherited.
	if _, k, ok := strings.Cut(key, ":"); ok {
		if s, ok := p.regions[k]; ok {
			return s
		}
	}
	return ""
}

// Instances returns the resources of a config address (every instance of a
// counted or for_each resource).
func (p *Plan) Instances(config string) []*Resource { return p.byConfig[config] }

// Trace is where an attribute's value comes from, per the configuration.
type Trace struct {
	// Resources are the config addresses of the resources and data sources
	// the value refers to (e.g. module.app.aws_kms_key.k, data.aws_kms_alias.a).
	Resources []string
	// Opaque lists references that cannot be followed (locals, module
	// outputs without a traceable expression): the value may come from them.
	Opaque []string
	// Constant is the expression's constant value when HasConstant is set.
	Constant    any
	HasConstant bool
}

// Expression traces the configuration expression of an attribute of r,
// given as a path through blocks: ("kms_key_id"), ("replica", 0,
// "kms_key_id"), ("rotation_rules", 0, "automatically_after_days"). ok is
// false when the configuration has no expression there.
func (p *Plan) Expression(r *Resource, path ...any) (Trace, bool) {
	c := p.configs[r.config]
	if c == nil || len(path) == 0 {
		return Trace{}, false
	}
	first, _ := path[0].(string)
	raw, ok := c.Expressions[first]
	if !ok {
		return Trace{}, false
	}
	var cur any
	if err := json.Unmarshal(raw, &cur); err != nil {
		return Trace{}, false
	}
	for _, step := range path[1:] {
		switch s := step.(type) {
		case int:
			list, ok := cur.([]any)
			if !ok || s < 0 || s >= len(list) {
				return Trace{}, false
			}
			cur = list[s]
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return Trace{}, false
			}
			if cur, ok = m[s]; !ok {
				return Trace{}, false
			}
		}
	}
	e, ok := cur.(map[string]any)
	if !ok {
		return Trace{}, false
	}
	var t Trace
	if v, ok := e["constant_value"]; ok {
		t.Constant, t.HasConstant = v, true
	}
	refs, _ := e["references"].([]any)
	seen := map[string]bool{}
	for _, x := range refs {
		if s, ok := x.(string); ok {
			p.follow(s, r.scope, &t, seen, 0)
		}
	}
	sort.Strings(t.Resources)
	sort.Strings(t.Opaque)
	return t, true
}

// follow resolves one reference made in module scope.
func (p *Plan) follow(ref, scope string, t *Trace, seen map[string]bool, depth int) {
	key := scope + "|" + ref
	if seen[key] || depth > maxModuleDepth {
		return
	}
	seen[key] = true
	parts := strings.Split(stripKeys(ref), ".")
	switch parts[0] {
	case "each", "count", "path", "self", "terraform":
		return
	case "var":
		if len(parts) < 2 {
			return
		}
		call := p.calls[scope]
		if call == nil {
			// A root variable: its value is in the plan's values already
			// when known.
			t.Opaque = appendNew(t.Opaque, ref)
			return
		}
		raw, ok := call.Expressions[parts[1]]
		if !ok {
			t.Opaque = appendNew(t.Opaque, ref)
			return
		}
		var e expression
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Opaque = appendNew(t.Opaque, ref)
			return
		}
		for _, r := range e.References {
			p.follow(r, call.parent, t, seen, depth+1)
		}
	case "module":
		if len(parts) < 3 {
			return
		}
		path := join(scope, "module."+parts[1])
		call := p.calls[path]
		if call == nil || call.Module == nil {
			t.Opaque = appendNew(t.Opaque, ref)
			return
		}
		out, ok := call.Module.Outputs[parts[2]]
		if !ok {
			t.Opaque = appendNew(t.Opaque, ref)
			return
		}
		var e expression
		if err := json.Unmarshal(out.Expression, &e); err != nil || len(e.References) == 0 {
			t.Opaque = appendNew(t.Opaque, ref)
			return
		}
		for _, r := range e.References {
			p.follow(r, path, t, seen, depth+1)
		}
	case "data":
		if len(parts) < 3 {
			return
		}
		t.Resources = appendNew(t.Resources, join(scope, strings.Join(parts[:3], ".")))
	case "local":
		t.Opaque = appendNew(t.Opaque, ref)
	default:
		if len(parts) < 2 {
			return
		}
		t.Resources = appendNew(t.Resources, join(scope, parts[0]+"."+parts[1]))
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// ConfigAddress is the address of a resource's configuration (instance
// keys dropped): what Trace.Resources name.
func (r *Resource) ConfigAddress() string { return r.config }

// IsUnknown reports whether the attribute at path is known only after
// apply.
func (r *Resource) IsUnknown(path ...any) bool {
	var cur any = r.Unknown
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			cur = m[s]
		case int:
			l, ok := cur.([]any)
			if !ok || s < 0 || s >= len(l) {
				return false
			}
			cur = l[s]
		}
		if b, ok := cur.(bool); ok {
			return b
		}
	}
	b, _ := cur.(bool)
	return b
}
