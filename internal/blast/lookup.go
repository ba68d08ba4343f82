package blast

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	smithytime "github.com/aws/smithy-go/time"

	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
)

// LookupEventsTPS is LookupEvents' quota: "The rate of lookup requests is
// limited to two per second, per account, per Region" (CloudTrail API
// Reference, "LookupEvents"; CloudTrail User Guide, "Quotas in AWS
// CloudTrail"). Headroom is the share of it the planner uses.
const (
	LookupEventsTPS = 2.0
	Headroom        = 0.8
)

// lookupPageSize is LookupEvents' largest page (MaxResults 1 to 50).
const lookupPageSize = 50

// LookupEventsAPI is CloudTrail LookupEvents (the SDK paginator's client).
type LookupEventsAPI interface {
	LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, opts ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// Lookup runs LookupEvents in every account and region of the organization.
type Lookup struct {
	// Accounts lists the accounts to look in (the organization's).
	Accounts func(ctx context.Context) ([]string, error)
	// Regions are the regions covered.
	Regions []string
	// Clients gives the LookupEvents client of an account-region (through
	// the audit role there).
	Clients func(ctx context.Context, account, region string) (LookupEventsAPI, error)
	// Pacer paces the calls of each account-region under the quota
	// (default NewPacer(LookupEventsTPS * Headroom)).
	Pacer *Pacer
	// Concurrency is how many account-regions are looked up at once
	// (default 8): each has its own quota.
	Concurrency int
	// MaxPages bounds the pages read per lookup (default 200, 10,000
	// events); what lies beyond is a Gap.
	MaxPages int
}

var (
	// accessKeyRe is an AWS access key id (long-term AKIA, temporary ASIA).
	accessKeyRe = regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{12,124}$`)
	// sessionIDRe is an assumed-role principal id, ROLEID:SESSION.
	sessionIDRe = regexp.MustCompile(`^AROA[A-Z0-9]+:(.+)$`)
)

// Attributes are the LookupEvents attributes (one per call) that find the
// reads of the principal known by keys: AccessKeyId for an access key id,
// Username for a role session (the session name is the event's user name)
// or an IAM user; without any, EventName GetSecretValue and
// BatchGetSecretValue, filtered by principal afterwards. Whatever the
// attribute, only the principal's successful value reads are kept.
func Attributes(keys []string) []cttypes.LookupAttribute {
	var out []cttypes.LookupAttribute
	seen := map[string]bool{}
	add := func(k cttypes.LookupAttributeKey, v string) {
		if v != "" && !seen[string(k)+"="+v] {
			seen[string(k)+"="+v] = true
			out = append(out, cttypes.LookupAttribute{AttributeKey: k, AttributeValue: aws.String(v)})
		}
	}
	for _, k := range keys {
		switch {
		case accessKeyRe.MatchString(k):
			add(cttypes.LookupAttributeKeyAccessKeyId, k)
		case sessionIDRe.MatchString(k):
			add(cttypes.LookupAttributeKeyUsername, sessionIDRe.FindStringSubmatch(k)[1])
		default:
			add(cttypes.LookupAttributeKeyUsername, userNameOf(k))
		}
	}
	if len(out) == 0 {
		add(cttypes.LookupAttributeKeyEventName, event.NameGetSecretValue)
		add(cttypes.LookupAttributeKeyEventName, event.NameBatchGetSecretValue)
	}
	return out
}

// userNameOf is the user name of an IAM user ARN or the session name of an
// assumed-role session ARN, else "".
func userNameOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	res := strings.Split(parts[5], "/")
	switch {
	case parts[2] == "iam" && res[0] == "user" && len(res) >= 2:
		return res[len(res)-1]
	case parts[2] == "sts" && res[0] == "assumed-role" && len(res) == 3:
		return res[2]
	}
	return ""
}

// Run looks up the principal's reads in [from, to] in every account and
// region, and returns the secrets, the coverage and what could not be seen
// (an account-region that could not be queried, a lookup cut short).
func (l *Lookup) Run(ctx context.Context, keys []string, from, to time.Time) ([]string, Coverage, []Gap) {
	cov := Coverage{Source: SourceLookup, From: from, To: to}
	accounts, err := l.Accounts(ctx)
	if err != nil {
		return nil, cov, []Gap{{From: from, To: to, Why: "the organization's accounts could not be listed: " + err.Error()}}
	}
	type unit struct{ account, region string }
	var units []unit
	for _, a := range accounts {
		for _, r := range l.Regions {
			units = append(units, unit{a, r})
		}
	}
	attrs := Attributes(keys)
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	n := l.Concurrency
	if n <= 0 {
		n = 8
	}
	var (
		found collector
		mu    sync.Mutex
		gaps  []Gap
		ok    int
		pages int
	)
	work := make(chan unit)
	var wg sync.WaitGroup
	for range min(n, max(len(units), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				got, np, gap := l.unit(ctx, u.account, u.region, attrs, want, from, to)
				found.add(got...)
				mu.Lock()
				pages += np
				if gap != nil {
					gaps = append(gaps, *gap)
				} else {
					ok++
				}
				mu.Unlock()
			}
		}()
	}
	for _, u := range units {
		work <- u
	}
	close(work)
	wg.Wait()
	cov.Where = fmt.Sprintf("%d of %d account-regions", ok, len(units))
	cov.Note = fmt.Sprintf("%d page(s) by %s", pages, describe(attrs))
	return found.list(), cov, gaps
}

func describe(attrs []cttypes.LookupAttribute) string {
	var parts []string
	for _, a := range attrs {
		parts = append(parts, string(a.AttributeKey)+"="+aws.ToString(a.AttributeValue))
	}
	return strings.Join(parts, ", ")
}

// unit looks up one account-region with each attribute, page after page,
// paced; gap is set when it could not be looked up in full.
func (l *Lookup) unit(ctx context.Context, account, region string, attrs []cttypes.LookupAttribute, want map[string]bool, from, to time.Time) (found []string, pages int, gap *Gap) {
	where := account + "/" + region
	fail := func(why string) *Gap { return &Gap{From: from, To: to, Where: where, Why: why} }
	api, err := l.Clients(ctx, account, region)
	if err != nil {
		return nil, 0, fail("LookupEvents not possible: " + err.Error())
	}
	pacer := l.Pacer
	if pacer == nil {
		pacer = NewPacer(LookupEventsTPS * Headroom)
	}
	maxPages := l.MaxPages
	if maxPages <= 0 {
		maxPages = 200
	}
	for _, attr := range attrs {
		p := cloudtrail.NewLookupEventsPaginator(api, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{attr},
			StartTime:        aws.Time(from), EndTime: aws.Time(to), MaxResults: aws.Int32(lookupPageSize),
		})
		for n := 0; p.HasMorePages(); n++ {
			if n == maxPages {
				return found, pages, fail(fmt.Sprintf("lookup by %s stopped after %d pages (%d events)", describe([]cttypes.LookupAttribute{attr}), n, n*lookupPageSize))
			}
			if err := pacer.Wait(ctx, where); err != nil {
				return found, pages, fail("time ran out before the lookup ended: " + err.Error())
			}
			page, err := p.NextPage(ctx)
			if err != nil {
				return found, pages, fail("LookupEvents failed: " + err.Error())
			}
			pages++
			for _, e := range page.Events {
				evs, _ := event.Decode([]byte(aws.ToString(e.CloudTrailEvent)), "LookupEvents "+where)
				for i := range evs {
					if matches(&evs[i], want) {
						found = append(found, secretsOf(&evs[i])...)
					}
				}
			}
		}
	}
	return found, pages, nil
}

// Pacer spaces the calls of each key (an account-region) at least Interval
// apart. It is safe for concurrent use.
type Pacer struct {
	Interval time.Duration
	// Now and Sleep are the clock (default time.Now and a context-aware timer).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next map[string]time.Time
}

// NewPacer paces at tps calls per second per key.
func NewPacer(tps float64) *Pacer {
	return &Pacer{Interval: time.Duration(float64(time.Second) / tps)}
}

// Wait blocks until the next call of key may be made.
func (p *Pacer) Wait(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := defaults.Now(p.Now)
	p.mu.Lock()
	if p.next == nil {
		p.next = map[string]time.Time{}
	}
	at := p.next[key]
	if at.Before(now) {
		at = now
	}
	p.next[key] = at.Add(p.Interval)
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
			return errors.New("the call would start after the deadline")
		}
		sleep := p.Sleep
		if sleep == nil {
			sleep = smithytime.SleepWithContext
		}
		return sleep(ctx, d)
	}
	return nil
}
