# METADATA
# title: Secret value read from outside the organization
# description: >-
#   A successful GetSecretValue or BatchGetSecretValue by a principal whose
#   account is outside the organization (input.event.actor.in_organization is
#   false, set by the engine) and not in trusted_account_ids, or by a caller the
#   record does not identify (userIdentity missing, empty or not an object),
#   which is treated as outside. The value has left the zone of trust: critical
#   alert and emergency rotation.
# scope: package
# custom:
#   id: read-outside-organization
#   severity: critical
#   controls: []
#   remediation: >-
#     Rotate the secret (the rotate action does it), then remove the grant that let
#     the outside principal read it (resource policy or KMS key policy) and review
#     what the credential protects for misuse.
#   parameters:
#     - trusted_account_ids
package events.read_outside_organization

import data.lib

# external_read holds for a successful value read by an outside principal.
external_read if {
	input.event.actor.in_organization == false # cheap guard first: most reads are internal
	some name in {"GetSecretValue", "BatchGetSecretValue"}
	lib.event.succeeded_call(name)
	not trusted
}

# trusted holds for a caller of an account in trusted_account_ids (an
# unidentified caller has no account: it is never trusted).
trusted if input.event.actor.account_id in input.params.trusted_account_ids

reason := sprintf("%s by %s read %s", [input.event.name, lib.event.actor, lib.event.secret_name]) if {
	external_read
	lib.event.unidentified
} else := sprintf("%s by %s (account %s, outside the organization) read %s", [
	input.event.name,
	lib.event.actor,
	object.get(input.event.actor, "account_id", "unknown"),
	lib.event.secret_name,
]) if {
	external_read
}

respond contains {"kind": "alert", "severity": "critical", "reason": reason} if {
	input.event.actor.in_organization == false # cheap guard before external_read
	external_read
}

respond contains {"kind": "rotate", "severity": "critical", "reason": reason} if {
	input.event.actor.in_organization == false
	external_read
}
