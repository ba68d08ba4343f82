package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
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
