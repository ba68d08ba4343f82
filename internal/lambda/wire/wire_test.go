package wire

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/lambda/config"
	"github.com/secretwarden/warden/internal/lambda/evaluate"
	"github.com/secretwarden/warden/internal/member"
)

func testConfig(t *testing.T, hub bool) *config.Config {
	t.Helper()
	env := map[string]string{
		config.EnvTableName: "warden", config.EnvTopicARN: "arn:aws:sns:us-east-1:111111111111:alerts",
		config.EnvEventBusName: "secret-warden", config.EnvSweepQueueURL: "https://sqs.us-east-1.amazonaws.com/111111111111/sweep",
		config.EnvRotateQueueURL: "https://sqs.us-east-1.amazonaws.com/111111111111/rotate", config.EnvOrganizationID: "o-exampleorg1",
		config.EnvRegions: "us-east-1,eu-west-1", config.EnvModes: `{"resource-policy-exposed":"enforce","no-such-rule":"enforce"}`,
	}
	if hub {
		env[config.EnvSecurityHub] = "true"
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestNewWiresTheHandlers(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("init makes no AWS call: %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer ts.Close()
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIATEST", "secret", "")}

	d, err := NewFromAWS(context.Background(), testConfig(t, true), awsCfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.Hub == nil || d.Hub.Clients == nil {
		t.Errorf("Security Hub imports in each finding's account: %+v", d.Hub)
	}
	ev := d.Evaluate()
	if _, ok := ev.Executor.Rotator.(*action.QueueRotator); !ok || ev.Executor.Dedupe == nil || ev.Recorder.Hub == nil || ev.Engine == nil ||
		ev.Executor.Remediator == nil || ev.Executor.Remediator.Writes == nil || ev.Executor.Remediator.Reads == nil {
		t.Errorf("evaluate queues rotations, remediates through the Responder and acts once per event: %+v", ev.Executor)
	}
	rot := d.Rotate()
	if _, ok := rot.Executor.Rotator.(*action.DirectRotator); !ok || rot.Executor.Dedupe != nil {
		t.Errorf("rotate rotates through the rails, without the per-event claim evaluate already took: %+v", rot.Executor)
	}
	sw := d.Sweep()
	if sw.Queue == nil || sw.QueueURL != d.Config.SweepQueueURL || len(sw.Regions) != 2 || sw.Findings == nil {
		t.Errorf("sweep: %+v", sw)
	}
	rd := d.Reads()
	if rd.Ledger == nil || rd.Decider == nil || rd.OrganizationID != "o-exampleorg1" || rd.Screen != nil {
		t.Errorf("reads: %+v", rd)
	}
	if d.Rails.Limits.AccountLimit != 10 || d.Rails.Announcer == nil {
		t.Errorf("rails: %+v", d.Rails)
	}
	if d.Store.LedgerTTL != 30*24*time.Hour {
		t.Errorf("ledger TTL from WARDEN_LEDGER_DAYS: %s", d.Store.LedgerTTL)
	}
	if d.Blast == nil || d.Blast.Ledger == nil || d.Blast.Lake != nil || d.Blast.Lookup == nil || ev.Blast != d.Blast || ev.BlastWindow != 30*24*time.Hour {
		t.Errorf("blast radius: the ledger then LookupEvents: %+v", d.Blast)
	}
	if sw.LedgerOff || sw.Orders == nil || sw.States == nil {
		t.Errorf("sweep hand-off: %+v", sw)
	}
	// Read events off, a CloudTrail Lake event data store: no ledger, the Lake.
	cfg := testConfig(t, true)
	cfg.ReadEvents = config.ReadEventsOff
	cfg.CloudTrailLake = "arn:aws:cloudtrail:eu-west-1:111111111111:eventdatastore/EXAMPLE-f852-4e8f"
	d2, err := NewFromAWS(context.Background(), cfg, awsCfg)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Blast.Ledger != nil || d2.Blast.Lake == nil || d2.Blast.Lake.ARN != cfg.CloudTrailLake || !d2.Sweep().LedgerOff {
		t.Errorf("reads off: %+v", d2.Blast)
	}
	if got := unknownModes(d.Config.Modes, d.Engine); len(got) != 1 || got[0] != "no-such-rule" {
		t.Errorf("unknown mode ids are reported: %v", got)
	}
}

// Each function's provider allows exactly its roles (docs/contracts.md);
// the sweep's and the reads function's cannot be asked for the Responder,
// and what needs the Responder is not built for them.
func TestNewFunctionRestrictsTheRoles(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	want := map[string][3]bool{ // audit, responder, findings
		"evaluate": {true, true, true}, "reads": {true, false, true}, "sweep": {true, false, true}, "rotate": {true, true, false},
	}
	for fn, roles := range want {
		d, err := NewFunction(context.Background(), fn, testConfig(t, true))
		if err != nil {
			t.Fatal(err)
		}
		got := [3]bool{d.Roles.Allows(member.Audit), d.Roles.Allows(member.Responder), d.Roles.Allows(member.Findings)}
		if got != roles {
			t.Errorf("%s may assume %v, want %v", fn, got, roles)
		}
		if _, err := d.Roles.Config(context.Background(), member.Responder, "222222222222", "us-east-1"); roles[1] == errors.Is(err, member.ErrNotAllowed) {
			t.Errorf("%s: asking for the Responder: %v", fn, err)
		}
		if (d.Remediator != nil) != roles[1] || (d.DirectRotator != nil) != roles[1] || (d.Hub != nil) != roles[2] {
			t.Errorf("%s: remediator %v rotator %v hub %v", fn, d.Remediator != nil, d.DirectRotator != nil, d.Hub != nil)
		}
	}
	d, _ := NewFunction(context.Background(), "reads", testConfig(t, true))
	if d.Reads().Decider.(*evaluate.Handler).Executor.Remediator != nil {
		t.Error("the reads function never remediates")
	}
	if _, err := NewFunction(context.Background(), "other", testConfig(t, true)); err == nil {
		t.Error("an unknown function is refused")
	}
}

func TestNewWithoutSecurityHubMakesNoCall(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("no call at init") }))
	defer ts.Close()
	d, err := NewFromAWS(context.Background(), testConfig(t, false), aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(ts.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Hub != nil || d.Evaluate().Recorder.Hub != nil {
		t.Error("Security Hub is off")
	}
	if _, err := NewFromAWS(context.Background(), testConfig(t, false), aws.Config{}); err == nil {
		t.Error("a missing region fails the init")
	}
}
