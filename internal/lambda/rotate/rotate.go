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
	"io"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/rails"
)

// Function is the handler's name in logs and metrics.
const Function = "rotate"

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
	x := *h.Executor
	watch := &watched{Rotator: h.Executor.Rotator}
	x.Rotator = watch
	dec := req.Decision()
	outs := x.Execute(ctx, dec, action.ExecOptions{})
	var errs []error
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
	}
	if watch.circuitOpen() {
		m.Add(metrics.RotationsCircuitOpen, 1)
	}
	rotated, blocked := watch.counts()
	m.Add(metrics.RotationsExecuted, float64(rotated))
	m.Add(metrics.RotationsBlocked, float64(blocked))
	return errors.Join(errs...)
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
