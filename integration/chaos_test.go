package integration

import (
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"sync"
	"time"
)

// chaos injects faults per API into what reaches the emulator, decided by a
// seeded hash of the request — its service and operation, the account whose
// credentials signed it and the resource it names — and of how many times
// that same request was made before. A run is thus reproducible from its
// seed whatever the order of its concurrent calls:
//
//   - AccessDenied on every attempt, for a share (denied) of the resources
//     of an operation: the verdicts that need them must be error;
//   - transient faults on the first one or two attempts of a share
//     (transient) of the requests: throttling (400 ThrottlingException),
//     500 InternalFailure, 503 ServiceUnavailable, a connection reset, which
//     the SDK's retryer must absorb (a call of the inventory makes up to 12
//     attempts, GetCallerIdentity 3);
//   - latency on a share of the requests.
type chaos struct {
	seed      uint64
	denied    map[string]float64 // "service:Operation" → share of resources denied
	transient map[string]float64 // "service:Operation" → share of requests failing first
	latency   time.Duration
	slow      float64 // share of requests delayed by latency

	mu       sync.Mutex
	attempts map[string]int
	hits     map[string]int // fault kind → how often it was injected
}

// chaosAction is what the door does with one request.
type chaosAction struct {
	delay time.Duration
	reset bool
	fault *fault
}

// transientFaults are the retryable answers, by kind.
var transientFaults = []struct {
	kind   string
	status int
	code   string
}{
	{"throttle", http.StatusBadRequest, "ThrottlingException"},
	{"500", http.StatusInternalServerError, "InternalFailure"},
	{"503", http.StatusServiceUnavailable, "ServiceUnavailable"},
	{"reset", 0, ""},
}

// resource names what a request is about, for the decision.
func (r *request) resource() string {
	for _, k := range []string{"SecretId", "KeyId", "RoleArn", "ChildId", "ResourceId"} {
		if v, ok := r.Params[k].(string); ok {
			return v
		}
	}
	return r.Region
}

// draw is a number in [0, 1) from the seed and the parts.
func (c *chaos) draw(parts ...string) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], c.seed)
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return float64(h.Sum64()>>11) / (1 << 53)
}

// decide picks the action for req.
func (c *chaos) decide(req *request) chaosAction {
	op := req.Service + ":" + req.Operation
	key := op + "|" + req.Account + "|" + req.resource()
	c.mu.Lock()
	n := c.attempts[key]
	c.attempts[key] = n + 1
	c.mu.Unlock()
	var act chaosAction
	if c.draw("slow", key, string(rune(n))) < c.slow {
		act.delay = c.latency
	}
	if c.draw("deny", key) < c.denied[op] {
		c.count("AccessDenied")
		act.fault = &fault{name: "chaos-deny", status: http.StatusBadRequest, code: "AccessDeniedException",
			message: "chaos: not authorized to perform " + op}
		if req.Service == "sts" {
			act.fault.status, act.fault.code = http.StatusForbidden, "AccessDenied"
		}
		return act
	}
	if c.draw("transient", key) < c.transient[op] {
		failing := 1 + int(c.draw("attempts", key)*2) // the first 1 or 2 attempts
		if n < failing {
			tf := transientFaults[int(c.draw("kind", key, string(rune(n)))*float64(len(transientFaults)))]
			c.count(tf.kind)
			if tf.status == 0 {
				act.reset = true
				return act
			}
			act.fault = &fault{name: "chaos-" + tf.kind, status: tf.status, code: tf.code, message: "chaos: " + tf.kind}
		}
	}
	return act
}

func (c *chaos) count(kind string) {
	c.mu.Lock()
	c.hits[kind]++
	c.mu.Unlock()
}

// counts returns how often each kind of fault was injected.
func (c *chaos) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.hits {
		out[k] = v
	}
	return out
}

// setChaos installs c (nil removes it), its counters reset.
func (e *emulator) setChaos(c *chaos) {
	if c != nil {
		c.attempts, c.hits = map[string]int{}, map[string]int{}
	}
	e.mu.Lock()
	e.chaos = c
	e.mu.Unlock()
}

// resetConnection drops the client's connection without an answer.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tc.SetLinger(0) // RST rather than FIN
	}
	_ = conn.Close()
}
