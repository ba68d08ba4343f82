package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// realEventsDir holds published CloudTrail events and EventBridge envelopes.
const realEventsDir = "../testdata/real-events"

// Rule names, as Patterns keys them.
const (
	apiCalls      = APICalls
	reads         = Reads
	serviceEvents = ServiceEvents
	guardDuty     = GuardDuty
)

func TestPatterns(t *testing.T) {
	ps, err := Patterns()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range ps {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{guardDuty, apiCalls, reads, serviceEvents}; !slices.Equal(names, want) {
		t.Fatalf("patterns %v, want %v", names, want)
	}
	for name, p := range ps {
		if _, ok := p["source"].([]any); !ok {
			t.Errorf("%s: no source list", name)
		}
		if _, ok := p["detail-type"].([]any); !ok {
			t.Errorf("%s: no detail-type list", name)
		}
	}
	api := ps[apiCalls]["detail"].(map[string]any)["eventName"].([]any)
	if len(api) != 15 {
		t.Errorf("%s routes %d API calls, want 15", apiCalls, len(api))
	}
	// The change rule routes no read-only call: the reads have their own
	// rule, the metadata reads none.
	for _, name := range []any{"GetSecretValue", "BatchGetSecretValue", "DescribeSecret", "ListSecrets", "ListSecretVersionIds",
		"GetResourcePolicy", "ValidateResourcePolicy", "GetRandomPassword"} {
		if slices.Contains(api, name) {
			t.Errorf("%s routes read-only call %s", apiCalls, name)
		}
	}
	// The reads rule matches only the Secrets Manager reads the policies
	// need, so that other services' Get/List/Describe traffic (which a rule
	// in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS could see) is never
	// pulled in.
	rd := ps[reads]
	if got := mustJSONString(t, rd); got != `{"detail":{"eventName":["GetSecretValue","BatchGetSecretValue"],`+
		`"eventSource":["secretsmanager.amazonaws.com"]},"detail-type":["AWS API Call via CloudTrail"],"source":["aws.secretsmanager"]}` {
		t.Errorf("%s pattern %s", reads, got)
	}
}

// envelopes returns every real event as EventBridge would deliver it, keyed
// by "file" or "file#N" for the records of a log file: envelopes as they
// are, raw records wrapped.
func envelopes(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(realEventsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no real events: %v", err)
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		base := filepath.Base(f)
		switch {
		case doc["detail-type"] != nil:
			out[base] = doc
		case doc["Records"] != nil:
			for i, r := range doc["Records"].([]any) {
				out[base+"#"+strconv.Itoa(i+1)] = wrap(r.(map[string]any))
			}
		default:
			out[base] = wrap(doc)
		}
	}
	return out
}

// wrap puts a CloudTrail record into an EventBridge envelope, as the default
// event bus delivers it.
func wrap(rec map[string]any) map[string]any {
	detailType := "AWS API Call via CloudTrail"
	if rec["eventType"] == "AwsServiceEvent" {
		detailType = "AWS Service Event via CloudTrail"
	}
	return map[string]any{
		"version": "0", "id": "00000000-0000-0000-0000-000000000000", "detail-type": detailType,
		"source": "aws.secretsmanager", "account": rec["recipientAccountId"], "time": rec["eventTime"],
		"region": rec["awsRegion"], "resources": []any{}, "detail": rec,
	}
}

func TestRulesOnRealEvents(t *testing.T) {
	rs, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	// Which rule routes each real event; absent means no rule does.
	want := map[string]string{
		"01_CreateSecret_awsdocs.json":        apiCalls,
		"02_CreateSecret_nextwork.json":       apiCalls,
		"05_GetSecretValue_stratus.json":      reads,
		"07_GetSecretValue_panther.json":      reads, // AccessDenied too
		"09_GetSecretValue_awsdocs.json":      reads,
		"10_BatchGetSecretValue_stratus.json": reads,
		"15_PutResourcePolicy_panther.json":   apiCalls,
		"16_PutSecretValue_opengovsg.json":    apiCalls,
		"18_DeleteSecret_awsdocs.json":        apiCalls,
		"19_RotationFailed_awsdocs.json":      serviceEvents,
		"20_RotationFailed_umccr.json":        serviceEvents,
		// 17_PutSecretValue_esoreloader is abridged without eventSource, so
		// the pattern (which requires it) does not route it.
		// In the log file: GetSecretValue records 1, 8, 13, 16 and CreateSecret 19.
		"22_Records_nextwork.json#1":  reads,
		"22_Records_nextwork.json#8":  reads,
		"22_Records_nextwork.json#13": reads,
		"22_Records_nextwork.json#16": reads,
		"22_Records_nextwork.json#19": apiCalls,
	}
	envs := envelopes(t)
	if len(envs) != 17+20 {
		t.Fatalf("%d real events, want 37", len(envs))
	}
	readOnly := 0
	for key, env := range envs {
		// The pattern alone (rules.Match) and EventBridge's delivery with the
		// rule's state (rules.Delivers) must route it the same way: every
		// read-only management event a pattern matches is matched by a rule
		// in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, or it would be
		// lost in AWS.
		var matched, delivered []string
		for _, r := range rs {
			if Match(r.Pattern, env) {
				matched = append(matched, r.Name)
			}
			if r.Deliver(env) {
				delivered = append(delivered, r.Name)
			}
		}
		var exp []string
		if w, ok := want[key]; ok {
			exp = []string{w}
		}
		detail, _ := env["detail"].(map[string]any)
		if !slices.Equal(matched, exp) {
			t.Errorf("%s (%v): matched by %v, want %v", key, detail["eventName"], matched, exp)
		}
		if !slices.Equal(delivered, exp) {
			t.Errorf("%s (%v): delivered to %v, want %v", key, detail["eventName"], delivered, exp)
		}
		if ReadOnlyManagementEvent(env) {
			readOnly++
		}
	}
	// 5 metadata reads (DescribeSecret ×2, ListSecrets, ListSecretVersionIds,
	// GetResourcePolicy), 4 value reads and the 19 read-only records of the
	// log file.
	if readOnly != 28 {
		t.Errorf("%d read-only management events, want 28", readOnly)
	}
}

// Under ENABLED, the state the rules had before, EventBridge would deliver
// none of the real reads: the reason the reads rule has its own state.
func TestReadsNeedTheAllManagementEventsState(t *testing.T) {
	ps, err := Patterns()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for key, env := range envelopes(t) {
		if !Match(ps[reads], env) {
			continue
		}
		n++
		if !ReadOnlyManagementEvent(env) {
			t.Errorf("%s: a read that is not a read-only management event", key)
		}
		if Delivers(ps[reads], StateEnabled, env) {
			t.Errorf("%s: delivered to an ENABLED rule; EventBridge does not deliver read-only management events there", key)
		}
		if !Delivers(ps[reads], StateEnabledWithAllCloudTrailManagementEvents, env) {
			t.Errorf("%s: not delivered under %s", key, StateEnabledWithAllCloudTrailManagementEvents)
		}
		if Delivers(ps[reads], "DISABLED", env) {
			t.Errorf("%s: delivered to a DISABLED rule", key)
		}
	}
	if n != 8 {
		t.Errorf("%d real reads, want 8", n)
	}
}

func TestStates(t *testing.T) {
	rs, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
		want, ro := StateEnabled, false
		if r.Name == reads {
			want, ro = StateEnabledWithAllCloudTrailManagementEvents, true
		}
		if r.State != want || State(r.Name) != want || r.ReadOnly != ro {
			t.Errorf("%s: state %s (State() %s), read-only %v; want %s, %v", r.Name, r.State, State(r.Name), r.ReadOnly, want, ro)
		}
	}
	if want := []string{guardDuty, apiCalls, reads, serviceEvents}; !slices.Equal(names, want) {
		t.Errorf("rules %v, want %v (sorted)", names, want)
	}
	// A change event is not read-only: every ENABLED rule delivers it.
	change := wrap(map[string]any{"eventName": "PutResourcePolicy", "eventSource": "secretsmanager.amazonaws.com",
		"readOnly": false, "eventType": "AwsApiCall", "recipientAccountId": "111122223333"})
	if ReadOnlyManagementEvent(change) || !Delivers(map[string]any{}, StateEnabled, change) {
		t.Error("a change event must reach an ENABLED rule")
	}
	// readOnly counts only on CloudTrail API calls.
	svc := wrap(map[string]any{"eventName": "RotationFailed", "readOnly": true, "eventType": "AwsServiceEvent"})
	if ReadOnlyManagementEvent(svc) {
		t.Error("a service event is not an API call")
	}
}

func TestGuardDutyRule(t *testing.T) {
	ps, err := Patterns()
	if err != nil {
		t.Fatal(err)
	}
	finding := func(typ string) map[string]any {
		return map[string]any{
			"version": "0", "id": "x", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
			"account": "111122223333", "region": "us-east-1", "time": "2024-03-01T10:20:30Z", "resources": []any{},
			"detail": map[string]any{"schemaVersion": "2.0", "type": typ, "severity": 8.0,
				"resource": map[string]any{"resourceType": "AccessKey"}},
		}
	}
	for typ, want := range map[string]bool{
		"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": true,
		"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS":  true,
		"UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom":                  true,
		"UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B":                     true,
		"CredentialAccess:IAMUser/AnomalousBehavior":                           true,
		"InitialAccess:IAMUser/AnomalousBehavior":                              true,
		"PenTest:IAMUser/KaliLinux":                                            true,
		"AttackSequence:IAM/CompromisedCredentials":                            true,
		"Recon:EC2/PortProbeUnprotectedPort":                                   false,
		"UnauthorizedAccess:EC2/SSHBruteForce":                                 false,
		"CryptoCurrency:EC2/BitcoinTool.B!DNS":                                 false,
		"Policy:S3/BucketBlockPublicAccessDisabled":                            false,
	} {
		ev := finding(typ)
		if got := Match(ps[guardDuty], ev); got != want {
			t.Errorf("%s: matched %v, want %v", typ, got, want)
		}
		if Match(ps[apiCalls], ev) || Match(ps[reads], ev) || Match(ps[serviceEvents], ev) {
			t.Errorf("%s: routed by a Secrets Manager rule", typ)
		}
	}
	other := finding("UnauthorizedAccess:IAMUser/MaliciousIPCaller")
	other["source"] = "aws.securityhub"
	if Match(ps[guardDuty], other) {
		t.Error("a non-GuardDuty source matched")
	}
}

// mustJSONString renders a value as compact JSON (object keys sorted).
func mustJSONString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServiceEventsRule(t *testing.T) {
	ps, err := Patterns()
	if err != nil {
		t.Fatal(err)
	}
	ev := func(name string) map[string]any {
		return wrap(map[string]any{"eventName": name, "eventSource": "secretsmanager.amazonaws.com", "eventType": "AwsServiceEvent",
			"eventTime": "2024-01-01T00:00:00Z", "awsRegion": "us-east-1", "recipientAccountId": "111122223333"})
	}
	for name, want := range map[string]bool{
		"RotationStarted": true, "RotationSucceeded": true, "RotationFailed": true, "RotationAbandoned": true,
		"ReplicationFailed": true, "StartSecretVersionDelete": false, "EndSecretVersionDelete": false,
	} {
		if got := Match(ps[serviceEvents], ev(name)); got != want {
			t.Errorf("%s: matched %v, want %v", name, got, want)
		}
	}
	// A service event name arriving as an API call is not a service event.
	api := ev("RotationFailed")
	api["detail-type"] = "AWS API Call via CloudTrail"
	if Match(ps[serviceEvents], api) {
		t.Error("RotationFailed with the API call detail-type matched")
	}
}
