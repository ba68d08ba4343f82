package tfplan

import (
	"os"
	"strings"
	"testing"
)

func load(t *testing.T, name string) *Plan {
	t.Helper()
	data, err := os.ReadFile("../../../testdata/templates/terraform/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestChildModules(t *testing.T) {
	p := load(t, "plan-modules.json")
	var addrs []string
	for _, r := range p.Resources {
		addrs = append(addrs, r.Address)
	}
	want := "aws_kms_alias.secrets aws_kms_key.secrets aws_secretsmanager_secret.db aws_secretsmanager_secret_policy.db aws_secretsmanager_secret_rotation.db " +
		"module.service.aws_secretsmanager_secret.this module.service.module.cache.aws_secretsmanager_secret.auth[0] module.service.module.cache.aws_secretsmanager_secret_rotation.auth[0]"
	if got := strings.Join(addrs, " "); got != want {
		t.Errorf("resources:\n got %s\nwant %s", got, want)
	}
	auth := p.Instances("module.service.module.cache.aws_secretsmanager_secret.auth")
	if len(auth) != 1 || auth[0].Module != "module.service.module.cache" || auth[0].Name != "auth" {
		t.Fatalf("instances of the cache secret: %+v", auth)
	}
	if p.Region(auth[0]) != "us-east-1" {
		t.Errorf("region of a child module's resource (inherited provider): %q", p.Region(auth[0]))
	}
}

func TestTraces(t *testing.T) {
	p := load(t, "plan-modules.json")
	svc := p.Instances("module.service.aws_secretsmanager_secret.this")[0]
	cases := []struct {
		r    *Resource
		path []any
		want string
	}{
		// var.kms_key_arn of module.service is the root's aws_kms_key.secrets.arn.
		{svc, []any{"kms_key_id"}, "resources [aws_kms_key.secrets] opaque []"},
		{p.Instances("aws_secretsmanager_secret.db")[0], []any{"kms_key_id"}, "resources [aws_kms_key.secrets] opaque []"},
		{p.Instances("aws_secretsmanager_secret.db")[0], []any{"replica", 0, "kms_key_id"}, "resources [] opaque [local.replica_key]"},
		{p.Instances("module.service.module.cache.aws_secretsmanager_secret.auth")[0], []any{"policy"},
			"resources [module.service.module.cache.data.aws_iam_policy_document.cache] opaque []"},
		{p.Instances("module.service.module.cache.aws_secretsmanager_secret_rotation.auth")[0], []any{"secret_id"},
			"resources [module.service.module.cache.aws_secretsmanager_secret.auth] opaque []"},
	}
	for _, c := range cases {
		tr, ok := p.Expression(c.r, c.path...)
		if !ok {
			t.Errorf("%s %v: no expression", c.r.Address, c.path)
			continue
		}
		got := "resources [" + strings.Join(tr.Resources, " ") + "] opaque [" + strings.Join(tr.Opaque, " ") + "]"
		if got != c.want {
			t.Errorf("%s %v: %s, want %s", c.r.Address, c.path, got, c.want)
		}
	}
	if _, ok := p.Expression(svc, "policy"); ok {
		t.Error("an attribute the configuration does not set has an expression")
	}
	rot := p.Instances("aws_secretsmanager_secret_rotation.db")[0]
	if tr, ok := p.Expression(rot, "rotation_rules", 0, "automatically_after_days"); !ok || !tr.HasConstant {
		t.Errorf("rotation_rules[0].automatically_after_days: %+v %v", tr, ok)
	}
}

func TestUnknown(t *testing.T) {
	p := load(t, "plan-modules.json")
	db := p.Instances("aws_secretsmanager_secret.db")[0]
	for _, c := range []struct {
		path []any
		want bool
	}{
		{[]any{"kms_key_id"}, true},
		{[]any{"name"}, false},
		{[]any{"replica", 0, "kms_key_id"}, true},
		{[]any{"replica", 0, "region"}, false},
		{[]any{"replica", 3, "region"}, false},
		{[]any{"tags_all"}, false},
	} {
		if got := db.IsUnknown(c.path...); got != c.want {
			t.Errorf("IsUnknown%v = %v, want %v", c.path, got, c.want)
		}
	}
}

func TestUpdatePlanRegion(t *testing.T) {
	p := load(t, "plan-update.json")
	r := p.Instances("aws_secretsmanager_secret.legacy")[0]
	if got := p.Region(r); got != "eu-central-1" {
		t.Errorf("region attribute (AWS provider 6): %q", got)
	}
	if r.Actions[0] != "update" {
		t.Errorf("actions %v", r.Actions)
	}
}

func TestParseErrors(t *testing.T) {
	for text, want := range map[string]string{
		`{"format_version": "0.1", "planned_values": {"root_module": {}}}`:                                   "want 1.x",
		`{"format_version": "1.0", "terraform_version": "1.9.0", "values": {}}`:                              "no planned_values.root_module: not a plan",
		`{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"mode": "managed"}]}}}`: "no address or type",
		`[1]`: "not a Terraform plan in JSON",
	} {
		_, err := Parse("p.json", []byte(text))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "p.json: ") {
			t.Errorf("%s: %v, want %q", text, err, want)
		}
	}
}

func TestLooks(t *testing.T) {
	if !Looks([]string{"format_version", "planned_values"}) || !Looks([]string{"format_version", "terraform_version"}) {
		t.Error("a plan does not look like one")
	}
	if Looks([]string{"Resources"}) || Looks([]string{"format_version"}) {
		t.Error("a template looks like a plan")
	}
}
