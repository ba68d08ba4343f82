# METADATA
# title: Rotation cancelled
# description: >-
#   A successful CancelRotateSecret turned automatic rotation off for the secret.
#   Medium alert: the secret will no longer be rotated.
# scope: package
# custom:
#   id: rotation-cancelled
#   severity: medium
#   controls:
#     - SecretsManager.1
#   remediation: >-
#     Ask the caller why; turn rotation back on (aws secretsmanager rotate-secret
#     --secret-id ID --rotation-rules …) or record an exception for
#     rotation-enabled with an expiry.
#   parameters: []
package events.rotation_cancelled

import data.lib

respond contains {
	"kind": "alert",
	"severity": "medium",
	"reason": sprintf("CancelRotateSecret by %s turned off automatic rotation of %s", [lib.event.actor, lib.event.secret_name]),
} if {
	input.event.name == "CancelRotateSecret" # cheap guard before the call
	lib.event.succeeded_call("CancelRotateSecret")
}
