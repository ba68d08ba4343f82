package awsinv

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/snapshot"
)

// notInOrganization is the code with which Organizations says the caller's
// account is in no organization: there is nothing more to read than it.
const notInOrganization = "AWSOrganizationsNotInUseException"

// OrganizationError refuses a read of an organization that cannot be
// listed: a scan of the caller's account alone would silently drop every
// other account's secrets, and make principals of the organization look
// external. It names the permission that is missing.
type OrganizationError struct {
	// Op is the call that failed (DescribeOrganization, ListAccounts).
	Op string
	// Permission is the IAM action needed.
	Permission string
	// Err is the AWS error.
	Err error
}

func (e *OrganizationError) Error() string {
	return fmt.Sprintf("cannot read the organization: %s denied (%s): the caller needs %s, from the management account or a delegated administrator; to read only some accounts, name them (--accounts)",
		e.Op, apiText(e.Err), e.Permission)
}

// Unwrap returns the AWS error.
func (e *OrganizationError) Unwrap() error { return e.Err }

// orgView is what discovery found.
type orgView struct {
	org       snapshot.Organization
	accounts  []snapshot.Account
	caller    string
	partition string
	// problems names, per account id, why its OU path or tags are unknown.
	problems map[string]string
}

// discover reads the caller, the organization and its accounts.
func (inv *Inventory) discover(ctx context.Context) (*orgView, error) {
	c := inv.factory.Org()
	id, err := c.GetCallerIdentity.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	v := &orgView{caller: aws.ToString(id.Account), partition: "aws", problems: map[string]string{}}
	if p, ok := inventory.ParseARN(aws.ToString(id.Arn)); ok && p.Partition != "" {
		v.partition = p.Partition
	}
	log := inv.opts.Logger
	org, err := c.DescribeOrganization.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	switch {
	case err == nil && org.Organization != nil:
		v.org = snapshot.Organization{
			ID:              aws.ToString(org.Organization.Id),
			Arn:             aws.ToString(org.Organization.Arn),
			MasterAccountID: aws.ToString(org.Organization.MasterAccountId),
		}
	case err != nil && isCode(err, notInOrganization):
		// A standalone account: it is all there is.
		log.Warn("the caller's account is in no organization: reading it alone", "account", v.caller, "reason", apiText(err))
		v.accounts = inv.fallbackAccounts(v.caller)
		return v, nil
	case err != nil && isCode(err, accessDenied...):
		oe := &OrganizationError{Op: "DescribeOrganization", Permission: "organizations:DescribeOrganization", Err: err}
		return inv.namedAccountsOnly(v, oe)
	case err != nil:
		return nil, fmt.Errorf("describe organization: %w", err)
	}
	accounts, err := listAccounts(ctx, c.ListAccounts)
	if err != nil {
		if !isCode(err, accessDenied...) {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		oe := &OrganizationError{Op: "ListAccounts", Permission: "organizations:ListAccounts", Err: err}
		return inv.namedAccountsOnly(v, oe)
	}
	v.accounts = accounts
	inv.describeAccounts(ctx, c, v)
	return v, nil
}

// namedAccountsOnly is the answer to an organization that cannot be read:
// an error, unless Options.Accounts names the accounts to read; those are
// then read (their roles can be assumed without Organizations), and the
// organization carries the failure in its Error, so that the checks that
// need the organization's account list (is a principal inside it?) are
// error rather than judged on a list of one.
func (inv *Inventory) namedAccountsOnly(v *orgView, oe *OrganizationError) (*orgView, error) {
	if len(inv.opts.Accounts) == 0 {
		return nil, oe
	}
	inv.opts.Logger.Warn("the organization cannot be listed: reading the named accounts only; the checks that need the organization's accounts are error",
		"accounts", strings.Join(inv.opts.Accounts, ","), "reason", apiText(oe.Err))
	v.org.Error = fmt.Sprintf("%s denied (%s): %s is needed to know the organization's accounts", oe.Op, apiText(oe.Err), oe.Permission)
	v.accounts = inv.fallbackAccounts(v.caller)
	return v, nil
}

// fallbackAccounts is the caller's account plus any account named in
// Options.Accounts (their roles can be assumed without Organizations).
func (inv *Inventory) fallbackAccounts(caller string) []snapshot.Account {
	ids := map[string]bool{caller: true}
	for _, a := range inv.opts.Accounts {
		ids[a] = true
	}
	out := make([]snapshot.Account, 0, len(ids))
	for id := range ids {
		out = append(out, snapshot.Account{ID: id, Status: "ACTIVE"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// listAccounts pages through ListAccounts, sorted by id.
func listAccounts(ctx context.Context, api ListAccountsAPI) ([]snapshot.Account, error) {
	var out []snapshot.Account
	p := organizations.NewListAccountsPaginator(api, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for i := range page.Accounts {
			a := fromAccount(&page.Accounts[i])
			a.OuPath = ouPathFromPaths(a.ID, page.Accounts[i].Paths)
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ouPathFromPaths derives "r-…/ou-…" from an entity path
// "o-…/r-…/ou-…/<account>/" when ListAccounts returns a well-formed one.
func ouPathFromPaths(account string, paths []string) string {
	for _, p := range paths {
		parts := strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
		if len(parts) < 3 || !strings.HasPrefix(parts[0], "o-") || !strings.HasPrefix(parts[1], "r-") || parts[len(parts)-1] != account {
			continue
		}
		ok := true
		for _, ou := range parts[2 : len(parts)-1] {
			ok = ok && strings.HasPrefix(ou, "ou-")
		}
		if ok {
			return strings.Join(parts[1:len(parts)-1], "/")
		}
	}
	return ""
}

// describeAccounts fills the OU path (when ListAccounts had none) and the
// tags of every account, a few at a time. A failure is recorded against the
// account: its secrets are then reported as not evaluated, since parameters
// overridden per OU or tag could not be applied.
func (inv *Inventory) describeAccounts(ctx context.Context, c *OrgClients, v *orgView) {
	w := &ouWalker{api: c.ListParents, parent: map[string]parentRef{}}
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range v.accounts {
		a := &v.accounts[i]
		if !inv.wanted(a.ID) {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var problems []string
			if a.OuPath == "" {
				path, err := w.path(ctx, a.ID)
				if err != nil {
					problems = append(problems, "ListParents: "+apiText(err))
				}
				a.OuPath = path
			}
			tags, err := accountTags(ctx, c.ListTagsForResource, a.ID)
			if err != nil {
				problems = append(problems, "ListTagsForResource: "+apiText(err))
			}
			a.Tags = tags
			if len(problems) > 0 {
				mu.Lock()
				v.problems[a.ID] = strings.Join(problems, "; ")
				mu.Unlock()
				inv.opts.Logger.Warn("account metadata incomplete: its secrets are reported as not evaluated", "account", a.ID, "reason", strings.Join(problems, "; "))
			}
		}()
	}
	wg.Wait()
}

// accountTags pages through an account's tags, sorted by key.
func accountTags(ctx context.Context, api ListTagsForResourceAPI, id string) ([]snapshot.Tag, error) {
	var tags []orgtypes.Tag
	p := organizations.NewListTagsForResourcePaginator(api, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		tags = append(tags, page.Tags...)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return orgTags(tags), nil
}

// maxDepth bounds the walk to the root (Organizations allows five levels of
// OUs under the root).
const maxDepth = 10

// ouWalker resolves OU paths with ListParents, remembering the parent of
// every OU so that accounts in the same OU share the calls.
type ouWalker struct {
	api    ListParentsAPI
	mu     sync.Mutex
	parent map[string]parentRef // OU id → its parent
}

// parentRef is a ListParents answer.
type parentRef struct {
	id   string
	root bool
}

// path returns "r-…/ou-…/ou-…" for an account.
func (w *ouWalker) path(ctx context.Context, account string) (string, error) {
	var chain []string
	child := account
	for range maxDepth {
		parent, err := w.parentOf(ctx, child)
		if err != nil {
			return "", fmt.Errorf("list parents of %s: %w", child, err)
		}
		chain = append(chain, parent.id)
		if parent.root {
			for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
				chain[i], chain[j] = chain[j], chain[i]
			}
			return strings.Join(chain, "/"), nil
		}
		child = parent.id
	}
	return "", fmt.Errorf("resolve OU path of %s: deeper than %d levels", account, maxDepth)
}

func (w *ouWalker) parentOf(ctx context.Context, child string) (parentRef, error) {
	w.mu.Lock()
	p, ok := w.parent[child]
	w.mu.Unlock()
	if ok {
		return p, nil
	}
	out, err := w.api.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
	if err != nil {
		return parentRef{}, err
	}
	if len(out.Parents) == 0 || aws.ToString(out.Parents[0].Id) == "" {
		return parentRef{}, fmt.Errorf("%s has no parent", child)
	}
	par := out.Parents[0]
	p = parentRef{id: aws.ToString(par.Id), root: par.Type == orgtypes.ParentTypeRoot || strings.HasPrefix(aws.ToString(par.Id), "r-")}
	if strings.HasPrefix(child, "ou-") {
		w.mu.Lock()
		w.parent[child] = p
		w.mu.Unlock()
	}
	return p, nil
}
