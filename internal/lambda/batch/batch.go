// Package batch runs the messages of an SQS batch one by one and reports
// partial batch failures (ReportBatchItemFailures): a message that failed is
// returned for a retry (and ends in the queue's DLQ if it keeps failing); a
// malformed message is logged on one line (its id and why, never its body)
// and dropped, since retrying it would only poison the queue.
package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/secretwarden/warden/internal/lambda/metrics"
)

// MalformedError marks a message that can never be processed: not JSON,
// not an event, not a request. It is dropped, not retried.
type MalformedError struct {
	// Reason says what is wrong, without quoting the message.
	Reason string
}

// Error implements error.
func (e *MalformedError) Error() string { return "malformed message: " + e.Reason }

// Malformed returns a *MalformedError with a formatted reason.
func Malformed(format string, args ...any) error {
	return &MalformedError{Reason: fmt.Sprintf(format, args...)}
}

// IsMalformed reports whether err marks a malformed message.
func IsMalformed(err error) bool {
	var m *MalformedError
	return errors.As(err, &m)
}

// retryables are the SDK's own checks: throttling codes, 5xx responses,
// connection errors, timeouts.
var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// Retryable reports whether err is transient, so that a retry may succeed:
// AWS throttling, a 5xx response, a connection error, or the invocation's
// deadline (the SDK gives up after its own attempts and the message is
// retried later).
func Retryable(err error) bool {
	if err == nil || IsMalformed(err) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	return retryables.IsErrorRetryable(err) == aws.TrueTernary
}

// Func processes one message.
type Func func(ctx context.Context, msg events.SQSMessage) error

// Process runs fn for every message of ev, in order, and returns the
// response listing the messages to retry: every message whose fn failed,
// except malformed ones, which are logged and counted (MalformedMessages)
// and dropped.
func Process(ctx context.Context, ev events.SQSEvent, log *slog.Logger, m *metrics.Set, fn Func) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, msg := range ev.Records {
		err := fn(ctx, msg)
		switch {
		case err == nil:
		case IsMalformed(err):
			log.Warn("malformed message dropped (not retried)", slog.String("message_id", msg.MessageId), slog.String("reason", oneLine(err.Error())))
			m.Add(metrics.MalformedMessages, 1)
		default:
			log.Error("message failed: returned for a retry", slog.String("message_id", msg.MessageId),
				slog.Bool("retryable", Retryable(err)), slog.String("error", oneLine(err.Error())))
			m.Add(metrics.MessagesFailed, 1)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp
}

// oneLine keeps a log value on one line and bounded.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 2000
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
