package report

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/finding"
)

var t0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func f(policy string, st finding.Status, acct, arn string) finding.Finding {
	return finding.Finding{PolicyID: policy, Title: policy, Severity: "high", Status: st, SecretARN: arn, SecretName: arnName(arn),
		AccountID: acct, AccountName: "name-" + acct, OuPath: "r-1/ou-" + acct, Region: "us-east-1", Message: "m " + policy, LastSeen: t0}
}

const (
	arnA = "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/a-AbCdEf"
	arnB = "arn:aws:secretsmanager:us-east-1:222222222222:secret:app/b-AbCdEf"
)

func TestBuilderCountsAndCompliance(t *testing.T) {
	b := NewBuilder()
	exempt := f("rotation-enabled", finding.StatusExempt, "111111111111", arnA)
	exempt.Exception, exempt.ExceptionExpires = "EXC-1", "2026-12-10T00:00:00Z" // 20 days after t0
	expired := f("exception-expired", finding.StatusFail, "222222222222", arnB)
	expired.Exception, expired.ExceptionExpires = "EXC-2", "2026-10-01T00:00:00Z"
	expired.Message = "exception EXC-2 for unused expired on 2026-10-01 (x); it no longer applies"
	named := f("kms", finding.StatusFail, "222222222222", arnB)
	named.SecretName = "custom name"
	_ = b.Add([]finding.Finding{
		f("kms", finding.StatusPass, "111111111111", arnA),
		f("kms", finding.StatusError, "111111111111", arnA),
		named,
		f("unused", finding.StatusNotApplicable, "222222222222", arnB),
		exempt, expired,
	})
	d := b.Data(Source{Label: "x", Secrets: -1}, nil, t0)
	if d.SecretCount != 2 || d.Findings != 6 || d.Counts != (Counts{2, 1, 1, 1, 1}) {
		t.Fatalf("counts %v, %d secrets, %d findings", d.Counts, d.SecretCount, d.Findings)
	}
	// compliant: pass + exempt = 2; evaluated: 2 + fail 2 + error 1 = 5.
	if d.Percent != 40 {
		t.Errorf("percent %v, want 40", d.Percent)
	}
	if len(d.Rows.Policy) != 3 || len(d.Secrets.ARN) != 2 {
		t.Errorf("rows %d secrets %d: want the 3 failing findings of 2 secrets", len(d.Rows.Policy), len(d.Secrets.ARN))
	}
	// A name the ARN implies is left out; another one is kept.
	if d.Secrets.Name[0] != "" || d.Secrets.Name[1] != "custom name" {
		t.Errorf("names %q", d.Secrets.Name)
	}
	ex := map[string]Exception{}
	for _, e := range d.Exceptions {
		ex[e.ID] = e
	}
	if e := ex["EXC-1"]; e.Expired || e.DaysLeft != 20 || e.PolicyID != "rotation-enabled" || e.Secrets != 1 {
		t.Errorf("live exception %+v", e)
	}
	if e := ex["EXC-2"]; !e.Expired || e.DaysLeft >= 0 || e.PolicyID != "unused" {
		t.Errorf("expired exception %+v", e)
	}
	if len(d.Accounts) != 2 || len(d.OUs) != 2 || d.Accounts[0].Name == "" {
		t.Errorf("groups %+v %+v", d.Accounts, d.OUs)
	}
	if d.FailingBySeverity["high"] != 3 {
		t.Errorf("failing by severity %v", d.FailingBySeverity)
	}
	if len(d.Trend) != 1 || d.Trend[0].Percent != 40 || !d.Trend[0].Time.Equal(t0) {
		t.Errorf("trend %+v", d.Trend)
	}
}

func TestPercentOfNothingEvaluated(t *testing.T) {
	if p := (Counts{0, 0, 0, 0, 7}).Percent(); p != -1 {
		t.Errorf("%v", p)
	}
}

func TestReadScanRefusesWhatIsNotAScan(t *testing.T) {
	sink := func([]finding.Finding) error { return nil }
	for doc, want := range map[string]string{
		`[]`:                                "not an object",
		`{"summary": {}}`:                   "no findings array",
		`{"findings": [], "summary": `:      "summary",
		`{"findings": [{"policy_id": 1}]}`:  "findings[0]",
		`{"findings": [{}], "summary": {}}`: "policy_id, secret_arn and status are required",
		`{"findings": {}, "summary": {}}`:   "findings is not an array",
		`not json`:                          "not JSON",
	} {
		_, _, err := ReadScan(strings.NewReader(doc), "s.json", sink)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "s.json: offset") {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
	boom := errors.New("boom")
	_, _, err := ReadScan(strings.NewReader(`{"findings": [{"policy_id": "p", "secret_arn": "a", "status": "fail"}], "summary": {}}`), "s.json",
		func([]finding.Finding) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("a sink error stops the read: %v", err)
	}
}
