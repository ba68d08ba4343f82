# METADATA
# title: Scheduled rotation is succeeding
# description: >-
#   For a secret with automatic rotation on: the scheduled rotation is not overdue
#   (NextRotationDate, or when it is absent LastRotatedDate/CreatedDate plus
#   AutomaticallyAfterDays, lies no more than rotation_overdue_grace_hours in the
#   past), and the latest rotation did not fail: no version carries AWSPENDING
#   without AWSCURRENT for longer than the grace period since LastChangedDate (a
#   rotation that is still running leaves such a version for minutes). Ages are
#   whole hours rounded down (input.ages): overdue means more than
#   rotation_overdue_grace_hours whole hours past. Applies to
#   secrets managed by another service too; not applicable to deleted secrets,
#   replicas (the primary rotates them) and secrets without automatic rotation
#   (see rotation-enabled).
# scope: package
# custom:
#   id: rotation-succeeding
#   severity: high
#   controls:
#     - SecretsManager.2
#     - config:secretsmanager-scheduled-rotation-success-check
#   remediation: >-
#     Inspect the rotation function's CloudWatch logs, fix the cause (network
#     access to the database and to Secrets Manager, permissions, the function's
#     steps), then run aws secretsmanager rotate-secret --secret-id ID. If a stale
#     AWSPENDING version is left, remove its label with update-secret-version-stage.
#   parameters:
#     - rotation_overdue_grace_hours
#   inputs:
#     - ages.hours
#     - params.rotation_overdue_grace_hours
#     - region
#     - secret.ARN
#     - secret.DeletedDate
#     - secret.LastRotatedDate
#     - secret.NextRotationDate
#     - secret.PrimaryRegion
#     - secret.RotationEnabled
#     - secret.RotationRules.AutomaticallyAfterDays
#     - version_stages
package posture.rotation_succeeding

import data.lib

# Every rule reads ages (input.ages) and version stages without version ids
# (input.version_stages), never timestamps or version ids, and tests the
# presence of a field directly in its body, so that its outcome is shared by
# every secret of the same ages.

skip contains lib.secret.deleted_reason if input.secret.DeletedDate

skip contains lib.secret.rotation_replica_reason if input.secret.PrimaryRegion

skip contains "automatic rotation is not enabled (see rotation-enabled)" if not input.secret.RotationEnabled

skip contains lib.secret.ages_missing_reason if {
	input.secret.ARN
	not input.ages.hours
}

deny contains msg if {
	hours := input.ages.hours.NextRotationDate
	grace := input.params.rotation_overdue_grace_hours
	hours > grace
	msg := sprintf(
		"scheduled rotation is overdue: NextRotationDate is %s past (grace %d hours)",
		[lib.time.age_text(hours), grace],
	)
}

deny contains msg if {
	not input.secret.NextRotationDate
	days := input.secret.RotationRules.AutomaticallyAfterDays
	overdue := input.ages.hours.LastRotatedDate - (days * 24)
	grace := input.params.rotation_overdue_grace_hours
	overdue > grace
	msg := sprintf(
		"scheduled rotation is overdue: LastRotatedDate plus %d days (AutomaticallyAfterDays) is %s past (grace %d hours)",
		[days, lib.time.age_text(overdue), grace],
	)
}

deny contains msg if {
	not input.secret.NextRotationDate
	not input.secret.LastRotatedDate
	days := input.secret.RotationRules.AutomaticallyAfterDays
	overdue := input.ages.hours.CreatedDate - (days * 24)
	grace := input.params.rotation_overdue_grace_hours
	overdue > grace
	msg := sprintf(
		"scheduled rotation is overdue: never rotated; CreatedDate plus %d days (AutomaticallyAfterDays) is %s past (grace %d hours)",
		[days, lib.time.age_text(overdue), grace],
	)
}

deny contains msg if {
	some stages in input.version_stages
	"AWSPENDING" in stages
	not "AWSCURRENT" in stages
	hours := input.ages.hours.LastChangedDate
	grace := input.params.rotation_overdue_grace_hours
	hours > grace
	msg := sprintf(
		"latest rotation did not complete: a version has been AWSPENDING without AWSCURRENT since LastChangedDate, %s ago (grace %d hours)",
		[lib.time.age_text(hours), grace],
	)
}
