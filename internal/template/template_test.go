package template_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretwarden/warden/internal/builtin"
	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/template"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func notes(e *snapshot.SecretEntry, kind snapshot.NoteKind) map[string]string {
	out := map[string]string{}
	for _, n := range e.Notes {
		if n.Kind == kind {
			out[n.Path] = n.Reason
		}
	}
	return out
}

const importTemplate = `Resources:
  Key: {Type: AWS::KMS::Key}
  Alias:
    Type: AWS::KMS::Alias
    Properties: {AliasName: alias/app, TargetKeyId: !Ref Key}
  Imported:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: app/imported
      KmsKeyId: !ImportValue shared-key
  ByAlias:
    Type: AWS::SecretsManager::Secret
    Properties:
      KmsKeyId: alias/app
`

func TestMapCloudFormation(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "stack.yaml", importTemplate)
	res := template.Load(context.Background(), []string{f}, template.Options{Account: "111122223333", Region: "eu-west-1"})
	if len(res.Problems) != 0 || res.Templates != 1 || len(res.Secrets) != 2 {
		t.Fatalf("problems %v, templates %d, secrets %d", res.Problems, res.Templates, len(res.Secrets))
	}
	imp := &res.Secrets[0]
	o := imp.Origin
	if o.ID != "template:"+f+"#Imported" || o.LogicalID != "Imported" || o.ResourceType != "AWS::SecretsManager::Secret" || o.File != f || o.Line != 6 {
		t.Errorf("origin %+v", o)
	}
	if imp.Secret.ARN != "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/imported" {
		t.Errorf("matching ARN %q", imp.Secret.ARN)
	}
	unknown := notes(imp, snapshot.NoteUnknown)
	want := "cannot resolve KmsKeyId: {Fn::ImportValue: shared-key} (an export of another stack, known only at deploy)"
	if unknown["secret.KmsKeyId"] != want || unknown["kms_key"] != want {
		t.Errorf("unknown notes %v", unknown)
	}
	inapplicable := notes(imp, snapshot.NoteInapplicable)
	for _, p := range []string{"ages", "version_stages", "secret.LastAccessedDate", "secret.LastRotatedDate", "secret.NextRotationDate", "secret.CreatedDate"} {
		if inapplicable[p] == "" {
			t.Errorf("no runtime note on %s", p)
		}
	}
	// The alias's name names the template's key.
	by := &res.Secrets[1]
	if by.Secret.KmsKeyID != "template:"+f+"#Key" || len(notes(by, snapshot.NoteUnknown)) != 0 {
		t.Errorf("ByAlias: key %q, notes %v", by.Secret.KmsKeyID, by.Notes)
	}
	if len(res.Keys) != 1 || res.Keys[0].KeyManager != "CUSTOMER" || len(res.Aliases) != 1 || res.Aliases[0].AliasName != "alias/app" {
		t.Errorf("keys %+v aliases %+v", res.Keys, res.Aliases)
	}
}

func TestUnknownAccountAndRegion(t *testing.T) {
	f := write(t, t.TempDir(), "s.yaml", "Resources:\n  S: {Type: AWS::SecretsManager::Secret}\n")
	res := template.Load(context.Background(), []string{f}, template.Options{})
	u := notes(&res.Secrets[0], snapshot.NoteUnknown)
	if !strings.Contains(u["region"], "give --region") || !strings.Contains(u["account"], "give --account") {
		t.Errorf("notes %v", u)
	}
}

// TestOverrideUncertainty: an override that matches on what is not known
// (the account, an unresolved tag) makes the parameters it sets unknown.
func TestOverrideUncertainty(t *testing.T) {
	doc, err := builtin.Data()
	if err != nil {
		t.Fatal(err)
	}
	doc = config.Merge(doc, map[string]any{"warden": map[string]any{"params": map[string]any{"overrides": []any{
		map[string]any{"match": map[string]any{"account": "111122223333"}, "params": map[string]any{"max_rotation_days": 30}},
		map[string]any{"match": map[string]any{"tag": map[string]any{"Key": "tier", "Value": "gold"}}, "params": map[string]any{"required_tag_keys": []any{"owner", "tier"}}},
	}}}})
	cfg, err := config.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	f := write(t, t.TempDir(), "s.yaml", `Resources:
  S:
    Type: AWS::SecretsManager::Secret
    Properties:
      Tags: [{Key: tier, Value: !ImportValue tier}]
`)
	res := template.Load(context.Background(), []string{f}, template.Options{Config: cfg})
	u := notes(&res.Secrets[0], snapshot.NoteUnknown)
	if !strings.Contains(u["params.max_rotation_days"], "account is not known") || !strings.Contains(u["params.required_tag_keys"], "tag tier cannot be resolved") {
		t.Errorf("notes %v", u)
	}
	if _, ok := u["params.unused_for_days"]; ok {
		t.Error("a parameter no override sets is unknown")
	}
	// With the account given, the account override is decided.
	res = template.Load(context.Background(), []string{f}, template.Options{Config: cfg, Account: "111122223333"})
	if u := notes(&res.Secrets[0], snapshot.NoteUnknown); u["params.max_rotation_days"] != "" {
		t.Errorf("account given, still unknown: %v", u)
	}
}

// TestNestedChildNotScannedTwice: in a directory, the child of a nested
// stack is judged through its parent only.
func TestNestedChildNotScannedTwice(t *testing.T) {
	res := template.Load(context.Background(), []string{"../../testdata/templates/cfn/nested"}, template.Options{Account: "111122223333", Region: "us-east-1"})
	if len(res.Problems) != 0 || res.Templates != 2 || len(res.Secrets) != 2 {
		t.Fatalf("problems %v, templates %d, secrets %d", res.Problems, res.Templates, len(res.Secrets))
	}
	for _, s := range res.Secrets {
		if filepath.Base(s.Origin.File) != "child.yaml" {
			t.Errorf("secret %s from %s", s.Origin.LogicalID, s.Origin.File)
		}
	}
	// ClientSecret's KmsKeyId is the parent's key, passed as a parameter.
	if k := res.Secrets[0].Secret.KmsKeyID; !strings.HasSuffix(k, "parent.yaml#Key") {
		t.Errorf("child key %q", k)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	big := write(t, dir, "big.yaml", "Resources: {}\n"+strings.Repeat("# padding\n", 200))
	good := write(t, dir, "good.yaml", "Resources:\n  S: {Type: AWS::SecretsManager::Secret}\n")
	missing := filepath.Join(dir, "missing.yaml")
	paths := []string{big, missing, dir + "/sub", good}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	hasFifo := mkfifo(fifo) == nil
	if hasFifo {
		paths = append(paths, fifo)
	}
	res := template.Load(context.Background(), paths, template.Options{MaxFileSize: 1000})
	var got []string
	for _, p := range res.Problems {
		got = append(got, strings.TrimPrefix(p.Error(), dir+"/"))
	}
	want := []string{
		"missing.yaml: no such file or directory",
		"sub: no CloudFormation template, CDK assembly (manifest.json) or Terraform plan found in this directory",
		"big.yaml: 2014 bytes, over the 1000-byte limit",
	}
	if hasFifo {
		want = append(want, "fifo.yaml: not a regular file (a named pipe)")
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Secrets) != 1 || res.Secrets[0].Origin.File != good {
		t.Errorf("the good template was not read: %+v", res.Secrets)
	}
}

// TestTerraformKeyThroughModule: a key created by the same plan and passed
// to a module through a variable is customer managed.
func TestTerraformKeyThroughModule(t *testing.T) {
	res := template.Load(context.Background(), []string{"../../testdata/templates/terraform/plan-modules.json"}, template.Options{Account: "111122223333"})
	if len(res.Problems) != 0 {
		t.Fatal(res.Problems)
	}
	byAddr := map[string]*snapshot.SecretEntry{}
	for i := range res.Secrets {
		byAddr[res.Secrets[i].Origin.LogicalID] = &res.Secrets[i]
	}
	svc := byAddr["module.service.aws_secretsmanager_secret.this"]
	if svc == nil || !strings.HasSuffix(svc.Secret.KmsKeyID, "#aws_kms_key.secrets") || svc.Region != "us-east-1" || svc.Origin.Line != 0 {
		t.Fatalf("module secret %+v", svc)
	}
	db := byAddr["aws_secretsmanager_secret.db"]
	if !db.Secret.RotationEnabled || *db.Secret.RotationRules.AutomaticallyAfterDays != 30 || db.ResourcePolicy == nil {
		t.Errorf("rotation or policy not attached: %+v", db.Secret)
	}
	if u := notes(db, snapshot.NoteUnknown); !strings.Contains(u["replica_kms_keys"], "local.replica_key") {
		t.Errorf("replica key from a local: %v", u)
	}
}
