package policy

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// vcache is a topdown.VirtualCache for small evaluations: each frame is a
// flat list of (ref, value) entries searched by hash. One evaluation of the
// posture checks caches a few dozen documents and function results, for which
// this allocates far less than topdown's trie of hash maps. Semantics are
// those of topdown's cache: Get and Put act on the top frame only.
type vcache struct {
	frames [][]ventry
}

type ventry struct {
	hash  int
	ref   ast.Ref
	value *ast.Term // nil: the ref is undefined
}

var _ topdown.VirtualCache = (*vcache)(nil)

var vcachePool = sync.Pool{New: func() any { return &vcache{frames: make([][]ventry, 1, 4)} }}

// newVCache returns an empty cache with one frame.
func newVCache() *vcache {
	c := vcachePool.Get().(*vcache)
	return c
}

// release empties c and returns it to the pool.
func (c *vcache) release() {
	for i := range c.frames {
		clear(c.frames[i])
		c.frames[i] = c.frames[i][:0]
	}
	c.frames = c.frames[:1]
	vcachePool.Put(c)
}

func (c *vcache) Push() {
	if len(c.frames) < cap(c.frames) {
		c.frames = c.frames[:len(c.frames)+1]
		c.frames[len(c.frames)-1] = c.frames[len(c.frames)-1][:0]
		return
	}
	c.frames = append(c.frames, nil)
}

func (c *vcache) Pop() {
	top := c.frames[len(c.frames)-1]
	clear(top)
	c.frames[len(c.frames)-1] = top[:0]
	c.frames = c.frames[:len(c.frames)-1]
}

func (c *vcache) find(ref ast.Ref) *ventry {
	top := c.frames[len(c.frames)-1]
	h := ref.Hash()
	for i := range top {
		if e := &top[i]; e.hash == h && e.ref.Equal(ref) {
			return e
		}
	}
	return nil
}

func (c *vcache) Get(ref ast.Ref) (*ast.Term, bool) {
	e := c.find(ref)
	if e == nil {
		return nil, false
	}
	if e.value == nil {
		return nil, true
	}
	return e.value, false
}

func (c *vcache) Put(ref ast.Ref, value *ast.Term) {
	if e := c.find(ref); e != nil {
		e.value = value
		return
	}
	// topdown reuses the slice it passes (function cache keys): keep a copy.
	own := make(ast.Ref, len(ref))
	copy(own, ref)
	top := &c.frames[len(c.frames)-1]
	*top = append(*top, ventry{hash: own.Hash(), ref: own, value: value})
}

func (c *vcache) Keys() []ast.Ref {
	top := c.frames[len(c.frames)-1]
	out := make([]ast.Ref, 0, len(top))
	for _, e := range top {
		if e.value != nil {
			out = append(out, e.ref)
		}
	}
	return out
}
