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
	rotated_recently.deny == {"last rotated 142 days ago (2026-07-01T00:00:00Z), exceeds 90"} with input as inp
}

test_allow_exactly_max_days if {
	inp := fixtures.secret({"LastRotatedDate": "2026-08-22T00:00:00Z"})
	count(rotated_recently.deny) == 0 with input as inp
}

test_allow_within_the_90th_day if {
	inp := fixtures.secret({"LastRotatedDate": "2026-08-21T23:00:00Z"})
	count(rotated_recently.deny) == 0 with input as inp
}

test_deny_one_day_over if {
	inp := fixtures.secret({"LastRotatedDate": "2026-08-21T00:00:00Z"})
	rotated_recently.deny == {"last rotated 91 days ago (2026-08-21T00:00:00Z), exceeds 90"} with input as inp
}

test_deny_never_rotated_old_secret if {
	inp := fixtures.without(["LastRotatedDate"])
	rotated_recently.deny == {"never rotated; created 673 days ago (2025-01-15T09:30:00Z), exceeds 90"} with input as inp
}

test_allow_never_rotated_new_secret if {
	inp := fixtures.merge(fixtures.without(["LastRotatedDate"]), {"secret": {"CreatedDate": "2026-10-01T00:00:00Z"}})
	count(rotated_recently.deny) == 0 with input as inp
}

test_deny_rotation_disabled_still_judged if {
	inp := fixtures.secret({"RotationEnabled": false, "LastRotatedDate": "2026-07-01T00:00:00Z"})
	count(rotated_recently.deny) == 1 with input as inp
}

test_allow_overridden_max if {
	inp := fixtures.merge(fixtures.secret({"LastRotatedDate": "2026-07-01T00:00:00Z"}), {"params": {"max_days_since_rotation": 180}})
	count(rotated_recently.deny) == 0 with input as inp
}

test_skip_managed_by_rds if {
	inp := fixtures.secret({"OwningService": "rds", "LastRotatedDate": "2026-07-01T00:00:00Z"})
	rotated_recently.skip == {"managed by rds"} with input as inp
	count(rotated_recently.deny) == 0 with input as inp
}

test_skip_replica if {
	inp := fixtures.secret({"PrimaryRegion": "eu-west-1", "LastRotatedDate": "2026-07-01T00:00:00Z"})
	rotated_recently.skip == {"replica of eu-west-1: rotation is managed by the primary region"} with input as inp
	count(rotated_recently.deny) == 0 with input as inp
}

test_skip_deleted if {
	inp := fixtures.secret({"DeletedDate": "2026-11-18T10:00:00Z", "LastRotatedDate": "2026-07-01T00:00:00Z"})
	rotated_recently.skip == {"secret is scheduled for deletion (DeletedDate 2026-11-18T10:00:00Z)"} with input as inp
	count(rotated_recently.deny) == 0 with input as inp
}

test_skip_no_dates if {
	inp := fixtures.without(["LastRotatedDate", "CreatedDate"])
	rotated_recently.skip == {"neither LastRotatedDate nor CreatedDate is known"} with input as inp
}
