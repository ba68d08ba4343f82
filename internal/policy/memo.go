package policy

import (
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
)

// outcome is what one deny or skip definition yields for one input: the
// members of its set and their rendering.
type outcome struct {
	items    []*ast.Term
	messages []string
}

// projector resolves every input path some check declares, each once per
// input: paths share their prefixes (secret.X and secret.Y look secret up
// once).
type projector struct {
	root  pnode
	paths int // number of distinct declared paths
}

type pnode struct {
	key      *ast.Term
	index    int // index of the declared path ending here, or -1
	children []*pnode
}

// add registers a path and returns its index.
func (p *projector) add(path []string) int {
	n := &p.root
	for _, k := range path {
		var next *pnode
		for _, c := range n.children {
			if string(c.key.Value.(ast.String)) == k {
				next = c
				break
			}
		}
		if next == nil {
			next = &pnode{key: ast.StringTerm(k), index: -1}
			n.children = append(n.children, next)
		}
		n = next
	}
	if n.index < 0 {
		n.index = p.paths
		p.paths++
	}
	return n.index
}

// resolved holds the value of each declared path in one input (nil when
// undefined) and its hash; ok is false when the input cannot be projected
// (a set on the way: input.s.k on a set is a membership test).
type resolved struct {
	vals   []*ast.Term
	hashes []uint64
	ok     bool

	// Scratch space of one evaluation.
	buf   []*ast.Term
	found []checkOutcome
}

func (p *projector) resolve(in ast.Object, r *resolved) {
	if cap(r.vals) < p.paths {
		r.vals, r.hashes = make([]*ast.Term, p.paths), make([]uint64, p.paths)
	}
	r.vals, r.hashes, r.ok = r.vals[:p.paths], r.hashes[:p.paths], true
	clear(r.vals)
	clear(r.hashes)
	r.walk(&p.root, in)
}

func (r *resolved) walk(n *pnode, v ast.Value) {
	// A lookup per declared key: ranging over a fresh object's keys would
	// sort them first.
	for _, c := range n.children {
		var t *ast.Term
		switch x := v.(type) {
		case ast.Object:
			t = x.Get(c.key)
		case ast.Set:
			r.ok = false
			return
		}
		if t == nil {
			continue // undefined, and so is everything under it
		}
		if c.index >= 0 {
			r.vals[c.index] = t
			r.hashes[c.index] = uint64(t.Value.Hash())
		}
		if len(c.children) > 0 {
			r.walk(c, t.Value)
		}
	}
}

// projection is the part of an input one check reads: the values of its
// declared paths, in declaration order.
type projection struct {
	vals []*ast.Term
	hash uint64
}

// project picks the paths idx of a resolved input.
func project(r *resolved, idx []int, buf []*ast.Term) projection {
	p := projection{vals: buf[:0]}
	h := uint64(14695981039346656037)
	for i, j := range idx {
		t := r.vals[j]
		p.vals = append(p.vals, t)
		x := uint64(0x9e3779b97f4a7c15) + uint64(i)
		if t != nil {
			x ^= r.hashes[j] * 0xff51afd7ed558ccd
		}
		h = (h ^ x) * 1099511628211
	}
	p.hash = h
	return p
}

// strictEqual is strict equality of input values: equal under ast.Compare
// and, beyond it, numbers written alike (1 and 1.0 compare equal but render
// differently in messages). Values it cannot vouch for (non-string object
// keys, sets of non-strings, non-JSON values) are never equal: a miss is
// always safe.
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
	vals   []*ast.Term
	strict uint64 // bit i: vals[i] holds numbers (or more than 64 values)
	out    outcome
	next   *memoEntry
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
	for i, v := range vals {
		w := e.vals[i]
		switch {
		case v == w:
		case v == nil || w == nil:
			return false
		case i < 64 && e.strict&(1<<uint(i)) == 0:
			// No number inside: ast.Compare is exact (and faster).
			if ast.Compare(v.Value, w.Value) != 0 {
				return false
			}
		default:
			if !strictEqual(w.Value, v.Value) {
				return false
			}
		}
	}
	return true
}

// strictBits marks the values that need strictEqual.
func strictBits(vals []*ast.Term) uint64 {
	var bits uint64
	for i, v := range vals {
		if i >= 64 {
			break
		}
		if v != nil && !numberFree(v.Value) {
			bits |= 1 << uint(i)
		}
	}
	return bits
}

// numberFree reports values of strings, booleans and nulls only.
func numberFree(v ast.Value) bool {
	switch x := v.(type) {
	case ast.String, ast.Boolean, ast.Null:
		return true
	case *ast.Array:
		for i := range x.Len() {
			if !numberFree(x.Elem(i).Value) {
				return false
			}
		}
		return true
	case ast.Object:
		free := true
		x.Foreach(func(k, t *ast.Term) {
			free = free && numberFree(k.Value) && numberFree(t.Value)
		})
		return free
	}
	return false // numbers, sets, and anything that is not JSON
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
			s.insert(p.hash, e, m.perShard)
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
	// A check whose projections hardly repeat (one that reads timestamps or
	// ids) would fill the memo for nothing: past a first batch of lookups,
	// while fewer than 1 in 64 hit, only 1 miss in 16 is kept.
	if misses := m.misses.Load(); misses > 1024 && m.hits.Load()*64 < misses && p.hash>>60 != 0 {
		return
	}
	s := &m.shards[p.hash%memoShards]
	vals := append([]*ast.Term(nil), p.vals...)
	e := &memoEntry{vals: vals, strict: strictBits(vals), out: out}
	s.mu.Lock()
	if find(s.young[p.hash], vals) == nil {
		s.insert(p.hash, e, m.perShard)
	}
	s.mu.Unlock()
}

func (s *memoShard) insert(h uint64, e *memoEntry, limit int) {
	if len(s.young) >= limit {
		s.old, s.young = s.young, make(map[uint64]*memoEntry, limit)
	}
	c := *e
	c.next = s.young[h]
	s.young[h] = &c
}
