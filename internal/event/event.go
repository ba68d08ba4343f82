// Package event decodes CloudTrail records, CloudTrail log files and
// EventBridge envelopes about AWS Secrets Manager (and GuardDuty findings)
// into one normalized Event. Secret material never enters an Event.
package event

import "time"

// Kind tells what produced an event.
type Kind string

// Event kinds.
const (
	// KindAPICall is a CloudTrail "AwsApiCall" record.
	KindAPICall Kind = "api_call"
	// KindServiceEvent is a CloudTrail "AwsServiceEvent" record (RotationFailed, …).
	KindServiceEvent Kind = "service_event"
	// KindGuardDuty is a GuardDuty finding delivered through EventBridge.
	KindGuardDuty Kind = "guardduty_finding"
)

// Event is one normalized event. Field names in JSON are the policy input's
// (input.event) and the decision output's.
type Event struct {
	// ID is the CloudTrail eventID (or the GuardDuty finding id).
	ID string `json:"id"`
	// Name is the CloudTrail eventName (or "GuardDutyFinding").
	Name string `json:"name"`
	// Kind is what produced the event.
	Kind Kind `json:"kind"`
	// Source is the CloudTrail eventSource, e.g. "secretsmanager.amazonaws.com".
	Source string `json:"source"`
	// Time is the eventTime in UTC.
	Time time.Time `json:"time"`
	// AccountID is the account the event happened in (recipientAccountId).
	AccountID string `json:"account_id"`
	// Region is awsRegion.
	Region string `json:"region"`
	// Actor is who made the call.
	Actor Actor `json:"actor"`
	// SourceIP is sourceIPAddress (may be a service name such as "secretsmanager.amazonaws.com").
	SourceIP string `json:"source_ip,omitempty"`
	// UserAgent is userAgent.
	UserAgent string `json:"user_agent,omitempty"`
	// VPCEndpointID is vpcEndpointId, when the call came through a VPC endpoint.
	VPCEndpointID string `json:"vpc_endpoint_id,omitempty"`
	// ErrorCode is errorCode; empty when the call succeeded.
	ErrorCode string `json:"error_code,omitempty"`
	// ErrorMessage is errorMessage.
	ErrorMessage string `json:"error_message,omitempty"`
	// ReadOnly is CloudTrail's readOnly flag.
	ReadOnly bool `json:"read_only"`
	// Secret is the secret the event concerns; empty Ref when none could be identified.
	Secret SecretRef `json:"secret"`
	// Secrets lists every secret an event names when it names more than one
	// (BatchGetSecretValue secretIdList). Secret is then the first of them.
	Secrets []SecretRef `json:"secrets,omitempty"`
	// Request is requestParameters with every field that can hold secret
	// material removed (secretString, secretBinary, randomPassword, …).
	Request map[string]any `json:"request,omitempty"`
	// Response is responseElements, sanitized the same way.
	Response map[string]any `json:"response,omitempty"`
	// Additional is additionalEventData (or serviceEventDetails for service events).
	Additional map[string]any `json:"additional,omitempty"`
	// GuardDuty carries the parts of a GuardDuty finding the rules need.
	GuardDuty *GuardDutyFinding `json:"guardduty,omitempty"`
	// Where names the origin of the event for messages: "file.json#3" (the
	// third record of a document, counted from 1) or "file.jsonl:12" (line 12).
	Where string `json:"-"`
}

// Actor is the principal behind an event (CloudTrail userIdentity).
type Actor struct {
	// Type is userIdentity.type: IAMUser, AssumedRole, AWSService, Root,
	// FederatedUser, AWSAccount, IdentityCenterUser, … ("AWSService" when a
	// service event carries only invokedBy).
	Type string `json:"type"`
	// ARN is the principal's ARN; for AssumedRole the session ARN.
	ARN string `json:"arn,omitempty"`
	// PrincipalARN is the ARN policies match on: for an assumed-role session,
	// the role ARN (sessionIssuer.arn); otherwise ARN.
	PrincipalARN string `json:"principal_arn,omitempty"`
	// AccountID is the principal's account.
	AccountID string `json:"account_id,omitempty"`
	// PrincipalID is userIdentity.principalId.
	PrincipalID string `json:"principal_id,omitempty"`
	// UserName is userIdentity.userName or the session issuer's userName.
	UserName string `json:"user_name,omitempty"`
	// InvokedBy is the service that acted for the principal (userIdentity.invokedBy).
	InvokedBy string `json:"invoked_by,omitempty"`
	// AccessKeyID is userIdentity.accessKeyId.
	AccessKeyID string `json:"access_key_id,omitempty"`
	// MFAAuthenticated is userIdentity.sessionContext.attributes.mfaAuthenticated
	// (a string "true"/"false" in raw records, a boolean in normalised ones).
	MFAAuthenticated bool `json:"mfa_authenticated,omitempty"`
	// FromConsole is the record's sessionCredentialFromConsole: the call was
	// made with console session credentials (string or boolean in the wild).
	FromConsole bool `json:"from_console,omitempty"`
	// InOrganization tells whether the actor's account belongs to the
	// organization; nil until set by the engine, which knows the organization.
	InOrganization *bool `json:"in_organization,omitempty"`
}

// SecretRef is a reference to a secret as an event names it.
type SecretRef struct {
	// Raw is the reference exactly as the event gave it (name, partial or full ARN).
	Raw string `json:"raw,omitempty"`
	// ARN is the full ARN when known (from the event or resolved by the inventory).
	ARN string `json:"arn,omitempty"`
	// Name is the secret name when it can be derived.
	Name string `json:"name,omitempty"`
}

// IsZero reports whether the reference names no secret.
func (r SecretRef) IsZero() bool { return r.Raw == "" && r.ARN == "" && r.Name == "" }

// GuardDutyFinding is the part of a GuardDuty finding that the event rules use.
type GuardDutyFinding struct {
	// ID is the finding id.
	ID string `json:"id"`
	// Type is the finding type, e.g. "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS".
	Type string `json:"type"`
	// Severity is GuardDuty's numeric severity.
	Severity float64 `json:"severity"`
	// AccessKeyID is resource.accessKeyDetails.accessKeyId.
	AccessKeyID string `json:"access_key_id,omitempty"`
	// PrincipalID is resource.accessKeyDetails.principalId.
	PrincipalID string `json:"principal_id,omitempty"`
	// UserName is resource.accessKeyDetails.userName.
	UserName string `json:"user_name,omitempty"`
	// UserType is resource.accessKeyDetails.userType.
	UserType string `json:"user_type,omitempty"`
}
