package policy

import (
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/secretwarden/warden/internal/finding"
)

// outcome is what a check concluded for one input.
type outcome struct {
	status   finding.Status
	messages []string
}

// projection is the part of an input a check reads: the value of each
// declared path (nil when the path is undefined in the input).
type projection struct {
	vals []*ast.Term
	hash uint64
	ok   bool // false when the input cannot be projected (not an object, a set on the way)
}

// project reads the declared paths of in. keys[i] are the key terms of
// path i.
func project(in ast.Object, keys [][]*ast.Term, buf []*ast.Term) projection {
	p := projection{vals: buf[:0], ok: true}
	h := uint64(14695981039346656037)
	for i, path := range keys {
		var cur ast.Value = in
		var t *ast.Term
		for _, k := range path {
			switch v := cur.(type) {
			case ast.Object:
				t = v.Get(k)
			case ast.Set:
				// input.s.k on a set is a membership test: not worth caching.
				return projection{}
			default:
				t = nil
			}
			if t == nil {
				break
			}
			cur = t.Value
		}
		p.vals = append(p.vals, t)
		x := uint64(0x9e3779b97f4a7c15) + uint64(i)
		if t != nil {
			x ^= uint64(t.Value.Hash()) * 0xff51afd7ed558ccd
		}
		h = (h ^ x) * 1099511628211
	}
	p.hash = h
	return p
}

// sameValue is strict equality of input values: equal under ast.Compare
// and, beyond it, numbers written alike (1 and 1.0 compare equal but render
// differently in messages). Values it cannot vouch for (non-string object
// keys, sets of non-strings, non-JSON values) are never equal: a miss is
// always safe.
func sameValue(a, b *ast.Term) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	return strictEqual(a.Value, b.Value)
}

func strictEqual(a, b ast.Value) bool {
	switch x := a.(type) {
	case ast.String:
		y, ok := b.(ast.String)
		return ok && x == y
	case ast.Number:
		y, ok := b.(ast.Number)
		return ok && x == y
	case ast.Boolean:
		y, ok := b.(ast.Boolean)
		return ok && x == y
	case ast.Null:
		_, ok := b.(ast.Null)
		return ok
	case *ast.Array:
		y, ok := b.(*ast.Array)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i := range x.Len() {
			if p, q := x.Elem(i), y.Elem(i); p != q && !strictEqual(p.Value, q.Value) {
				return false
			}
		}
		return true
	case ast.Object:
		y, ok := b.(ast.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		same := true
		x.Foreach(func(k, v *ast.Term) {
			if !same {
				return
			}
			if _, str := k.Value.(ast.String); !str {
				same = false
				return
			}
			w := y.Get(k)
			same = w != nil && (w == v || strictEqual(v.Value, w.Value))
		})
		return same
	case ast.Set:
		y, ok := b.(ast.Set)
		if !ok || x.Len() != y.Len() {
			return false
		}
		same := true
		x.Foreach(func(t *ast.Term) {
			switch t.Value.(type) {
			case ast.String, ast.Boolean, ast.Null:
				same = same && y.Contains(t)
			default:
				same = false
			}
		})
		return same
	}
	return false
}

const memoShards = 16

// memo is a bounded concurrent cache of outcomes keyed by projection. Each
// shard keeps two generations: when the young one is full the old one is
// dropped, so that entries still in use survive (they are promoted on hit).
type memo struct {
	perShard int
	shards   [memoShards]memoShard
	hits     atomic.Int64
	misses   atomic.Int64
}

type memoShard struct {
	mu         sync.Mutex
	young, old map[uint64]*memoEntry
}

type memoEntry struct {
	vals []*ast.Term
	out  outcome
	next *memoEntry
}

func newMemo(limit int) *memo {
	m := &memo{perShard: max(limit/memoShards/2, 8)}
	for i := range m.shards {
		m.shards[i].young = map[uint64]*memoEntry{}
	}
	return m
}

func (e *memoEntry) matches(vals []*ast.Term) bool {
	if len(e.vals) != len(vals) {
		return false
	}
	for i := range vals {
		if !sameValue(e.vals[i], vals[i]) {
			return false
		}
	}
	return true
}

func find(list *memoEntry, vals []*ast.Term) *memoEntry {
	for e := list; e != nil; e = e.next {
		if e.matches(vals) {
			return e
		}
	}
	return nil
}

func (m *memo) get(p *projection) (outcome, bool) {
	s := &m.shards[p.hash%memoShards]
	s.mu.Lock()
	e := find(s.young[p.hash], p.vals)
	if e == nil && s.old != nil {
		if e = find(s.old[p.hash], p.vals); e != nil {
			s.insert(p.hash, e.vals, e.out, m.perShard)
		}
	}
	s.mu.Unlock()
	if e == nil {
		m.misses.Add(1)
		return outcome{}, false
	}
	m.hits.Add(1)
	return e.out, true
}

func (m *memo) put(p *projection, out outcome) {
	s := &m.shards[p.hash%memoShards]
	vals := append([]*ast.Term(nil), p.vals...)
	s.mu.Lock()
	if find(s.young[p.hash], vals) == nil {
		s.insert(p.hash, vals, out, m.perShard)
	}
	s.mu.Unlock()
}

func (s *memoShard) insert(h uint64, vals []*ast.Term, out outcome, limit int) {
	if len(s.young) >= limit {
		s.old, s.young = s.young, make(map[uint64]*memoEntry, limit)
	}
	s.young[h] = &memoEntry{vals: vals, out: out, next: s.young[h]}
}
