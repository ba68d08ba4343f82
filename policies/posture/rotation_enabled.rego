# METADATA
# title: Automatic rotation is enabled
# description: >-
#   The secret has automatic rotation turned on, and its schedule rotates it at
#   least every max_rotation_days days. The interval is
#   RotationRules.AutomaticallyAfterDays when present (AWS reports it for rate()
#   schedules too), else the longest gap RotationRules.ScheduleExpression allows
#   (lib.schedule: N for rate(N days); for cron() 7 days for daily or weekly
#   schedules, 35 for the Nth or last weekday of the month, 31 for days of the
#   month, 62 when every listed day is after the 28th, and 31 per month of the
#   longest gap between the allowed months); an expression it cannot read is not
#   judged. Not applicable to deleted secrets, replicas (the primary rotates
#   them) and secrets managed by another AWS service (OwningService, e.g. RDS
#   rotates its master user secrets itself).
# scope: package
# custom:
#   id: rotation-enabled
#   severity: high
#   controls:
#     - SecretsManager.1
#     - config:secretsmanager-rotation-enabled-check
#   remediation: >-
#     Turn on automatic rotation (aws secretsmanager rotate-secret --secret-id ID
#     --rotation-lambda-arn ARN --rotation-rules AutomaticallyAfterDays=30) with a
#     schedule no longer than max_rotation_days.
#   parameters:
#     - max_rotation_days
#   inputs:
#     - params.max_rotation_days
#     - region
#     - secret.DeletedDate
#     - secret.OwningService
#     - secret.PrimaryRegion
#     - secret.RotationEnabled
#     - secret.RotationRules
package posture.rotation_enabled

import data.lib

# The skip reasons of lib.secret.rotation_skip. Each rule first tests that its
# field is present (whatever its value), so that a plain secret evaluates no
# message.
skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

skip contains lib.secret.rotation_replica_reason if _ = input.secret.PrimaryRegion

skip contains lib.secret.managed_reason if _ = input.secret.OwningService

deny contains "automatic rotation is not enabled" if {
	not input.secret.RotationEnabled
}

deny contains sprintf("rotation interval %d days exceeds %d", [days, input.params.max_rotation_days]) if {
	input.secret.RotationEnabled == true
	days := input.secret.RotationRules.AutomaticallyAfterDays
	days > input.params.max_rotation_days
}

deny contains sprintf("rotation interval %d days (%s) exceeds %d", [days, expr, input.params.max_rotation_days]) if {
	input.secret.RotationEnabled == true
	not input.secret.RotationRules.AutomaticallyAfterDays
	expr := input.secret.RotationRules.ScheduleExpression
	days := lib.schedule.rate_days(expr)
	days > input.params.max_rotation_days
}

deny contains sprintf("rotation schedule %s runs up to %d days apart, which exceeds %d", [expr, days, input.params.max_rotation_days]) if {
	input.secret.RotationEnabled == true
	not input.secret.RotationRules.AutomaticallyAfterDays
	expr := input.secret.RotationRules.ScheduleExpression
	days := lib.schedule.cron_days(expr)
	days > input.params.max_rotation_days
}
