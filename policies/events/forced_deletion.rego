# METADATA
# title: Secret deleted without recovery window
# description: >-
#   A successful DeleteSecret with forceDeleteWithoutRecovery true: the secret is
#   gone at once and cannot be restored. Critical alert.
# scope: package
# custom:
#   id: forced-deletion
#   severity: critical
#   controls: []
#   remediation: >-
#     Confirm with the caller that the deletion was intended; restore the
#     credential from its source system if not, and deny
#     secretsmanager:DeleteSecret with ForceDeleteWithoutRecovery through an SCP.
#   parameters: []
package events.forced_deletion

import data.lib

forced if lib.event.request.forceDeleteWithoutRecovery == true

forced if lib.event.request.forceDeleteWithoutRecovery == "true"

respond contains {
	"kind": "alert",
	"severity": "critical",
	"reason": sprintf("DeleteSecret by %s deleted %s without a recovery window (forceDeleteWithoutRecovery)", [lib.event.actor, lib.event.secret_name]),
} if {
	input.event.name == "DeleteSecret" # cheap guard: most events are not deletions
	lib.event.succeeded_call("DeleteSecret")
	forced
}
