# METADATA
# title: Secret is in use
# description: >-
#   The secret was accessed no more than unused_for_days days ago. The last
#   access is the latest of the secret's LastAccessedDate and its replicas'
#   ReplicationStatus[].LastAccessedDate, so a secret read only through a replica
#   counts as used; a secret never accessed is judged by its CreatedDate.
#   LastAccessedDate is day-granular (midnight UTC): the age is counted in
#   whole days, rounded down (input.ages). Not applicable to deleted secrets and
#   replicas (usage is judged on the primary, which sees every replica's last
#   access).
# scope: package
# custom:
#   id: unused
#   severity: medium
#   controls:
#     - SecretsManager.3
#     - config:secretsmanager-secret-unused
#   remediation: >-
#     Confirm with the owner that nothing reads the secret, then delete it with a
#     recovery window (aws secretsmanager delete-secret --secret-id ID
#     --recovery-window-in-days 30), or record an exception if it is kept for
#     break-glass use.
#   parameters:
#     - unused_for_days
#   inputs:
#     - ages.days
#     - ages.replica_access_days
#     - params.unused_for_days
#     - region
#     - secret.ARN
#     - secret.CreatedDate
#     - secret.DeletedDate
#     - secret.LastAccessedDate
#     - secret.PrimaryRegion
package posture.unused

import data.lib

# Every rule reads ages (input.ages), never timestamps, and tests the presence
# of a field directly in its body, so that its outcome is shared by every
# secret of the same ages.

skip contains lib.secret.deleted_reason if input.secret.DeletedDate

skip contains sprintf("replica of %s: usage is judged on the primary, which sees replica access", [primary]) if {
	primary := input.secret.PrimaryRegion
	primary != input.region
}

skip contains "neither LastAccessedDate nor CreatedDate is known" if {
	not input.secret.CreatedDate
	not input.secret.LastAccessedDate
	not input.ages.replica_access_days
}

skip contains lib.secret.ages_missing_reason if {
	input.secret.ARN
	not input.ages.days
}

# No access through a replica: the secret's own LastAccessedDate.
deny contains sprintf("last accessed %d days ago, exceeds %d", [days, limit]) if {
	not input.ages.replica_access_days
	days := input.ages.days.LastAccessedDate
	limit := input.params.unused_for_days
	days > limit
}

# Accessed through a replica: the latest access of the secret and its replicas.
deny contains sprintf("last accessed %d days ago%s, exceeds %d", [days, through_replica(days), limit]) if {
	replicas := input.ages.replica_access_days
	days := min({d | some d in replicas} | {d | d := input.ages.days.LastAccessedDate})
	limit := input.params.unused_for_days
	days > limit
}

deny contains sprintf("never accessed; created %d days ago, exceeds %d", [days, limit]) if {
	not input.secret.LastAccessedDate
	not input.ages.replica_access_days
	days := input.ages.days.CreatedDate
	limit := input.params.unused_for_days
	days > limit
}

# through_replica(days) names the replica regions of the latest access, unless
# the secret itself was accessed as recently.
through_replica(days) := "" if {
	input.ages.days.LastAccessedDate == days
} else := sprintf(" (in %s %s)", [noun, concat(", ", regions)]) if {
	regions := sort([region | some region, d in input.ages.replica_access_days; d == days])
	noun := {true: "replica", false: "replicas"}[count(regions) == 1]
}
