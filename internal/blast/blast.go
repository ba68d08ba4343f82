// Package blast plans the blast radius of a compromised principal: the
// secrets it read within a time window. The access ledger answers for the
// part of the window it covers (read events on, since its coverage began,
// within its retention); CloudTrail answers for the rest: CloudTrail Lake
// when an event data store is configured (one SQL query over the whole
// organization), else LookupEvents in each account and region through the
// audit role, paginated with the SDK's paginator and paced under its quota.
// The plan says which source covered which time window and what could not
// be seen.
package blast

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
)

// Sources of a plan.
const (
	SourceLedger = "access ledger"
	SourceLookup = "CloudTrail LookupEvents"
	SourceLake   = "CloudTrail Lake"
)

// LookupRetention is how far back LookupEvents sees: "You can look up events
// that occurred in a Region within the last 90 days" (CloudTrail API
// Reference, "LookupEvents").
const LookupRetention = 90 * 24 * time.Hour

// Coverage is one source that answered for a time window.
type Coverage struct {
	Source string    `json:"source"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Where it looked ("8 of 9 account-regions", an event data store).
	Where string `json:"where,omitempty"`
	// Note qualifies the answer (by UTC day, pages read).
	Note string `json:"note,omitempty"`
}

// Gap is a part of the window, or a place, no source could see.
type Gap struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Where string    `json:"where,omitempty"`
	Why   string    `json:"why"`
}

// Plan is the blast radius of a principal.
type Plan struct {
	// Keys are the identifiers of the principal (ARN, principal id, access
	// key id).
	Keys []string  `json:"keys"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Secrets are the secrets read: full ARNs, or ARNs without the random
	// suffix for secrets read by name (DescribeSecret resolves them).
	Secrets []string   `json:"secrets"`
	Covered []Coverage `json:"covered"`
	Unseen  []Gap      `json:"unseen"`
}

func day(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Summary is the plan's coverage on one line, for alerts and logs.
func (p *Plan) Summary() string {
	var parts []string
	for _, c := range p.Covered {
		s := fmt.Sprintf("%s %s to %s", c.Source, day(c.From), day(c.To))
		if c.Where != "" {
			s += " (" + c.Where + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		parts = append(parts, "no source covered any of the window")
	}
	var unseen []string
	for _, g := range p.Unseen {
		s := g.Why
		if g.Where != "" {
			s = g.Where + ": " + s
		}
		if !g.From.IsZero() {
			s = fmt.Sprintf("%s to %s: %s", day(g.From), day(g.To), s)
		}
		unseen = append(unseen, s)
	}
	out := fmt.Sprintf("%d secret(s) read from %s to %s per %s", len(p.Secrets), day(p.From), day(p.To), strings.Join(parts, "; "))
	if len(unseen) > 0 {
		out += "; not seen: " + strings.Join(unseen, "; ")
	}
	return out
}

// Ledger is the access ledger; *store.Store satisfies it.
type Ledger interface {
	Coverage(ctx context.Context) (since time.Time, ok bool, err error)
	Reads(ctx context.Context, keys []string, since time.Time) ([]string, error)
}

// Planner plans blast radii.
type Planner struct {
	// Ledger is the access ledger; nil when read events are off
	// (WARDEN_READ_EVENTS=off): CloudTrail then answers for the whole window.
	Ledger Ledger
	// LedgerTTL is how long the ledger keeps a read (WARDEN_LEDGER_DAYS).
	LedgerTTL time.Duration
	// Lake, when set, is queried instead of LookupEvents.
	Lake *Lake
	// Lookup runs LookupEvents in every account and region.
	Lookup *Lookup
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Plan returns the secrets the principal known by keys read in [from, to].
// An error is returned only when nothing could be planned; what one source
// or place could not see is a Gap of the plan.
func (p *Planner) Plan(ctx context.Context, keys []string, from, to time.Time) (*Plan, error) {
	keys = uniq(keys)
	if len(keys) == 0 {
		return nil, errors.New("plan blast radius: no identifier of the principal")
	}
	now := defaults.Now(p.Now)
	if to.IsZero() || to.After(now) {
		to = now
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("plan blast radius: empty window %s to %s", day(from), day(to))
	}
	plan := &Plan{Keys: keys, From: from, To: to, Secrets: []string{}, Covered: []Coverage{}, Unseen: []Gap{}}
	set := map[string]bool{}
	add := func(arns []string) {
		for _, a := range arns {
			if a != "" {
				set[a] = true
			}
		}
	}

	// 1. The ledger, for the part of the window it covers.
	ctTo := to
	switch since, ok, err := p.ledgerCoverage(ctx); {
	case p.Ledger == nil:
		plan.Unseen = append(plan.Unseen, Gap{Why: "read events are off (WARDEN_READ_EVENTS=off): the access ledger is not used"})
	case err != nil:
		plan.Unseen = append(plan.Unseen, Gap{Why: "the access ledger could not be read: " + err.Error()})
	case !ok:
		plan.Unseen = append(plan.Unseen, Gap{Why: "the access ledger has recorded no read yet"})
	default:
		lf := maxTime(from, since)
		if p.LedgerTTL > 0 {
			lf = maxTime(lf, to.Add(-p.LedgerTTL))
		}
		if lf.Before(to) {
			arns, err := p.Ledger.Reads(ctx, keys, lf)
			if err != nil {
				plan.Unseen = append(plan.Unseen, Gap{From: lf, To: to, Why: "the access ledger could not be read: " + err.Error()})
				break
			}
			add(arns)
			plan.Covered = append(plan.Covered, Coverage{Source: SourceLedger, From: lf, To: to,
				Note: "by UTC day and principal (an access key stands for its principal); reads still queued may be missing"})
			ctTo = lf
		}
	}

	// 2. CloudTrail, for the rest.
	if from.Before(ctTo) {
		done := false
		if p.Lake != nil {
			arns, cov, err := p.Lake.Query(ctx, keys, from, ctTo)
			if err == nil {
				add(arns)
				plan.Covered = append(plan.Covered, cov)
				done = true
			} else {
				plan.Unseen = append(plan.Unseen, Gap{From: from, To: ctTo, Where: p.Lake.ARN, Why: "CloudTrail Lake query failed, LookupEvents used instead: " + err.Error()})
			}
		}
		if !done {
			if p.Lookup == nil {
				plan.Unseen = append(plan.Unseen, Gap{From: from, To: ctTo, Why: "no CloudTrail source configured"})
			} else {
				lf := maxTime(from, now.Add(-LookupRetention))
				if from.Before(lf) {
					plan.Unseen = append(plan.Unseen, Gap{From: from, To: minTime(lf, ctTo), Why: "LookupEvents only covers the last 90 days"})
				}
				if lf.Before(ctTo) {
					arns, cov, gaps := p.Lookup.Run(ctx, keys, lf, ctTo)
					add(arns)
					plan.Covered = append(plan.Covered, cov)
					plan.Unseen = append(plan.Unseen, gaps...)
				}
			}
		}
	}
	for a := range set {
		plan.Secrets = append(plan.Secrets, a)
	}
	sort.Strings(plan.Secrets)
	sort.SliceStable(plan.Covered, func(i, j int) bool { return plan.Covered[i].From.Before(plan.Covered[j].From) })
	return plan, nil
}

func (p *Planner) ledgerCoverage(ctx context.Context) (time.Time, bool, error) {
	if p.Ledger == nil {
		return time.Time{}, false, nil
	}
	return p.Ledger.Coverage(ctx)
}

// readKeys are the identifiers CloudTrail names a read's principal by.
func readKeys(a event.Actor) []string {
	return uniq([]string{a.PrincipalID, a.ARN, a.PrincipalARN, a.AccessKeyID})
}

// matches reports whether a read event is a successful value read by the
// principal known by keys.
func matches(ev *event.Event, keys map[string]bool) bool {
	if !event.IsValueRead(ev) || ev.ErrorCode != "" {
		return false
	}
	for _, k := range readKeys(ev.Actor) {
		if keys[k] {
			return true
		}
	}
	return false
}

// secretsOf are the secrets a read names, as the ledger names them: a full
// ARN, else an ARN without the random suffix in the event's account and
// region.
func secretsOf(ev *event.Event) []string {
	refs := ev.Secrets
	if len(refs) == 0 && !ev.Secret.IsZero() {
		refs = []event.SecretRef{ev.Secret}
	}
	var out []string
	for _, r := range refs {
		if k := SecretKey(ev, r); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// SecretKey is how a plan (and the access ledger) names a secret a read
// names: its full ARN when the event gives one, else an ARN without the
// random suffix (a partial ARN, which DescribeSecret and RotateSecret
// accept) in the event's account and region: a secret read by name is in
// the account that recorded the read.
func SecretKey(ev *event.Event, r event.SecretRef) string {
	if r.ARN != "" {
		return r.ARN
	}
	if _, ok := event.ParseSecretARN(r.Raw); ok {
		return r.Raw
	}
	name := r.Name
	if name == "" {
		name = r.Raw
	}
	if name == "" || ev.AccountID == "" || ev.Region == "" {
		return name
	}
	return "arn:" + partition(ev.Region) + ":secretsmanager:" + ev.Region + ":" + ev.AccountID + ":secret:" + name
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func uniq(ss []string) []string {
	out := make([]string, 0, len(ss))
	seen := map[string]bool{}
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// collector gathers secret ARNs from concurrent lookups.
type collector struct {
	mu  sync.Mutex
	set map[string]bool
}

func (c *collector) add(arns ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set == nil {
		c.set = map[string]bool{}
	}
	for _, a := range arns {
		c.set[a] = true
	}
}

func (c *collector) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.set))
	for a := range c.set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
