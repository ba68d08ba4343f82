package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/secretwarden/warden/internal/decide"
)

// QueueRotator hands emergency rotations to the rotate handler through its
// queue (WARDEN_ROTATE_QUEUE_URL); that handler runs the rails and rotates.
type QueueRotator struct {
	API SendMessageAPI
	// QueueURL is the rotate queue.
	QueueURL string
	// DryRun sends nothing.
	DryRun bool
}

// Rotate implements Rotator: it enqueues the request.
func (q *QueueRotator) Rotate(ctx context.Context, req RotationRequest) (RotationResult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return RotationResult{}, fmt.Errorf("encode rotation request: %w", err)
	}
	if q.DryRun {
		return RotationResult{Blocked: "dry-run: rotation request not queued"}, nil
	}
	if q.API == nil || q.QueueURL == "" {
		return RotationResult{}, errors.New("queue rotation request: no rotate queue configured")
	}
	if _, err := q.API.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.QueueURL), MessageBody: aws.String(string(body))}); err != nil {
		return RotationResult{}, fmt.Errorf("queue rotation request for %s: %w", req.SecretARN, err)
	}
	return RotationResult{Queued: true}, nil
}

// DecodeRotationRequest reads a rotate-queue message body.
func DecodeRotationRequest(body string) (RotationRequest, error) {
	var r RotationRequest
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return RotationRequest{}, fmt.Errorf("decode rotation request: %w", err)
	}
	if _, err := parseSecretARN(r.SecretARN); err != nil {
		return RotationRequest{}, fmt.Errorf("decode rotation request: %w", err)
	}
	return r, nil
}

// OrderKindRemediate is the kind of a rotate-queue message that carries a
// decision for the rotate handler to execute (a remediation found by the
// sweep, which may not assume the Responder).
const OrderKindRemediate = "remediate"

// Order is a rotate-queue message of kind OrderKindRemediate: a decision
// whose actions (alert, remediate, rotate) the rotate handler runs through
// its Executor, with the same per-rule modes, rails and once-per-event
// claims as the evaluate handler's.
type Order struct {
	Kind     string           `json:"kind"`
	Decision *decide.Decision `json:"decision"`
	// PolicyAsPut is the resource policy the remediation's statement
	// indices refer to.
	PolicyAsPut string `json:"policy_as_put,omitempty"`
}

// SendOrder queues an order for the rotate handler.
func (q *QueueRotator) SendOrder(ctx context.Context, o Order) error {
	o.Kind = OrderKindRemediate
	body, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode remediation order: %w", err)
	}
	if q.DryRun {
		return nil
	}
	if q.API == nil || q.QueueURL == "" {
		return errors.New("queue remediation order: no rotate queue configured")
	}
	if _, err := q.API.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.QueueURL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("queue remediation order for %s: %w", o.Decision.SecretARN, err)
	}
	return nil
}

// DecodeRotateMessage reads a rotate-queue message body: an Order when it
// has kind "remediate", else a RotationRequest.
func DecodeRotateMessage(body string) (RotationRequest, *Order, error) {
	var probe struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal([]byte(body), &probe); err != nil {
		return RotationRequest{}, nil, fmt.Errorf("decode rotate message: %w", err)
	}
	switch probe.Kind {
	case "":
		r, err := DecodeRotationRequest(body)
		return r, nil, err
	case OrderKindRemediate:
	default:
		return RotationRequest{}, nil, fmt.Errorf("decode rotate message: unknown kind %q", probe.Kind)
	}
	var o Order
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		return RotationRequest{}, nil, fmt.Errorf("decode remediation order: %w", err)
	}
	d := o.Decision
	if d == nil || d.EventID == "" || len(d.Actions) == 0 {
		return RotationRequest{}, nil, errors.New("decode remediation order: a decision with an event id and actions is required")
	}
	for _, a := range d.Actions {
		if a.Kind != KindAlert && a.Kind != KindRemediate && a.Kind != KindRotate {
			return RotationRequest{}, nil, fmt.Errorf("decode remediation order: unknown action kind %q", a.Kind)
		}
		if _, err := parseSecretARN(a.SecretARN); err != nil {
			return RotationRequest{}, nil, fmt.Errorf("decode remediation order: %w", err)
		}
	}
	return RotationRequest{}, &o, nil
}
