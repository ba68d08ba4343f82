// Package template maps the secrets that infrastructure-as-code declares —
// CloudFormation templates (JSON or YAML), CDK cloud assemblies (cdk.out)
// and Terraform plans (terraform show -json) — onto the inventory types a
// snapshot scan evaluates, so that the same posture checks, parameters,
// overrides and exceptions judge a secret before it exists.
//
// Each secret becomes a snapshot.SecretEntry whose Origin locates it (file,
// line, logical id or Terraform address, resource type) and whose Notes say
// which parts of its policy input are not known statically (an
// Fn::ImportValue, a parameter without a default, a value known only after
// apply), cannot exist yet (the runtime state that unused, rotated-recently
// and rotation-succeeding read) or were assumed (a parameter's default). The
// assessor turns those into error, not_applicable and annotated findings for
// exactly the checks whose verdict can depend on them.
//
// Resolution of the encryption key: a key the template defines (Ref or
// Fn::GetAtt of an AWS::KMS::Key, an AWS::KMS::Alias it defines or that
// alias's name; in Terraform an aws_kms_key or aws_kms_alias of the plan) is
// a customer managed key — an alias can only name a customer managed key
// ("CreateAlias", AWS KMS API Reference: "You can't create an alias for an
// AWS managed key"). No key, or alias/aws/secretsmanager, is the AWS managed
// key ("KmsKeyId", AWS::SecretsManager::Secret, CloudFormation Template
// Reference: "If you don't specify this value, then Secrets Manager uses the
// key aws/secretsmanager"). Any other key is looked up in the context
// snapshot when one is given, and is unresolved otherwise.
package template

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// IDPrefix starts the identifier that stands for a template secret's ARN in
// findings: "template:<file>#<logical id or Terraform address>".
const IDPrefix = "template:"

// Options are what the templates do not say themselves.
type Options struct {
	// Account, OUPath and Region are the account, its OU path and the region
	// the templates deploy to, for templates that do not say (a CDK stack's
	// environment and a Terraform resource's region win).
	Account, OUPath, Region string
	// Parameters are CloudFormation parameter values (NAME=VALUE), for
	// every template that declares the parameter.
	Parameters map[string]string
	// Context is an organization snapshot (warden scan --snapshot next to
	// --template), or nil: its keys and aliases resolve the encryption keys
	// the templates name but do not define, and its accounts give their OU
	// paths.
	Context *inventory.State
	// Config are the parameters and exceptions: where an override could
	// match a secret on something unknown (its account, OU or an unresolved
	// tag), the checks that read params are errors.
	Config *config.Config
	// MaxFileSize bounds each file read; 0 means DefaultMaxFileSize.
	MaxFileSize int64
}

// Problem is one bad file or resource: it is reported, the rest is read.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Result is what Load read.
type Result struct {
	// Secrets are the secrets declared, in the order read.
	Secrets []snapshot.SecretEntry
	// Keys and Aliases are the KMS keys and aliases the templates define,
	// under their template identifiers.
	Keys    []snapshot.Key
	Aliases []snapshot.Alias
	// Templates counts the templates and plans read (nested stacks
	// included).
	Templates int
	// Problems are the files and resources that could not be read, one each.
	Problems []Problem
}

// Accounts lists the distinct account ids of the secrets, sorted.
func (r *Result) Accounts() []string {
	seen := map[string]bool{}
	var out []string
	for i := range r.Secrets {
		if a := r.Secrets[i].AccountID; a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Load reads every template, assembly and plan under paths (files or
// directories) and maps their secrets.
func Load(ctx context.Context, paths []string, opts Options) *Result {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	l := &loader{ctx: ctx, opts: opts, res: &Result{}, assemblies: map[string]bool{}, keyIDs: map[string]bool{}, mapped: map[string]bool{}}
	// Files are read first and mapped after, so that a template that
	// another one includes as a nested stack is mapped only as such (with
	// the parameters its parent passes), not also on its own.
	var docs []*doc
	for _, in := range discover(paths, l.problem) {
		if ctx.Err() != nil {
			l.problem(Problem{File: in.path, Msg: ctx.Err().Error()})
			break
		}
		if in.assembly {
			l.assembly(in.path)
		} else if d := l.file(in); d != nil {
			docs = append(docs, d)
		}
	}
	nested := map[string]bool{}
	for _, d := range docs {
		for _, f := range nestedFiles(d) {
			nested[filepath.Clean(f)] = true
		}
	}
	for _, d := range docs {
		switch {
		case d.plan != nil:
			l.plan(d.path, d.plan)
		case !nested[filepath.Clean(d.path)]:
			l.template(d.path, d.root, stackEnv{account: l.opts.Account, region: l.opts.Region})
		}
	}
	return l.res
}

type loader struct {
	ctx        context.Context
	opts       Options
	res        *Result
	assemblies map[string]bool // assembly directories read
	keyIDs     map[string]bool // identifiers of the keys the templates define
	mapped     map[string]bool // template files mapped so far
}

func (l *loader) problem(p Problem) { l.res.Problems = append(l.res.Problems, p) }

// addKey records a key a template defines (once per identifier: a nested
// template included twice defines it twice).
func (l *loader) addKey(k snapshot.Key) {
	if l.keyIDs[k.Arn] {
		return
	}
	l.keyIDs[k.Arn] = true
	l.res.Keys = append(l.res.Keys, k)
}

func (l *loader) read(path string) ([]byte, error) { return readFile(path, l.opts.MaxFileSize) }

// ---- notes -----------------------------------------------------------------

// Input paths of the policy input that template properties fill
// (docs/contracts.md, "Policy input").
var (
	pathsName     = []string{"secret.Name"}
	pathsKey      = []string{"secret.KmsKeyId", "kms_key"}
	pathsReplicas = []string{"secret.ReplicationStatus", "replica_kms_keys"}
	pathsReplKey  = []string{"replica_kms_keys"}
	pathsTags     = []string{"secret.Tags"}
	pathsRotation = []string{"secret.RotationEnabled", "secret.RotationRules"}
	pathsLambda   = []string{"secret.RotationLambdaARN"}
	pathsPolicy   = []string{"resource_policy"}
	pathsDesc     = []string{"secret.Description"}
	// runtimePaths are the state of a secret that only exists once it is
	// deployed: its timestamps, the ages derived from them and its versions.
	runtimePaths = []string{
		"ages", "version_stages", "secret.CreatedDate", "secret.LastAccessedDate", "secret.LastChangedDate",
		"secret.LastRotatedDate", "secret.NextRotationDate", "secret.VersionIdsToStages",
	}
)

// runtimeReason is the not_applicable message of the checks that read
// runtime state.
const runtimeReason = "not applicable before deploy: the secret does not exist yet, and this check judges its runtime state"

// secret is an entry being built.
type secret struct {
	e snapshot.SecretEntry
	// unresolvedTags are the keys of tags whose key or value is unresolved
	// ("" for an unresolved key): overrides matching on them cannot be
	// decided.
	unresolvedTags []string
	// tagsAssumed are the assumptions the tags rest on (parameter
	// defaults): overrides matched on tags rest on them too.
	tagsAssumed []string
	partition   string
	// nameUnresolved: the template sets a Name that cannot be resolved.
	nameUnresolved bool
}

func newSecret(o snapshot.Origin, account, region string) *secret {
	s := &secret{partition: partitionOf(region)}
	o.ID = IDPrefix + o.File + "#" + o.LogicalID
	s.e.Origin = &o
	s.e.AccountID, s.e.Region = account, region
	s.e.Source = o.File
	for _, p := range runtimePaths {
		s.note(p, snapshot.NoteInapplicable, runtimeReason)
	}
	if region == "" {
		s.note("region", snapshot.NoteUnknown, "the region is not known: the template does not say; give --region")
	}
	if account == "" {
		s.note("account", snapshot.NoteUnknown, "the account is not known: the template does not say; give --account")
	}
	return s
}

func (s *secret) note(path string, kind snapshot.NoteKind, reason string) {
	s.e.Notes = append(s.e.Notes, snapshot.InputNote{Path: path, Kind: kind, Reason: reason})
}

func (s *secret) unknown(paths []string, reason string) {
	for _, p := range paths {
		s.note(p, snapshot.NoteUnknown, reason)
	}
}

func (s *secret) assumed(paths []string, reasons []string) {
	for _, r := range reasons {
		for _, p := range paths {
			s.note(p, snapshot.NoteAssumed, r)
		}
	}
}

// finish sets the ARN the overrides and exceptions match on: the one the
// secret will have, arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME,
// with the parts not known left empty and without the random suffix
// Secrets Manager appends ("Secret ARN", Secrets Manager User Guide) — so
// that arn globs written for deployed secrets ("…:secret:payments/*") apply
// to the same secrets before deploy.
func (s *secret) finish(opts *Options) snapshot.SecretEntry {
	e := s.e
	e.Secret.ARN = fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s", s.partition, e.Region, e.AccountID, e.Secret.Name)
	if c := opts.Config; c != nil && c.Params != nil {
		s.e.Notes = append(s.e.Notes, overrideUncertainty(c, &e, s, opts)...)
		e.Notes = s.e.Notes
	}
	return e
}

// overrideUncertainty notes the parameters that an override may or may
// not set for e, because it matches on something unknown (the account, its
// OU path, the secret's name or an unresolved tag): the checks that read
// those parameters are errors.
func overrideUncertainty(c *config.Config, e *snapshot.SecretEntry, s *secret, opts *Options) []snapshot.InputNote {
	var out []snapshot.InputNote
	for _, o := range c.Params.Overrides() {
		m := o.Match
		why := ""
		switch {
		case m.Account != "" && e.AccountID == "":
			why = "the account is not known and a parameter override matches on account: give --account"
		case m.OuPath != "" && ouPath(opts, e.AccountID) == "":
			why = "the OU path is not known and a parameter override matches on ou_path: give --ou-path"
		case m.ARN != "" && (s.nameUnresolved || e.AccountID == "" || e.Region == ""):
			why = "the secret's ARN is not fully known (name, account or region) and a parameter override matches on arn"
		case m.Tag != nil:
			for _, k := range s.unresolvedTags {
				if k == "" || k == m.Tag.Key {
					why = fmt.Sprintf("tag %s cannot be resolved and a parameter override matches on it", orUnknown(k))
					break
				}
			}
		}
		if why == "" {
			if m.Tag != nil && len(s.tagsAssumed) > 0 && m.Matches(nil, e.AccountID, &e.Secret) {
				for _, name := range sortedKeys(o.Params) {
					for _, a := range s.tagsAssumed {
						out = append(out, snapshot.InputNote{Path: "params." + name, Kind: snapshot.NoteAssumed, Reason: a})
					}
				}
			}
			continue
		}
		for _, name := range sortedKeys(o.Params) {
			out = append(out, snapshot.InputNote{Path: "params." + name, Kind: snapshot.NoteUnknown, Reason: why})
		}
	}
	return out
}

// ouPath is the OU path of an account: --ou-path, else the context
// snapshot's.
func ouPath(opts *Options, account string) string {
	if opts.OUPath != "" {
		return opts.OUPath
	}
	if opts.Context != nil {
		if a := opts.Context.Account(account); a != nil {
			return a.OuPath
		}
	}
	return ""
}

func orUnknown(k string) string {
	if k == "" {
		return "(key unknown)"
	}
	return k
}

// partitionOf is the partition of a region ("aws" when unknown).
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ContextState indexes a context snapshot's organization, accounts, keys
// and aliases (never its secrets: a context is not scanned).
func ContextState(s *snapshot.Snapshot) *inventory.State {
	c := *s
	c.Secrets = nil
	return inventory.NewState(&c)
}

// Snapshot assembles what the engine evaluates: the organization and
// accounts (the context's when given; else only the accounts the templates
// deploy to), orgID and ouPath when set (they win over the context's), the
// context's keys and aliases plus the templates', and the templates'
// secrets. context may be nil.
func (r *Result) Snapshot(context *snapshot.Snapshot, orgID, ouPath string) *snapshot.Snapshot {
	snap := &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion}
	if context != nil {
		snap.Organization = context.Organization
		snap.Accounts = append(snap.Accounts, context.Accounts...)
		snap.Keys = append(snap.Keys, context.Keys...)
		snap.Aliases = append(snap.Aliases, context.Aliases...)
	}
	if orgID != "" {
		snap.Organization.ID = orgID
	}
	known := map[string]int{}
	for i := range snap.Accounts {
		known[snap.Accounts[i].ID] = i
	}
	for _, id := range r.Accounts() {
		i, ok := known[id]
		if !ok {
			snap.Accounts = append(snap.Accounts, snapshot.Account{ID: id, Status: "ACTIVE"})
			i = len(snap.Accounts) - 1
			known[id] = i
		}
		if ouPath != "" {
			snap.Accounts[i].OuPath = ouPath
		}
	}
	snap.Keys = append(snap.Keys, r.Keys...)
	snap.Aliases = append(snap.Aliases, r.Aliases...)
	snap.Secrets = r.Secrets
	return snap
}
