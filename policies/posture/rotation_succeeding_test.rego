# Tests for posture.rotation_succeeding.
package posture.rotation_succeeding_test

import data.lib.fixtures
import data.posture.rotation_succeeding

test_allow_next_rotation_in_the_future if {
	inp := fixtures.base
	count(rotation_succeeding.deny) == 0 with input as inp
	count(rotation_succeeding.skip) == 0 with input as inp
}

test_deny_overdue if {
	inp := fixtures.secret({"NextRotationDate": "2026-11-01T00:00:00Z", "LastRotatedDate": "2026-10-02T00:00:00Z"})
	rotation_succeeding.deny == {"scheduled rotation is overdue: NextRotationDate is 19 days past (grace 24 hours)"} with input as inp
	fixtures.status(rotation_succeeding.skip, rotation_succeeding.deny) == "fail" with input as inp
}

test_allow_overdue_within_grace if {
	inp := fixtures.secret({"NextRotationDate": "2026-11-19T06:00:00Z"})
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_allow_overdue_exactly_the_grace if {
	inp := fixtures.secret({"NextRotationDate": "2026-11-19T00:00:00Z"})
	inp.ages.hours.NextRotationDate == 24
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_allow_overdue_within_the_25th_hour if {
	inp := fixtures.secret({"NextRotationDate": "2026-11-18T23:00:01Z"})
	inp.ages.hours.NextRotationDate == 24
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_deny_overdue_one_hour_over_the_grace if {
	inp := fixtures.secret({"NextRotationDate": "2026-11-18T23:00:00Z"})
	rotation_succeeding.deny == {"scheduled rotation is overdue: NextRotationDate is 25 hours past (grace 24 hours)"} with input as inp
}

test_deny_overdue_just_past_grace if {
	inp := fixtures.secret({"NextRotationDate": "2026-11-18T20:00:00Z"})
	rotation_succeeding.deny == {"scheduled rotation is overdue: NextRotationDate is 28 hours past (grace 24 hours)"} with input as inp
}

test_allow_overdue_within_overridden_grace if {
	inp := fixtures.merge(fixtures.secret({"NextRotationDate": "2026-11-18T20:00:00Z"}), {"params": {"rotation_overdue_grace_hours": 48}})
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_deny_overdue_without_next_rotation_date if {
	inp := fixtures.merge(fixtures.without(["NextRotationDate"]), {"secret": {"LastRotatedDate": "2026-09-01T00:00:00Z"}})
	rotation_succeeding.deny == {"scheduled rotation is overdue: LastRotatedDate plus 30 days (AutomaticallyAfterDays) is 50 days past (grace 24 hours)"} with input as inp
}

test_allow_without_next_rotation_date_exactly_the_grace if {
	# 30 days and 24 hours ago.
	inp := fixtures.merge(fixtures.without(["NextRotationDate"]), {"secret": {"LastRotatedDate": "2026-10-20T00:00:00Z"}})
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_deny_without_next_rotation_date_one_hour_over_the_grace if {
	inp := fixtures.merge(fixtures.without(["NextRotationDate"]), {"secret": {"LastRotatedDate": "2026-10-19T23:00:00Z"}})
	rotation_succeeding.deny == {"scheduled rotation is overdue: LastRotatedDate plus 30 days (AutomaticallyAfterDays) is 25 hours past (grace 24 hours)"} with input as inp
}

test_deny_never_rotated_without_next_rotation_date if {
	inp := fixtures.without(["NextRotationDate", "LastRotatedDate"])
	rotation_succeeding.deny == {"scheduled rotation is overdue: never rotated; CreatedDate plus 30 days (AutomaticallyAfterDays) is 643 days past (grace 24 hours)"} with input as inp
}

test_allow_never_rotated_young_secret_without_next_rotation_date if {
	inp := fixtures.merge(fixtures.without(["NextRotationDate", "LastRotatedDate"]), {"secret": {"CreatedDate": "2026-11-01T00:00:00Z"}})
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_allow_without_next_rotation_date_or_schedule_days if {
	inp := fixtures.merge(
		fixtures.put(fixtures.base, "secret", object.remove(fixtures.base.secret, ["NextRotationDate", "RotationRules"])),
		{"secret": {"LastRotatedDate": "2026-01-01T00:00:00Z", "RotationRules": {"ScheduleExpression": "rate(10 days)"}}},
	)
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_deny_stale_pending_version if {
	inp := fixtures.secret({
		"LastChangedDate": "2026-11-10T00:00:00Z",
		"VersionIdsToStages": {"v3": ["AWSPENDING"], "v2": ["AWSCURRENT"]},
	})
	["AWSPENDING"] in inp.version_stages
	rotation_succeeding.deny == {"latest rotation did not complete: a version has been AWSPENDING without AWSCURRENT since LastChangedDate, 10 days ago (grace 24 hours)"} with input as inp
}

test_deny_stale_pending_version_just_past_grace if {
	inp := fixtures.secret({
		"LastChangedDate": "2026-11-18T18:00:00Z",
		"VersionIdsToStages": {"v3": ["AWSPENDING"], "v2": ["AWSCURRENT", "custom"], "v1": ["AWSPREVIOUS"]},
	})
	rotation_succeeding.deny == {"latest rotation did not complete: a version has been AWSPENDING without AWSCURRENT since LastChangedDate, 30 hours ago (grace 24 hours)"} with input as inp
}

test_allow_stale_pending_version_exactly_the_grace if {
	inp := fixtures.secret({
		"LastChangedDate": "2026-11-19T00:00:00Z",
		"VersionIdsToStages": {"v3": ["AWSPENDING"], "v2": ["AWSCURRENT"]},
	})
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_allow_rotation_in_progress if {
	inp := fixtures.secret({
		"LastChangedDate": "2026-11-19T23:30:00Z",
		"VersionIdsToStages": {"v3": ["AWSPENDING"], "v2": ["AWSCURRENT"]},
	})
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_allow_pending_label_on_current_version if {
	inp := fixtures.secret({
		"LastChangedDate": "2026-11-10T00:00:00Z",
		"VersionIdsToStages": {"v2": ["AWSCURRENT", "AWSPENDING"]},
	})
	count(rotation_succeeding.deny) == 0 with input as inp
}

test_deny_overdue_and_failed if {
	inp := fixtures.secret({
		"NextRotationDate": "2026-11-01T00:00:00Z",
		"LastChangedDate": "2026-11-01T00:00:00Z",
		"VersionIdsToStages": {"v3": ["AWSPENDING"], "v2": ["AWSCURRENT"]},
	})
	count(rotation_succeeding.deny) == 2 with input as inp
}

test_deny_service_managed_secret_overdue if {
	inp := fixtures.secret({"OwningService": "rds", "NextRotationDate": "2026-11-01T00:00:00Z"})
	count(rotation_succeeding.skip) == 0 with input as inp
	count(rotation_succeeding.deny) == 1 with input as inp
}

test_skip_rotation_disabled if {
	inp := fixtures.secret({"RotationEnabled": false, "NextRotationDate": "2026-11-01T00:00:00Z"})
	rotation_succeeding.skip == {"automatic rotation is not enabled (see rotation-enabled)"} with input as inp
	fixtures.status(rotation_succeeding.skip, rotation_succeeding.deny) == "not_applicable" with input as inp
}

test_skip_replica if {
	inp := fixtures.secret({"PrimaryRegion": "eu-west-1", "NextRotationDate": "2026-11-01T00:00:00Z"})
	rotation_succeeding.skip == {"replica of eu-west-1: rotation is managed by the primary region"} with input as inp
	fixtures.status(rotation_succeeding.skip, rotation_succeeding.deny) == "not_applicable" with input as inp
}

test_skip_deleted if {
	inp := fixtures.secret({"DeletedDate": "2026-11-18T10:00:00Z", "NextRotationDate": "2026-11-01T00:00:00Z"})
	rotation_succeeding.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(rotation_succeeding.skip, rotation_succeeding.deny) == "not_applicable" with input as inp
}

test_skip_ages_missing if {
	inp := fixtures.without_ages(fixtures.secret({"NextRotationDate": "2026-11-01T00:00:00Z"}))
	rotation_succeeding.skip == {data.lib.secret.ages_missing_reason} with input as inp
	count(rotation_succeeding.deny) == 0 with input as inp
}
