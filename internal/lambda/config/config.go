// Package config reads the Lambda handlers' configuration from the
// environment variables of the deployment contract (docs/contracts.md,
// "Deployment contract"). A missing or malformed required variable fails
// the init with an error naming the variable.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretwarden/warden/internal/action"
	"github.com/secretwarden/warden/internal/awsinv"
	"github.com/secretwarden/warden/internal/rails"
)

// Environment variables of the deployment contract.
const (
	EnvTableName             = "WARDEN_TABLE_NAME"
	EnvTopicARN              = "WARDEN_TOPIC_ARN"
	EnvEventBusName          = "WARDEN_EVENT_BUS_NAME"
	EnvSweepQueueURL         = "WARDEN_SWEEP_QUEUE_URL"
	EnvRotateQueueURL        = "WARDEN_ROTATE_QUEUE_URL"
	EnvAuditRoleName         = "WARDEN_AUDIT_ROLE_NAME"
	EnvAuditRoleExternalID   = "WARDEN_AUDIT_ROLE_EXTERNAL_ID"
	EnvOrganizationID        = "WARDEN_ORGANIZATION_ID"
	EnvRegions               = "WARDEN_REGIONS"
	EnvModes                 = "WARDEN_MODES"
	EnvSecurityHub           = "WARDEN_SECURITY_HUB"
	EnvRotationDedupeMinutes = "WARDEN_ROTATION_DEDUPE_MINUTES"
	EnvRotationAccountLimit  = "WARDEN_ROTATION_ACCOUNT_LIMIT"
	EnvRotationOrgLimit      = "WARDEN_ROTATION_ORG_LIMIT"
	EnvDryRun                = "WARDEN_DRY_RUN"
	EnvPolicyDataFile        = "WARDEN_POLICY_DATA_FILE"
	EnvResponderRoleName     = "WARDEN_RESPONDER_ROLE_NAME"
	EnvFindingsRoleName      = "WARDEN_FINDINGS_ROLE_NAME"
	EnvReadEvents            = "WARDEN_READ_EVENTS"
	EnvCloudTrailLake        = "WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE"
	EnvPoliciesDir           = "WARDEN_POLICIES_DIR"
	EnvLedgerDays            = "WARDEN_LEDGER_DAYS"
	EnvBlastRadiusDays       = "WARDEN_BLAST_RADIUS_DAYS"
)

// Required lists the variables without a default: every handler gets
// every variable (the CDK sets them all), so each is required.
var Required = []string{
	EnvTableName, EnvTopicARN, EnvEventBusName, EnvSweepQueueURL, EnvRotateQueueURL,
	EnvOrganizationID, EnvRegions,
}

// Defaults of the optional variables.
const (
	DefaultRotationDedupeMinutes = 60
	DefaultRotationAccountLimit  = 10
	DefaultRotationOrgLimit      = 50
	// DefaultResponderRoleName is the member role that makes the writes of
	// enforce mode and emergency rotation.
	DefaultResponderRoleName = "SecretWardenResponder"
	// DefaultFindingsRoleName is the member role that imports Security Hub
	// findings in its own account.
	DefaultFindingsRoleName = "SecretWardenFindings"
	// DefaultLedgerDays is how long the access ledger keeps a read.
	DefaultLedgerDays = 30
	// DefaultBlastRadiusDays is how far back a compromised principal's
	// reads are looked for.
	DefaultBlastRadiusDays = 30
	// MaxDays bounds WARDEN_LEDGER_DAYS and WARDEN_BLAST_RADIUS_DAYS.
	MaxDays = 365
)

// Read-event settings (WARDEN_READ_EVENTS).
const (
	// ReadEventsAll: GetSecretValue and BatchGetSecretValue events are
	// delivered to the reads function and feed the access ledger.
	ReadEventsAll = "all"
	// ReadEventsOff: no read event is delivered; the ledger is not used and
	// blast radius comes from CloudTrail.
	ReadEventsOff = "off"
)

// Config is the handlers' configuration.
type Config struct {
	// TableName is the DynamoDB table (WARDEN_TABLE_NAME).
	TableName string
	// TopicARN is the SNS alert topic (WARDEN_TOPIC_ARN).
	TopicARN string
	// EventBusName is the bus for "secretwarden" events, a name or an ARN
	// (WARDEN_EVENT_BUS_NAME).
	EventBusName string
	// SweepQueueURL is the sweep unit queue (WARDEN_SWEEP_QUEUE_URL).
	SweepQueueURL string
	// RotateQueueURL is the emergency rotation queue (WARDEN_ROTATE_QUEUE_URL).
	RotateQueueURL string
	// AuditRoleName is the role assumed in member accounts
	// (WARDEN_AUDIT_ROLE_NAME, default SecretWardenAudit).
	AuditRoleName string
	// AuditRoleExternalID is the optional sts:ExternalId
	// (WARDEN_AUDIT_ROLE_EXTERNAL_ID).
	AuditRoleExternalID string
	// OrganizationID is the organization (WARDEN_ORGANIZATION_ID, o-…).
	OrganizationID string
	// Regions are the regions covered (WARDEN_REGIONS, comma-separated).
	Regions []string
	// Modes are the per-policy modes (WARDEN_MODES, default all alert-only).
	Modes action.Modes
	// SecurityHub imports findings into Security Hub (WARDEN_SECURITY_HUB).
	SecurityHub bool
	// Limits are the emergency-rotation rails: dedupe window
	// (WARDEN_ROTATION_DEDUPE_MINUTES), per-account and organization-wide
	// limits per hour (WARDEN_ROTATION_ACCOUNT_LIMIT, WARDEN_ROTATION_ORG_LIMIT).
	Limits rails.Limits
	// DryRun plans actions without executing them (WARDEN_DRY_RUN).
	DryRun bool
	// PolicyDataFile is an optional JSON data document (parameter overrides
	// and exceptions) merged over the built-in policies/data.json, shipped
	// next to the handler binary (WARDEN_POLICY_DATA_FILE).
	PolicyDataFile string
	// ResponderRoleName is the member role assumed for remediation and
	// emergency rotation (WARDEN_RESPONDER_ROLE_NAME, default
	// SecretWardenResponder).
	ResponderRoleName string
	// FindingsRoleName is the member role assumed to import Security Hub
	// findings in the secret's account (WARDEN_FINDINGS_ROLE_NAME, default
	// SecretWardenFindings).
	FindingsRoleName string
	// ReadEvents is ReadEventsAll or ReadEventsOff (WARDEN_READ_EVENTS,
	// default all).
	ReadEvents string
	// CloudTrailLake is an optional CloudTrail Lake event data store ARN
	// that blast-radius planning queries instead of LookupEvents
	// (WARDEN_CLOUDTRAIL_LAKE_EVENT_DATA_STORE).
	CloudTrailLake string
	// PoliciesDir is an optional directory of the organization's own Rego
	// (checks and event rules), loaded beside the built-in policies
	// (WARDEN_POLICIES_DIR; relative to the handler binary's directory
	// unless absolute: see ResolvePath).
	PoliciesDir string
	// LedgerDays is how long the access ledger keeps a read
	// (WARDEN_LEDGER_DAYS, 1 to MaxDays, default 30).
	LedgerDays int
	// BlastRadiusDays is how far back a compromised principal's reads are
	// looked for (WARDEN_BLAST_RADIUS_DAYS, 1 to MaxDays, default 30).
	BlastRadiusDays int
}

// ReadEventsOn reports whether read events feed the access ledger.
func (c *Config) ReadEventsOn() bool { return c.ReadEvents != ReadEventsOff }

// LedgerTTL is LedgerDays as a duration.
func (c *Config) LedgerTTL() time.Duration { return time.Duration(c.LedgerDays) * 24 * time.Hour }

// BlastRadiusWindow is BlastRadiusDays as a duration.
func (c *Config) BlastRadiusWindow() time.Duration {
	return time.Duration(c.BlastRadiusDays) * 24 * time.Hour
}

// ResolvePath makes a relative path relative to dir (the handler binary's
// directory); an absolute path or "" is returned as is.
func ResolvePath(p, dir string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

var (
	tableRe  = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	busRe    = regexp.MustCompile(`^[/.\-_A-Za-z0-9]{1,256}$`)
	orgIDRe  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	regionRe = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)
	// roleRe allows an IAM path before the name ("audit/SecretWardenAudit").
	roleRe = regexp.MustCompile(`^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	// eventDataStoreRe is a CloudTrail Lake event data store's resource:
	// "eventdatastore/" and its id.
	eventDataStoreRe = regexp.MustCompile(`^eventdatastore/[a-zA-Z0-9_-]{3,128}$`)
	extIDRe          = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// Load reads every WARDEN_* variable through getenv (os.Getenv in the
// handlers), applies the defaults and validates. The error names every
// variable that is missing or malformed, one per line, and what it wants.
func Load(getenv func(string) string) (*Config, error) {
	c := &Config{}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	required := func(name, what string) (string, bool) {
		v := get(name)
		if v == "" {
			bad(name, "required (%s) but not set", what)
			return "", false
		}
		return v, true
	}

	if v, ok := required(EnvTableName, "the DynamoDB table name"); ok {
		if !tableRe.MatchString(v) {
			bad(EnvTableName, "%q is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)", v)
		}
		c.TableName = v
	}
	if v, ok := required(EnvTopicARN, "the SNS alert topic ARN"); ok {
		if a, err := arn.Parse(v); err != nil || a.Service != "sns" || a.Region == "" || a.AccountID == "" || a.Resource == "" {
			bad(EnvTopicARN, "%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", v)
		}
		c.TopicARN = v
	}
	if v, ok := required(EnvEventBusName, "the EventBridge bus name or ARN"); ok {
		if a, err := arn.Parse(v); strings.HasPrefix(v, "arn:") && (err != nil || a.Service != "events") || !strings.HasPrefix(v, "arn:") && !busRe.MatchString(v) {
			bad(EnvEventBusName, "%q is not an event bus name or ARN", v)
		}
		c.EventBusName = v
	}
	for _, q := range []struct {
		name string
		into *string
	}{{EnvSweepQueueURL, &c.SweepQueueURL}, {EnvRotateQueueURL, &c.RotateQueueURL}} {
		if v, ok := required(q.name, "an SQS queue URL"); ok {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				bad(q.name, "%q is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)", v)
			}
			*q.into = v
		}
	}
	c.AuditRoleName = awsinv.DefaultRoleName
	if v := get(EnvAuditRoleName); v != "" {
		if !roleRe.MatchString(v) {
			bad(EnvAuditRoleName, "%q is not an IAM role name", v)
		}
		c.AuditRoleName = v
	}
	for _, r := range []struct {
		name, def string
		into      *string
	}{{EnvResponderRoleName, DefaultResponderRoleName, &c.ResponderRoleName}, {EnvFindingsRoleName, DefaultFindingsRoleName, &c.FindingsRoleName}} {
		*r.into = r.def
		if v := get(r.name); v != "" {
			if !roleRe.MatchString(v) {
				bad(r.name, "%q is not an IAM role name", v)
			}
			*r.into = v
		}
	}
	if v := get(EnvAuditRoleExternalID); v != "" {
		if len(v) < 2 || len(v) > 1224 || !extIDRe.MatchString(v) {
			bad(EnvAuditRoleExternalID, "not a valid ExternalId (2-1224 of letters, digits and +=,.@:/-)")
		}
		c.AuditRoleExternalID = v
	}
	if v, ok := required(EnvOrganizationID, "the organization id, o-…"); ok {
		if !orgIDRe.MatchString(v) {
			bad(EnvOrganizationID, "%q is not an organization id (o- and 10 to 32 lowercase letters or digits)", v)
		}
		c.OrganizationID = v
	}
	if v, ok := required(EnvRegions, "the comma-separated regions covered"); ok {
		seen := map[string]bool{}
		for _, r := range strings.Split(v, ",") {
			r = strings.TrimSpace(r)
			switch {
			case r == "":
				bad(EnvRegions, "%q has an empty region (want e.g. us-east-1,eu-west-1)", v)
			case !regionRe.MatchString(r):
				bad(EnvRegions, "%q is not a region name", r)
			case !seen[r]:
				seen[r] = true
				c.Regions = append(c.Regions, r)
			}
		}
	}
	modes, err := action.ParseModes(get(EnvModes))
	if err != nil {
		bad(EnvModes, "%v", err)
	}
	c.Modes = modes
	c.SecurityHub = boolVar(get(EnvSecurityHub), EnvSecurityHub, bad)
	c.DryRun = boolVar(get(EnvDryRun), EnvDryRun, bad)
	c.PolicyDataFile = get(EnvPolicyDataFile)
	c.PoliciesDir = get(EnvPoliciesDir)
	switch v := strings.ToLower(get(EnvReadEvents)); v {
	case "", ReadEventsAll:
		c.ReadEvents = ReadEventsAll
	case ReadEventsOff:
		c.ReadEvents = ReadEventsOff
	default:
		bad(EnvReadEvents, "%q is neither %s nor %s", v, ReadEventsAll, ReadEventsOff)
	}
	if v := get(EnvCloudTrailLake); v != "" {
		if a, err := arn.Parse(v); err != nil || a.Service != "cloudtrail" || a.Region == "" || a.AccountID == "" || !eventDataStoreRe.MatchString(a.Resource) {
			bad(EnvCloudTrailLake, "%q is not a CloudTrail Lake event data store ARN (arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID)", v)
		}
		c.CloudTrailLake = v
	}
	c.LedgerDays = rangeVar(get(EnvLedgerDays), EnvLedgerDays, DefaultLedgerDays, 1, MaxDays, bad)
	c.BlastRadiusDays = rangeVar(get(EnvBlastRadiusDays), EnvBlastRadiusDays, DefaultBlastRadiusDays, 1, MaxDays, bad)

	c.Limits = rails.DefaultLimits()
	c.Limits.DedupeWindow = time.Duration(intVar(get(EnvRotationDedupeMinutes), EnvRotationDedupeMinutes, DefaultRotationDedupeMinutes, 1, bad)) * time.Minute
	c.Limits.AccountLimit = intVar(get(EnvRotationAccountLimit), EnvRotationAccountLimit, DefaultRotationAccountLimit, 0, bad)
	c.Limits.OrgLimit = intVar(get(EnvRotationOrgLimit), EnvRotationOrgLimit, DefaultRotationOrgLimit, 0, bad)

	if len(errs) > 0 {
		return nil, fmt.Errorf("load configuration from the environment: %w", errors.Join(errs...))
	}
	return c, nil
}

// boolVar reads "true" or "false" (any case); empty is false.
func boolVar(v, name string, bad func(string, string, ...any)) bool {
	switch strings.ToLower(v) {
	case "", "false":
		return false
	case "true":
		return true
	}
	bad(name, "%q is not a boolean (want true or false)", v)
	return false
}

// rangeVar reads a decimal integer between lowest and highest; empty is def.
func rangeVar(v, name string, def, lowest, highest int, bad func(string, string, ...any)) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lowest || n > highest {
		bad(name, "%q is not a whole number from %d to %d", v, lowest, highest)
		return def
	}
	return n
}

// intVar reads a decimal integer of at least lowest; empty is def.
func intVar(v, name string, def, lowest int, bad func(string, string, ...any)) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lowest {
		bad(name, "%q is not a whole number of at least %d", v, lowest)
		return def
	}
	return n
}
