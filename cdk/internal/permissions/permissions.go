// Package permissions names the IAM actions Secret Warden uses in member
// accounts, decides which write actions the configured enforce modes need,
// and says which central function may assume which member role.
package permissions

import (
	"fmt"
	"slices"
	"sort"

	"github.com/secretwarden/warden/cdk/internal/config"
)

// Actions on secrets, in member accounts.
const (
	ListSecrets          = "secretsmanager:ListSecrets"
	DescribeSecret       = "secretsmanager:DescribeSecret"
	GetResourcePolicy    = "secretsmanager:GetResourcePolicy"
	RotateSecret         = "secretsmanager:RotateSecret"
	PutResourcePolicy    = "secretsmanager:PutResourcePolicy"
	DeleteResourcePolicy = "secretsmanager:DeleteResourcePolicy"
	GetSecretValue       = "secretsmanager:GetSecretValue"
	BatchGetSecretValue  = "secretsmanager:BatchGetSecretValue"
	KMSDescribeKey       = "kms:DescribeKey"
	KMSListAliases       = "kms:ListAliases"
	// LookupEvents reads the account-region's CloudTrail event history
	// (blast radius where the access ledger does not cover the window).
	LookupEvents = "cloudtrail:LookupEvents"
	// BatchImportFindings imports Security Hub findings.
	BatchImportFindings = "securityhub:BatchImportFindings"
	// LambdaInvokeFunction is required of RotateSecret's caller on the
	// secret's rotation function (Secrets Manager API Reference,
	// RotateSecret, "Required permissions": "You also need
	// lambda:InvokeFunction permissions on the rotation function").
	// Secret Warden's code never invokes a function itself (a test in
	// internal/awsinv fails on any import of the Lambda API client).
	LambdaInvokeFunction = "lambda:InvokeFunction"
)

// BlockPublicPolicyKey is the condition key of PutResourcePolicy's
// BlockPublicPolicy parameter, a Bool (Secrets Manager User Guide,
// "Permissions reference for AWS Secrets Manager", condition keys:
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html).
// A request without the parameter does not satisfy {"Bool": {key: "true"}}.
// The responder may put a resource policy only when the request sets it to
// true, so Secrets Manager itself refuses a policy that grants broad access.
const BlockPublicPolicyKey = "secretsmanager:BlockPublicPolicy"

// CloudTrail Lake query actions on the configured event data store.
var LakeQueryActions = []string{"cloudtrail:StartQuery", "cloudtrail:GetQueryResults", "cloudtrail:DescribeQuery"}

// SecretReadActions support resource-level permissions on secret ARNs.
var SecretReadActions = []string{DescribeSecret, GetResourcePolicy}

// ListActions have no resource-level permissions (Resource must be "*"):
// ListSecrets, kms:ListAliases and cloudtrail:LookupEvents (Service
// Authorization Reference, "Actions, resources, and condition keys for AWS
// CloudTrail": LookupEvents has no resource type).
var ListActions = []string{ListSecrets, KMSListAliases, LookupEvents}

// KeyReadActions apply to KMS key ARNs.
var KeyReadActions = []string{KMSDescribeKey}

// DeniedActions are denied explicitly: the service never reads a secret value.
var DeniedActions = []string{GetSecretValue, BatchGetSecretValue}

// RemediateActions let a policy in enforce mode remove offending statements.
var RemediateActions = []string{PutResourcePolicy, DeleteResourcePolicy}

// RotateActions let a policy in enforce mode start an emergency rotation.
var RotateActions = []string{RotateSecret}

// MemberRole is one of the roles in every member account.
type MemberRole string

// The member roles, split by job.
const (
	// RoleAudit reads metadata (never values) and CloudTrail event history.
	RoleAudit MemberRole = "audit"
	// RoleResponder writes: remediation and emergency rotation.
	RoleResponder MemberRole = "responder"
	// RoleFindings imports Security Hub findings into the account.
	RoleFindings MemberRole = "findings"
)

// Assumes says which member roles each central function (by handler name)
// may assume. Only evaluate and rotate may assume the responder; the sweep
// never does (an exposure it finds is handed to rotate). The trust policies
// in the member accounts and the functions' sts:AssumeRole grants are both
// built from this table.
var Assumes = map[string][]MemberRole{
	"evaluate": {RoleAudit, RoleResponder, RoleFindings},
	"reads":    {RoleAudit, RoleFindings},
	"sweep":    {RoleAudit, RoleFindings},
	"rotate":   {RoleAudit, RoleResponder},
}

// TrustedBy lists the functions (sorted) that may assume role.
func TrustedBy(role MemberRole) []string {
	var out []string
	for fn, roles := range Assumes {
		if slices.Contains(roles, role) {
			out = append(out, fn)
		}
	}
	sort.Strings(out)
	return out
}

// Effect is what a policy in enforce mode may do in a member account.
type Effect struct {
	// Remediate: remove resource-policy statements.
	Remediate bool
	// Rotate: start an emergency rotation.
	Rotate bool
}

// Effects maps every known policy id to what it does in enforce mode: the
// kinds of the actions its Rego `respond` rule can request (posture checks
// request none; their findings are alerts). Keep in sync with policies/: a
// test checks this table against the Rego sources.
var Effects = map[string]Effect{
	// posture checks (policies/posture)
	"kms-customer-managed":  {},
	"no-external-access":    {},
	"no-wildcard-principal": {},
	"replication-present":   {},
	"required-tags":         {},
	"rotated-recently":      {},
	"rotation-enabled":      {},
	"rotation-succeeding":   {},
	"unused":                {},
	// event (incident) rules (policies/events)
	"access-denied-burst":             {},
	"forced-deletion":                 {},
	"guardduty-credential-compromise": {Rotate: true},
	"key-switched-to-aws-managed":     {},
	"read-outside-organization":       {Rotate: true},
	"replication-removed":             {},
	"resource-policy-exposed":         {Remediate: true, Rotate: true},
	"rotation-cancelled":              {},
	"rotation-failed":                 {},
	"unidentified-caller":             {},
}

// EnforceActions returns the member-account write actions (the responder
// role's) needed by the policies in enforce mode (sorted, without duplicates). An unknown policy
// id is an error, so a typo in the modes map cannot silently do nothing.
func EnforceActions(c config.Config) ([]string, error) {
	set := map[string]bool{}
	ids := make([]string, 0, len(c.Modes))
	for id := range c.Modes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		e, ok := Effects[id]
		if !ok {
			return nil, fmt.Errorf("check modes: unknown policy id %q (known: %v)", id, KnownPolicies())
		}
		if c.Modes[id] != config.ModeEnforce {
			continue
		}
		if e.Remediate {
			for _, a := range RemediateActions {
				set[a] = true
			}
		}
		if e.Rotate {
			for _, a := range RotateActions {
				set[a] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out, nil
}

// KnownPolicies lists the policy ids of Effects, sorted.
func KnownPolicies() []string {
	out := make([]string, 0, len(Effects))
	for id := range Effects {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
