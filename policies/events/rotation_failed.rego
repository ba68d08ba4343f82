# METADATA
# title: Rotation failed
# description: >-
#   Secrets Manager reported a RotationFailed service event for the secret: the
#   credential was not rotated, and a half-finished rotation may have left an
#   AWSPENDING version. High alert, within minutes rather than after AWS Config's
#   daily evaluation.
# scope: package
# custom:
#   id: rotation-failed
#   severity: high
#   controls:
#     - SecretsManager.2
#   remediation: >-
#     Read the rotation function's CloudWatch logs, fix the cause and rotate again
#     (aws secretsmanager rotate-secret --secret-id ID).
#   parameters: []
package events.rotation_failed

import data.lib

respond contains {
	"kind": "alert",
	"severity": "high",
	"reason": sprintf("rotation of %s failed (RotationFailed at %s)", [lib.event.secret_name, object.get(input.event, "time", "unknown time")]),
} if {
	input.event.kind == "service_event"
	input.event.name == "RotationFailed"
}
