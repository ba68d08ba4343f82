package action

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Source is the "source" of everything Secret Warden emits.
const Source = "secretwarden"

// Alert types.
const (
	AlertFinding = "finding" // a finding changed (new failure, changed, resolved)
	AlertAction  = "action"  // an incident rule's response and what was done
	AlertBreaker = "breaker" // an emergency-rotation circuit breaker opened
)

// Alert is an SNS message body. It names secrets by ARN and never carries a
// secret value: nothing in Secret Warden ever reads one.
type Alert struct {
	Source     string    `json:"source"`
	Type       string    `json:"type"`
	SecretARN  string    `json:"secret_arn,omitempty"`
	SecretName string    `json:"secret_name,omitempty"`
	AccountID  string    `json:"account_id,omitempty"`
	Region     string    `json:"region,omitempty"`
	PolicyID   string    `json:"policy_id,omitempty"`
	Severity   string    `json:"severity"`
	Reason     string    `json:"reason"`
	Done       string    `json:"done"`
	Status     string    `json:"status,omitempty"`
	Transition string    `json:"transition,omitempty"`
	Resolved   bool      `json:"resolved,omitempty"`
	EventID    string    `json:"event_id,omitempty"`
	EventName  string    `json:"event_name,omitempty"`
	Actor      string    `json:"actor,omitempty"`
	Time       time.Time `json:"time"`
}

// fill completes the account, region and name from the secret ARN.
func (a *Alert) fill() {
	a.Source = Source
	if a.SecretARN == "" || a.Type == AlertBreaker {
		return // a breaker's scope is its account or the organization, not the secret's
	}
	if ref, err := parseSecretARN(a.SecretARN); err == nil {
		if a.AccountID == "" {
			a.AccountID = ref.account
		}
		if a.Region == "" {
			a.Region = ref.region
		}
		if a.SecretName == "" {
			a.SecretName = ref.name
		}
	}
}

// SNS publishes alerts to a topic.
type SNS struct {
	API PublishAPI
	// TopicARN is WARDEN_TOPIC_ARN.
	TopicARN string
	// DryRun publishes nothing.
	DryRun bool
}

// maxSubject: SNS subjects must be "less than 100 characters".
const maxSubject = 99

// Subject renders a one-line ASCII subject of at most 99 characters, e.g.
// "[CRITICAL] Secret Warden: resource-policy-exposed on payments/db".
func Subject(a Alert) string {
	sev := strings.ToUpper(a.Severity)
	if sev == "" {
		sev = "INFO"
	}
	what := a.PolicyID
	switch {
	case a.Type == AlertBreaker:
		what = "circuit open, emergency rotation paused"
		if a.AccountID != "" {
			what += " for " + a.AccountID
		}
	case a.Resolved:
		what += " resolved"
	}
	s := fmt.Sprintf("[%s] Secret Warden: %s", sev, what)
	if name := a.SecretName; name != "" && a.Type != AlertBreaker {
		s += " on " + name
	}
	return clipASCII(s, maxSubject)
}

// clipASCII replaces control and non-ASCII characters and cuts to n bytes.
func clipASCII(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > n {
		out = out[:n-3] + "..."
	}
	return out
}

// Publish sends the alert: the JSON body, the subject and message
// attributes "severity", "type" and "policy_id" for subscription filters.
// sent is false in a dry run.
func (s *SNS) Publish(ctx context.Context, a Alert) (sent bool, err error) {
	a.fill()
	if a.Time.IsZero() {
		a.Time = time.Now().UTC()
	}
	body, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("encode alert: %w", err)
	}
	if s.DryRun {
		return false, nil
	}
	if s.API == nil || s.TopicARN == "" {
		return false, fmt.Errorf("publish alert: no topic configured")
	}
	attrs := map[string]snstypes.MessageAttributeValue{
		"severity": {DataType: aws.String("String"), StringValue: aws.String(orDefault(a.Severity, "info"))},
		"type":     {DataType: aws.String("String"), StringValue: aws.String(a.Type)},
	}
	if a.PolicyID != "" {
		attrs["policy_id"] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(a.PolicyID)}
	}
	_, err = s.API.Publish(ctx, &sns.PublishInput{
		TopicArn:          aws.String(s.TopicARN),
		Subject:           aws.String(Subject(a)),
		Message:           aws.String(string(body)),
		MessageAttributes: attrs,
	})
	if err != nil {
		return false, fmt.Errorf("publish alert for %s: %w", orDefault(a.SecretARN, a.Type), err)
	}
	return true, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
