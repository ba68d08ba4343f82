# Tests for posture.rotated_recently.
package posture.rotated_recently_test

import data.lib.fixtures
import data.posture.rotated_recently

test_allow_rotated_19_days_ago if {
	inp := fixtures.base
	count(rotated_recently.deny) == 0 with input as inp
	count(rotated_recently.skip) == 0 with input as inp
}

test_deny_rotated_long_ago if {
	inp := fixtures.secret({"LastRotatedDate": "2026-07-01T00:00:00Z"})
	rotated_recently.deny == {"last rotated 142 days ago, exceeds 90"} with input as inp
	fixtures.status(rotated_recently.skip, rotated_recently.deny) == "fail" with input as inp
}

test_allow_exactly_max_days if {
	inp := fixtures.secret({"LastRotatedDate": "2026-08-22T00:00:00Z"})
	inp.ages.days.LastRotatedDate == 90
	count(rotated_recently.deny) == 0 with input as inp
}

test_allow_within_the_91st_day if {
	inp := fixtures.secret({"LastRotatedDate": "2026-08-21T00:00:01Z"})
	inp.ages.days.LastRotatedDate == 90
	count(rotated_recently.deny) == 0 with input as inp
}

test_deny_one_day_over if {
	inp := fixtures.secret({"LastRotatedDate": "2026-08-21T00:00:00Z"})
	rotated_recently.deny == {"last rotated 91 days ago, exceeds 90"} with input as inp
}

test_deny_never_rotated_old_secret if {
	inp := fixtures.without(["LastRotatedDate"])
	rotated_recently.deny == {"never rotated; created 673 days ago, exceeds 90"} with input as inp
}

test_allow_never_rotated_new_secret if {
	inp := fixtures.merge(fixtures.without(["LastRotatedDate"]), {"secret": {"CreatedDate": "2026-10-01T00:00:00Z"}})
	count(rotated_recently.deny) == 0 with input as inp
}

test_allow_never_rotated_created_exactly_max_days_ago if {
	inp := fixtures.merge(fixtures.without(["LastRotatedDate"]), {"secret": {"CreatedDate": "2026-08-22T00:00:00Z"}})
	count(rotated_recently.deny) == 0 with input as inp
}

test_deny_never_rotated_created_one_day_over if {
	inp := fixtures.merge(fixtures.without(["LastRotatedDate"]), {"secret": {"CreatedDate": "2026-08-21T00:00:00Z"}})
	rotated_recently.deny == {"never rotated; created 91 days ago, exceeds 90"} with input as inp
}

test_allow_rotated_recently_old_secret if {
	inp := fixtures.secret({"LastRotatedDate": "2026-11-19T12:00:00Z", "CreatedDate": "2020-01-01T00:00:00Z"})
	count(rotated_recently.deny) == 0 with input as inp
}

test_deny_rotation_disabled_still_judged if {
	inp := fixtures.secret({"RotationEnabled": false, "LastRotatedDate": "2026-07-01T00:00:00Z"})
	count(rotated_recently.deny) == 1 with input as inp
	count(rotated_recently.skip) == 0 with input as inp
}

test_allow_overridden_max if {
	inp := fixtures.merge(fixtures.secret({"LastRotatedDate": "2026-07-01T00:00:00Z"}), {"params": {"max_days_since_rotation": 180}})
	count(rotated_recently.deny) == 0 with input as inp
}

test_skip_managed_by_rds if {
	inp := fixtures.secret({"OwningService": "rds", "LastRotatedDate": "2026-07-01T00:00:00Z"})
	rotated_recently.skip == {"managed by rds"} with input as inp
	fixtures.status(rotated_recently.skip, rotated_recently.deny) == "not_applicable" with input as inp
}

test_allow_empty_owning_service if {
	inp := fixtures.secret({"OwningService": ""})
	count(rotated_recently.skip) == 0 with input as inp
	count(rotated_recently.deny) == 0 with input as inp
}

test_skip_replica if {
	inp := fixtures.secret({"PrimaryRegion": "eu-west-1", "LastRotatedDate": "2026-07-01T00:00:00Z"})
	rotated_recently.skip == {"replica of eu-west-1: rotation is managed by the primary region"} with input as inp
	fixtures.status(rotated_recently.skip, rotated_recently.deny) == "not_applicable" with input as inp
}

test_allow_primary_of_replicated_secret if {
	inp := fixtures.secret({"PrimaryRegion": "us-east-1"})
	count(rotated_recently.skip) == 0 with input as inp
}

test_skip_deleted if {
	inp := fixtures.secret({"DeletedDate": "2026-11-18T10:00:00Z", "LastRotatedDate": "2026-07-01T00:00:00Z"})
	rotated_recently.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(rotated_recently.skip, rotated_recently.deny) == "not_applicable" with input as inp
}

test_skip_no_dates if {
	inp := fixtures.without(["LastRotatedDate", "CreatedDate"])
	rotated_recently.skip == {"neither LastRotatedDate nor CreatedDate is known"} with input as inp
}

test_skip_ages_missing if {
	inp := fixtures.without_ages(fixtures.secret({"LastRotatedDate": "2026-07-01T00:00:00Z"}))
	rotated_recently.skip == {data.lib.secret.ages_missing_reason} with input as inp
	count(rotated_recently.deny) == 0 with input as inp
}
