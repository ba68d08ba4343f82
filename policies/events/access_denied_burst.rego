# METADATA
# title: Burst of access-denied reads
# description: >-
#   A GetSecretValue or BatchGetSecretValue that failed with an access-denied
#   error (AccessDenied, AccessDeniedException) while the engine counts at least
#   access_denied_burst such failures on the secret
#   (input.history.access_denied_count): someone is probing for the value. The only
#   rule that looks at failed calls. High alert.
# scope: package
# custom:
#   id: access-denied-burst
#   severity: high
#   controls: []
#   remediation: >-
#     Identify the caller from the alert and CloudTrail; if it is not a
#     misconfigured workload, treat its credentials as compromised.
#   parameters:
#     - access_denied_burst
package events.access_denied_burst

import data.lib

respond contains {
	"kind": "alert",
	"severity": "high",
	"reason": sprintf("%d access-denied value reads of %s (threshold %d), latest %s by %s", [
		input.history.access_denied_count,
		lib.event.secret_name,
		input.params.access_denied_burst,
		input.event.name,
		lib.event.actor,
	]),
} if {
	input.event.kind == "api_call"
	input.event.name in {"GetSecretValue", "BatchGetSecretValue"}
	contains(lower(input.event.error_code), "accessdenied")
	input.history.access_denied_count >= input.params.access_denied_burst
}
