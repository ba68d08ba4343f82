package rules

import (
	"fmt"
	"slices"
	"strings"
)

// States of an EventBridge rule (the State property of AWS::Events::Rule).
const (
	// StateEnabled delivers matching events, except read-only management
	// events from CloudTrail.
	StateEnabled = "ENABLED"
	// StateEnabledWithAllCloudTrailManagementEvents delivers matching
	// events including read-only management events (Get*, List*,
	// Describe*: CloudTrail records with readOnly true). EventBridge User
	// Guide, "Receiving read-only management events from AWS services"
	// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html).
	StateEnabledWithAllCloudTrailManagementEvents = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// Rule names (pattern file names without ".json").
const (
	// APICalls routes the Secrets Manager calls that change a secret.
	APICalls = "secretsmanager-api-calls"
	// Reads routes the Secrets Manager calls that read a secret value
	// (GetSecretValue, BatchGetSecretValue): read-only management events,
	// on their own path (queue, function) and only with readEvents=all.
	Reads = "secretsmanager-reads"
	// ServiceEvents routes Secrets Manager service events (rotation, replication).
	ServiceEvents = "secretsmanager-service-events"
	// GuardDuty routes GuardDuty findings about IAM credentials.
	GuardDuty = "guardduty-credential-findings"
)

// readOnlyRules are the rules that must see read-only management events.
// Every other rule is ENABLED: it never pulls in other services' (or
// Secrets Manager's own) Get/List/Describe traffic.
var readOnlyRules = []string{Reads}

// Rule is one of Secret Warden's EventBridge rules: the same pattern and
// state on the member accounts' default bus (forwarding) and on the
// organization bus (routing to a queue).
type Rule struct {
	// Name is the pattern file name without ".json".
	Name string
	// Pattern is the decoded rules/<Name>.json.
	Pattern map[string]any
	// State is the rule's State (StateEnabled or
	// StateEnabledWithAllCloudTrailManagementEvents).
	State string
	// ReadOnly marks a rule for read-only management events: it has its
	// own stream (context readEvents) and queue.
	ReadOnly bool
}

// State returns the State a rule must have: read-only event rules need
// StateEnabledWithAllCloudTrailManagementEvents, because EventBridge
// delivers read-only management events to no other rule; every other
// rule is StateEnabled.
func State(name string) string {
	if slices.Contains(readOnlyRules, name) {
		return StateEnabledWithAllCloudTrailManagementEvents
	}
	return StateEnabled
}

// Rules returns every rule, sorted by name, with its pattern and state.
func Rules() ([]Rule, error) {
	ps, err := Patterns()
	if err != nil {
		return nil, err
	}
	for _, name := range readOnlyRules {
		if _, ok := ps[name]; !ok {
			return nil, fmt.Errorf("load rules: no pattern file %s.json for read-only rule %s", name, name)
		}
	}
	out := make([]Rule, 0, len(ps))
	for name, p := range ps {
		out = append(out, Rule{Name: name, Pattern: p, State: State(name), ReadOnly: slices.Contains(readOnlyRules, name)})
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ReadOnlyManagementEvent reports whether EventBridge treats the event as a
// read-only management event: a CloudTrail API call record ("AWS API Call
// via CloudTrail") with readOnly true.
func ReadOnlyManagementEvent(event map[string]any) bool {
	if event["detail-type"] != "AWS API Call via CloudTrail" {
		return false
	}
	detail, _ := event["detail"].(map[string]any)
	ro, _ := detail["readOnly"].(bool)
	return ro
}

// Delivers reports whether EventBridge delivers the event to a rule with
// this pattern and state: the pattern matches, and a read-only management
// event reaches only a rule in StateEnabledWithAllCloudTrailManagementEvents.
// A disabled rule (any other state) delivers nothing.
func Delivers(pattern map[string]any, state string, event map[string]any) bool {
	switch state {
	case StateEnabled:
		return !ReadOnlyManagementEvent(event) && Match(pattern, event)
	case StateEnabledWithAllCloudTrailManagementEvents:
		return Match(pattern, event)
	default:
		return false
	}
}

// Deliver is Delivers for one of the rules.
func (r Rule) Deliver(event map[string]any) bool { return Delivers(r.Pattern, r.State, event) }
