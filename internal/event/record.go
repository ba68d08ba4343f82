package event

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"strings"
)

// CloudTrail eventType values.
const (
	eventTypeServiceEvent = "AwsServiceEvent"
)

// Event sources the engine tells apart.
const (
	// SourceSecretsManager is the eventSource of Secrets Manager records.
	SourceSecretsManager = "secretsmanager.amazonaws.com"
	// SourceGuardDuty is the Source given to GuardDuty findings.
	SourceGuardDuty = "guardduty.amazonaws.com"
)

// EventBridge detail-types this package decodes.
const (
	// DetailTypeAPICall is the detail-type of a CloudTrail API call on EventBridge.
	DetailTypeAPICall = "AWS API Call via CloudTrail"
	// DetailTypeServiceEvent is the detail-type of a CloudTrail service event on EventBridge.
	DetailTypeServiceEvent = "AWS Service Event via CloudTrail"
	// DetailTypeGuardDuty is the detail-type of a GuardDuty finding on EventBridge.
	DetailTypeGuardDuty = "GuardDuty Finding"
)

// envelope carries what an EventBridge envelope says around its detail, used
// where the CloudTrail record itself is silent.
type envelope struct {
	id, account, region, detailType, source string
	time                                    any
}

// decodeRecord normalizes one CloudTrail record. Only a missing eventName or
// an unusable eventTime fails the record; any other field of an unexpected
// JSON type is ignored.
func decodeRecord(rec map[string]any, where string, env *envelope) (Event, error) {
	if env == nil {
		env = &envelope{}
	}
	nameV, ok := field(rec, "eventName")
	if !ok || nameV == nil {
		return Event{}, errorf(where, "missing eventName")
	}
	name, ok := nameV.(string)
	if !ok {
		return Event{}, errorf(where, "eventName is %s, want a string", jsonType(nameV))
	}
	if name == "" {
		return Event{}, errorf(where, "missing eventName")
	}

	tv := recordTime(rec, env)
	if tv == nil {
		return Event{}, errorf(where, "missing eventTime")
	}
	t, err := parseTime(tv)
	if err != nil {
		return Event{}, wrapErr(where, "bad eventTime", err)
	}

	req := Sanitize(obj(rec, "requestParameters"))
	resp := Sanitize(obj(rec, "responseElements"))
	additional := additionalOf(rec)

	ev := Event{
		ID:            firstNonEmpty(str(rec, "eventID"), env.id),
		Name:          name,
		Kind:          kindOf(str(rec, "eventType"), env.detailType),
		Source:        firstNonEmpty(str(rec, "eventSource"), eventSourceOf(env.source)),
		Time:          t,
		Region:        firstNonEmpty(str(rec, "awsRegion"), env.region),
		Actor:         actorOf(mustField(rec, "userIdentity"), mustField(rec, "sessionCredentialFromConsole")),
		SourceIP:      str(rec, "sourceIPAddress"),
		UserAgent:     str(rec, "userAgent"),
		VPCEndpointID: str(rec, "vpcEndpointId"),
		ErrorCode:     str(rec, "errorCode"),
		ErrorMessage:  str(rec, "errorMessage"),
		ReadOnly:      boolish(mustField(rec, "readOnly")),
		Request:       req,
		Response:      resp,
		Additional:    additional,
		Where:         where,
	}
	if ev.ID == "" {
		ev.ID = contentID(rec)
	}
	ev.AccountID = firstNonEmpty(str(rec, "recipientAccountId"), ev.Actor.AccountID, env.account)
	ev.Secret, ev.Secrets = secretsOf(rec, name, req, resp, additional)
	return ev, nil
}

// contentID derives a stable id for a record that carries no eventID, so
// that a redelivered copy dedupes: "sha256:" and the first 32 hex digits of
// the hash of the record's canonical JSON (encoding/json sorts map keys).
func contentID(rec map[string]any) string {
	b, err := json.Marshal(rec)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// recordTime returns eventTime, or the envelope's time without one; nil
// when neither is there.
func recordTime(rec map[string]any, env *envelope) any {
	if v, ok := field(rec, "eventTime"); ok && v != nil {
		return v
	}
	return env.time
}

// additionalOf merges serviceEventDetails and additionalEventData (the
// latter wins), sanitized; nil when the record has neither.
func additionalOf(rec map[string]any) map[string]any {
	sed := obj(rec, "serviceEventDetails")
	aed := obj(rec, "additionalEventData")
	if sed == nil && aed == nil {
		return nil
	}
	merged := make(map[string]any, len(sed)+len(aed))
	maps.Copy(merged, sed)
	maps.Copy(merged, aed)
	return Sanitize(merged)
}

// kindOf maps eventType (or, without one, the envelope's detail-type) to a Kind.
func kindOf(eventType, detailType string) Kind {
	switch {
	case eventType == eventTypeServiceEvent:
		return KindServiceEvent
	case eventType == "" && detailType == DetailTypeServiceEvent:
		return KindServiceEvent
	default:
		return KindAPICall
	}
}

// eventSourceOf maps an EventBridge source ("aws.secretsmanager") to the
// CloudTrail eventSource it stands for ("secretsmanager.amazonaws.com"), for
// abridged details that lack eventSource; "" for other sources.
func eventSourceOf(source string) string {
	svc, ok := strings.CutPrefix(source, "aws.")
	if !ok || svc == "" {
		return ""
	}
	return svc + ".amazonaws.com"
}

// mustField is field without the ok result.
func mustField(m map[string]any, name string) any {
	v, _ := field(m, name)
	return v
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
