package wire

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/lambda/config"
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
	var calls []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls = append(calls, string(body))
		if strings.Contains(string(body), "Action=GetCallerIdentity") {
			w.Header().Set("Content-Type", "text/xml")
			_, _ = io.WriteString(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/warden/fn</Arn><UserId>AROA</UserId><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer ts.Close()
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIATEST", "secret", "")}

	d, err := NewFromAWS(context.Background(), testConfig(t, true), awsCfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.Hub == nil || d.Hub.AccountID != "111111111111" || d.Hub.Region != "us-east-1" || d.Hub.UpdateAPI != nil {
		t.Errorf("Security Hub imports as the central account in the function's region: %+v", d.Hub)
	}
	if len(calls) != 1 {
		t.Errorf("init makes one call (the caller identity for Security Hub): %d", len(calls))
	}
	ev := d.Evaluate()
	if _, ok := ev.Executor.Rotator.(*action.QueueRotator); !ok || ev.Executor.Dedupe == nil || ev.Recorder.Hub == nil || ev.Engine == nil {
		t.Errorf("evaluate queues rotations and acts once per event: %+v", ev.Executor)
	}
	rot := d.Rotate()
	if _, ok := rot.Executor.Rotator.(*action.DirectRotator); !ok || rot.Executor.Dedupe != nil {
		t.Errorf("rotate rotates through the rails, without the per-event claim evaluate already took: %+v", rot.Executor)
	}
	sw := d.Sweep()
	if sw.Queue == nil || sw.QueueURL != d.Config.SweepQueueURL || len(sw.Regions) != 2 || sw.Findings == nil {
		t.Errorf("sweep: %+v", sw)
	}
	if d.Rails.Limits.AccountLimit != 10 || d.Rails.Announcer == nil {
		t.Errorf("rails: %+v", d.Rails)
	}
	if got := unknownModes(d.Config.Modes, d.Engine); len(got) != 1 || got[0] != "no-such-rule" {
		t.Errorf("unknown mode ids are reported: %v", got)
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
