// Package evaluate is the handler of the evaluate Lambda: it reads
// EventBridge events (CloudTrail records about Secrets Manager, GuardDuty
// findings) from the events queue, loads the live state of the secrets they
// name, decides them with the engine and acts: findings recorded (only
// changes alert), alerts, remediation, and emergency rotations handed to
// the rotate queue. Each CloudTrail event acts once, however often it is
// delivered.
package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/apply"
	"github.com/secretwarden/warden/internal/assess"
	"github.com/secretwarden/warden/internal/blast"
	policyconfig "github.com/secretwarden/warden/internal/config"
	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/finding"
	"github.com/secretwarden/warden/internal/input"
	"github.com/secretwarden/warden/internal/inventory"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/lambda/live"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/policy"
	"github.com/secretwarden/warden/internal/store"
)

// Function is the handler's name in logs and metrics.
const Function = "evaluate"

// DefaultProcessedTTL is how long a processed event id is remembered: the
// longest an SQS message can be retained, so any redelivery acts once.
const DefaultProcessedTTL = 14 * 24 * time.Hour

// StateLoader loads the live state of the secrets an event names;
// *live.Source satisfies it.
type StateLoader interface {
	// State returns a working copy holding the organization and the
	// secrets refs names, with the ARNs of those found (see live.Source).
	State(ctx context.Context, refs []live.Ref, now time.Time) (*inventory.State, []string, error)
}

// Handler handles batches of the events queue.
type Handler struct {
	// Store keeps processed event ids, the decision history (access
	// ledger, access-denied counts, rotation dedupe) and the findings.
	Store *store.Store
	// States loads live state.
	States StateLoader
	// Engine is the compiled policy engine (compiled once per process).
	Engine *policy.Engine
	// Policy is the policy data (parameters, exceptions).
	Policy *policyconfig.Config
	// Recorder records the posture findings of the secrets an event changed.
	Recorder *action.Recorder
	// Executor runs the decisions' actions; its Rotator queues rotations
	// (action.QueueRotator) for the rotate handler.
	Executor *action.Executor
	// Metrics receives one EMF line per invocation (default os.Stdout).
	Metrics io.Writer
	// Log receives one line per decision and per failure (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ProcessedTTL is how long processed event ids are kept (default DefaultProcessedTTL).
	ProcessedTTL time.Duration
	// Blast plans the blast radius of a GuardDuty finding's principal: the
	// access ledger where it covers the window, CloudTrail for the rest.
	// Nil: the access ledger alone (Store.Reads over BlastWindow).
	Blast *blast.Planner
	// BlastWindow is how far back a compromised principal's reads are
	// looked for (WARDEN_BLAST_RADIUS_DAYS; default store.LedgerTTL).
	BlastWindow time.Duration
}

func (h *Handler) now() time.Time { return defaults.Now(h.Now) }

func (h *Handler) log() *slog.Logger { return defaults.Logger(h.Log) }

// Handle processes one SQS batch. Each message body is an EventBridge event
// (or anything internal/event decodes). The response lists the messages to
// retry: those that failed for a reason a retry may fix. A malformed
// message is logged (id and reason only) and dropped. The error is always
// nil: failures are per message.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return batch.Run(ctx, ev, h.log(), h.Metrics, Function, h.message), nil
}

// message decodes and handles one message: every event it holds.
func (h *Handler) message(ctx context.Context, msg events.SQSMessage, m *metrics.Set) error {
	evs, errs := event.Decode([]byte(msg.Body), "body")
	if len(evs) == 0 {
		reason := "no event in the body"
		if len(errs) > 0 {
			reason = errs[0].Error()
		}
		return batch.Malformed("%s", reason)
	}
	for _, err := range errs {
		// The message's other events are handled: only this record is dropped.
		h.log().Warn("malformed record skipped", slog.String("message_id", msg.MessageId), slog.String("reason", err.Error()))
		m.Add(metrics.MalformedMessages, 1)
	}
	var failed []error
	for i := range evs {
		if err := h.HandleEvent(ctx, &evs[i], m); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

// HandleEvent handles one event once. The processed marker is a conditional
// write: a duplicate or redelivered event finds it and does nothing. It is
// first written as a lease that outlives this invocation only briefly, so
// an invocation that dies mid-way (a timeout) leaves a marker that has
// expired by the time SQS redelivers the message; it is removed at once
// when handling fails, and made to last DefaultProcessedTTL once the event
// has been handled.
func (h *Handler) HandleEvent(ctx context.Context, ev *event.Event, m *metrics.Set) error {
	first, err := h.Store.MarkProcessed(ctx, ev.ID, lease(ctx))
	if err != nil {
		return err
	}
	if !first {
		h.log().Info("duplicate event: already processed", slog.String("event_id", ev.ID), slog.String("event_name", ev.Name))
		m.Add(metrics.DuplicateEvents, 1)
		return nil
	}
	if err := h.process(ctx, ev, m); err != nil {
		if uerr := h.Store.UnmarkProcessed(ctx, ev.ID); uerr != nil {
			h.log().Warn("could not forget the processed marker: a retry acts once it expires", slog.String("event_id", ev.ID), slog.String("error", uerr.Error()))
		}
		return fmt.Errorf("process event %s (%s): %w", ev.ID, ev.Name, err)
	}
	h.remember(ctx, ev.ID)
	return nil
}

// leaseMargin is how long a lease outlives the invocation's deadline. It
// must stay below the events queue's visibility timeout minus the
// function's timeout (the CDK sets 6× 60 s and 60 s).
const leaseMargin = 30 * time.Second

// lease is how long the marker of an event being handled lives: until the
// invocation's deadline plus leaseMargin (5 minutes without a deadline).
func lease(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		if left := time.Until(d); left > 0 {
			return left + leaseMargin
		}
		return leaseMargin
	}
	return 5 * time.Minute
}

// remember turns the lease of a handled event into its lasting marker.
// Failing that, the lease expires and a later redelivery decides the event
// again: its actions still run once (the executor claims each one).
func (h *Handler) remember(ctx context.Context, eventID string) {
	ttl := h.ProcessedTTL
	if ttl <= 0 {
		ttl = DefaultProcessedTTL
	}
	err := h.Store.UnmarkProcessed(ctx, eventID)
	if err == nil {
		_, err = h.Store.MarkProcessed(ctx, eventID, ttl)
	}
	if err != nil {
		h.log().Warn("could not keep the processed marker: a redelivery may decide the event again", slog.String("event_id", eventID), slog.String("error", err.Error()))
	}
}

// process decides one event against live state and acts.
func (h *Handler) process(ctx context.Context, ev *event.Event, m *metrics.Set) error {
	now := h.now()
	refs, plan, err := h.refs(ctx, ev, now)
	if err != nil {
		return err
	}
	st, loaded, err := h.States.State(ctx, refs, now)
	if err != nil {
		return fmt.Errorf("load live state: %w", err)
	}
	b, err := input.NewBuilder(ctx, st, h.Policy.Params, now)
	if err != nil {
		return fmt.Errorf("prepare policy input: %w", err)
	}
	a := &assess.Assessor{Engine: h.Engine, Builder: b, Config: h.Policy}

	// The posture of a secret an event changed, as it is live now (before
	// the working copy replays the event): recorded, so that only a change
	// of status alerts and a fixed secret is resolved.
	var posture []finding.Finding
	if changes(ev) {
		for _, arn := range loaded {
			if e := st.Lookup("", "", arn); e != nil {
				posture = append(posture, a.Secret(ctx, e)...)
			}
		}
	}

	hist := store.NewHistory(ctx, h.Store)
	var history decide.History = hist
	if plan != nil {
		// The principal's reads are the plan's, resolved to the secrets'
		// full ARNs by the state just loaded.
		history = planned{History: hist, reads: loaded}
	}
	dec, err := (&decide.Decider{State: st, Assessor: a, History: history}).Decide(ctx, ev)
	if err != nil {
		return err
	}
	if plan != nil {
		summary := plan.Summary()
		for i := range dec.Actions {
			dec.Actions[i].Reason += " (blast radius: " + summary + ")"
		}
		h.log().Info("blast radius planned", slog.String("event_id", ev.ID), slog.Int("secrets", len(plan.Secrets)),
			slog.Int("resolved", len(loaded)), slog.String("coverage", summary))
	}
	var errs []error
	if len(posture) > 0 {
		recs, err := h.Recorder.Record(ctx, posture)
		if err != nil {
			errs = append(errs, fmt.Errorf("record findings: %w", err))
		}
		metrics.HubFailures(m, h.log(), recs)
		m.Add(metrics.ActionsExecuted, float64(metrics.AlertsPublished(h.Recorder, recs)))
		for _, f := range posture {
			switch f.Status {
			case finding.StatusFail:
				m.Add(metrics.FindingsFailed, 1)
			case finding.StatusError:
				m.Add(metrics.FindingsError, 1)
			}
		}
	}
	if !ev.Time.IsZero() {
		// Time to detect: the event's time to its decision and findings.
		m.Observe(metrics.TimeToDetect, float64(h.now().Sub(ev.Time).Milliseconds()), "Milliseconds")
	}
	outs := h.Executor.Execute(ctx, dec, action.ExecOptions{PolicyAsPut: action.PolicyAsPut(ev), FindingAlertsHandled: true})
	for _, o := range outs {
		if o.Executed {
			m.Add(metrics.ActionsExecuted, 1)
		}
	}
	errs = append(errs, action.Errors(outs)...)
	h.logDecision(dec, outs, len(posture), hist.Errors)
	return errors.Join(errs...)
}

// changes reports whether the event may have changed a secret's
// configuration, so that its posture is re-evaluated and recorded. Reads
// and failed calls change nothing (the sweep keeps last-access checks
// current).
func changes(ev *event.Event) bool {
	return ev.Kind != event.KindGuardDuty && ev.ErrorCode == "" && apply.EffectOf(ev.Name) == apply.Change
}

// refs are the secrets to load for an event: those it names, or for a
// GuardDuty finding every secret the compromised principal read in the
// blast-radius window (the plan, from the access ledger and CloudTrail). An
// event the engine will skip loads nothing.
func (h *Handler) refs(ctx context.Context, ev *event.Event, now time.Time) ([]live.Ref, *blast.Plan, error) {
	if ev.Kind == event.KindGuardDuty {
		keys := decide.GuardDutyKeys(ev.GuardDuty)
		if len(keys) == 0 {
			return nil, nil, nil
		}
		window := h.BlastWindow
		if window <= 0 {
			window = store.LedgerTTL
		}
		var arns []string
		var plan *blast.Plan
		if h.Blast != nil {
			p, err := h.Blast.Plan(ctx, keys, now.Add(-window), now)
			if err != nil {
				return nil, nil, err
			}
			plan, arns = p, p.Secrets
		} else {
			var err error
			if arns, err = h.Store.Reads(ctx, keys, now.Add(-window)); err != nil {
				return nil, nil, err
			}
		}
		var refs []live.Ref
		for _, arn := range arns {
			if r, ok := live.RefOfARN(arn); ok {
				refs = append(refs, r)
			}
		}
		return refs, plan, nil
	}
	if ev.Source != "secretsmanager.amazonaws.com" || apply.EffectOf(ev.Name) == apply.Unknown {
		return nil, nil, nil
	}
	named := ev.Secrets
	if len(named) == 0 && !ev.Secret.IsZero() {
		named = []event.SecretRef{ev.Secret}
	}
	var refs []live.Ref
	for _, s := range named {
		if r, ok := live.RefOf(ev, s); ok {
			refs = append(refs, r)
		}
	}
	return refs, nil, nil
}

// planned is a decision history whose principal reads are a blast-radius
// plan's.
type planned struct {
	decide.History
	reads []string
}

func (p planned) Reads([]string, time.Time) []string { return append([]string{}, p.reads...) }

// logDecision writes one line per decision: what was decided and done,
// never the event's request parameters.
func (h *Handler) logDecision(dec *decide.Decision, outs []action.Outcome, findings, historyErrors int) {
	attrs := []any{
		slog.String("event_id", dec.EventID), slog.String("event_name", dec.EventName),
		slog.String("secret_arn", dec.SecretARN), slog.String("account_id", dec.AccountID), slog.String("region", dec.Region),
		slog.Int("findings_recorded", findings),
	}
	if dec.Skipped != nil {
		attrs = append(attrs, slog.String("skipped", *dec.Skipped))
	}
	acts := make([]string, 0, len(dec.Actions))
	for i, a := range dec.Actions {
		s := a.Kind + ":" + a.Rule
		switch {
		case outs[i].Err != nil:
			s += " failed"
		case a.Executed:
			s += " executed"
		case a.Blocked != "":
			s += " not executed (" + a.Blocked + ")"
		default:
			s += " (" + outs[i].Note + ")"
		}
		acts = append(acts, s)
	}
	if len(acts) > 0 {
		attrs = append(attrs, slog.String("actions", strings.Join(acts, "; ")))
	}
	if historyErrors > 0 {
		attrs = append(attrs, slog.Int("history_errors", historyErrors))
	}
	h.log().Info("event decided", attrs...)
}
