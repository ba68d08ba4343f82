# Tests for lib.time.
package lib.time_test

import data.lib.fixtures
import data.lib.time as ltime

test_days_since_rounds_down if {
	ltime.days_since("2026-11-19T00:00:01Z") == 0 with input as fixtures.base
	ltime.days_since("2026-11-19T00:00:00Z") == 1 with input as fixtures.base
	ltime.days_since("2026-08-22T00:00:00Z") == 90 with input as fixtures.base
	ltime.days_since("2025-01-15T09:30:00Z") == 673 with input as fixtures.base
}

test_days_since_accepts_fractions_and_offsets if {
	ltime.days_since("2026-11-18T23:59:59.999Z") == 1 with input as fixtures.base
	ltime.days_since("2026-11-19T02:00:00+02:00") == 1 with input as fixtures.base
}

test_days_since_future_is_negative if {
	ltime.days_since("2026-11-25T00:00:00Z") == -5 with input as fixtures.base
}

test_older_than_days_matches_days_since if {
	not ltime.older_than_days("2026-08-22T00:00:00Z", 90) with input as fixtures.base
	not ltime.older_than_days("2026-08-21T00:00:01Z", 90) with input as fixtures.base
	ltime.older_than_days("2026-08-21T00:00:00Z", 90) with input as fixtures.base
	ltime.days_since("2026-08-21T00:00:00Z") == 91 with input as fixtures.base
	ltime.days_since("2026-08-21T00:00:01Z") == 90 with input as fixtures.base
}

test_age_text if {
	ltime.age_text(28) == "28 hours"
	ltime.age_text(47) == "47 hours"
	ltime.age_text(48) == "2 days"
	ltime.age_text(100) == "4 days"
}

test_date if {
	ltime.date("2026-08-01T00:00:00Z") == "2026-08-01"
}
