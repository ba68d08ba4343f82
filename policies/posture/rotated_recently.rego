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
#   inputs:
#     - now
#     - params.max_days_since_rotation
#     - region
#     - secret.CreatedDate
#     - secret.DeletedDate
#     - secret.LastRotatedDate
#     - secret.OwningService
#     - secret.PrimaryRegion
package posture.rotated_recently

import data.lib

# The skip reasons of lib.secret.rotation_skip. Each rule first tests that its
# field is present (whatever its value), so that a plain secret evaluates no
# message.
skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

skip contains lib.secret.rotation_replica_reason if _ = input.secret.PrimaryRegion

skip contains lib.secret.managed_reason if _ = input.secret.OwningService

skip contains "neither LastRotatedDate nor CreatedDate is known" if {
	not input.secret.LastRotatedDate
	not input.secret.CreatedDate
}

# lib.time.older_than_days and lib.time.days_since, inlined on the parsed date
# (86400000000000 ns per day).
deny contains sprintf("last rotated %d days ago (%s), exceeds %d", [days, last, limit]) if {
	last := input.secret.LastRotatedDate
	limit := input.params.max_days_since_rotation
	ns := time.parse_rfc3339_ns(last)
	ns <= lib.time.now_ns - ((limit + 1) * 86400000000000)
	count(skip) == 0
	days := floor((lib.time.now_ns - ns) / 86400000000000)
}

deny contains sprintf("never rotated; created %d days ago (%s), exceeds %d", [days, created, limit]) if {
	not input.secret.LastRotatedDate
	created := input.secret.CreatedDate
	limit := input.params.max_days_since_rotation
	ns := time.parse_rfc3339_ns(created)
	ns <= lib.time.now_ns - ((limit + 1) * 86400000000000)
	count(skip) == 0
	days := floor((lib.time.now_ns - ns) / 86400000000000)
}
