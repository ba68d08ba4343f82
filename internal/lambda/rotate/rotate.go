// Package rotate is the handler of the rotate Lambda: the emergency-rotation
// executor, and the one that acts through the Responder for the sweep.
// Each rotate-queue message is either
//
//   - a rotation request (action.RotationRequest, queued by the evaluate
//     and reads handlers): it runs through an action.Executor whose Rotator
//     is an action.DirectRotator, so the safety rails decide first
//     (rotation configured, none in progress, dedupe window, per-account and
//     organization-wide limits with a circuit breaker) and every outcome is
//     alerted and recorded;
//   - an order of kind "remediate" (action.Order, queued by the sweep, which
//     may not assume the Responder): a decision whose actions run through
//     the Orders executor, with the per-rule modes, the remediation (through
//     the Responder, BlockPublicPolicy always set), the rails and each
//     action claimed once per event id, as the evaluate handler runs them.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/rails"
)

// Function is the handler's name in logs and metrics.
const Function = "rotate"

// RequestLedger remembers rotate requests across deliveries;
// *store.Store satisfies it (store.BeginRequest).
type RequestLedger interface {
	BeginRequest(ctx context.Context, id string, lease time.Duration) (begun bool, outcome string, err error)
	FinishRequest(ctx context.Context, id, outcome string) error
	AbandonRequest(ctx context.Context, id string) error
}

// DefaultLease is how long one handling of a request may hold it: twice
// the rotate function's timeout (120 s, cdk/stacks/central.go), within the
// rotate queue's visibility timeout (720 s), so that the redelivery of a
// request whose handler died takes it over.
const DefaultLease = 4 * time.Minute

// Handler handles batches of the rotate queue.
type Handler struct {
	// Executor runs each request as a one-action decision; its Rotator
	// must be an action.DirectRotator (rails, then RotateSecret). It has no
	// Dedupe: the evaluate handler's Executor already claimed the event's
	// rotation action, and the rails deduplicate per secret.
	Executor *action.Executor
	// Orders runs the sweep's orders: its Remediator and Rotator act
	// through the Responder, its Dedupe claims each action once, its
	// PriorPolicies keeps the policy a remediation replaced. Nil: orders
	// fail (and are retried, then reach the queue's DLQ).
	Orders *action.Executor
	// Metrics receives one EMF line per invocation (default os.Stdout).
	Metrics io.Writer
	// Log receives one line per request (default slog.Default()).
	Log *slog.Logger
	// Requests, when set, makes each request (by RotationRequest.ID) run at
	// most once whatever the delay of its redelivery: a request already
	// handled is dropped (logged, counted as a duplicate), one being handled
	// by another delivery is retried later. The rails' dedupe window alone
	// (an hour) does not cover a redelivery from the dead-letter queue.
	Requests RequestLedger
	// Lease bounds one handling (default DefaultLease).
	Lease time.Duration
}

func (h *Handler) log() *slog.Logger { return defaults.Logger(h.Log) }

// Handle processes one SQS batch. A request that could not be carried out
// (a rail could not be checked, RotateSecret failed) is returned for a
// retry; one the rails refused is done (it was alerted). A malformed
// request is logged and dropped.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return batch.Run(ctx, ev, h.log(), h.Metrics, Function, h.request), nil
}

func (h *Handler) request(ctx context.Context, msg events.SQSMessage, m *metrics.Set) error {
	req, order, err := action.DecodeRotateMessage(msg.Body)
	if err != nil {
		return batch.Malformed("%v", err)
	}
	if order != nil {
		return h.order(ctx, order, m)
	}
	if h.Executor == nil || h.Executor.Rotator == nil {
		return errors.New("rotate: no rotator configured")
	}
	if h.Requests == nil || h.Executor.DryRun {
		_, err := h.execute(ctx, req, m)
		return err
	}
	id := req.ID()
	lease := h.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	begun, outcome, err := h.Requests.BeginRequest(ctx, id, lease)
	if err != nil {
		return err
	}
	if !begun {
		if outcome == "" {
			return fmt.Errorf("rotate request %s is being handled by another delivery: retry later", id)
		}
		m.Add(metrics.DuplicateEvents, 1)
		h.log().Info("rotate request already handled: delivery dropped", slog.String("request_id", id),
			slog.String("secret_arn", req.SecretARN), slog.String("event_id", req.EventID), slog.String("outcome", outcome))
		return nil
	}
	outcome, err = h.execute(ctx, req, m)
	if err != nil {
		if aerr := h.Requests.AbandonRequest(ctx, id); aerr != nil {
			// The lease runs out instead: the redelivery takes over then.
			h.log().Warn("could not abandon the rotate request claim", slog.String("request_id", id), slog.String("error", aerr.Error()))
		}
		return err
	}
	if err := h.Requests.FinishRequest(ctx, id, outcome); err != nil {
		// The rotation is done; without its record a late redelivery would
		// meet the rails (the dedupe window, the idempotency token).
		h.log().Warn("could not record the rotate request's outcome", slog.String("request_id", id), slog.String("error", err.Error()))
	}
	return nil
}

// execute runs one request through the executor and returns its outcome.
func (h *Handler) execute(ctx context.Context, req action.RotationRequest, m *metrics.Set) (string, error) {
	x := *h.Executor
	watch := &watched{Rotator: h.Executor.Rotator}
	x.Rotator = watch
	dec := req.Decision()
	outs := x.Execute(ctx, dec, action.ExecOptions{})
	var errs []error
	var notes []string
	for i, o := range outs {
		a := dec.Actions[i]
		if o.Executed {
			m.Add(metrics.ActionsExecuted, 1)
		}
		attrs := []any{slog.String("secret_arn", a.SecretARN), slog.String("rule", a.Rule), slog.String("event_id", dec.EventID),
			slog.Bool("rotated", o.Executed), slog.String("note", o.Note)}
		if o.Err != nil {
			attrs = append(attrs, slog.String("error", o.Err.Error()))
			errs = append(errs, o.Err)
		}
		h.log().Info("emergency rotation request", attrs...)
		note := o.Note
		if o.Executed {
			note = "rotated: " + note
		}
		notes = append(notes, note)
	}
	if watch.circuitOpen() {
		m.Add(metrics.RotationsCircuitOpen, 1)
	}
	rotated, blocked := watch.counts()
	m.Add(metrics.RotationsExecuted, float64(rotated))
	m.Add(metrics.RotationsBlocked, float64(blocked))
	return strings.Join(notes, "; "), errors.Join(errs...)
}

// order runs the actions of a decision the sweep queued.
func (h *Handler) order(ctx context.Context, o *action.Order, m *metrics.Set) error {
	if h.Orders == nil {
		return errors.New("remediation order: no executor for orders configured")
	}
	x := *h.Orders
	watch := &watched{Rotator: x.Rotator}
	if x.Rotator != nil {
		x.Rotator = watch
	}
	dec := o.Decision
	outs := x.Execute(ctx, dec, action.ExecOptions{PolicyAsPut: o.PolicyAsPut})
	var errs []error
	for i, out := range outs {
		a := dec.Actions[i]
		if out.Executed {
			m.Add(metrics.ActionsExecuted, 1)
		}
		attrs := []any{slog.String("secret_arn", a.SecretARN), slog.String("rule", a.Rule), slog.String("kind", a.Kind),
			slog.String("event_id", dec.EventID), slog.Bool("executed", out.Executed), slog.String("note", out.Note)}
		if out.Err != nil {
			attrs = append(attrs, slog.String("error", out.Err.Error()))
			errs = append(errs, out.Err)
		}
		h.log().Info("remediation order", attrs...)
	}
	if watch.circuitOpen() {
		m.Add(metrics.RotationsCircuitOpen, 1)
	}
	return errors.Join(errs...)
}

// watched observes which rail decided each rotation, and what came of it.
type watched struct {
	action.Rotator
	mu               sync.Mutex
	open             bool
	rotated, blocked int
}

func (w *watched) Rotate(ctx context.Context, req action.RotationRequest) (action.RotationResult, error) {
	res, err := w.Rotator.Rotate(ctx, req)
	w.mu.Lock()
	defer w.mu.Unlock()
	if res.Rail == rails.RailAccountLimit || res.Rail == rails.RailOrgLimit {
		w.open = true
	}
	switch {
	case err == nil && res.Rotated:
		w.rotated++
	case err == nil && res.Blocked != "":
		w.blocked++
	}
	return res, err
}

// counts returns the rotations started and those a rail refused.
func (w *watched) counts() (rotated, blocked int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rotated, w.blocked
}

func (w *watched) circuitOpen() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.open
}
