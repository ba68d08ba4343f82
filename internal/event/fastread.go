package event

import (
	"bytes"

	gojson "github.com/goccy/go-json"
)

// Read event names: the Secrets Manager calls that return secret values.
const (
	NameGetSecretValue      = "GetSecretValue"
	NameBatchGetSecretValue = "BatchGetSecretValue"
)

// IsValueRead reports whether ev is a Secrets Manager value read
// (GetSecretValue or BatchGetSecretValue, succeeded or not).
func IsValueRead(ev *Event) bool {
	return ev.Source == SourceSecretsManager && (ev.Name == NameGetSecretValue || ev.Name == NameBatchGetSecretValue)
}

// The typed shapes DecodeRead reads: only the fields the read path uses.
// Any other field is skipped unread; a declared field of another JSON type
// fails the typed decode, and the caller falls back to Decode.
type (
	readEnvelope struct {
		// Decode reads a document with any of these as a container or an
		// embedded document: such a body is left to it.
		Records         gojson.RawMessage `json:"Records"`
		Events          gojson.RawMessage `json:"Events"`
		Findings        gojson.RawMessage `json:"Findings"`
		CloudTrailEvent gojson.RawMessage `json:"CloudTrailEvent"`

		ID         string      `json:"id"`
		DetailType string      `json:"detail-type"`
		Source     string      `json:"source"`
		Account    string      `json:"account"`
		Region     string      `json:"region"`
		Time       string      `json:"time"`
		Detail     *readRecord `json:"detail"`
	}
	readRecord struct {
		EventID            string        `json:"eventID"`
		EventName          string        `json:"eventName"`
		EventSource        string        `json:"eventSource"`
		EventTime          string        `json:"eventTime"`
		EventType          string        `json:"eventType"`
		AWSRegion          string        `json:"awsRegion"`
		RecipientAccountID string        `json:"recipientAccountId"`
		ErrorCode          string        `json:"errorCode"`
		UserIdentity       *readIdentity `json:"userIdentity"`
		RequestParameters  *struct {
			SecretID     string   `json:"secretId"`
			SecretIDList []string `json:"secretIdList"`
		} `json:"requestParameters"`
		ResponseElements *struct {
			ARN string `json:"arn"`
		} `json:"responseElements"`
		Resources []struct {
			ARN string `json:"ARN"`
		} `json:"resources"`
		AdditionalEventData *struct {
			SecretID string `json:"SecretId"`
		} `json:"additionalEventData"`
		ServiceEventDetails gojson.RawMessage `json:"serviceEventDetails"`
	}
	readIdentity struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		AccountID      string `json:"accountId"`
		PrincipalID    string `json:"principalId"`
		UserName       string `json:"userName"`
		InvokedBy      string `json:"invokedBy"`
		AccessKeyID    string `json:"accessKeyId"`
		SessionContext *struct {
			SessionIssuer *struct {
				ARN      string `json:"arn"`
				UserName string `json:"userName"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
		OnBehalfOf *struct {
			UserID string `json:"userId"`
		} `json:"onBehalfOf"`
	}
)

// DecodeRead decodes, fast, an EventBridge envelope of a Secrets Manager
// value read ("AWS API Call via CloudTrail", eventName GetSecretValue or
// BatchGetSecretValue) as the reads queue delivers it. It fills the fields
// the read path needs, as Decode would fill them: ID, Name, Kind, Source,
// Time, AccountID, Region, ErrorCode, Actor (without MFAAuthenticated and
// FromConsole), Secret and Secrets. Request, Response and Additional are
// left empty: an event that must be decided is decoded again with Decode.
//
// ok is false for anything else, or anything unusual (another shape, a
// field of an unexpected JSON type, a time that is not a string, a
// secretIdList of objects): the caller then uses Decode, which handles
// every shape and reports what is wrong.
func DecodeRead(body []byte) (ev Event, ok bool) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM))
	if len(body) == 0 || body[0] != '{' {
		return Event{}, false
	}
	// Decode tells an envelope by its exact keys "detail-type" and
	// "detail", while JSON field names otherwise match in any case: only
	// envelopes with those keys, as EventBridge writes them, are read here.
	if !bytes.Contains(body, keyDetailType) || !bytes.Contains(body, keyDetail) {
		return Event{}, false
	}
	var env readEnvelope
	if err := gojson.Unmarshal(body, &env); err != nil || env.Detail == nil || env.DetailType != DetailTypeAPICall ||
		env.Records != nil || env.Events != nil || env.Findings != nil || env.CloudTrailEvent != nil {
		return Event{}, false
	}
	rec := env.Detail
	if env.Source == sourceGuardDuty {
		return Event{}, false
	}
	if rec.EventName != NameGetSecretValue && rec.EventName != NameBatchGetSecretValue || rec.EventType == eventTypeServiceEvent || rec.ServiceEventDetails != nil {
		return Event{}, false
	}
	ev.Source = firstNonEmpty(rec.EventSource, eventSourceOf(env.Source))
	ev.ID = firstNonEmpty(rec.EventID, env.ID)
	if ev.Source != SourceSecretsManager || ev.ID == "" {
		return Event{}, false
	}
	ts := rec.EventTime
	if ts == "" {
		ts = env.Time
	}
	t, err := parseTime(ts)
	if err != nil {
		return Event{}, false
	}
	ev.Name, ev.Kind, ev.Time = rec.EventName, KindAPICall, t
	ev.Region = firstNonEmpty(rec.AWSRegion, env.Region)
	ev.ErrorCode = rec.ErrorCode
	var id identity
	if u := rec.UserIdentity; u != nil {
		id = identity{typ: u.Type, arn: u.ARN, accountID: u.AccountID, principalID: u.PrincipalID,
			userName: u.UserName, invokedBy: u.InvokedBy, accessKeyID: u.AccessKeyID}
		if u.SessionContext != nil && u.SessionContext.SessionIssuer != nil {
			id.issuerARN, id.issuerUserName = u.SessionContext.SessionIssuer.ARN, u.SessionContext.SessionIssuer.UserName
		}
		if u.OnBehalfOf != nil {
			id.onBehalfOfUserID = u.OnBehalfOf.UserID
		}
	}
	ev.Actor = id.actor()
	ev.AccountID = firstNonEmpty(rec.RecipientAccountID, ev.Actor.AccountID, env.Account)
	var secretID string
	var list []string
	if p := rec.RequestParameters; p != nil {
		secretID, list = p.SecretID, p.SecretIDList
	}
	var candidates []string
	if r := rec.ResponseElements; r != nil && r.ARN != "" {
		candidates = append(candidates, r.ARN)
	}
	for _, r := range rec.Resources {
		if r.ARN != "" {
			candidates = append(candidates, r.ARN)
		}
	}
	additionalID := ""
	if a := rec.AdditionalEventData; a != nil {
		additionalID = a.SecretID
	}
	ev.Secret, ev.Secrets = secretRefs(secretID, list, additionalID, "", candidates)
	return ev, true
}

var (
	keyDetailType = []byte(`"detail-type":`)
	keyDetail     = []byte(`"detail":`)
)
