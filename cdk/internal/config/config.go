// Package config reads and validates the CDK app's configuration from the
// CDK context (cdk.json "context", or -c key=value on the command line).
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Context keys read by Parse.
const (
	KeyOrganizationID        = "organizationId"
	KeyOrganizationalUnitIDs = "organizationalUnitIds"
	KeyRegions               = "regions"
	KeyAlertEmails           = "alertEmails"
	KeyModes                 = "modes"
	KeySweepSchedule         = "sweepSchedule"
	KeyAuditRoleName         = "auditRoleName"
	KeyAuditRoleExternalID   = "auditRoleExternalId"
	KeySecurityHub           = "securityHub"
	KeyDryRun                = "dryRun"
	KeyRotationDedupeMinutes = "rotationDedupeMinutes"
	KeyRotationAccountLimit  = "rotationAccountLimit"
	KeyRotationOrgLimit      = "rotationOrgLimit"
	KeyStackSetCallAs        = "stackSetCallAs"
	KeyConcurrency           = "reservedConcurrency"
	KeyPolicyDataFile        = "policyDataFile"
	KeyPoliciesDir           = "policiesDir"
	KeyReadEvents            = "readEvents"
	KeyResponderRoleName     = "responderRoleName"
	KeyFindingsRoleName      = "findingsRoleName"
	KeyCloudTrailLake        = "cloudTrailLakeEventDataStore"
)

// Values of the readEvents context key.
const (
	// ReadEventsAll delivers GetSecretValue/BatchGetSecretValue events
	// (the reads rule, queue and function).
	ReadEventsAll = "all"
	// ReadEventsOff deploys nothing for them.
	ReadEventsOff = "off"
)

// Mode values accepted in the modes map (policy id → mode).
const (
	ModeAlertOnly = "alert-only"
	ModeEnforce   = "enforce"
)

// StackSet CallAs values.
const (
	CallAsSelf           = "SELF"
	CallAsDelegatedAdmin = "DELEGATED_ADMIN"
)

// Defaults applied when a context key is absent.
const (
	DefaultSweepSchedule         = "rate(6 hours)"
	DefaultAuditRoleName         = "SecretWardenAudit"
	DefaultResponderRoleName     = "SecretWardenResponder"
	DefaultFindingsRoleName      = "SecretWardenFindings"
	DefaultReadEvents            = ReadEventsAll
	DefaultRotationDedupeMinutes = 60
	DefaultRotationAccountLimit  = 10
	DefaultRotationOrgLimit      = 50
	DefaultStackSetCallAs        = CallAsDelegatedAdmin
)

// Concurrency is the reserved concurrency of each Lambda function.
type Concurrency struct {
	Evaluate int `json:"evaluate"`
	Sweep    int `json:"sweep"`
	Rotate   int `json:"rotate"`
	Reads    int `json:"reads"`
}

// DefaultConcurrency is sized to the Secrets Manager quotas; see the comment
// on the central stack's function definitions for the reasoning.
var DefaultConcurrency = Concurrency{Evaluate: 5, Sweep: 20, Rotate: 2, Reads: 5}

// Config is the validated configuration of a Secret Warden deployment.
type Config struct {
	// OrganizationID is the AWS Organization id (o-…).
	OrganizationID string
	// OrganizationalUnitIDs are the OUs (or the root r-…) the member stack set deploys to.
	OrganizationalUnitIDs []string
	// Regions are the regions covered; the first one hosts the (global) audit role.
	Regions []string
	// AlertEmails are subscribed to the alert topic.
	AlertEmails []string
	// Modes maps a policy id to alert-only or enforce (absent = alert-only).
	Modes map[string]string
	// SweepSchedule is an EventBridge schedule expression, rate(…) or cron(…).
	SweepSchedule string
	// AuditRoleName is the read-only role assumed in every member account.
	AuditRoleName string
	// ResponderRoleName is the member-account role that writes (remediation,
	// emergency rotation); only evaluate and rotate may assume it.
	ResponderRoleName string
	// FindingsRoleName is the member-account role that imports Security Hub
	// findings (created only when SecurityHub is true).
	FindingsRoleName string
	// AuditRoleExternalID is the optional sts:ExternalId required by the
	// three member roles.
	AuditRoleExternalID string
	// ReadEvents is ReadEventsAll or ReadEventsOff.
	ReadEvents string
	// CloudTrailLakeEventDataStore is the optional ARN of a CloudTrail Lake
	// event data store that blast-radius planning queries.
	CloudTrailLakeEventDataStore string
	// SecurityHub enables Security Hub finding import.
	SecurityHub bool
	// DryRun makes the handlers plan actions without executing them.
	DryRun bool
	// PolicyDataFile is the absolute path of the organization's policy data
	// (parameter overrides and exceptions, the format of warden --data),
	// bundled with every handler; empty for the built-in data only.
	PolicyDataFile string
	// PoliciesDir is the absolute path of the organization's own Rego
	// (checks and event rules), validated by the engine's loader and
	// bundled with every handler; empty for the built-in policies only.
	PoliciesDir string
	// PolicyFiles are the Rego files of PoliciesDir the handlers load
	// (test files excluded), as slash-separated paths relative to it.
	PolicyFiles []string
	// RotationDedupeMinutes is the per-secret emergency rotation dedupe window.
	RotationDedupeMinutes int
	// RotationAccountLimit is the max emergency rotations per account per hour.
	RotationAccountLimit int
	// RotationOrgLimit is the max emergency rotations org-wide per hour.
	RotationOrgLimit int
	// StackSetCallAs is SELF (management account) or DELEGATED_ADMIN.
	StackSetCallAs string
	// Concurrency is the reserved concurrency per function.
	Concurrency Concurrency
}

var (
	orgIDRe  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	ouIDRe   = regexp.MustCompile(`^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$`)
	regionRe = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)
	emailRe  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	roleRe   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	extIDRe  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	// CloudTrail Lake event data store ARNs (the id: 3-128 of
	// [A-Za-z0-9_-], as the handlers' configuration accepts it).
	eventDataStoreRe = regexp.MustCompile(`^arn:aws[a-z-]*:cloudtrail:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]:[0-9]{12}:eventdatastore/[A-Za-z0-9_-]{3,128}$`)
	rateRe           = regexp.MustCompile(`^rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)$`)
	cronRe           = regexp.MustCompile(`^cron\(\S+( \S+){5}\)$`)
	policyIDs        = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
)

// Lookup returns the raw context value for a key, or nil when absent.
type Lookup func(key string) any

// Parse reads every key through get, applies defaults and validates. All
// problems are reported together, each naming its context key.
func Parse(get Lookup) (Config, error) {
	c := Config{
		SweepSchedule:         DefaultSweepSchedule,
		AuditRoleName:         DefaultAuditRoleName,
		ResponderRoleName:     DefaultResponderRoleName,
		FindingsRoleName:      DefaultFindingsRoleName,
		ReadEvents:            DefaultReadEvents,
		SecurityHub:           true,
		RotationDedupeMinutes: DefaultRotationDedupeMinutes,
		RotationAccountLimit:  DefaultRotationAccountLimit,
		RotationOrgLimit:      DefaultRotationOrgLimit,
		StackSetCallAs:        DefaultStackSetCallAs,
		Concurrency:           DefaultConcurrency,
		Modes:                 map[string]string{},
	}
	var errs []error
	fail := func(key string, err error) { errs = append(errs, fmt.Errorf("context %q: %w", key, err)) }

	if s, err := str(get(KeyOrganizationID), ""); err != nil {
		fail(KeyOrganizationID, err)
	} else if !orgIDRe.MatchString(s) {
		fail(KeyOrganizationID, fmt.Errorf("want an organization id like o-a1b2c3d4e5, got %q", s))
	} else {
		c.OrganizationID = s
	}

	if l, err := list(get(KeyOrganizationalUnitIDs)); err != nil {
		fail(KeyOrganizationalUnitIDs, err)
	} else if len(l) == 0 {
		fail(KeyOrganizationalUnitIDs, errors.New("want at least one OU id (ou-…) or the root id (r-…)"))
	} else if bad := firstMismatch(l, ouIDRe); bad != "" {
		fail(KeyOrganizationalUnitIDs, fmt.Errorf("want OU ids like ou-ab12-cd34ef56 or r-ab12, got %q", bad))
	} else if dup := firstDuplicate(l); dup != "" {
		fail(KeyOrganizationalUnitIDs, fmt.Errorf("duplicate %q", dup))
	} else {
		c.OrganizationalUnitIDs = l
	}

	if l, err := list(get(KeyRegions)); err != nil {
		fail(KeyRegions, err)
	} else if len(l) == 0 {
		fail(KeyRegions, errors.New("want at least one region"))
	} else if bad := firstMismatch(l, regionRe); bad != "" {
		fail(KeyRegions, fmt.Errorf("want region names like us-east-1, got %q", bad))
	} else if dup := firstDuplicate(l); dup != "" {
		fail(KeyRegions, fmt.Errorf("duplicate %q", dup))
	} else {
		c.Regions = l
	}

	if l, err := list(get(KeyAlertEmails)); err != nil {
		fail(KeyAlertEmails, err)
	} else if bad := firstMismatch(l, emailRe); bad != "" {
		fail(KeyAlertEmails, fmt.Errorf("want e-mail addresses, got %q", bad))
	} else {
		c.AlertEmails = l
	}

	if m, err := modes(get(KeyModes)); err != nil {
		fail(KeyModes, err)
	} else {
		c.Modes = m
	}

	if s, err := str(get(KeySweepSchedule), DefaultSweepSchedule); err != nil {
		fail(KeySweepSchedule, err)
	} else if err := validateSchedule(s); err != nil {
		fail(KeySweepSchedule, err)
	} else {
		c.SweepSchedule = s
	}

	roleNames := map[string]string{} // name → key, to refuse two roles of one name
	for _, r := range []struct {
		key, def string
		dst      *string
	}{
		{KeyAuditRoleName, DefaultAuditRoleName, &c.AuditRoleName},
		{KeyResponderRoleName, DefaultResponderRoleName, &c.ResponderRoleName},
		{KeyFindingsRoleName, DefaultFindingsRoleName, &c.FindingsRoleName},
	} {
		if s, err := str(get(r.key), r.def); err != nil {
			fail(r.key, err)
		} else if !roleRe.MatchString(s) {
			fail(r.key, fmt.Errorf("want an IAM role name (1-64 of [A-Za-z0-9+=,.@_-]), got %q", s))
		} else if other, dup := roleNames[strings.ToLower(s)]; dup {
			// IAM role names are unique case-insensitively.
			fail(r.key, fmt.Errorf("%q is also the %s: each member role needs its own name", s, other))
		} else {
			roleNames[strings.ToLower(s)] = r.key
			*r.dst = s
		}
	}

	if s, err := str(get(KeyReadEvents), DefaultReadEvents); err != nil {
		fail(KeyReadEvents, err)
	} else if s != ReadEventsAll && s != ReadEventsOff {
		fail(KeyReadEvents, fmt.Errorf("want %q or %q, got %q", ReadEventsAll, ReadEventsOff, s))
	} else {
		c.ReadEvents = s
	}

	if s, err := str(get(KeyCloudTrailLake), ""); err != nil {
		fail(KeyCloudTrailLake, err)
	} else if s != "" && !eventDataStoreRe.MatchString(s) {
		fail(KeyCloudTrailLake, fmt.Errorf("want an event data store ARN like "+
			"arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE, got %q", s))
	} else {
		c.CloudTrailLakeEventDataStore = s
	}

	if s, err := str(get(KeyAuditRoleExternalID), ""); err != nil {
		fail(KeyAuditRoleExternalID, err)
	} else if s != "" && (len(s) < 2 || len(s) > 1224 || !extIDRe.MatchString(s)) {
		fail(KeyAuditRoleExternalID, fmt.Errorf("want 2-1224 of [A-Za-z0-9+=,.@:/_-], got %q", s))
	} else {
		c.AuditRoleExternalID = s
	}

	if b, err := boolean(get(KeySecurityHub), true); err != nil {
		fail(KeySecurityHub, err)
	} else {
		c.SecurityHub = b
	}
	if b, err := boolean(get(KeyDryRun), false); err != nil {
		fail(KeyDryRun, err)
	} else {
		c.DryRun = b
	}

	for _, f := range []struct {
		key      string
		def, min int
		max      int
		dst      *int
	}{
		{KeyRotationDedupeMinutes, DefaultRotationDedupeMinutes, 1, 10080, &c.RotationDedupeMinutes},
		{KeyRotationAccountLimit, DefaultRotationAccountLimit, 1, 1000, &c.RotationAccountLimit},
		{KeyRotationOrgLimit, DefaultRotationOrgLimit, 1, 10000, &c.RotationOrgLimit},
	} {
		if n, err := integer(get(f.key), f.def, f.min, f.max); err != nil {
			fail(f.key, err)
		} else {
			*f.dst = n
		}
	}

	if s, err := str(get(KeyStackSetCallAs), DefaultStackSetCallAs); err != nil {
		fail(KeyStackSetCallAs, err)
	} else if s != CallAsSelf && s != CallAsDelegatedAdmin {
		fail(KeyStackSetCallAs, fmt.Errorf("want %s or %s, got %q", CallAsSelf, CallAsDelegatedAdmin, s))
	} else {
		c.StackSetCallAs = s
	}

	if cc, err := concurrency(get(KeyConcurrency)); err != nil {
		fail(KeyConcurrency, err)
	} else {
		c.Concurrency = cc
	}

	if s, err := str(get(KeyPolicyDataFile), ""); err != nil {
		fail(KeyPolicyDataFile, err)
	} else if s != "" {
		if abs, err := checkPolicyData(s); err != nil {
			fail(KeyPolicyDataFile, err)
		} else {
			c.PolicyDataFile = abs
		}
	}

	// After policyDataFile: the organization's policies compile against the
	// data the handlers will load (the built-in data when that file failed).
	if s, err := str(get(KeyPoliciesDir), ""); err != nil {
		fail(KeyPoliciesDir, err)
	} else if s != "" {
		if abs, files, err := checkPolicies(s, c.PolicyDataFile); err != nil {
			fail(KeyPoliciesDir, err)
		} else {
			c.PoliciesDir, c.PolicyFiles = abs, files
		}
	}

	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// Reads reports whether read events are delivered (readEvents = all).
func (c Config) Reads() bool { return c.ReadEvents != ReadEventsOff }

// Enforced reports whether the policy is configured in enforce mode.
func (c Config) Enforced(policyID string) bool { return c.Modes[policyID] == ModeEnforce }

// EnforcedPolicies lists the policy ids in enforce mode, sorted.
func (c Config) EnforcedPolicies() []string {
	var out []string
	for id, m := range c.Modes {
		if m == ModeEnforce {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// ModesJSON renders the modes map as the WARDEN_MODES environment value.
func (c Config) ModesJSON() string {
	m := c.Modes
	if m == nil {
		m = map[string]string{}
	}
	b, err := json.Marshal(m) // map keys are sorted: stable output
	if err != nil {
		panic(fmt.Sprintf("marshal modes: %v", err)) // a map[string]string always marshals
	}
	return string(b)
}

func validateSchedule(s string) error {
	if m := rateRe.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 {
			return fmt.Errorf("rate value must be a positive integer, got %q", s)
		}
		singular := !strings.HasSuffix(m[2], "s")
		if (n == 1) != singular {
			return fmt.Errorf("use the singular unit for 1 and the plural otherwise (rate(1 hour), rate(6 hours)), got %q", s)
		}
		return nil
	}
	if cronRe.MatchString(s) {
		return nil
	}
	return fmt.Errorf("want rate(N unit) or cron(6 fields), e.g. %q, got %q", DefaultSweepSchedule, s)
}

// str accepts a JSON string; nil yields def.
func str(v any, def string) (string, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case string:
		return strings.TrimSpace(t), nil
	default:
		return "", fmt.Errorf("want a string, got %T", v)
	}
}

// list accepts a JSON array of strings, a JSON array in a string
// (-c key='["a","b"]') or a comma-separated string (-c key=a,b).
func list(v any) ([]string, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []string:
		return clean(t), nil
	case []any:
		out := make([]string, 0, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("element %d: want a string, got %T", i, e)
			}
			out = append(out, s)
		}
		return clean(out), nil
	case string:
		s := strings.TrimSpace(t)
		if strings.HasPrefix(s, "[") {
			var out []string
			if err := json.Unmarshal([]byte(s), &out); err != nil {
				return nil, fmt.Errorf("parse JSON list: %w", err)
			}
			return clean(out), nil
		}
		return clean(strings.Split(s, ",")), nil
	default:
		return nil, fmt.Errorf("want a list of strings, got %T", v)
	}
}

func clean(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// modes accepts a JSON object or a JSON object in a string.
func modes(v any) (map[string]string, error) {
	raw := map[string]any{}
	switch t := v.(type) {
	case nil:
	case map[string]any:
		raw = t
	case map[string]string:
		for k, s := range t {
			raw[k] = s
		}
	case string:
		if strings.TrimSpace(t) != "" {
			if err := json.Unmarshal([]byte(t), &raw); err != nil {
				return nil, fmt.Errorf("parse JSON object: %w", err)
			}
		}
	default:
		return nil, fmt.Errorf("want an object policy id → mode, got %T", v)
	}
	out := make(map[string]string, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !policyIDs.MatchString(k) {
			return nil, fmt.Errorf("policy id %q: want lower-case letters, digits, '.', '_' or '-'", k)
		}
		s, ok := raw[k].(string)
		if !ok || !slices.Contains([]string{ModeAlertOnly, ModeEnforce}, s) {
			return nil, fmt.Errorf("policy %q: want %q or %q, got %v", k, ModeAlertOnly, ModeEnforce, raw[k])
		}
		out[k] = s
	}
	return out, nil
}

func boolean(v any, def bool) (bool, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(t))
		if err != nil {
			return false, fmt.Errorf("want true or false, got %q", t)
		}
		return b, nil
	default:
		return false, fmt.Errorf("want a boolean, got %T", v)
	}
}

func integer(v any, def, lo, hi int) (int, error) {
	var n int
	switch t := v.(type) {
	case nil:
		return def, nil
	case float64:
		if t != float64(int(t)) {
			return 0, fmt.Errorf("want an integer, got %v", t)
		}
		n = int(t)
	case int:
		n = t
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			return 0, fmt.Errorf("want an integer, got %q", t)
		}
		n = i
	default:
		return 0, fmt.Errorf("want an integer, got %T", v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("want %d..%d, got %d", lo, hi, n)
	}
	return n, nil
}

func concurrency(v any) (Concurrency, error) {
	c := DefaultConcurrency
	var raw map[string]any
	switch t := v.(type) {
	case nil:
		return c, nil
	case map[string]any:
		raw = t
	case string:
		if err := json.Unmarshal([]byte(t), &raw); err != nil {
			return c, fmt.Errorf("parse JSON object: %w", err)
		}
	default:
		return c, fmt.Errorf("want an object {evaluate, sweep, rotate, reads}, got %T", v)
	}
	for k, val := range raw {
		var dst *int
		switch k {
		case "evaluate":
			dst = &c.Evaluate
		case "sweep":
			dst = &c.Sweep
		case "rotate":
			dst = &c.Rotate
		case "reads":
			dst = &c.Reads
		default:
			return c, fmt.Errorf("unknown function %q (want evaluate, sweep, rotate or reads)", k)
		}
		// SQS event sources need a maximum concurrency of at least 2.
		n, err := integer(val, *dst, 2, 1000)
		if err != nil {
			return c, fmt.Errorf("%s: %w", k, err)
		}
		*dst = n
	}
	return c, nil
}

func firstMismatch(l []string, re *regexp.Regexp) string {
	for _, s := range l {
		if !re.MatchString(s) {
			return s
		}
	}
	return ""
}

func firstDuplicate(l []string) string {
	seen := map[string]bool{}
	for _, s := range l {
		if seen[s] {
			return s
		}
		seen[s] = true
	}
	return ""
}
