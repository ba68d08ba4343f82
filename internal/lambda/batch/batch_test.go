package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/secretwarden/warden/internal/lambda/metrics"
)

func TestRetryable(t *testing.T) {
	status := func(code int) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New("x")}}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{fmt.Errorf("describe: %w", &smithy.GenericAPIError{Code: "TooManyRequestsException"}), true},
		{&smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}, true},
		{status(503), true},
		{status(500), true},
		{context.DeadlineExceeded, true},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{status(400), false},
		{Malformed("bad"), false},
		{errors.New("plain"), false},
		{nil, false},
	} {
		if got := Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestProcess(t *testing.T) {
	var logs, out bytes.Buffer
	m := metrics.New(&out, "test")
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "ok", Body: "fine"}, {MessageId: "bad", Body: "s3cr3t-body"}, {MessageId: "retry", Body: "x"},
	}}
	resp := Process(context.Background(), ev, slog.New(slog.NewJSONHandler(&logs, nil)), m, func(_ context.Context, msg events.SQSMessage) error {
		switch msg.MessageId {
		case "bad":
			return Malformed("not an event")
		case "retry":
			return &smithy.GenericAPIError{Code: "ThrottlingException"}
		}
		return nil
	})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "retry" {
		t.Errorf("failures %+v", resp.BatchItemFailures)
	}
	if m.Get(metrics.MalformedMessages) != 1 || m.Get(metrics.MessagesFailed) != 1 {
		t.Errorf("metrics %v %v", m.Get(metrics.MalformedMessages), m.Get(metrics.MessagesFailed))
	}
	if strings.Contains(logs.String(), "s3cr3t-body") || !strings.Contains(logs.String(), `"message_id":"bad"`) {
		t.Errorf("one line with the id, never the body: %s", logs.String())
	}
	if strings.Count(logs.String(), "\n") != 2 {
		t.Errorf("one line per problem: %s", logs.String())
	}
}
