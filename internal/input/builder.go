// Package input builds the versioned policy input document (schema v1) that
// the Rego policies evaluate, directly as OPA AST values so that a scan of a
// large organization does not round-trip through JSON.
package input

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// SchemaVersion is the policy input version.
const SchemaVersion = "v1"

// History is what event-driven evaluation knows beyond the event itself.
type History struct {
	// AccessDeniedCount counts recent failed reads by the same principal.
	AccessDeniedCount int `json:"access_denied_count"`
	// PrincipalReads lists the secrets the principal read recently.
	PrincipalReads []string `json:"principal_reads"`
}

// Builder builds policy inputs for one organization at one instant. It is
// safe for concurrent use.
type Builder struct {
	inv        inventory.Inventory
	params     *config.Params
	now        time.Time
	nowTerm    *ast.Term
	orgTerm    *ast.Term
	orgError   string
	orgIDs     map[string]bool
	accounts   map[string]*snapshot.Account
	acctTerms  map[string]*ast.Term
	mu         sync.Mutex
	paramTerms map[unsafe.Pointer]*ast.Term

	// Secrets sharing a resource policy text or a key share its term.
	policies termCache[string] // resource policy text -> parsed object
	keys     termCache[keyRef] // resolved keys (unknown keys are not kept)
}

type keyRef struct{ account, region, ref string }

// NewBuilder reads the organization from inv and prepares the shared parts.
func NewBuilder(ctx context.Context, inv inventory.Inventory, params *config.Params, now time.Time) (*Builder, error) {
	org, accounts, err := inv.Organization(ctx)
	if err != nil {
		return nil, fmt.Errorf("read organization: %w", err)
	}
	b := &Builder{
		inv:        inv,
		orgError:   org.Error,
		params:     params,
		now:        now.UTC(),
		nowTerm:    ast.StringTerm(now.UTC().Format(time.RFC3339)),
		orgIDs:     make(map[string]bool, len(accounts)+1),
		accounts:   make(map[string]*snapshot.Account, len(accounts)),
		acctTerms:  make(map[string]*ast.Term, len(accounts)),
		paramTerms: map[unsafe.Pointer]*ast.Term{},
	}
	ids := make([]string, 0, len(accounts)+1)
	add := func(id string) {
		if id != "" && !b.orgIDs[id] {
			b.orgIDs[id] = true
			ids = append(ids, id)
		}
	}
	add(org.MasterAccountID)
	for i := range accounts {
		a := &accounts[i]
		add(a.ID)
		b.accounts[a.ID] = a
		b.acctTerms[a.ID] = accountTerm(a, a.ID)
	}
	sort.Strings(ids)
	var o obj
	o.set("id", ast.StringTerm(org.ID))
	o.set("management_account_id", ast.StringTerm(org.MasterAccountID))
	o.set("account_ids", stringsTerm(ids))
	b.orgTerm = o.term()
	return b, nil
}

// Now is the evaluation instant.
func (b *Builder) Now() time.Time { return b.now }

// InOrganization reports whether an account id belongs to the organization.
func (b *Builder) InOrganization(accountID string) bool { return b.orgIDs[accountID] }

// ActorInOrganization reports whether an event's actor acts from inside the
// organization: its account is a member, or it is an AWS service acting on
// the organization's behalf.
func (b *Builder) ActorInOrganization(a event.Actor) bool {
	return ActorInOrganization(a, b.InOrganization)
}

// ActorInOrganization reports whether an actor acts from inside the
// organization whose member accounts member tells: its account is a member,
// or it is an AWS service acting on the organization's behalf. An actor that
// cannot be identified (no account) is outside.
func ActorInOrganization(a event.Actor, member func(accountID string) bool) bool {
	return a.Type == "AWSService" || a.InvokedBy != "" || a.AccountID != "" && member(a.AccountID)
}

// Account returns the account, or nil when it is not in the organization.
func (b *Builder) Account(id string) *snapshot.Account { return b.accounts[id] }

// Params returns the resolved parameters of a secret.
func (b *Builder) Params(e *snapshot.SecretEntry) map[string]any {
	return b.params.Resolve(b.accounts[e.AccountID], e.AccountID, &e.Secret)
}

// ErrBrokenSecret marks input that cannot be built from a secret's data.
var ErrBrokenSecret = errors.New("broken secret data")

// UnreadError is returned for an entry the inventory could not read (access
// denied, throttled, unreachable): its reason is reported as is.
type UnreadError struct {
	// Reason is the inventory's explanation.
	Reason string
}

func (e *UnreadError) Error() string { return e.Reason }

// Build returns the posture input for one secret. A secret whose data is
// broken (no ARN, a resource policy that is not JSON) returns an error
// wrapping ErrBrokenSecret.
func (b *Builder) Build(ctx context.Context, e *snapshot.SecretEntry) (ast.Value, error) {
	return b.BuildAt(ctx, e, time.Time{})
}

// BuildAt is Build with "now" set to at (the zero time means the builder's
// instant), as replay evaluates each event at its own time.
func (b *Builder) BuildAt(ctx context.Context, e *snapshot.SecretEntry, at time.Time) (ast.Value, error) {
	o, err := b.base(ctx, e, at)
	if err != nil {
		return nil, err
	}
	return o.term().Value, nil
}

// BuildEvent returns the input for deciding an event. e may be nil when the
// event's secret is unknown; the event's actor is marked in or out of the
// organization.
func (b *Builder) BuildEvent(ctx context.Context, e *snapshot.SecretEntry, ev *event.Event, h History) (ast.Value, error) {
	_, in, err := b.buildEvent(ctx, e, ev, h, false)
	return in, err
}

// BuildPosture returns both the posture input of e at the event's time (as
// BuildAt) and the event's input (as BuildEvent), building the secret's part
// once.
func (b *Builder) BuildPosture(ctx context.Context, e *snapshot.SecretEntry, ev *event.Event, h History) (posture, eventInput ast.Value, err error) {
	return b.buildEvent(ctx, e, ev, h, true)
}

// buildEvent builds the event's input and, when withPosture is set and the
// secret is known, the posture input made of the same parts.
func (b *Builder) buildEvent(ctx context.Context, e *snapshot.SecretEntry, ev *event.Event, h History, withPosture bool) (posture, eventInput ast.Value, err error) {
	var o *obj
	if e != nil {
		if o, err = b.base(ctx, e, ev.Time); err != nil {
			return nil, nil, err
		}
		if withPosture {
			posture = o.term().Value
		}
	} else {
		o = &obj{}
		o.set("schema_version", ast.StringTerm(SchemaVersion))
		o.set("now", ast.StringTerm(ev.Time.UTC().Format(time.RFC3339)))
		o.set("region", ast.StringTerm(ev.Region))
		o.set("secret", ast.NullTerm())
		o.set("resource_policy", ast.NullTerm())
		o.set("kms_key", ast.NullTerm())
		o.set("account", b.accountOf(ev.AccountID))
		o.set("organization", b.orgTerm)
		o.set("params", b.paramsTerm(b.params.Defaults()))
	}
	evTerm, err := b.EventTerm(ev)
	if err != nil {
		return nil, nil, err
	}
	o.set("event", evTerm)
	o.set("history", historyTerm(h))
	return posture, o.term().Value, nil
}

func (b *Builder) accountOf(id string) *ast.Term {
	if t, ok := b.acctTerms[id]; ok {
		return t
	}
	return accountTerm(nil, id)
}

func (b *Builder) paramsTerm(p map[string]any) *ast.Term {
	// Params.Resolve shares one map per combination of overrides, so the
	// map's identity keys the cache.
	id := reflect.ValueOf(p).UnsafePointer()
	b.mu.Lock()
	defer b.mu.Unlock()
	if t, ok := b.paramTerms[id]; ok {
		return t
	}
	v, err := ast.InterfaceToValue(p)
	if err != nil {
		v = ast.NewObject()
	}
	t := ast.NewTerm(v)
	b.paramTerms[id] = t
	return t
}

func (b *Builder) base(ctx context.Context, e *snapshot.SecretEntry, at time.Time) (*obj, error) {
	s := &e.Secret
	if s.ARN == "" {
		return nil, fmt.Errorf("%w: secret %q in %s/%s has no ARN", ErrBrokenSecret, s.Name, e.AccountID, e.Region)
	}
	if e.Error != "" {
		return nil, &UnreadError{Reason: e.Error}
	}
	o := &obj{kv: make([][2]*ast.Term, 0, 14)}
	o.set("schema_version", ast.StringTerm(SchemaVersion))
	now := b.now
	if at.IsZero() {
		o.set("now", b.nowTerm)
	} else {
		now = at.UTC()
		o.set("now", ast.StringTerm(now.Format(time.RFC3339)))
	}
	o.set("region", ast.StringTerm(e.Region))
	o.set("secret", secretTerm(s))
	// Ages against the instant and timestamps as the input renders them (to
	// the second), so that they agree with input.now and input.secret.
	o.set("ages", agesTerm(s, now, time.Second))
	o.set("version_stages", VersionStagesTerm(s.VersionIdsToStages))
	pol := ast.NullTerm()
	if e.ResourcePolicy != nil && *e.ResourcePolicy != "" {
		var err error
		if pol, err = b.policyTerm(*e.ResourcePolicy); err != nil {
			return nil, err
		}
	}
	o.set("resource_policy", pol)
	o.set("kms_key", b.keyTerm(ctx, e.AccountID, e.Region, s.KmsKeyID))
	if len(s.ReplicationStatus) > 0 {
		var ro obj
		for _, r := range s.ReplicationStatus {
			ro.set(r.Region, b.keyTerm(ctx, e.AccountID, r.Region, r.KmsKeyID))
		}
		o.set("replica_kms_keys", ro.term())
	}
	o.set("account", b.accountOf(e.AccountID))
	o.set("organization", b.orgTerm)
	o.set("params", b.paramsTerm(b.Params(e)))
	return o, nil
}

// policyTerm parses a resource policy document (once per distinct text).
func (b *Builder) policyTerm(text string) (*ast.Term, error) {
	if t, ok := b.policies.get(text); ok {
		return t, nil
	}
	v, err := ast.ValueFromReader(bytesReader([]byte(text)))
	if err != nil {
		return nil, fmt.Errorf("%w: resource policy is not valid JSON: %v", ErrBrokenSecret, err)
	}
	if _, ok := v.(ast.Object); !ok {
		return nil, fmt.Errorf("%w: resource policy is not a JSON object", ErrBrokenSecret)
	}
	t := ast.NewTerm(v)
	b.policies.put(text, t)
	return t, nil
}

// keyTerm resolves a key reference; unknown keys are null (the policies
// report them rather than pass).
func (b *Builder) keyTerm(ctx context.Context, account, region, ref string) *ast.Term {
	kr := keyRef{account, region, ref}
	if t, ok := b.keys.get(kr); ok {
		return t
	}
	k, err := b.inv.Key(ctx, account, region, ref)
	if err != nil || k == nil {
		return ast.NullTerm()
	}
	t := keyTerm(k.Key, k.AliasNames, k.AWSManaged)
	b.keys.put(kr, t)
	return t
}
