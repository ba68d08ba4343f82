package input

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// maxCached bounds each term cache.
const maxCached = 4096

// termCache shares terms by key (terms are immutable): values that repeat
// from secret to secret or event to event are built once, and compared by
// pointer by the engine's memo. It holds at most maxCached terms and starts
// afresh when full. The zero value is ready to use.
type termCache[K comparable] struct {
	mu sync.Mutex
	m  map[K]*ast.Term
}

func (c *termCache[K]) get(k K) (*ast.Term, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[k]
	return t, ok
}

func (c *termCache[K]) put(k K, t *ast.Term) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[K]*ast.Term)
	}
	c.m[k] = t
}
