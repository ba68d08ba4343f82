// Package reads is the handler of the reads Lambda: large SQS batches of
// Secrets Manager value reads (GetSecretValue, BatchGetSecretValue), which
// applications may make millions of times a day. Each read is decoded
// (event.DecodeRead, falling back to event.Decode) and classified:
//
//   - a successful read from inside the organization never runs a posture
//     evaluation nor loads state: it only feeds the access ledger, with at
//     most one conditional write per (principal, secret, UTC day) for the
//     whole batch, and none for what this process already wrote that day;
//   - a read from outside the organization, by a caller that cannot be
//     identified (treated as outside), or one denied access, is decided in
//     full by the evaluate handler (live state, the event rules
//     read-outside-organization and access-denied-burst, actions, once per
//     event id): exactly as an event of the evaluate queue;
//   - a failed read that is not access denied is not a read and changes
//     nothing: it is counted, and decided in full only when one of the
//     organization's own event rules responds to it;
//   - any other event that reaches this queue is decided in full too: what
//     the handler does never depends on which rule delivered an event.
//
// Partial batch failures are reported per message (ReportBatchItemFailures):
// a message is retried when its decision failed or one of the ledger writes
// it needed failed; a malformed one is logged and dropped.
package reads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/member"
	"github.com/secretwarden/warden/internal/snapshot"
	"github.com/secretwarden/warden/internal/store"
)

// Function is the handler's name in logs and metrics.
const Function = "reads"

// DefaultConcurrency is how many ledger writes are in flight at once.
const DefaultConcurrency = 16

// seenLimit bounds the ledger keys a process remembers having written.
const seenLimit = 1 << 18

// Organization names the organization and its accounts; *live.Source
// satisfies it.
type Organization interface {
	Organization(ctx context.Context) (snapshot.Organization, []snapshot.Account, error)
}

// Decider decides one event in full (live state, engine, actions, once per
// event id); *evaluate.Handler satisfies it.
type Decider interface {
	HandleEvent(ctx context.Context, ev *event.Event, m *metrics.Set) error
}

// Screen tells whether an event rule responds to an event judged on the
// event alone (no secret state, default parameters): wire builds it when the
// organization's own event rules are loaded (WARDEN_POLICIES_DIR), since the
// built-in ones never respond to a successful read from inside the
// organization nor to a failed read that is not access denied.
type Screen interface {
	Responds(ctx context.Context, ev *event.Event, members func(string) bool) (bool, error)
}

// Ledger is the access ledger's conditional writes; *store.Store satisfies it.
type Ledger interface {
	RecordReadDay(ctx context.Context, principal, secretARN string, at time.Time) (bool, error)
	RecordAlias(ctx context.Context, key, principal string, at time.Time) (bool, error)
	RecordCoverage(ctx context.Context, at time.Time) (bool, error)
}

// Handler handles batches of the reads queue. It is safe for concurrent
// use; it remembers the ledger writes it made (per process, per UTC day).
type Handler struct {
	// Org tells members from outsiders; OrganizationID is the organization
	// it must be (WARDEN_ORGANIZATION_ID): a batch is not classified against
	// another one.
	Org            Organization
	OrganizationID string
	// Ledger records the reads from inside the organization.
	Ledger Ledger
	// Decider decides what is not a plain read from inside.
	Decider Decider
	// Screen, when set, judges the reads no built-in rule responds to.
	Screen Screen
	// Concurrency bounds the ledger writes in flight (default DefaultConcurrency).
	Concurrency int
	// Metrics receives one EMF line per invocation (default os.Stdout).
	Metrics io.Writer
	// Log receives one line per failure and one per batch (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	seenDay  string
	seen     map[ledgerKey]struct{}
	coverage string // the UTC day coverage was last recorded
}

func (h *Handler) log() *slog.Logger { return defaults.Logger(h.Log) }

// ledgerKey is one ledger write: a read (principal, secret) or an alias
// (key, principal), on a UTC day.
type ledgerKey struct {
	alias bool
	a, b  string
	day   string
}

// write is one pending ledger write with the messages that need it.
type write struct {
	key  ledgerKey
	at   time.Time
	msgs []int
}

// batchState is one invocation's classification.
type batchState struct {
	members func(string) bool
	writes  map[ledgerKey]*write
	order   []*write
	// counts of the hot path, added to the metrics once per batch
	mu                      sync.Mutex
	inside, coalesced, none int
}

// Handle processes one SQS batch and reports the messages to retry. The
// error is always nil: failures are per message.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	out := h.Metrics
	if out == nil {
		out = os.Stdout
	}
	m := metrics.New(out, Function)
	defer func() {
		if err := m.Flush(); err != nil {
			h.log().Warn("metrics not written", slog.String("error", err.Error()))
		}
	}()
	members, err := h.members(ctx)
	if err != nil {
		// Classifying against the wrong organization (or none) would take
		// members for outsiders: every message waits for a retry.
		h.log().Error("organization not readable: the batch is returned for a retry", slog.String("error", err.Error()))
		m.Add(metrics.MessagesFailed, float64(len(ev.Records)))
		return retryAll(ev), nil
	}
	st := &batchState{members: members, writes: map[ledgerKey]*write{}}
	index := make(map[string]int, len(ev.Records))
	for i, msg := range ev.Records {
		index[msg.MessageId] = i
	}
	resp := batch.Process(ctx, ev, h.log(), m, func(ctx context.Context, msg events.SQSMessage) error {
		return h.message(ctx, index[msg.MessageId], msg, st, m)
	})
	m.Add(metrics.ReadsInside, float64(st.inside))
	m.Add(metrics.LedgerCoalesced, float64(st.coalesced))
	m.Add(metrics.ReadsUnattributed, float64(st.none))
	failed := h.flush(ctx, st, m)
	already := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		already[f.ItemIdentifier] = true
	}
	for _, i := range failed {
		id := ev.Records[i].MessageId
		if !already[id] {
			already[id] = true
			m.Add(metrics.MessagesFailed, 1)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
	}
	return resp, nil
}

// members reads the organization's member accounts (the management account
// included), refusing another organization than the configured one.
func (h *Handler) members(ctx context.Context) (func(string) bool, error) {
	if h.Org == nil {
		return nil, errors.New("no organization source configured")
	}
	org, accounts, err := h.Org.Organization(ctx)
	if err != nil {
		return nil, fmt.Errorf("read organization: %w", err)
	}
	if h.OrganizationID != "" && org.ID != h.OrganizationID {
		return nil, fmt.Errorf("want organization %s (WARDEN_ORGANIZATION_ID), found %q: the function needs organizations:DescribeOrganization and ListAccounts", h.OrganizationID, org.ID)
	}
	set := make(map[string]bool, len(accounts)+1)
	if org.MasterAccountID != "" {
		set[org.MasterAccountID] = true
	}
	for _, a := range accounts {
		set[a.ID] = true
	}
	return func(id string) bool { return set[id] }, nil
}

// message classifies the events of one message: reads from inside become
// pending ledger writes, the rest is decided now.
func (h *Handler) message(ctx context.Context, i int, msg events.SQSMessage, st *batchState, m *metrics.Set) error {
	body := []byte(msg.Body)
	if ev, ok := event.DecodeRead(body); ok {
		return h.classify(ctx, i, &ev, body, st, m)
	}
	evs, errs := event.Decode(body, "body")
	if len(evs) == 0 {
		reason := "no event in the body"
		if len(errs) > 0 {
			reason = errs[0].Error()
		}
		return batch.Malformed("%s", reason)
	}
	for _, err := range errs {
		h.log().Warn("malformed record skipped", slog.String("message_id", msg.MessageId), slog.String("reason", err.Error()))
		m.Add(metrics.MalformedMessages, 1)
	}
	var failed []error
	for k := range evs {
		if err := h.classify(ctx, i, &evs[k], nil, st, m); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

// classify handles one event. body is the message body when ev came from
// DecodeRead (and so lacks request parameters): it is decoded in full
// before anything but the ledger uses it.
func (h *Handler) classify(ctx context.Context, i int, ev *event.Event, body []byte, st *batchState, m *metrics.Set) error {
	full := func() (*event.Event, error) {
		if body == nil {
			return ev, nil
		}
		evs, errs := event.Decode(body, "body")
		if len(evs) != 1 {
			return nil, batch.Malformed("read event does not decode in full: %v", errors.Join(errs...))
		}
		return &evs[0], nil
	}
	decideFull := func() error {
		e, err := full()
		if err != nil {
			return err
		}
		m.Add(metrics.ReadsDecided, 1)
		return h.Decider.HandleEvent(ctx, e, m)
	}
	screened := func() (bool, error) {
		if h.Screen == nil {
			return false, nil
		}
		e, err := full()
		if err != nil {
			return false, err
		}
		return h.Screen.Responds(ctx, e, st.members)
	}
	switch {
	case !event.IsValueRead(ev) || Denied(ev.ErrorCode) || !input.ActorInOrganization(ev.Actor, st.members):
		return decideFull()
	case ev.ErrorCode != "":
		// A failed read reads nothing and changes nothing.
		if ok, err := screened(); err != nil || ok {
			if err != nil {
				return err
			}
			return decideFull()
		}
		m.Add(metrics.ReadsFailed, 1)
		return nil
	}
	h.pend(i, ev, st)
	if ok, err := screened(); err != nil || ok {
		if err != nil {
			return err
		}
		return decideFull()
	}
	return nil
}

// Denied reports an access-denied error code, as access-denied-burst
// matches it (the code contains "accessdenied" in any case).
func Denied(code string) bool {
	return strings.Contains(strings.ToLower(code), "accessdenied")
}

// pend adds the ledger writes of a read from inside: the read of each secret
// by the principal, and the principal's aliases, each once per UTC day.
func (h *Handler) pend(i int, ev *event.Event, st *batchState) {
	keys := decide.ActorKeys(ev.Actor)
	refs := ev.Secrets
	if len(refs) == 0 && !ev.Secret.IsZero() {
		refs = []event.SecretRef{ev.Secret}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.inside++
	if len(keys) == 0 || len(refs) == 0 {
		st.none++
		return
	}
	day := store.Day(ev.Time)
	add := func(k ledgerKey) {
		if w, ok := st.writes[k]; ok {
			st.coalesced++
			if n := len(w.msgs); n == 0 || w.msgs[n-1] != i {
				w.msgs = append(w.msgs, i)
			}
			if ev.Time.Before(w.at) {
				w.at = ev.Time
			}
			return
		}
		w := &write{key: k, at: ev.Time, msgs: []int{i}}
		st.writes[k] = w
		st.order = append(st.order, w)
	}
	for _, r := range refs {
		if arn := SecretKey(ev, r); arn != "" {
			add(ledgerKey{a: keys[0], b: arn, day: day})
		}
	}
	for _, alias := range keys[1:] {
		add(ledgerKey{alias: true, a: alias, b: keys[0], day: day})
	}
}

// flush makes the pending ledger writes the process has not made yet,
// Concurrency at a time, and returns the messages whose writes failed.
func (h *Handler) flush(ctx context.Context, st *batchState, m *metrics.Set) []int {
	now := defaults.Now(h.Now)
	today := store.Day(now)
	// Coverage starts at the earliest read recorded (events reach the
	// function minutes after they happen).
	since := now
	for _, w := range st.order {
		if w.at.Before(since) {
			since = w.at
		}
	}
	h.recordCoverage(ctx, today, since)
	todo := make([]*write, 0, len(st.order))
	h.mu.Lock()
	if h.seenDay != today || h.seen == nil || len(h.seen) >= seenLimit {
		h.seen, h.seenDay = map[ledgerKey]struct{}{}, today
	}
	for _, w := range st.order {
		if _, ok := h.seen[w.key]; ok {
			m.Add(metrics.LedgerCoalesced, 1)
			continue
		}
		todo = append(todo, w)
	}
	h.mu.Unlock()
	if len(todo) == 0 {
		return nil
	}
	n := h.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	errs := make([]error, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				w := todo[j]
				var err error
				if w.key.alias {
					_, err = h.Ledger.RecordAlias(ctx, w.key.a, w.key.b, w.at)
				} else {
					_, err = h.Ledger.RecordReadDay(ctx, w.key.a, w.key.b, w.at)
				}
				errs[j] = err
			}
		}()
	}
	for j := range todo {
		next <- j
	}
	close(next)
	wg.Wait()
	failedMsgs := map[int]bool{}
	var failed []int
	h.mu.Lock()
	for j, w := range todo {
		if errs[j] != nil {
			h.log().Error("ledger write failed: its messages are returned for a retry", slog.String("secret_or_principal", w.key.b),
				slog.Int("messages", len(w.msgs)), slog.Bool("retryable", batch.Retryable(errs[j])), slog.String("error", errs[j].Error()))
			for _, i := range w.msgs {
				if !failedMsgs[i] {
					failedMsgs[i] = true
					failed = append(failed, i)
				}
			}
			continue
		}
		h.seen[w.key] = struct{}{}
	}
	h.mu.Unlock()
	m.Add(metrics.LedgerWrites, float64(len(todo)))
	return failed
}

// recordCoverage notes, once per UTC day and process, that the ledger
// records reads (since is used by the first note only: if_not_exists). A failure is logged: blast-radius planning then does not
// trust the ledger for the missing time and asks CloudTrail.
func (h *Handler) recordCoverage(ctx context.Context, today string, since time.Time) {
	h.mu.Lock()
	done := h.coverage == today
	h.mu.Unlock()
	if done {
		return
	}
	if _, err := h.Ledger.RecordCoverage(ctx, since); err != nil {
		h.log().Warn("ledger coverage not recorded", slog.String("error", err.Error()))
		return
	}
	h.mu.Lock()
	h.coverage = today
	h.mu.Unlock()
}

// SecretKey is how the ledger names a secret a read names without loading
// it: its full ARN when the event gives one (in the request or resources),
// else an ARN without the random suffix (a partial ARN, which DescribeSecret
// and RotateSecret accept) in the event's account and region: a secret read
// by name is in the account that recorded the read.
func SecretKey(ev *event.Event, r event.SecretRef) string {
	if r.ARN != "" {
		return r.ARN
	}
	if _, ok := event.ParseSecretARN(r.Raw); ok {
		return r.Raw
	}
	name := firstNonEmpty(r.Name, r.Raw)
	if name == "" || ev.AccountID == "" || ev.Region == "" {
		return name
	}
	return "arn:" + member.Partition(ev.Region) + ":secretsmanager:" + ev.Region + ":" + ev.AccountID + ":secret:" + name
}

// retryAll returns every message of the batch for a retry.
func retryAll(ev events.SQSEvent) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, m := range ev.Records {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
	}
	return resp
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
