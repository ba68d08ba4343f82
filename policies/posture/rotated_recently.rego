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

# The skip reasons of lib.secret.rotation_skip, one rule each.
skip contains lib.secret.deleted_reason

skip contains lib.secret.rotation_replica_reason

skip contains lib.secret.managed_reason

skip contains "neither LastRotatedDate nor CreatedDate is known" if {
	not input.secret.LastRotatedDate
	not input.secret.CreatedDate
}

deny contains sprintf("last rotated %d days ago (%s), exceeds %d", [days, last, limit]) if {
	last := input.secret.LastRotatedDate
	limit := input.params.max_days_since_rotation
	ns := time.parse_rfc3339_ns(last)
	ns <= lib.time.now_ns - ((limit + 1) * lib.time.ns_per_day)
	count(skip) == 0
	days := floor((lib.time.now_ns - ns) / lib.time.ns_per_day)
}

deny contains sprintf("never rotated; created %d days ago (%s), exceeds %d", [days, created, limit]) if {
	not input.secret.LastRotatedDate
	created := input.secret.CreatedDate
	limit := input.params.max_days_since_rotation
	ns := time.parse_rfc3339_ns(created)
	ns <= lib.time.now_ns - ((limit + 1) * lib.time.ns_per_day)
	count(skip) == 0
	days := floor((lib.time.now_ns - ns) / lib.time.ns_per_day)
}
