# METADATA
# title: Secret was rotated recently
# description: >-
#   The secret was last rotated (LastRotatedDate; CreatedDate for a secret that
#   was never rotated) no more than max_days_since_rotation days ago, whether or
#   not automatic rotation is on; ages are whole days rounded down (input.ages).
#   Not applicable to deleted secrets, replicas (the primary rotates them) and
#   secrets managed by another AWS service (OwningService), which rotates them
#   itself.
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
#   inputs:
#     - ages.days
#     - params.max_days_since_rotation
#     - region
#     - secret.ARN
#     - secret.CreatedDate
#     - secret.DeletedDate
#     - secret.LastRotatedDate
#     - secret.OwningService
#     - secret.PrimaryRegion
package posture.rotated_recently

import data.lib

# The skip reasons of lib.secret.rotation_skip. Each rule first tests that its
# field is present (whatever its value), so that a plain secret evaluates no
# message. Every rule reads ages (input.ages), never timestamps, and tests the
# presence of a field directly in its body, so that its outcome is shared by
# every secret of the same ages.
skip contains lib.secret.deleted_reason if input.secret.DeletedDate

skip contains lib.secret.rotation_replica_reason if input.secret.PrimaryRegion

skip contains lib.secret.managed_reason if input.secret.OwningService

skip contains "neither LastRotatedDate nor CreatedDate is known" if {
	not input.secret.LastRotatedDate
	not input.secret.CreatedDate
}

skip contains lib.secret.ages_missing_reason if {
	input.secret.ARN
	not input.ages.days
}

deny contains sprintf("last rotated %d days ago, exceeds %d", [days, limit]) if {
	days := input.ages.days.LastRotatedDate
	limit := input.params.max_days_since_rotation
	days > limit
}

deny contains sprintf("never rotated; created %d days ago, exceeds %d", [days, limit]) if {
	not input.secret.LastRotatedDate
	days := input.ages.days.CreatedDate
	limit := input.params.max_days_since_rotation
	days > limit
}
