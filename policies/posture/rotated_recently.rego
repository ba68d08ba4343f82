# METADATA
# title: Secret was rotated recently
# description: >-
#   The secret was last rotated (LastRotatedDate; CreatedDate for a secret that
#   was never rotated) no more than max_days_since_rotation days ago, whether or
#   not automatic rotation is on. Not applicable to deleted secrets, replicas
#   (the primary rotates them) and secrets managed by another AWS service
#   (OwningService), which rotates them itself.
# scope: package
# custom:
#   id: rotated-recently
#   severity: medium
#   controls:
#     - SecretsManager.4
#     - config:secretsmanager-secret-periodic-rotation
#   remediation: >-
#     Rotate the secret now (aws secretsmanager rotate-secret --secret-id ID) and
#     turn on automatic rotation with a schedule shorter than
#     max_days_since_rotation.
#   parameters:
#     - max_days_since_rotation
package posture.rotated_recently

import data.lib

skip contains lib.secret.deleted_reason

skip contains lib.secret.rotation_replica_reason

skip contains lib.secret.managed_reason

skip contains "neither LastRotatedDate nor CreatedDate is known" if not lib.secret.last_rotation

deny contains sprintf("last rotated %d days ago (%s), exceeds %d", [days, last, input.params.max_days_since_rotation]) if {
	last := input.secret.LastRotatedDate
	days := lib.time.days_since(last)
	days > input.params.max_days_since_rotation
	count(skip) == 0
}

deny contains sprintf("never rotated; created %d days ago (%s), exceeds %d", [days, created, input.params.max_days_since_rotation]) if {
	not input.secret.LastRotatedDate
	created := input.secret.CreatedDate
	days := lib.time.days_since(created)
	days > input.params.max_days_since_rotation
	count(skip) == 0
}
