// Package reads is the handler of the reads Lambda: large SQS batches of
// Secrets Manager value reads (GetSecretValue, BatchGetSecretValue). A read
// from inside the organization only feeds the access ledger; a read from
// outside it, by a caller that cannot be identified, or one denied access
// is decided in full, exactly as the evaluate handler decides it.
package reads

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretwarden/warden/internal/decide"
	"github.com/secretwarden/warden/internal/defaults"
	"github.com/secretwarden/warden/internal/event"
	"github.com/secretwarden/warden/internal/lambda/batch"
	"github.com/secretwarden/warden/internal/lambda/metrics"
	"github.com/secretwarden/warden/internal/snapshot"
)

// Function is the handler's name in logs and metrics.
const Function = "reads"

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

// Ledger records reads in the access ledger; *store.Store satisfies it.
type Ledger interface {
	RecordRead(ctx context.Context, principalKeys []string, secretARN string, at time.Time) error
}

// Handler handles batches of the reads queue.
type Handler struct {
	// Org tells members from outsiders.
	Org Organization
	// Ledger records the reads from inside the organization.
	Ledger Ledger
	// Decider decides the reads that are not plain reads from inside.
	Decider Decider
	// Metrics receives one EMF line per invocation (default os.Stdout).
	Metrics io.Writer
	// Log receives one line per failure (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (h *Handler) log() *slog.Logger { return defaults.Logger(h.Log) }

// Handle processes one SQS batch and reports the messages to retry.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	_, accounts, err := h.Org.Organization(ctx)
	if err != nil {
		return retryAll(ev), nil
	}
	members := map[string]bool{}
	for _, a := range accounts {
		members[a.ID] = true
	}
	return batch.Run(ctx, ev, h.log(), h.Metrics, Function, func(ctx context.Context, msg events.SQSMessage, m *metrics.Set) error {
		evs, errs := event.Decode([]byte(msg.Body), "body")
		if len(evs) == 0 {
			reason := "no event in the body"
			if len(errs) > 0 {
				reason = errs[0].Error()
			}
			return batch.Malformed("%s", reason)
		}
		var failed []error
		for i := range evs {
			e := &evs[i]
			inside := e.Actor.Type == "AWSService" || e.Actor.InvokedBy != "" || members[e.Actor.AccountID]
			if inside && e.ErrorCode == "" {
				for _, s := range e.Secrets {
					failed = append(failed, h.Ledger.RecordRead(ctx, decide.ActorKeys(e.Actor), s.ARN, e.Time))
				}
				continue
			}
			failed = append(failed, h.Decider.HandleEvent(ctx, e, m))
		}
		return errors.Join(failed...)
	}), nil
}

// retryAll returns every message of the batch for a retry.
func retryAll(ev events.SQSEvent) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, m := range ev.Records {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
	}
	return resp
}
