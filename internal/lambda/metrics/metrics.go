// Package metrics writes CloudWatch Embedded Metric Format (EMF) lines: one
// JSON object per line on the handler's stdout, which CloudWatch Logs turns
// into metrics in the SecretWarden namespace.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/secretwarden/warden/internal/action"
)

// Namespace is the CloudWatch namespace of every Secret Warden metric.
const Namespace = "SecretWarden"

// Metric names. The first three are the deployment contract's (the
// dashboard graphs them); the others help operate the handlers.
const (
	// FindingsFailed counts findings recorded with status fail.
	FindingsFailed = "FindingsFailed"
	// ActionsExecuted counts actions executed (alerts published,
	// remediations and rotations done).
	ActionsExecuted = "ActionsExecuted"
	// RotationsCircuitOpen counts emergency rotations refused because a
	// per-account or organization-wide circuit breaker was open.
	RotationsCircuitOpen = "RotationsCircuitOpen"
	// FindingsError counts error findings (what could not be evaluated).
	FindingsError = "FindingsError"
	// MalformedMessages counts messages dropped as malformed (not retried).
	MalformedMessages = "MalformedMessages"
	// MessagesFailed counts messages returned for a retry.
	MessagesFailed = "MessagesFailed"
	// DuplicateEvents counts events already processed (acted on once).
	DuplicateEvents = "DuplicateEvents"
	// UnitsQueued counts the account-regions a scheduled sweep queued.
	UnitsQueued = "UnitsQueued"
	// ReadsInside counts successful value reads from inside the
	// organization (they only feed the access ledger).
	ReadsInside = "ReadsInside"
	// ReadsDecided counts the events of the reads queue decided in full
	// (from outside the organization or an unknown caller, access denied,
	// another event, or one a custom event rule responds to).
	ReadsDecided = "ReadsDecided"
	// ReadsFailed counts failed value reads that are not access denied,
	// which no event rule responds to (not decided).
	ReadsFailed = "ReadsFailed"
	// ReadsUnattributed counts reads from inside that name no principal or
	// no secret (nothing to record in the ledger).
	ReadsUnattributed = "ReadsUnattributed"
	// LedgerWrites counts the conditional ledger writes made; LedgerCoalesced
	// the reads whose write was coalesced with another one (same principal,
	// secret and UTC day in the batch, or already written by this process).
	LedgerWrites    = "LedgerWrites"
	LedgerCoalesced = "LedgerCoalesced"
	// RemediationsHandedOff counts the exposures the sweep queued for the
	// rotate handler.
	RemediationsHandedOff = "RemediationsHandedOff"
	// SecurityHubImportFailures counts account-regions whose Security Hub
	// import failed (after retries) in an invocation.
	SecurityHubImportFailures = "SecurityHubImportFailures"
	// RotationsExecuted counts emergency rotations RotateSecret started.
	RotationsExecuted = "RotationsExecuted"
	// RotationsBlocked counts emergency rotations a safety rail refused
	// (no rotation function, one in progress, dedupe window, a limit).
	RotationsBlocked = "RotationsBlocked"
	// TimeToDetect is, per event decided, the time from the event
	// (CloudTrail eventTime) to its decision and findings, in milliseconds
	// (one value per event: p50 and p99 are CloudWatch statistics).
	TimeToDetect = "TimeToDetect"
)

// Core are the contract's metrics, emitted (as 0 when nothing happened) on
// every flush so the dashboard's SEARCH always finds them.
var Core = []string{FindingsFailed, ActionsExecuted, RotationsCircuitOpen}

// DimensionFunction is the dimension naming the handler.
const DimensionFunction = "Function"

// Set accumulates counts and writes them as one EMF line. It is safe for
// concurrent use.
type Set struct {
	w        io.Writer
	function string
	now      func() time.Time
	mu       sync.Mutex
	values   map[string]float64
	observed map[string]*observation
}

// observation is a metric whose every value is kept (a distribution).
type observation struct {
	unit   string
	values []float64
}

// maxValues is EMF's limit of values in one metric's array.
const maxValues = 100

// New returns a set that writes to w (os.Stdout in a Lambda) with the
// dimension Function=function.
func New(w io.Writer, function string) *Set {
	return &Set{w: w, function: function, now: time.Now, values: map[string]float64{}, observed: map[string]*observation{}}
}

// WithClock sets the clock of the EMF timestamps (tests).
func (s *Set) WithClock(now func() time.Time) *Set {
	s.now = now
	return s
}

// Add adds n to a metric. A nil Set ignores it.
func (s *Set) Add(name string, n float64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.values[name] += n
	s.mu.Unlock()
}

// Observe records one value of a distribution metric in unit (an EMF
// unit such as "Milliseconds"). A nil Set ignores it.
func (s *Set) Observe(name string, v float64, unit string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.observed[name]
	if o == nil {
		o = &observation{unit: unit}
		s.observed[name] = o
	}
	o.values = append(o.values, v)
}

// Get returns the value accumulated since the last flush.
func (s *Set) Get(name string) float64 {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[name]
}

// emfMetric is one metric definition of an EMF directive.
type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// Flush writes one EMF line with every metric added since the last flush,
// plus the Core metrics, and starts over. Observed values go in arrays of
// at most 100 (EMF's limit): the first 100 of each on that line, the rest
// on further lines. A nil Set writes nothing.
func (s *Set) Flush() error {
	if s == nil || s.w == nil {
		return nil
	}
	s.mu.Lock()
	values, observed := s.values, s.observed
	s.values, s.observed = map[string]float64{}, map[string]*observation{}
	s.mu.Unlock()
	for _, c := range Core {
		values[c] += 0
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	doc := make(map[string]any, len(values)+2)
	defs := make([]emfMetric, 0, len(names))
	for _, n := range names {
		defs = append(defs, emfMetric{Name: n, Unit: "Count"})
		doc[n] = values[n]
	}
	onames := make([]string, 0, len(observed))
	for n := range observed {
		onames = append(onames, n)
	}
	sort.Strings(onames)
	ts := s.now().UnixMilli()
	for first := true; ; first = false {
		if !first {
			doc, defs = map[string]any{}, nil
		}
		for _, n := range onames {
			o := observed[n]
			if len(o.values) == 0 {
				continue
			}
			k := min(len(o.values), maxValues)
			defs = append(defs, emfMetric{Name: n, Unit: o.unit})
			doc[n] = o.values[:k]
			o.values = o.values[k:]
		}
		if len(defs) == 0 {
			return nil
		}
		if err := writeEMF(s.w, doc, ts, [][]string{{DimensionFunction}}, map[string]string{DimensionFunction: s.function}, defs); err != nil {
			return err
		}
	}
}

// writeEMF writes one EMF line: the metrics defs (values in doc) under the
// dimension sets dims, whose values are dimValues.
func writeEMF(w io.Writer, doc map[string]any, ts int64, dims [][]string, dimValues map[string]string, defs []emfMetric) error {
	for k, v := range dimValues {
		doc[k] = v
	}
	doc["_aws"] = emfMeta{
		Timestamp:         ts,
		CloudWatchMetrics: []emfDirective{{Namespace: Namespace, Dimensions: dims, Metrics: defs}},
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode metrics: %w", err)
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// HubFailures counts and logs the account-regions whose Security Hub import
// failed (each is owed to the finding's next recording).
func HubFailures(m *Set, log *slog.Logger, recs []action.Recorded) {
	fails := action.HubFailures(recs)
	for _, f := range fails {
		log.Error("Security Hub import failed in one account-region (owed to the next recording; the others are imported)", slog.String("account_region_error", f))
	}
	m.Add(SecurityHubImportFailures, float64(len(fails)))
}

// AlertsPublished counts the findings whose change the recorder published
// as an alert (a new failure or a resolution): actions executed.
func AlertsPublished(r *action.Recorder, recs []action.Recorded) int {
	if r == nil || r.Alerts == nil || r.DryRun || r.Alerts.DryRun {
		return 0
	}
	n := 0
	for _, rec := range recs {
		if rec.Err == nil && rec.Transition.Alerts() {
			n++
		}
	}
	return n
}
