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
	apiCalls      = "secretsmanager-api-calls"
	serviceEvents = "secretsmanager-service-events"
	guardDuty     = "guardduty-credential-findings"
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
	if want := []string{guardDuty, apiCalls, serviceEvents}; !slices.Equal(names, want) {
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
	if len(api) != 17 {
		t.Errorf("%s routes %d API calls, want 17", apiCalls, len(api))
	}
	for _, name := range []any{"DescribeSecret", "ListSecrets", "ListSecretVersionIds", "GetResourcePolicy", "ValidateResourcePolicy", "GetRandomPassword"} {
		if slices.Contains(api, name) {
			t.Errorf("%s routes read-only metadata call %s", apiCalls, name)
		}
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
	ps, err := Patterns()
	if err != nil {
		t.Fatal(err)
	}
	// Which rule routes each real event; absent means no rule does.
	want := map[string]string{
		"01_CreateSecret_awsdocs.json":        apiCalls,
		"02_CreateSecret_nextwork.json":       apiCalls,
		"05_GetSecretValue_stratus.json":      apiCalls,
		"07_GetSecretValue_panther.json":      apiCalls, // AccessDenied too
		"09_GetSecretValue_awsdocs.json":      apiCalls,
		"10_BatchGetSecretValue_stratus.json": apiCalls,
		"15_PutResourcePolicy_panther.json":   apiCalls,
		"16_PutSecretValue_opengovsg.json":    apiCalls,
		"18_DeleteSecret_awsdocs.json":        apiCalls,
		"19_RotationFailed_awsdocs.json":      serviceEvents,
		"20_RotationFailed_umccr.json":        serviceEvents,
		// 17_PutSecretValue_esoreloader is abridged without eventSource, so
		// the pattern (which requires it) does not route it.
		// In the log file: GetSecretValue records 1, 8, 13, 16 and CreateSecret 19.
		"22_Records_nextwork.json#1":  apiCalls,
		"22_Records_nextwork.json#8":  apiCalls,
		"22_Records_nextwork.json#13": apiCalls,
		"22_Records_nextwork.json#16": apiCalls,
		"22_Records_nextwork.json#19": apiCalls,
	}
	envs := envelopes(t)
	if len(envs) != 17+20 {
		t.Fatalf("%d real events, want 37", len(envs))
	}
	for key, env := range envs {
		var got []string
		for name, p := range ps {
			if Match(p, env) {
				got = append(got, name)
			}
		}
		var exp []string
		if w, ok := want[key]; ok {
			exp = []string{w}
		}
		if !slices.Equal(got, exp) {
			detail, _ := env["detail"].(map[string]any)
			t.Errorf("%s (%v): routed by %v, want %v", key, detail["eventName"], got, exp)
		}
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
		if Match(ps[apiCalls], ev) || Match(ps[serviceEvents], ev) {
			t.Errorf("%s: routed by a Secrets Manager rule", typ)
		}
	}
	other := finding("UnauthorizedAccess:IAMUser/MaliciousIPCaller")
	other["source"] = "aws.securityhub"
	if Match(ps[guardDuty], other) {
		t.Error("a non-GuardDuty source matched")
	}
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
