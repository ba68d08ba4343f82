package batch

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretwarden/warden/internal/lambda/metrics"
)

// MetricFunc processes one message, counting into the invocation's metrics.
type MetricFunc func(ctx context.Context, msg events.SQSMessage, m *metrics.Set) error

// Run is one SQS-fed invocation: it opens the invocation's EMF metric set
// for function (written to out, os.Stdout when nil), runs Process with fn
// and flushes the metrics, logging (not failing) a write error.
func Run(ctx context.Context, ev events.SQSEvent, log *slog.Logger, out io.Writer, function string, fn MetricFunc) events.SQSEventResponse {
	if out == nil {
		out = os.Stdout
	}
	m := metrics.New(out, function)
	resp := Process(ctx, ev, log, m, func(ctx context.Context, msg events.SQSMessage) error {
		return fn(ctx, msg, m)
	})
	if err := m.Flush(); err != nil {
		log.Warn("metrics not written", slog.String("error", err.Error()))
	}
	return resp
}
