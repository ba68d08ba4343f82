package input

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/snapshot"
)

// Units of input.ages.
const (
	// Day is the unit of input.ages.days and input.ages.replica_access_days.
	Day = 24 * time.Hour
	// Hour is the unit of input.ages.hours.
	Hour = time.Hour
)

// AgeFields are the timestamp fields of input.secret that input.ages.days and
// input.ages.hours cover (each only when the secret has it).
var AgeFields = []string{"CreatedDate", "LastChangedDate", "LastAccessedDate", "LastRotatedDate", "NextRotationDate", "DeletedDate"}

// Age returns the whole number of units elapsed from t to now, rounded down
// (towards minus infinity): exactly N units is N, N units minus one
// nanosecond is N-1, and a t in the future gives a negative age (one hour
// ahead of now is -1 hours and -1 days). unit must be a positive whole
// number of seconds (Day, Hour). It is the one implementation of the
// arithmetic behind input.ages: the builder and `warden eval` use it, and the
// policies read its results instead of parsing timestamps. It counts in
// seconds, so unlike time.Sub it does not saturate beyond 292 years.
func Age(t, now time.Time, unit time.Duration) int64 {
	u := int64(unit / time.Second)
	if u <= 0 || unit%time.Second != 0 {
		panic("input.Age: unit must be a positive whole number of seconds")
	}
	// elapsed = secs + frac, 0 <= frac < 1s. With secs = q*u + r, 0 <= r < u,
	// floor(elapsed / u) = q: frac never carries past the next unit.
	secs := now.Unix() - t.Unix()
	if now.Nanosecond() < t.Nanosecond() {
		secs--
	}
	q := secs / u
	if secs%u < 0 {
		q--
	}
	return q
}

// AgeDays is Age in days.
func AgeDays(t, now time.Time) int64 { return Age(t, now, Day) }

// AgeHours is Age in hours.
func AgeHours(t, now time.Time) int64 { return Age(t, now, Hour) }

// AgesTerm returns input.ages for secret s evaluated at now:
//
//	{"days": {Field: n}, "hours": {Field: n}, "replica_access_days": {Region: n}}
//
// with Field each of AgeFields the secret has, n = Age in days (hours) from
// that timestamp to now, and replica_access_days each ReplicationStatus
// region that has a LastAccessedDate (the key is left out when none has).
// Timestamps are taken as they are; the builder first truncates them to the
// second, as the input renders them.
func AgesTerm(s *snapshot.Secret, now time.Time) *ast.Term {
	return agesTerm(s, now, 0)
}

// agesTerm is AgesTerm with every time (now included) truncated to res
// first (0: as is).
func agesTerm(s *snapshot.Secret, now time.Time, res time.Duration) *ast.Term {
	now = now.Truncate(res)
	fields := [...]struct {
		name string
		t    snapshot.Time
	}{
		{"CreatedDate", s.CreatedDate},
		{"LastChangedDate", s.LastChangedDate},
		{"LastAccessedDate", s.LastAccessedDate},
		{"LastRotatedDate", s.LastRotatedDate},
		{"NextRotationDate", s.NextRotationDate},
		{"DeletedDate", s.DeletedDate},
	}
	days := obj{kv: make([][2]*ast.Term, 0, len(fields))}
	hours := obj{kv: make([][2]*ast.Term, 0, len(fields))}
	for _, f := range fields {
		if f.t.IsZero() {
			continue
		}
		t := f.t.Truncate(res)
		days.set(f.name, ageNumberTerm(AgeDays(t, now)))
		hours.set(f.name, ageNumberTerm(AgeHours(t, now)))
	}
	var o obj
	o.set("days", days.term())
	o.set("hours", hours.term())
	var replicas obj
	for _, r := range s.ReplicationStatus {
		if !r.LastAccessedDate.IsZero() {
			replicas.set(r.Region, ageNumberTerm(AgeDays(r.LastAccessedDate.Truncate(res), now)))
		}
	}
	if len(replicas.kv) > 0 {
		o.set("replica_access_days", replicas.term())
	}
	return o.term()
}

// Integers from ageTermMin (included) to ageTermMax (excluded) have one
// shared term each, made on first use: ages repeat across secrets, and terms
// are immutable. The range covers ages in hours of about 15 years.
const ageTermMin, ageTermMax = -1 << 12, 1 << 17

var ageTerms [ageTermMax - ageTermMin]atomic.Pointer[ast.Term]

// ageNumberTerm returns the number term of n, shared when n is in range.
func ageNumberTerm(n int64) *ast.Term {
	if n < ageTermMin || n >= ageTermMax {
		return ast.IntNumberTerm(int(n))
	}
	p := &ageTerms[n-ageTermMin]
	if t := p.Load(); t != nil {
		return t
	}
	t := ast.IntNumberTerm(int(n))
	if p.CompareAndSwap(nil, t) {
		return t
	}
	return p.Load()
}

// VersionStagesTerm returns input.version_stages: the stage lists of
// VersionIdsToStages without the version ids, each list sorted and the list
// of lists sorted, e.g. [["AWSCURRENT"], ["AWSPENDING"], ["AWSPREVIOUS"]].
// It is nil when v is nil (VersionIdsToStages absent).
func VersionStagesTerm(v map[string][]string) *ast.Term {
	if v == nil {
		return nil
	}
	if t := commonStagesTerm(v); t != nil {
		return t
	}
	lists := make([][]string, 0, len(v))
	for _, stages := range v {
		l := slices.Clone(stages)
		slices.Sort(l)
		lists = append(lists, l)
	}
	slices.SortFunc(lists, slices.Compare)
	ts := make([]*ast.Term, len(lists))
	for i, l := range lists {
		ts[i] = stringsTerm(l)
	}
	return ast.ArrayTerm(ts...)
}

// awsStages are the stage labels Secrets Manager manages, sorted.
var awsStages = [...]string{"AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"}

// awsStagesTerms holds version_stages for each set of versions that carry
// one distinct AWS label each (bit i: a version labelled awsStages[i]), the
// shape of nearly every secret, shared by every input.
var awsStagesTerms = func() (ts [1 << len(awsStages)]*ast.Term) {
	for mask := range ts {
		lists := []*ast.Term{}
		for i, s := range awsStages {
			if mask&(1<<i) != 0 {
				lists = append(lists, ast.ArrayTerm(ast.StringTerm(s)))
			}
		}
		ts[mask] = ast.ArrayTerm(lists...)
	}
	return ts
}()

// commonStagesTerm returns the shared version_stages of v when every version
// carries one distinct AWS label, nil otherwise.
func commonStagesTerm(v map[string][]string) *ast.Term {
	mask := 0
	for _, stages := range v {
		if len(stages) != 1 {
			return nil
		}
		i := slices.Index(awsStages[:], stages[0])
		if i < 0 || mask&(1<<i) != 0 {
			return nil
		}
		mask |= 1 << i
	}
	return awsStagesTerms[mask]
}
