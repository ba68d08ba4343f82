# METADATA
# title: Secret changed by an unidentified caller
# description: >-
#   A successful call that changes a secret (any call but the value reads, which
#   read-outside-organization judges, and the read-only calls) whose CloudTrail
#   record identifies no caller: its userIdentity is missing, empty or not an
#   object. CloudTrail names the caller of every call it records, so such a
#   record is tampered with, truncated or not what it claims; the change cannot
#   be shown to come from inside the organization and is treated as coming from
#   outside: high alert.
# scope: package
# custom:
#   id: unidentified-caller
#   severity: high
#   controls: []
#   remediation: >-
#     Find the call in CloudTrail (its eventID) and who made it; check where the
#     record came from (a forged or truncated log is itself an incident), then
#     review the change and revert it if it was not expected.
#   parameters: []
package events.unidentified_caller

import data.lib

# reads are the calls that change nothing.
reads := {
	"GetSecretValue", "BatchGetSecretValue", "DescribeSecret", "ListSecrets",
	"GetResourcePolicy", "ListSecretVersionIds", "ValidateResourcePolicy", "GetRandomPassword",
}

respond contains {
	"kind": "alert",
	"severity": "high",
	"reason": sprintf("%s of %s by %s", [input.event.name, lib.event.secret_name, lib.event.actor]),
} if {
	input.event.actor.in_organization == false # cheap guard first: most callers are known
	lib.event.unidentified
	input.event.kind == "api_call"
	not lib.event.failed
	not input.event.name in reads
}
