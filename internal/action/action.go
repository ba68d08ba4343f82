// Package action carries out what Secret Warden decides: alerts (SNS),
// findings in Security Hub (ASFF) and events on EventBridge, remediation of
// a public or external resource policy, and emergency rotation through the
// safety rails. Each AWS call sits behind a one-method interface; each
// action has a dry run and is idempotent; remediation and rotation only run
// for rules in enforce mode.
package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// PublishAPI is the SNS Publish call.
type PublishAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// BatchImportFindingsAPI is the Security Hub BatchImportFindings call.
type BatchImportFindingsAPI interface {
	BatchImportFindings(ctx context.Context, in *securityhub.BatchImportFindingsInput, opts ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
}

// PutEventsAPI is the EventBridge PutEvents call.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// GetResourcePolicyAPI is the Secrets Manager GetResourcePolicy call.
type GetResourcePolicyAPI interface {
	GetResourcePolicy(ctx context.Context, in *secretsmanager.GetResourcePolicyInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error)
}

// PutResourcePolicyAPI is the Secrets Manager PutResourcePolicy call.
type PutResourcePolicyAPI interface {
	PutResourcePolicy(ctx context.Context, in *secretsmanager.PutResourcePolicyInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error)
}

// DeleteResourcePolicyAPI is the Secrets Manager DeleteResourcePolicy call.
type DeleteResourcePolicyAPI interface {
	DeleteResourcePolicy(ctx context.Context, in *secretsmanager.DeleteResourcePolicyInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DeleteResourcePolicyOutput, error)
}

// ResourcePolicyWriteAPI is the writes a remediation (or a restore) makes,
// through the Responder role.
type ResourcePolicyWriteAPI interface {
	PutResourcePolicyAPI
	DeleteResourcePolicyAPI
}

// RotateSecretAPI is the Secrets Manager RotateSecret call.
type RotateSecretAPI interface {
	RotateSecret(ctx context.Context, in *secretsmanager.RotateSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error)
}

// SendMessageAPI is the SQS SendMessage call.
type SendMessageAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// ClientFor returns a client for a member account and region, through the
// member role its calls need (member.Clients: Audit for reads, Responder for
// writes, Findings for Security Hub), cached by the provider.
type ClientFor[T any] func(ctx context.Context, accountID, region string) (T, error)

// Action kinds (decide.Action.Kind).
const (
	KindAlert     = "alert"
	KindRemediate = "remediate"
	KindRotate    = "rotate"
)

// secretRef is what a secret ARN tells.
type secretRef struct {
	partition, region, account, name string
}

// parseSecretARN splits a Secrets Manager secret ARN. The name drops the
// six-character suffix Secrets Manager appends.
func parseSecretARN(s string) (secretRef, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return secretRef{}, fmt.Errorf("parse secret ARN: %w", err)
	}
	name, ok := strings.CutPrefix(a.Resource, "secret:")
	if a.Service != "secretsmanager" || !ok || a.AccountID == "" || a.Region == "" {
		return secretRef{}, fmt.Errorf("parse secret ARN: %q is not a Secrets Manager secret ARN", s)
	}
	if i := strings.LastIndexByte(name, '-'); i > 0 && len(name)-i == 7 {
		name = name[:i]
	}
	return secretRef{partition: a.Partition, region: a.Region, account: a.AccountID, name: name}, nil
}
