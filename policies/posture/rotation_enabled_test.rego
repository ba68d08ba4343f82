# Tests for posture.rotation_enabled (schedule parsing: lib/schedule_test.rego).
package posture.rotation_enabled_test

import data.lib.fixtures
import data.posture.rotation_enabled

test_allow_rotation_every_30_days if {
	inp := fixtures.base
	count(rotation_enabled.deny) == 0 with input as inp
	count(rotation_enabled.skip) == 0 with input as inp
}

test_allow_interval_equal_to_max if {
	inp := fixtures.rotation_rules({"AutomaticallyAfterDays": 90})
	count(rotation_enabled.deny) == 0 with input as inp
}

test_deny_rotation_disabled if {
	inp := fixtures.secret({"RotationEnabled": false})
	rotation_enabled.deny == {"automatic rotation is not enabled"} with input as inp
}

test_deny_rotation_enabled_absent if {
	inp := fixtures.without(["RotationEnabled", "RotationRules", "RotationLambdaARN", "NextRotationDate"])
	rotation_enabled.deny == {"automatic rotation is not enabled"} with input as inp
}

test_deny_interval_exceeds_max if {
	inp := fixtures.rotation_rules({"AutomaticallyAfterDays": 120})
	rotation_enabled.deny == {"rotation interval 120 days exceeds 90"} with input as inp
}

test_allow_interval_within_overridden_max if {
	inp := fixtures.merge(fixtures.rotation_rules({"AutomaticallyAfterDays": 120}), {"params": {"max_rotation_days": 180}})
	count(rotation_enabled.deny) == 0 with input as inp
}

test_deny_rate_expression_exceeds_max if {
	inp := fixtures.rotation_rules({"ScheduleExpression": "rate(120 days)", "Duration": "2h"})
	rotation_enabled.deny == {"rotation interval 120 days (rate(120 days)) exceeds 90"} with input as inp
}

test_deny_rate_expression_reported_with_days if {
	inp := fixtures.rotation_rules({"ScheduleExpression": "rate(120 days)", "AutomaticallyAfterDays": 120})
	rotation_enabled.deny == {"rotation interval 120 days exceeds 90"} with input as inp
}

test_allow_rate_in_hours if {
	inp := fixtures.rotation_rules({"ScheduleExpression": "rate(4 hours)"})
	count(rotation_enabled.deny) == 0 with input as inp
}

test_allow_cron_weekly if {
	inp := fixtures.rotation_rules({"ScheduleExpression": "cron(0 16 ? * SUN *)", "Duration": "3h"})
	count(rotation_enabled.deny) == 0 with input as inp
}

test_deny_cron_nth_weekday_over_lower_max if {
	inp := fixtures.merge(
		fixtures.rotation_rules({"ScheduleExpression": "cron(0 0 ? * 2#1 *)"}),
		{"params": {"max_rotation_days": 30}},
	)
	rotation_enabled.deny == {"rotation schedule cron(0 0 ? * 2#1 *) runs up to 35 days apart, which exceeds 30"} with input as inp
}

test_deny_cron_every_six_months if {
	inp := fixtures.rotation_rules({"ScheduleExpression": "cron(0 0 1 1/6 ? *)"})
	rotation_enabled.deny == {"rotation schedule cron(0 0 1 1/6 ? *) runs up to 186 days apart, which exceeds 90"} with input as inp
}

test_deny_cron_quarterly_over_default if {
	inp := fixtures.rotation_rules({"ScheduleExpression": "cron(0 0 1 1,4,7,10 ? *)"})
	rotation_enabled.deny == {"rotation schedule cron(0 0 1 1,4,7,10 ? *) runs up to 93 days apart, which exceeds 90"} with input as inp
}

test_allow_cron_quarterly_with_overridden_max if {
	inp := fixtures.merge(fixtures.rotation_rules({"ScheduleExpression": "cron(0 0 1 1,4,7,10 ? *)"}), {"params": {"max_rotation_days": 100}})
	count(rotation_enabled.deny) == 0 with input as inp
}

test_allow_unreadable_schedule if {
	inp := fixtures.rotation_rules({"ScheduleExpression": "cron(bad)"})
	count(rotation_enabled.deny) == 0 with input as inp
}

test_skip_deleted if {
	inp := fixtures.secret({"RotationEnabled": false, "DeletedDate": "2026-11-18T10:00:00Z"})
	rotation_enabled.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(rotation_enabled.skip, rotation_enabled.deny) == "not_applicable" with input as inp
}

test_skip_replica if {
	inp := fixtures.merge(fixtures.secret({"RotationEnabled": false, "PrimaryRegion": "us-west-2"}), {"region": "us-east-1"})
	rotation_enabled.skip == {"replica of us-west-2: rotation is managed by the primary region"} with input as inp
	fixtures.status(rotation_enabled.skip, rotation_enabled.deny) == "not_applicable" with input as inp
}

test_deny_primary_naming_its_own_region if {
	inp := fixtures.secret({"RotationEnabled": false, "PrimaryRegion": "us-east-1"})
	count(rotation_enabled.skip) == 0 with input as inp
	rotation_enabled.deny == {"automatic rotation is not enabled"} with input as inp
}

test_skip_managed_by_rds if {
	inp := fixtures.secret({"RotationEnabled": false, "OwningService": "rds"})
	rotation_enabled.skip == {"managed by rds"} with input as inp
	fixtures.status(rotation_enabled.skip, rotation_enabled.deny) == "not_applicable" with input as inp
}
