# METADATA
# title: Resource policy made public or external
# description: >-
#   A successful PutResourcePolicy whose policy (request.resourcePolicy, a JSON
#   string; input.resource_policy when the request lacks it) grants access outside the organization, with no-external-access's
#   semantics: a wildcard principal or NotPrincipal not confined to the
#   organization by a condition, an account outside the organization and
#   trusted_account_ids, a service principal without a source condition. Responds
#   with a critical alert, a remediation that removes the offending statements
#   ("statements": their 0-based indices in the policy as put) and, when an
#   offending statement grants secretsmanager:GetSecretValue or
#   BatchGetSecretValue (directly, by wildcard or through NotAction), an emergency
#   rotation: the value may already have been read.
# scope: package
# custom:
#   id: resource-policy-exposed
#   severity: critical
#   controls: []
#   remediation: >-
#     Remove the offending statements (the remediate action does it), find out
#     from CloudTrail who put the policy and whether an outside principal read the
#     secret, and rotate it.
#   parameters:
#     - trusted_account_ids
package events.resource_policy_exposed

import data.lib

# policy is the resource policy the call put, parsed; the secret's current
# policy (input.resource_policy) when the request does not carry it.
policy := json.unmarshal(raw) if {
	input.event.name == "PutResourcePolicy" # cheap guard before the call
	lib.event.succeeded_call("PutResourcePolicy")
	raw := lib.event.request.resourcePolicy
	is_string(raw)
	json.is_valid(raw)
} else := raw if {
	input.event.name == "PutResourcePolicy"
	lib.event.succeeded_call("PutResourcePolicy")
	raw := lib.event.request.resourcePolicy
	is_object(raw)
} else := input.resource_policy if {
	input.event.name == "PutResourcePolicy"
	lib.event.succeeded_call("PutResourcePolicy")
	not lib.event.request.resourcePolicy
}

# findings are the policy's statements that grant outside the organization.
findings := lib.iam.external_findings(policy)

# offending are the indices of those statements, ascending.
offending := sort({f.index | some f in findings})

summary := concat("; ", sort([f.message | some f in findings]))

respond contains {
	"kind": "alert",
	"severity": "critical",
	"reason": sprintf("PutResourcePolicy by %s exposed %s outside the organization: %s", [lib.event.actor, lib.event.secret_name, summary]),
} if {
	input.event.name == "PutResourcePolicy" # cheap guard: only such calls define policy
	count(offending) > 0
}

respond contains {
	"kind": "remediate",
	"severity": "critical",
	"reason": sprintf("remove statement(s) %s granting access outside the organization from the resource policy of %s", [concat(", ", [sprintf("%d", [i]) | some i in offending]), lib.event.secret_name]),
	"statements": offending,
} if {
	input.event.name == "PutResourcePolicy" # cheap guard: only such calls define policy
	count(offending) > 0
}

respond contains {
	"kind": "rotate",
	"severity": "critical",
	"reason": sprintf("the resource policy put by %s let principals outside the organization read the value of %s", [lib.event.actor, lib.event.secret_name]),
} if {
	input.event.name == "PutResourcePolicy"
	some i in offending
	lib.iam.reads_value(lib.iam.statements(policy)[i])
}
