package awsinv

import (
	"context"
	"sync"
)

// cache computes each key's value once, even under concurrent requests, and
// remembers errors too (a denied key is not asked for again), except those
// of a cancelled context.
type cache[T any] struct {
	mu    sync.Mutex
	m     map[string]*cell[T]
	hits  int
	loads int
}

type cell[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// get returns the value of key, calling load the first time.
func (c *cache[T]) get(ctx context.Context, key string, load func() (T, error)) (T, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*cell[T]{}
	}
	if e, ok := c.m[key]; ok {
		c.hits++
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.v, e.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	e := &cell[T]{done: make(chan struct{})}
	c.m[key] = e
	c.loads++
	c.mu.Unlock()
	e.v, e.err = load()
	if e.err != nil && isContext(e.err) {
		c.mu.Lock()
		delete(c.m, key)
		c.mu.Unlock()
	}
	close(e.done)
	return e.v, e.err
}

// stats returns the hits and loads so far.
func (c *cache[T]) stats() (hits, loads int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.loads
}
