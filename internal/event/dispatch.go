package event

import (
	"encoding/json"
	"strconv"
)

// dispatch dispatches one decoded JSON value by its shape.
func (d *decoder) dispatch(v any, where string, depth int) {
	switch x := v.(type) {
	case []any:
		if depth >= maxNesting {
			d.fail(errorf(where, "arrays nested more than %d deep", maxNesting))
			return
		}
		d.list(x, where, depth+1)
	case map[string]any:
		d.dispatchObject(x, where, depth)
	default:
		d.fail(errorf(where, "expected a JSON object, got %s", jsonType(v)))
	}
}

// list decodes every element of an array, named "where#N" (from 1).
func (d *decoder) list(items []any, where string, depth int) {
	for i, it := range items {
		d.dispatch(it, where+"#"+strconv.Itoa(i+1), depth)
	}
}

// dispatchObject decodes one JSON object by its shape.
func (d *decoder) dispatchObject(m map[string]any, where string, depth int) {
	if v, ok := m["Records"]; ok && !hasRecordFields(m) {
		d.container(v, "Records", where, depth)
		return
	}
	if v, ok := m["Events"]; ok && !hasRecordFields(m) {
		d.container(v, "Events", where, depth)
		return
	}
	if v, ok := m["Findings"]; ok && !hasRecordFields(m) {
		d.container(v, "Findings", where, depth)
		return
	}
	if _, ok := m["detail-type"]; ok {
		d.envelope(m, where, depth)
		return
	}
	if _, ok := m["detail"]; ok && str(m, "source") != "" {
		d.envelope(m, where, depth)
		return
	}
	if s, ok := m["CloudTrailEvent"].(string); ok {
		d.embedded(s, where, depth)
		return
	}
	if body, ok := m["body"].(string); ok && str(m, "eventSource") == "aws:sqs" {
		d.embedded(body, where, depth)
		return
	}
	if _, ok := m["eventName"]; !ok && isGuardDutyFinding(m) {
		d.add(decodeGuardDuty(m, where, nil))
		return
	}
	d.add(decodeRecord(m, where, nil))
}

// hasRecordFields reports whether m has the fields of a CloudTrail record
// (so that a record is never mistaken for a container).
func hasRecordFields(m map[string]any) bool {
	_, a := m["eventName"]
	_, b := m["eventTime"]
	return a || b
}

// container decodes the array under key ("Records", "Events", "Findings").
func (d *decoder) container(v any, key, where string, depth int) {
	items, ok := v.([]any)
	if !ok {
		d.fail(errorf(where, "%s is %s, want an array", key, jsonType(v)))
		return
	}
	if depth >= maxNesting {
		d.fail(errorf(where, "documents nested more than %d deep", maxNesting))
		return
	}
	d.list(items, where, depth+1)
}

// embedded decodes a JSON document carried as a string (LookupEvents'
// CloudTrailEvent, an SQS body).
func (d *decoder) embedded(s, where string, depth int) {
	if depth >= maxNesting {
		d.fail(errorf(where, "documents nested more than %d deep", maxNesting))
		return
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		d.fail(wrapErr(where, "decode embedded JSON", err))
		return
	}
	d.dispatch(v, where, depth+1)
}

// envelope decodes an EventBridge event.
func (d *decoder) envelope(m map[string]any, where string, depth int) {
	env := &envelope{
		id:         str(m, "id"),
		account:    str(m, "account"),
		region:     str(m, "region"),
		detailType: str(m, "detail-type"),
		source:     str(m, "source"),
		time:       mustField(m, "time"),
	}
	dv, ok := m["detail"]
	if !ok || dv == nil {
		d.fail(errorf(where, "EventBridge event %q has no detail", env.detailType))
		return
	}
	detail, ok := dv.(map[string]any)
	if !ok {
		d.fail(errorf(where, "EventBridge detail is %s, want an object", jsonType(dv)))
		return
	}
	if env.source == sourceGuardDuty || env.detailType == DetailTypeGuardDuty {
		d.add(decodeGuardDuty(detail, where, env))
		return
	}
	if _, ok := detail["eventName"]; !ok && env.detailType != DetailTypeAPICall && env.detailType != DetailTypeServiceEvent {
		d.fail(errorf(where, "unsupported EventBridge event (source %q, detail-type %q)", env.source, env.detailType))
		return
	}
	d.add(decodeRecord(detail, where, env))
}

// add keeps an event or its error.
func (d *decoder) add(ev Event, err error) {
	if err != nil {
		d.fail(err)
		return
	}
	d.events = append(d.events, ev)
}
