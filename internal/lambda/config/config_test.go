package config

import (
	"strings"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/action"
)

// full is a complete environment, as the CDK sets it.
func full() map[string]string {
	return map[string]string{
		EnvTableName:             "SecretWarden-Table",
		EnvTopicARN:              "arn:aws:sns:us-east-1:111111111111:secret-warden-alerts",
		EnvEventBusName:          "secret-warden",
		EnvSweepQueueURL:         "https://sqs.us-east-1.amazonaws.com/111111111111/sweep",
		EnvRotateQueueURL:        "https://sqs.us-east-1.amazonaws.com/111111111111/rotate",
		EnvAuditRoleName:         "SecretWardenAudit",
		EnvAuditRoleExternalID:   "ext-123",
		EnvOrganizationID:        "o-exampleorg1",
		EnvRegions:               "us-east-1, eu-west-1,us-east-1",
		EnvModes:                 `{"resource-policy-exposed":"enforce"}`,
		EnvSecurityHub:           "true",
		EnvRotationDedupeMinutes: "30",
		EnvRotationAccountLimit:  "3",
		EnvRotationOrgLimit:      "0",
		EnvDryRun:                "false",
		EnvResponderRoleName:     "security/SecretWardenResponder",
		EnvFindingsRoleName:      "SecretWardenFindings",
		EnvReadEvents:            "off",
		EnvCloudTrailLake:        "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE",
		EnvPoliciesDir:           "policies",
		EnvLedgerDays:            "45",
		EnvBlastRadiusDays:       "90",
	}
}

func getter(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadFull(t *testing.T) {
	c, err := Load(getter(full()))
	if err != nil {
		t.Fatal(err)
	}
	if c.TableName != "SecretWarden-Table" || c.EventBusName != "secret-warden" || c.AuditRoleExternalID != "ext-123" || c.OrganizationID != "o-exampleorg1" {
		t.Errorf("%+v", c)
	}
	if strings.Join(c.Regions, ",") != "us-east-1,eu-west-1" {
		t.Errorf("regions trimmed and deduplicated in order: %v", c.Regions)
	}
	if c.Modes.For("resource-policy-exposed") != action.ModeEnforce || c.Modes.For("other") != action.ModeAlertOnly {
		t.Errorf("modes %v", c.Modes)
	}
	if !c.SecurityHub || c.DryRun {
		t.Errorf("booleans %v %v", c.SecurityHub, c.DryRun)
	}
	if c.Limits.DedupeWindow != 30*time.Minute || c.Limits.AccountLimit != 3 || c.Limits.OrgLimit != 0 || c.Limits.Window != time.Hour {
		t.Errorf("limits %+v", c.Limits)
	}
	if err := c.Limits.Validate(); err != nil {
		t.Error(err)
	}
	if c.ResponderRoleName != "security/SecretWardenResponder" || c.FindingsRoleName != "SecretWardenFindings" || c.ReadEventsOn() ||
		c.CloudTrailLake == "" || c.PoliciesDir != "policies" || c.LedgerTTL() != 45*24*time.Hour || c.BlastRadiusWindow() != 90*24*time.Hour {
		t.Errorf("issue 8 settings %+v", c)
	}
}

func TestResolvePath(t *testing.T) {
	for _, tc := range [][3]string{{"policies", "/var/task", "/var/task/policies"}, {"/opt/p", "/var/task", "/opt/p"}, {"", "/var/task", ""}} {
		if got := ResolvePath(tc[0], tc[1]); got != tc[2] {
			t.Errorf("ResolvePath(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	env := full()
	for _, k := range []string{EnvAuditRoleName, EnvAuditRoleExternalID, EnvModes, EnvSecurityHub, EnvRotationDedupeMinutes, EnvRotationAccountLimit, EnvRotationOrgLimit, EnvDryRun,
		EnvResponderRoleName, EnvFindingsRoleName, EnvReadEvents, EnvCloudTrailLake, EnvPoliciesDir, EnvLedgerDays, EnvBlastRadiusDays} {
		delete(env, k)
	}
	c, err := Load(getter(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.AuditRoleName != "SecretWardenAudit" || c.AuditRoleExternalID != "" || len(c.Modes) != 0 || c.SecurityHub || c.DryRun {
		t.Errorf("defaults %+v", c)
	}
	if c.Limits.DedupeWindow != time.Hour || c.Limits.AccountLimit != 10 || c.Limits.OrgLimit != 50 {
		t.Errorf("default limits %+v", c.Limits)
	}
	if c.ResponderRoleName != "SecretWardenResponder" || c.FindingsRoleName != "SecretWardenFindings" || !c.ReadEventsOn() || c.ReadEvents != "all" ||
		c.CloudTrailLake != "" || c.PoliciesDir != "" || c.LedgerDays != 30 || c.BlastRadiusDays != 30 {
		t.Errorf("issue 8 defaults %+v", c)
	}
	env[EnvModes] = "{}" // what the CDK sets when every policy is alert-only
	if _, err := Load(getter(env)); err != nil {
		t.Error(err)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{EnvTableName, "", "required"},
		{EnvTableName, "a b", "not a DynamoDB table name"},
		{EnvTopicARN, "", "required"},
		{EnvTopicARN, "arn:aws:sqs:us-east-1:111111111111:q", "not an SNS topic ARN"},
		{EnvEventBusName, "", "required"},
		{EnvEventBusName, "bad bus!", "not an event bus name"},
		{EnvEventBusName, "arn:aws:sns:us-east-1:1:x", "not an event bus name"},
		{EnvSweepQueueURL, "", "required"},
		{EnvSweepQueueURL, "sweep", "not an SQS queue URL"},
		{EnvRotateQueueURL, "", "required"},
		{EnvRotateQueueURL, "ftp://x/y", "not an SQS queue URL"},
		{EnvAuditRoleName, "bad role!", "not an IAM role name"},
		{EnvAuditRoleExternalID, "x", "not a valid ExternalId"},
		{EnvOrganizationID, "", "required"},
		{EnvOrganizationID, "org-1", "not an organization id"},
		{EnvRegions, "", "required"},
		{EnvRegions, "us-east-1,,eu-west-1", "empty region"},
		{EnvRegions, "useast1", "not a region name"},
		{EnvModes, "enforce", "JSON object"},
		{EnvModes, `{"x":"on"}`, "unknown mode"},
		{EnvSecurityHub, "yes", "not a boolean"},
		{EnvDryRun, "1", "not a boolean"},
		{EnvRotationDedupeMinutes, "0", "at least 1"},
		{EnvRotationDedupeMinutes, "ten", "whole number"},
		{EnvRotationAccountLimit, "-1", "at least 0"},
		{EnvRotationOrgLimit, "1.5", "whole number"},
		{EnvResponderRoleName, "bad role!", "not an IAM role name"},
		{EnvFindingsRoleName, "a/b c", "not an IAM role name"},
		{EnvReadEvents, "some", "neither all nor off"},
		{EnvCloudTrailLake, "arn:aws:cloudtrail:us-east-1:111111111111:trail/x", "not a CloudTrail Lake event data store ARN"},
		{EnvCloudTrailLake, "eventdatastore/abc", "not a CloudTrail Lake event data store ARN"},
		{EnvLedgerDays, "0", "from 1 to 365"},
		{EnvLedgerDays, "366", "from 1 to 365"},
		{EnvBlastRadiusDays, "x", "from 1 to 365"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			env := full()
			env[tc.name] = tc.value
			c, err := Load(getter(env))
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.name+": ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q must name %s and say %q", msg, tc.name, tc.want)
			}
			if strings.Count(msg, "WARDEN_") != 1 {
				t.Errorf("only the bad variable is reported: %q", msg)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(func(string) string { return "" })
	if err == nil {
		t.Fatal("an empty environment must fail")
	}
	for _, name := range Required {
		if !strings.Contains(err.Error(), name+": required") {
			t.Errorf("%s not reported: %v", name, err)
		}
	}
}
