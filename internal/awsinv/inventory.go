package awsinv

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Inventory reads an organization's secrets live. It implements
// inventory.Inventory and is safe for concurrent use. Organization discovery
// runs once, on first use.
type Inventory struct {
	factory ClientFactory
	opts    Options
	lim     *limiters
	keys    cache[*inventory.ResolvedKey]
	aliases cache[[]aliasEntry]

	mu   sync.Mutex
	view *orgView
}

var _ inventory.Inventory = (*Inventory)(nil)

// New returns an inventory over the SDK configuration cfg (credentials,
// region, endpoint). Without Options.Regions it reads cfg.Region.
func New(cfg aws.Config, opts Options) (*Inventory, error) {
	if len(opts.Regions) == 0 && cfg.Region != "" {
		opts.Regions = []string{cfg.Region}
	}
	return NewWithFactory(NewSDKFactory(cfg, 0), opts)
}

// NewWithFactory returns an inventory whose clients come from f.
func NewWithFactory(f ClientFactory, opts Options) (*Inventory, error) {
	opts = opts.withDefaults()
	opts.Regions = uniqueSorted(opts.Regions)
	opts.Accounts = uniqueSorted(opts.Accounts)
	if len(opts.Regions) == 0 {
		return nil, fmt.Errorf("create AWS inventory: no region (set AWS_REGION, a profile region or --regions)")
	}
	return &Inventory{factory: f, opts: opts, lim: newLimiters(*opts.Limits)}, nil
}

// Regions are the regions read, sorted.
func (inv *Inventory) Regions() []string { return append([]string(nil), inv.opts.Regions...) }

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// orgView discovers the organization once; a failed discovery is retried
// on the next call.
func (inv *Inventory) orgView(ctx context.Context) (*orgView, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.view != nil {
		return inv.view, nil
	}
	v, err := inv.discover(ctx)
	if err != nil {
		return nil, err
	}
	inv.view = v
	return v, nil
}

// Organization implements inventory.Inventory: the organization (empty when
// Organizations is not readable) and every account found, whatever
// Options.Accounts says.
func (inv *Inventory) Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error) {
	v, err := inv.orgView(ctx)
	if err != nil {
		return snapshot.Organization{}, nil, err
	}
	return v.org, append([]snapshot.Account(nil), v.accounts...), nil
}

// CallerAccount is the account of the base credentials.
func (inv *Inventory) CallerAccount(ctx context.Context) (string, error) {
	v, err := inv.orgView(ctx)
	if err != nil {
		return "", err
	}
	return v.caller, nil
}

// wanted reports whether Options.Accounts selects the account.
func (inv *Inventory) wanted(id string) bool {
	if len(inv.opts.Accounts) == 0 {
		return true
	}
	i := sort.SearchStrings(inv.opts.Accounts, id)
	return i < len(inv.opts.Accounts) && inv.opts.Accounts[i] == id
}

// role is the role to assume in an account; nil means the base credentials.
func (inv *Inventory) role(v *orgView, account string) *Role {
	if account == v.caller && !inv.opts.AssumeRoleInCallerAccount {
		return nil
	}
	return &Role{
		ARN:        fmt.Sprintf("arn:%s:iam::%s:role/%s", v.partition, account, inv.opts.RoleName),
		ExternalID: inv.opts.ExternalID,
	}
}
