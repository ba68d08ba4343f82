# METADATA
# title: Scheduled rotation is succeeding
# description: >-
#   For a secret with automatic rotation on: the scheduled rotation is not overdue
#   (NextRotationDate, or when it is absent LastRotatedDate/CreatedDate plus
#   AutomaticallyAfterDays, lies no more than rotation_overdue_grace_hours in the
#   past), and the latest rotation did not fail: no version carries AWSPENDING
#   without AWSCURRENT for longer than the grace period since LastChangedDate (a
#   rotation that is still running leaves such a version for minutes). Applies to
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
#     - now
#     - params.rotation_overdue_grace_hours
#     - region
#     - secret.CreatedDate
#     - secret.DeletedDate
#     - secret.LastChangedDate
#     - secret.LastRotatedDate
#     - secret.NextRotationDate
#     - secret.PrimaryRegion
#     - secret.RotationEnabled
#     - secret.RotationRules.AutomaticallyAfterDays
#     - secret.VersionIdsToStages
package posture.rotation_succeeding

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

skip contains lib.secret.rotation_replica_reason if _ = input.secret.PrimaryRegion

skip contains "automatic rotation is not enabled (see rotation-enabled)" if not input.secret.RotationEnabled

deny contains msg if {
	next := input.secret.NextRotationDate
	grace := input.params.rotation_overdue_grace_hours
	ns := time.parse_rfc3339_ns(next)
	ns < lib.time.now_ns - (grace * lib.time.ns_per_hour)
	count(skip) == 0
	msg := sprintf(
		"scheduled rotation is overdue: NextRotationDate %s is %s past (grace %d hours)",
		[next, lib.time.age_text(floor((lib.time.now_ns - ns) / lib.time.ns_per_hour)), grace],
	)
}

deny contains msg if {
	not input.secret.NextRotationDate
	days := input.secret.RotationRules.AutomaticallyAfterDays
	last := lib.secret.last_rotation
	grace := input.params.rotation_overdue_grace_hours
	overdue_ns := (lib.time.now_ns - time.parse_rfc3339_ns(last)) - (days * lib.time.ns_per_day)
	overdue_ns > grace * lib.time.ns_per_hour
	count(skip) == 0
	msg := sprintf(
		"scheduled rotation is overdue: last rotation %s plus %d days (AutomaticallyAfterDays) is %s past (grace %d hours)",
		[last, days, lib.time.age_text(floor(overdue_ns / lib.time.ns_per_hour)), grace],
	)
}

deny contains msg if {
	some version, stages in input.secret.VersionIdsToStages
	"AWSPENDING" in stages
	not "AWSCURRENT" in stages
	changed := input.secret.LastChangedDate
	grace := input.params.rotation_overdue_grace_hours
	time.parse_rfc3339_ns(changed) < lib.time.now_ns - (grace * lib.time.ns_per_hour)
	count(skip) == 0
	msg := sprintf(
		"latest rotation did not complete: version %s has been AWSPENDING without AWSCURRENT since LastChangedDate %s, more than %d hours ago",
		[version, changed, grace],
	)
}
