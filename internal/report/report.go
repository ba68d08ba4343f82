// Package report builds the compliance report: one self-contained HTML file
// (styles, script and data inline, nothing fetched) from the findings of one
// or more scans. Findings are streamed into a Builder, which keeps counts
// and the failing findings only (columnar, with string tables), so a
// 100,000-secret organization fits in a few megabytes.
//
// Compliance: a finding complies when it passes or is exempt by a live
// exception; it does not when it fails or errors (not evaluated is never a
// pass); not-applicable findings are left out. Compliance % is compliant /
// (compliant + non-compliant).
package report

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/secretwarden/warden/internal/finding"
)

// statusIndex orders the five statuses in count arrays.
var statusIndex = map[finding.Status]int{
	finding.StatusFail: 0, finding.StatusError: 1, finding.StatusExempt: 2, finding.StatusPass: 3, finding.StatusNotApplicable: 4,
}

// Counts are findings per status, in finding.Statuses order: fail, error,
// exempt, pass, not_applicable.
type Counts [5]int

// add counts one finding of status s.
func (c *Counts) add(s finding.Status) {
	if i, ok := statusIndex[s]; ok {
		c[i]++
	}
}

// Failing is fail + error.
func (c Counts) Failing() int { return c[0] + c[1] }

// Compliant is pass + exempt.
func (c Counts) Compliant() int { return c[2] + c[3] }

// Evaluated is every finding but not-applicable ones.
func (c Counts) Evaluated() int { return c[0] + c[1] + c[2] + c[3] }

// Percent is the compliance percentage, -1 when nothing was evaluated.
func (c Counts) Percent() float64 {
	if c.Evaluated() == 0 {
		return -1
	}
	return 100 * float64(c.Compliant()) / float64(c.Evaluated())
}

// CountsOf reads a summary's per-policy counts.
func CountsOf(m map[finding.Status]int) Counts {
	var c Counts
	for s, n := range m {
		if i, ok := statusIndex[s]; ok {
			c[i] += n
		}
	}
	return c
}

// Policy is one policy's row of the report.
type Policy struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Severity    string `json:"severity"`
	Remediation string `json:"remediation"`
	Counts      Counts `json:"counts"`
}

// Group is an account or an OU: a row of a heat map, with per-policy
// failing and evaluated counts (in Data.Policies order).
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	OU   string `json:"ou,omitempty"`
	// Failing and Evaluated are per policy.
	Failing   []int `json:"failing"`
	Evaluated []int `json:"evaluated"`
}

// Exception is a policy exception seen in the findings.
type Exception struct {
	ID       string `json:"id"`
	PolicyID string `json:"policy"`
	Expires  string `json:"expires"`
	// DaysLeft is the whole days from the report's instant to the expiry
	// (negative once expired).
	DaysLeft int  `json:"days_left"`
	Expired  bool `json:"expired"`
	// Secrets is how many secrets it exempts (or exempted, once expired).
	Secrets int `json:"secrets"`
}

// Point is one scan of the trend.
type Point struct {
	Label    string             `json:"label"`
	Time     time.Time          `json:"time"`
	Secrets  int                `json:"secrets"`
	Counts   Counts             `json:"counts"`
	Percent  float64            `json:"percent"`
	ByPolicy map[string]float64 `json:"by_policy"`
}

// Rows are the failing findings (fail, error), column by column; the ints
// index Data.Policies, Secrets and Messages.
type Rows struct {
	Policy  []int `json:"p"`
	Secret  []int `json:"s"`
	Status  []int `json:"st"` // 0 fail, 1 error
	Message []int `json:"m"`
}

// Secrets are the secrets that have rows, column by column. Name is empty
// when it is the ARN's (its resource minus the 7-character suffix).
type Secrets struct {
	ARN     []string `json:"arn"`
	Name    []string `json:"name"`
	Account []int    `json:"acct"` // index in Data.Accounts
	Region  []int    `json:"region"`
}

// Data is everything the page shows.
type Data struct {
	Title             string         `json:"title"`
	Source            string         `json:"source"`
	AsOf              time.Time      `json:"as_of"`
	Generated         time.Time      `json:"generated"`
	SecretCount       int            `json:"secret_count"`
	Findings          int            `json:"findings"`
	Counts            Counts         `json:"counts"`
	Percent           float64        `json:"percent"`
	FailingBySeverity map[string]int `json:"failing_by_severity"`
	Severities        []string       `json:"severities"`
	Policies          []Policy       `json:"policies"`
	Accounts          []Group        `json:"accounts"`
	OUs               []Group        `json:"ous"`
	Exceptions        []Exception    `json:"exceptions"`
	Trend             []Point        `json:"trend"`
	Regions           []string       `json:"regions"`
	Messages          []string       `json:"messages"`
	Secrets           Secrets        `json:"secrets"`
	Rows              Rows           `json:"rows"`
}

type groupAgg struct {
	name, ou  string
	failing   map[string]int
	evaluated map[string]int
}

type excAgg struct {
	Exception
	secrets map[string]bool
}

// Builder accumulates the findings of the current scan.
type Builder struct {
	policies   map[string]*Policy
	accounts   map[string]*groupAgg
	ous        map[string]*groupAgg
	bySeverity map[string]int
	counts     Counts
	findings   int
	asOf       time.Time
	exceptions map[string]*excAgg
	secretSet  map[string]bool

	regions   map[string]int
	messages  map[string]int
	msgList   []string
	regList   []string
	secretIdx map[string]int
	secARN    []string
	secName   []string
	secAcct   []string
	secRegion []int
	rowPolicy []string
	rows      Rows
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder {
	return &Builder{
		policies: map[string]*Policy{}, accounts: map[string]*groupAgg{}, ous: map[string]*groupAgg{},
		bySeverity: map[string]int{}, exceptions: map[string]*excAgg{}, secretSet: map[string]bool{},
		regions: map[string]int{}, messages: map[string]int{}, secretIdx: map[string]int{},
	}
}

func group(m map[string]*groupAgg, id string) *groupAgg {
	g := m[id]
	if g == nil {
		g = &groupAgg{failing: map[string]int{}, evaluated: map[string]int{}}
		m[id] = g
	}
	return g
}

// Add counts a batch of findings; it is a scan.Sink.
func (b *Builder) Add(batch []finding.Finding) error {
	for i := range batch {
		b.add(&batch[i])
	}
	return nil
}

func (b *Builder) add(f *finding.Finding) {
	b.findings++
	b.counts.add(f.Status)
	b.secretSet[f.SecretARN] = true
	if f.LastSeen.After(b.asOf) {
		b.asOf = f.LastSeen
	}
	p := b.policies[f.PolicyID]
	if p == nil {
		p = &Policy{ID: f.PolicyID, Title: f.Title, Severity: f.Severity, Remediation: f.Remediation}
		b.policies[f.PolicyID] = p
	}
	p.Counts.add(f.Status)
	failing := f.Status.Failing()
	if failing {
		b.bySeverity[f.Severity]++
	}
	evaluated := f.Status != finding.StatusNotApplicable
	acct := group(b.accounts, f.AccountID)
	if acct.name == "" {
		acct.name, acct.ou = f.AccountName, f.OuPath
	}
	ouID := f.OuPath
	if ouID == "" {
		ouID = "(no OU)"
	}
	ou := group(b.ous, ouID)
	for _, g := range []*groupAgg{acct, ou} {
		if failing {
			g.failing[f.PolicyID]++
		}
		if evaluated {
			g.evaluated[f.PolicyID]++
		}
	}
	if f.Exception != "" && (f.Status == finding.StatusExempt || f.PolicyID == expiredExceptionID) {
		e := b.exceptions[f.Exception]
		if e == nil {
			e = &excAgg{Exception: Exception{ID: f.Exception, Expires: f.ExceptionExpires}, secrets: map[string]bool{}}
			b.exceptions[f.Exception] = e
		}
		if f.Status == finding.StatusExempt {
			e.PolicyID = f.PolicyID
		} else {
			e.Expired = true
			if e.PolicyID == "" {
				e.PolicyID = exceptionPolicy(f.Message)
			}
		}
		if e.Expires == "" {
			e.Expires = f.ExceptionExpires
		}
		e.secrets[f.SecretARN] = true
	}
	if failing {
		b.addRow(f)
	}
}

// expiredExceptionID is assess.ExpiredExceptionID (not imported: the
// report reads scan files without the engine).
const expiredExceptionID = "exception-expired"

// exceptionPolicy reads the policy an expired exception covered from its
// finding's message ("exception EXC for POLICY expired on …").
func exceptionPolicy(msg string) string {
	_, rest, ok := strings.Cut(msg, " for ")
	if !ok {
		return ""
	}
	p, _, _ := strings.Cut(rest, " ")
	return p
}

func (b *Builder) intern(m map[string]int, list *[]string, s string) int {
	if i, ok := m[s]; ok {
		return i
	}
	i := len(*list)
	*list = append(*list, s)
	m[s] = i
	return i
}

func (b *Builder) addRow(f *finding.Finding) {
	si, ok := b.secretIdx[f.SecretARN]
	if !ok {
		si = len(b.secARN)
		b.secretIdx[f.SecretARN] = si
		name := f.SecretName
		if name == arnName(f.SecretARN) {
			name = ""
		}
		b.secARN = append(b.secARN, f.SecretARN)
		b.secName = append(b.secName, name)
		b.secAcct = append(b.secAcct, f.AccountID)
		b.secRegion = append(b.secRegion, b.intern(b.regions, &b.regList, f.Region))
	}
	st := 0
	if f.Status == finding.StatusError {
		st = 1
	}
	b.rowPolicy = append(b.rowPolicy, f.PolicyID)
	b.rows.Secret = append(b.rows.Secret, si)
	b.rows.Status = append(b.rows.Status, st)
	b.rows.Message = append(b.rows.Message, b.intern(b.messages, &b.msgList, f.Message))
}

// arnName is the secret name an ARN implies: its resource after "secret:"
// without the 7-character "-XXXXXX" suffix Secrets Manager appends.
func arnName(arn string) string {
	i := strings.Index(arn, ":secret:")
	if i < 0 {
		return ""
	}
	name := arn[i+len(":secret:"):]
	if j := strings.LastIndexByte(name, '-'); j > 0 && len(name)-j == 7 {
		name = name[:j]
	}
	return name
}

// Source describes the current scan.
type Source struct {
	// Title heads the page.
	Title string
	// Label names the input ("snapshot testdata/org", a file, a table).
	Label string
	// Secrets is the number of secrets evaluated (-1: count those seen).
	Secrets int
	// AsOf is the evaluation instant (zero: the latest LastSeen).
	AsOf time.Time
}

// Point summarizes the accumulated scan as a trend point.
func (b *Builder) Point(label string, secrets int) Point {
	if secrets < 0 {
		secrets = len(b.secretSet)
	}
	pt := Point{Label: label, Time: b.asOf, Secrets: secrets, Counts: b.counts, Percent: b.counts.Percent(), ByPolicy: map[string]float64{}}
	for id, p := range b.policies {
		pt.ByPolicy[id] = p.Counts.Percent()
	}
	return pt
}

// PointOf summarizes a scan result's summary as a trend point at t.
func PointOf(label string, t time.Time, sum *finding.Summary) Point {
	pt := Point{Label: label, Time: t, Secrets: sum.Secrets, Counts: CountsOf(sum.ByStatus), ByPolicy: map[string]float64{}}
	pt.Percent = pt.Counts.Percent()
	for id, m := range sum.ByPolicy {
		pt.ByPolicy[id] = CountsOf(m).Percent()
	}
	return pt
}

// Data assembles the page's data: the current scan, preceded in the trend
// by earlier points (oldest first), generated at now.
func (b *Builder) Data(src Source, earlier []Point, now time.Time) *Data {
	asOf := src.AsOf
	if asOf.IsZero() {
		asOf = b.asOf
	}
	d := &Data{
		Title: src.Title, Source: src.Label, AsOf: asOf.UTC(), Generated: now.UTC(),
		SecretCount: src.Secrets, Findings: b.findings, Counts: b.counts, Percent: b.counts.Percent(),
		FailingBySeverity: map[string]int{}, Severities: finding.Severities,
		Regions: b.regList, Messages: b.msgList,
	}
	if d.SecretCount < 0 {
		d.SecretCount = len(b.secretSet)
	}
	if d.Title == "" {
		d.Title = "Secret Warden compliance report"
	}
	for _, s := range finding.Severities {
		d.FailingBySeverity[s] = b.bySeverity[s]
	}
	// Policies: by severity, then id.
	for _, p := range b.policies {
		d.Policies = append(d.Policies, *p)
	}
	sort.Slice(d.Policies, func(i, j int) bool {
		ri, rj := finding.SeverityRank(d.Policies[i].Severity), finding.SeverityRank(d.Policies[j].Severity)
		if ri != rj {
			return ri < rj
		}
		return d.Policies[i].ID < d.Policies[j].ID
	})
	pidx := map[string]int{}
	for i, p := range d.Policies {
		pidx[p.ID] = i
	}
	d.Accounts = groups(b.accounts, d.Policies, true)
	d.OUs = groups(b.ous, d.Policies, false)
	aidx := map[string]int{}
	for i, a := range d.Accounts {
		aidx[a.ID] = i
	}
	d.Secrets = Secrets{ARN: b.secARN, Name: b.secName, Region: b.secRegion, Account: make([]int, len(b.secAcct))}
	for i, a := range b.secAcct {
		d.Secrets.Account[i] = aidx[a]
	}
	d.Rows = b.rows
	d.Rows.Policy = make([]int, len(b.rowPolicy))
	for i, p := range b.rowPolicy {
		d.Rows.Policy[i] = pidx[p]
	}
	for _, e := range b.exceptions {
		x := e.Exception
		x.Secrets = len(e.secrets)
		if t, err := time.Parse(time.RFC3339, x.Expires); err == nil {
			left := t.Sub(asOf)
			x.DaysLeft = int(math.Floor(left.Hours() / 24))
			x.Expired = x.Expired || left <= 0 // an exception stops applying at its expiry
		}
		d.Exceptions = append(d.Exceptions, x)
	}
	sort.Slice(d.Exceptions, func(i, j int) bool {
		if d.Exceptions[i].Expires != d.Exceptions[j].Expires {
			return d.Exceptions[i].Expires < d.Exceptions[j].Expires
		}
		return d.Exceptions[i].ID < d.Exceptions[j].ID
	})
	d.Trend = append(append([]Point{}, earlier...), b.Point(src.Label, d.SecretCount))
	d.Trend[len(d.Trend)-1].Time = asOf.UTC()
	// Empty lists are [] in the page's data, not null.
	if d.Exceptions == nil {
		d.Exceptions = []Exception{}
	}
	for _, l := range []*[]string{&d.Regions, &d.Messages, &d.Secrets.ARN, &d.Secrets.Name} {
		if *l == nil {
			*l = []string{}
		}
	}
	for _, l := range []*[]int{&d.Secrets.Account, &d.Secrets.Region, &d.Rows.Secret, &d.Rows.Status, &d.Rows.Message} {
		if *l == nil {
			*l = []int{}
		}
	}
	return d
}

// groups renders heat-map rows, most failing first (accounts: then by id).
func groups(m map[string]*groupAgg, policies []Policy, accounts bool) []Group {
	out := make([]Group, 0, len(m))
	for id, g := range m {
		r := Group{ID: id, Failing: make([]int, len(policies)), Evaluated: make([]int, len(policies))}
		if accounts {
			r.Name, r.OU = g.name, g.ou
		}
		for i, p := range policies {
			r.Failing[i], r.Evaluated[i] = g.failing[p.ID], g.evaluated[p.ID]
		}
		out = append(out, r)
	}
	total := func(g Group) int {
		n := 0
		for _, f := range g.Failing {
			n += f
		}
		return n
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := total(out[i]), total(out[j])
		if ti != tj {
			return ti > tj
		}
		return out[i].ID < out[j].ID
	})
	return out
}
