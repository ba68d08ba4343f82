package event_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/event"
)

// realEventsDir holds the published events, copied verbatim from shared/.
const realEventsDir = "../../testdata/real-events"

// wantEvent is what one real event must normalize to.
type wantEvent struct {
	name, kind, time, account, region      string
	actorType, actorARN, principalARN      string
	secretRaw, secretARN, secretName       string
	errorCode                              string
	hasErrorMessage, fromConsole, readOnly bool
}

const (
	topSecretARN = "arn:aws:secretsmanager:us-west-2:00000000000:secret:TopSecretInfo-lvRO68"
	nwUser       = "arn:aws:iam::00000000000:user/IAM-Admin"
	awsRoot      = "arn:aws:iam::123456789012:root"
	myDBARN      = "arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3"
)

var realEvents = map[string]wantEvent{
	"01_CreateSecret_awsdocs.json": {
		name: "CreateSecret", kind: "api_call", time: "2018-04-03T17:50:55Z", account: "123456789012", region: "us-east-2",
		actorType: "Root", actorARN: awsRoot, principalARN: awsRoot,
		secretRaw: "MyDatabaseSecret", secretName: "MyDatabaseSecret",
	},
	"02_CreateSecret_nextwork.json": {
		name: "CreateSecret", kind: "api_call", time: "2025-03-17T22:40:42Z", account: "00000000000", region: "us-west-2",
		actorType: "IAMUser", actorARN: nwUser, principalARN: nwUser, fromConsole: true,
		secretRaw: "TopSecretInfo", secretARN: topSecretARN, secretName: "TopSecretInfo",
	},
	"03_DescribeSecret_nextwork.json": {
		name: "DescribeSecret", kind: "api_call", time: "2025-03-19T10:17:50Z", account: "00000000000", region: "us-west-2",
		actorType: "IAMUser", actorARN: nwUser, principalARN: nwUser, fromConsole: true, readOnly: true,
		secretRaw: "TopSecretInfo", secretName: "TopSecretInfo",
	},
	"04_DescribeSecret_nextwork.json": {
		name: "DescribeSecret", kind: "api_call", time: "2025-03-17T22:36:14Z", account: "00000000000", region: "us-west-2",
		actorType: "IAMUser", actorARN: nwUser, principalARN: nwUser, fromConsole: true, readOnly: true,
		secretRaw: "TopSecretInfo", secretName: "TopSecretInfo",
		errorCode: "ResourceNotFoundException", hasErrorMessage: true,
	},
	"05_GetSecretValue_stratus.json": {
		name: "GetSecretValue", kind: "api_call", time: "2024-07-31T12:36:52Z", account: "903144391865", region: "cn-centraleast-1r",
		actorType: "IAMUser", actorARN: "arn:aws:iam::903144391865:user/christophe", principalARN: "arn:aws:iam::903144391865:user/christophe", readOnly: true,
		secretRaw:  "arn:aws:secretsmanager:cn-centraleast-1r:903144391865:secret:stratus-red-team-retrieve-secret-18-4Rzn83",
		secretARN:  "arn:aws:secretsmanager:cn-centraleast-1r:903144391865:secret:stratus-red-team-retrieve-secret-18-4Rzn83",
		secretName: "stratus-red-team-retrieve-secret-18",
	},
	"07_GetSecretValue_panther.json": {
		name: "GetSecretValue", kind: "api_call", time: "2024-10-17T21:48:45Z", account: "123123123123", region: "us-west-2",
		actorType:    "AssumedRole",
		actorARN:     "arn:aws:sts::123123123123:assumed-role/AWSReservedSSO_DevAdmin_635426549a280cc6/evil.genius",
		principalARN: "arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/AWSReservedSSO_DevAdmin_635426549a280cc6",
		readOnly:     true,
		secretRaw:    "arn:aws:secretsmanager:us-west-2:123123123123:secret:stratus-red-team-retrieve-secret-3-gscOm8",
		secretARN:    "arn:aws:secretsmanager:us-west-2:123123123123:secret:stratus-red-team-retrieve-secret-3-gscOm8",
		secretName:   "stratus-red-team-retrieve-secret-3",
		errorCode:    "AccessDenied",
	},
	"09_GetSecretValue_awsdocs.json": {
		name: "GetSecretValue", kind: "api_call", time: "2018-01-16T05:46:57Z", account: "123456789012", region: "us-west-2",
		actorType: "IAMUser", actorARN: "arn:aws:iam::123456789012:user/Anika", principalARN: "arn:aws:iam::123456789012:user/Anika", readOnly: true,
	},
	"10_BatchGetSecretValue_stratus.json": {
		name: "BatchGetSecretValue", kind: "api_call", time: "2024-07-31T12:29:17Z", account: "165109126369", region: "eu-westwest-1r",
		actorType: "IAMUser", actorARN: "arn:aws:iam::165109126369:user/christophe", principalARN: "arn:aws:iam::165109126369:user/christophe", readOnly: true,
	},
	"12_ListSecrets_stratus.json": {
		name: "ListSecrets", kind: "api_call", time: "2024-07-31T12:36:48Z", account: "903144391865", region: "cn-centraleast-1r",
		actorType: "IAMUser", actorARN: "arn:aws:iam::903144391865:user/christophe", principalARN: "arn:aws:iam::903144391865:user/christophe", readOnly: true,
	},
	"13_ListSecretVersionIds_nextwork.json": {
		name: "ListSecretVersionIds", kind: "api_call", time: "2025-03-19T10:18:06Z", account: "00000000000", region: "us-west-2",
		actorType: "IAMUser", actorARN: nwUser, principalARN: nwUser, fromConsole: true, readOnly: true,
		secretRaw: topSecretARN, secretARN: topSecretARN, secretName: "TopSecretInfo",
	},
	"14_GetResourcePolicy_nextwork.json": {
		name: "GetResourcePolicy", kind: "api_call", time: "2025-03-19T18:44:27Z", account: "00000000000", region: "us-west-2",
		actorType: "IAMUser", actorARN: nwUser, principalARN: nwUser, fromConsole: true, readOnly: true,
		secretRaw: topSecretARN, secretARN: topSecretARN, secretName: "TopSecretInfo",
	},
	"15_PutResourcePolicy_panther.json": {
		name: "PutResourcePolicy", kind: "api_call", time: "2025-03-05T19:48:47Z", account: "123456789012", region: "us-west-2",
		actorType:    "AssumedRole",
		actorARN:     "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx/example.user",
		principalARN: "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx",
		fromConsole:  true,
		secretRaw:    "arn:aws:secretsmanager:us-west-2:123456789012:secret:paloma/example-secret-xxxxxx",
		secretARN:    "arn:aws:secretsmanager:us-west-2:123456789012:secret:paloma/example-secret-xxxxxx",
		secretName:   "paloma/example-secret",
	},
	"16_PutSecretValue_opengovsg.json": {
		name: "PutSecretValue", kind: "api_call", time: "2022-01-04T09:12:39Z", account: "<ACCOUNT_ID>", region: "<REGION>",
		actorType: "IAMUser", actorARN: "arn:aws:iam::<ACCOUNT_ID>:user/username", principalARN: "arn:aws:iam::<ACCOUNT_ID>:user/username", fromConsole: true,
		// The publisher's placeholder suffix is not a 6-character suffix: a partial ARN.
		secretRaw:  "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:<SECRET_NAME>-<RANDOM_CHARACTERS>",
		secretName: "<SECRET_NAME>-<RANDOM_CHARACTERS>",
	},
	"17_PutSecretValue_esoreloader.json": {
		name: "PutSecretValue", kind: "api_call", time: "2024-10-23T12:26:45Z", account: "123456789012", region: "eu-west-1",
		actorType:  "Unknown", // abridged: no userIdentity
		secretRaw:  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/test-secret-123456",
		secretARN:  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/test-secret-123456",
		secretName: "prod/test-secret",
	},
	"18_DeleteSecret_awsdocs.json": {
		name: "DeleteSecret", kind: "api_call", time: "2018-04-03T17:51:02Z", account: "123456789012", region: "us-east-2",
		actorType: "Root", actorARN: awsRoot, principalARN: awsRoot,
		secretRaw: "MyDatabaseSecret", secretARN: myDBARN, secretName: "MyDatabaseSecret",
	},
	"19_RotationFailed_awsdocs.json": {
		name: "RotationFailed", kind: "service_event", time: "2022-09-13T02:17:48Z", account: "123456789012", region: "us-east-2",
		actorType: "AWSService", hasErrorMessage: true,
		secretRaw: myDBARN, secretARN: myDBARN, secretName: "MyDatabaseSecret",
	},
	"20_RotationFailed_umccr.json": {
		name: "RotationFailed", kind: "service_event", time: "2021-09-01T00:50:20Z", account: "843407916570", region: "ap-southeast-2",
		actorType: "AWSService", hasErrorMessage: true,
		// Elided by the publisher: a partial ARN that names no suffix.
		secretRaw:  "arn:aws:secretsmanager:ap-southeast-2:843407916570:secret:IcaS...icA",
		secretName: "IcaS...icA",
	},
}

// readNoPanic reads path, failing the test (not crashing it) on a panic.
func readNoPanic(t *testing.T, path string) (evs []event.Event, errs []error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("ReadPath(%s) panicked: %v", path, r)
		}
	}()
	return event.ReadPath(path)
}

func TestRealEvents(t *testing.T) {
	for file, want := range realEvents {
		t.Run(file, func(t *testing.T) {
			evs, errs := readNoPanic(t, filepath.Join(realEventsDir, file))
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			checkEvent(t, evs[0], want)
		})
	}
}

// checkEvent compares one event with its expectations.
func checkEvent(t *testing.T, ev event.Event, want wantEvent) {
	t.Helper()
	wantTime, err := time.Parse(time.RFC3339, want.time)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		field, got, want string
	}{
		{"Name", ev.Name, want.name},
		{"Kind", string(ev.Kind), want.kind},
		{"Source", ev.Source, "secretsmanager.amazonaws.com"},
		{"AccountID", ev.AccountID, want.account},
		{"Region", ev.Region, want.region},
		{"Actor.Type", ev.Actor.Type, want.actorType},
		{"Actor.ARN", ev.Actor.ARN, want.actorARN},
		{"Actor.PrincipalARN", ev.Actor.PrincipalARN, want.principalARN},
		{"Secret.Raw", ev.Secret.Raw, want.secretRaw},
		{"Secret.ARN", ev.Secret.ARN, want.secretARN},
		{"Secret.Name", ev.Secret.Name, want.secretName},
		{"ErrorCode", ev.ErrorCode, want.errorCode},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if !ev.Time.Equal(wantTime) || ev.Time.Location() != time.UTC {
		t.Errorf("Time = %v, want %v UTC", ev.Time, wantTime)
	}
	if (ev.ErrorMessage != "") != want.hasErrorMessage {
		t.Errorf("ErrorMessage = %q, want present=%v", ev.ErrorMessage, want.hasErrorMessage)
	}
	if ev.Actor.FromConsole != want.fromConsole {
		t.Errorf("Actor.FromConsole = %v, want %v", ev.Actor.FromConsole, want.fromConsole)
	}
	if ev.ReadOnly != want.readOnly {
		t.Errorf("ReadOnly = %v, want %v", ev.ReadOnly, want.readOnly)
	}
	if ev.ID == "" || ev.Where == "" {
		t.Errorf("ID %q, Where %q: want both set", ev.ID, ev.Where)
	}
}

func TestRealEventsDetails(t *testing.T) {
	one := func(t *testing.T, file string) event.Event {
		t.Helper()
		evs, errs := readNoPanic(t, filepath.Join(realEventsDir, file))
		if len(errs) != 0 || len(evs) != 1 {
			t.Fatalf("%s: %d events, errors %v", file, len(evs), errs)
		}
		return evs[0]
	}

	t.Run("service event actor", func(t *testing.T) {
		ev := one(t, "19_RotationFailed_awsdocs.json")
		if ev.Actor.InvokedBy != "secretsmanager.amazonaws.com" || ev.Actor.AccountID != "123456789012" {
			t.Errorf("actor = %+v", ev.Actor)
		}
		if ev.Additional["SecretId"] != myDBARN {
			t.Errorf("Additional = %v", ev.Additional)
		}
		if ev.ErrorCode != "" {
			t.Errorf("ErrorCode = %q, want none (RotationFailed has only errorMessage)", ev.ErrorCode)
		}
	})
	t.Run("resource policy kept as string", func(t *testing.T) {
		ev := one(t, "15_PutResourcePolicy_panther.json")
		pol, ok := ev.Request["resourcePolicy"].(string)
		if !ok || len(pol) < 100 {
			t.Errorf("resourcePolicy = %T %v", ev.Request["resourcePolicy"], ev.Request["resourcePolicy"])
		}
		if ev.Request["blockPublicPolicy"] != true {
			t.Errorf("blockPublicPolicy = %v", ev.Request["blockPublicPolicy"])
		}
	})
	t.Run("delete keeps recovery window and response", func(t *testing.T) {
		ev := one(t, "18_DeleteSecret_awsdocs.json")
		if ev.Request["recoveryWindowInDays"] != float64(30) {
			t.Errorf("recoveryWindowInDays = %v", ev.Request["recoveryWindowInDays"])
		}
		if ev.Response["deletionDate"] != "May 3, 2018 5:51:02 PM" {
			t.Errorf("Response = %v", ev.Response)
		}
	})
	t.Run("vpc endpoint", func(t *testing.T) {
		ev := one(t, "09_GetSecretValue_awsdocs.json")
		if ev.VPCEndpointID != "vpce-1234a5678b9012c" || ev.SourceIP != "172.01.01.001" {
			t.Errorf("VPCEndpointID %q SourceIP %q", ev.VPCEndpointID, ev.SourceIP)
		}
	})
	t.Run("mfa from string", func(t *testing.T) {
		ev := one(t, "16_PutSecretValue_opengovsg.json")
		if !ev.Actor.MFAAuthenticated {
			t.Error("MFAAuthenticated = false, want true")
		}
	})
	t.Run("filters only", func(t *testing.T) {
		for _, f := range []string{"10_BatchGetSecretValue_stratus.json", "12_ListSecrets_stratus.json"} {
			ev := one(t, f)
			if !ev.Secret.IsZero() || ev.Secrets != nil {
				t.Errorf("%s: Secret %+v Secrets %v, want none", f, ev.Secret, ev.Secrets)
			}
		}
	})
	t.Run("assumed role user name from issuer", func(t *testing.T) {
		ev := one(t, "07_GetSecretValue_panther.json")
		if ev.Actor.UserName != "AWSReservedSSO_DevAdmin_635426549a280cc6" || ev.Actor.AccessKeyID != "ASIASXP6SDP2LKLKYYC4" {
			t.Errorf("actor = %+v", ev.Actor)
		}
	})
}

func TestRealEventsLogFile(t *testing.T) {
	evs, errs := readNoPanic(t, filepath.Join(realEventsDir, "22_Records_nextwork.json"))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(evs) != 20 {
		t.Fatalf("got %d events, want 20", len(evs))
	}
	counts := map[string]int{}
	for _, ev := range evs {
		counts[ev.Name]++
		if ev.AccountID != "00000000000" || ev.Region != "us-west-2" || ev.Actor.ARN != nwUser {
			t.Errorf("%s: account %q region %q actor %q", ev.Where, ev.AccountID, ev.Region, ev.Actor.ARN)
		}
		if ev.Name != "CreateSecret" && ev.Secret.Name != "TopSecretInfo" {
			t.Errorf("%s: secret %+v", ev.Where, ev.Secret)
		}
	}
	want := map[string]int{"GetSecretValue": 4, "GetResourcePolicy": 7, "ListSecretVersionIds": 2, "DescribeSecret": 6, "CreateSecret": 1}
	for name, n := range want {
		if counts[name] != n {
			t.Errorf("%s: %d events, want %d", name, counts[name], n)
		}
	}
	first := evs[0]
	checkEvent(t, first, wantEvent{
		name: "GetSecretValue", kind: "api_call", time: "2025-03-19T18:44:29Z", account: "00000000000", region: "us-west-2",
		actorType: "IAMUser", actorARN: nwUser, principalARN: nwUser, fromConsole: true, readOnly: true,
		secretRaw: topSecretARN, secretARN: topSecretARN, secretName: "TopSecretInfo",
	})
	if want := filepath.Join(realEventsDir, "22_Records_nextwork.json") + "#1"; first.Where != want {
		t.Errorf("Where = %q, want %q", first.Where, want)
	}
	create := evs[18]
	if create.Name != "CreateSecret" || create.Secret.ARN != topSecretARN || create.Secret.Raw != "TopSecretInfo" {
		t.Errorf("record 19 = %s %+v", create.Name, create.Secret)
	}
	last := evs[19]
	if last.ErrorCode != "ResourceNotFoundException" || !last.Time.Equal(time.Date(2025, 3, 17, 22, 36, 14, 0, time.UTC)) {
		t.Errorf("record 20 = %s %s %v", last.Name, last.ErrorCode, last.Time)
	}
}

func TestRealEventsDirectory(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realEventsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 18 {
		t.Errorf("%d event files, want the 18 published ones", len(files))
	}
	for _, f := range files {
		if _, ok := realEvents[filepath.Base(f)]; !ok && filepath.Base(f) != "22_Records_nextwork.json" {
			t.Errorf("%s has no expectations in realEvents", f)
		}
	}
	evs, errs := readNoPanic(t, realEventsDir)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	// 17 single-event files and a log file of 20 records; README.md is not read.
	if len(evs) != len(realEvents)+20 {
		t.Fatalf("got %d events, want %d", len(evs), len(realEvents)+20)
	}
	if evs[0].Name != "CreateSecret" || filepath.Base(evs[0].Where) != "01_CreateSecret_awsdocs.json" {
		t.Errorf("first event %s from %s: want files in lexical order", evs[0].Name, evs[0].Where)
	}
}
