// Package live gives the Lambda handlers the live state of an organization
// through the AWS inventory adapter (awsinv): one organization discovery
// shared by the invocations of a process (refreshed periodically), the state
// of the few secrets an event names, and the inventory of one account-region
// for a sweep unit.
package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/snapshot"
)

// DefaultRefresh is how long a process trusts its organization discovery
// (accounts, OU paths, tags) before reading it again.
const DefaultRefresh = 15 * time.Minute

// loadConcurrency bounds the secrets read at once for one event.
const loadConcurrency = 8

// Ref names one secret to load: a full or partial ARN or a name, in an
// account and region.
type Ref struct {
	AccountID string
	Region    string
	SecretID  string
}

// RefOf returns the Ref of a secret reference an event makes in its account
// and region (an ARN's own account and region win).
func RefOf(ev *event.Event, r event.SecretRef) (Ref, bool) {
	id := r.ARN
	if id == "" {
		id = r.Raw
	}
	if id == "" {
		id = r.Name
	}
	if id == "" {
		return Ref{}, false
	}
	ref := Ref{AccountID: ev.AccountID, Region: ev.Region, SecretID: id}
	if a, ok := event.ParseSecretARN(id); ok {
		if a.AccountID != "" {
			ref.AccountID = a.AccountID
		}
		if a.Region != "" {
			ref.Region = a.Region
		}
	}
	return ref, ref.AccountID != "" && ref.Region != ""
}

// RefOfARN returns the Ref of a secret ARN.
func RefOfARN(arn string) (Ref, bool) {
	a, ok := event.ParseSecretARN(arn)
	if !ok || a.AccountID == "" || a.Region == "" {
		return Ref{}, false
	}
	return Ref{AccountID: a.AccountID, Region: a.Region, SecretID: arn}, true
}

// Source reads live state. It is safe for concurrent use.
type Source struct {
	factory awsinv.ClientFactory
	opts    awsinv.Options
	refresh time.Duration
	now     func() time.Time
	expect  string

	mu   sync.Mutex
	inv  *awsinv.Inventory
	born time.Time
}

// New returns a source over the client factory (the one place that holds
// the SDK clients and the assumed-role credentials) with the inventory
// options (regions, role name, ExternalId, logger). refresh is how long an
// organization discovery is reused (DefaultRefresh when not positive).
func New(f awsinv.ClientFactory, opts awsinv.Options, refresh time.Duration) (*Source, error) {
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	s := &Source{factory: f, opts: opts, refresh: refresh, now: time.Now}
	if _, err := s.Inventory(); err != nil {
		return nil, err
	}
	return s, nil
}

// RequireOrganization makes State and Unit refuse to work unless the
// organization discovered is id (WARDEN_ORGANIZATION_ID): deciding against
// the wrong organization, or against the caller's account alone because
// Organizations could not be read, would take member accounts for
// outsiders (and, for instance, rotate secrets they read).
func (s *Source) RequireOrganization(id string) *Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expect = id
	return s
}

// ErrOrganization is wrapped by the error of State and Unit when the
// organization discovered is not the one required.
var ErrOrganization = errors.New("organization not readable")

// checkOrganization enforces RequireOrganization.
func (s *Source) checkOrganization(ctx context.Context, inv *awsinv.Inventory) error {
	s.mu.Lock()
	expect := s.expect
	s.mu.Unlock()
	if expect == "" {
		return nil
	}
	org, _, err := inv.Organization(ctx)
	if err != nil {
		if oe := (*awsinv.OrganizationError)(nil); errors.As(err, &oe) {
			return fmt.Errorf("%w: %w", ErrOrganization, err) // a misconfiguration, not transient
		}
		return fmt.Errorf("read organization: %w", err)
	}
	if org.ID != expect {
		found := org.ID
		if found == "" {
			found = "none (Organizations not readable: only the caller's own account is known)"
		}
		return fmt.Errorf("%w: want %s, found %s; this function needs organizations:DescribeOrganization, ListAccounts, ListParents and ListTagsForResource in the management or delegated-administrator account", ErrOrganization, expect, found)
	}
	return nil
}

// Inventory returns the process's inventory, a new one once the current one
// is older than the refresh interval (it rediscovers the organization on
// first use).
func (s *Source) Inventory() (*awsinv.Inventory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.inv != nil && now.Sub(s.born) < s.refresh {
		return s.inv, nil
	}
	inv, err := awsinv.NewWithFactory(s.factory, s.opts)
	if err != nil {
		return nil, fmt.Errorf("create live inventory: %w", err)
	}
	s.inv, s.born = inv, now
	return inv, nil
}

// Organization returns the organization and every account found.
func (s *Source) Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error) {
	inv, err := s.Inventory()
	if err != nil {
		return snapshot.Organization{}, nil, err
	}
	return inv.Organization(ctx)
}

// Clients returns the clients of an account-region with the credentials the
// inventory uses there (the audit role in member accounts).
func (s *Source) Clients(ctx context.Context, accountID, region string) (*awsinv.RegionClients, error) {
	inv, err := s.Inventory()
	if err != nil {
		return nil, err
	}
	return inv.Clients(ctx, accountID, region)
}

// Unit returns the inventory of one account-region: the organization as
// discovered, the secrets of that account-region only, keys resolved live.
func (s *Source) Unit(accountID, region string) (inventory.Inventory, error) {
	inv, err := s.Inventory()
	if err != nil {
		return nil, err
	}
	return &unitInventory{src: s, inv: inv, account: accountID, region: region}, nil
}

// unitInventory is one account-region of an inventory.
type unitInventory struct {
	src             *Source
	inv             *awsinv.Inventory
	account, region string
}

func (u *unitInventory) Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error) {
	if err := u.src.checkOrganization(ctx, u.inv); err != nil {
		return snapshot.Organization{}, nil, err
	}
	return u.inv.Organization(ctx)
}

func (u *unitInventory) Secrets(ctx context.Context, fn func(*snapshot.SecretEntry) error) error {
	return u.inv.Unit(ctx, u.account, u.region, fn)
}

func (u *unitInventory) Key(ctx context.Context, accountID, region, ref string) (*inventory.ResolvedKey, error) {
	return u.inv.Key(ctx, accountID, region, ref)
}

// State reads the secrets refs names (DescribeSecret and GetResourcePolicy
// each, never a listing) and returns them as a working copy with the
// organization, its accounts and the KMS keys they use, as of now, plus the
// ARNs of the secrets found, in the order of refs (a secret that does not
// exist is left out).
//
// A secret that cannot be read for a lasting reason (access denied, role
// not assumable) is kept with its Error, so the engine reports it as not
// evaluated. A transient failure (throttling, 5xx) is returned as the
// error: the caller retries later rather than report it.
func (s *Source) State(ctx context.Context, refs []Ref, now time.Time) (*inventory.State, []string, error) {
	inv, err := s.Inventory()
	if err != nil {
		return nil, nil, err
	}
	if err := s.checkOrganization(ctx, inv); err != nil {
		return nil, nil, err
	}
	refs = unique(refs)
	entries := make([]*snapshot.SecretEntry, len(refs))
	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, loadConcurrency)
	for i, r := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			entries[i], errs[i] = inv.Secret(ctx, r.AccountID, r.Region, r.SecretID)
		}()
	}
	wg.Wait()
	var transient []error
	found := fixed{inv: inv}
	var arns []string
	seen := map[string]bool{}
	for i, e := range entries {
		if errs[i] != nil && (batch.Retryable(errs[i]) || e == nil) {
			transient = append(transient, fmt.Errorf("read secret %s in %s/%s: %w", refs[i].SecretID, refs[i].AccountID, refs[i].Region, errs[i]))
			continue
		}
		if e == nil || seen[e.Secret.ARN] {
			continue
		}
		seen[e.Secret.ARN] = true
		found.entries = append(found.entries, *e)
		arns = append(arns, e.Secret.ARN)
	}
	if len(transient) > 0 {
		return nil, nil, errors.Join(transient...)
	}
	snap, err := awsinv.Snapshot(ctx, &found, now)
	if err != nil {
		return nil, nil, fmt.Errorf("load live state: %w", err)
	}
	return inventory.NewState(snap), arns, nil
}

func unique(refs []Ref) []Ref {
	seen := map[Ref]bool{}
	out := refs[:0:0]
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// fixed is an inventory of secrets already read, over the live organization
// and keys.
type fixed struct {
	inv     *awsinv.Inventory
	entries []snapshot.SecretEntry
}

func (f *fixed) Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error) {
	return f.inv.Organization(ctx)
}

func (f *fixed) Secrets(_ context.Context, fn func(*snapshot.SecretEntry) error) error {
	for i := range f.entries {
		if err := fn(&f.entries[i]); err != nil {
			return err
		}
	}
	return nil
}

func (f *fixed) Key(ctx context.Context, accountID, region, ref string) (*inventory.ResolvedKey, error) {
	return f.inv.Key(ctx, accountID, region, ref)
}
