# Tests for events.access_denied_burst.
package events.access_denied_burst_test

import data.events.access_denied_burst
import data.lib.fixtures

denied(code, n) := fixtures.merge(
	fixtures.event_by(fixtures.outsider, {"name": "GetSecretValue", "error_code": code, "error_message": "not authorized"}),
	{"history": {"access_denied_count": n}},
)

test_respond_at_threshold if {
	inp := denied("AccessDenied", 5)
	access_denied_burst.respond == {{
		"kind": "alert",
		"severity": "high",
		"reason": "5 access-denied value reads of payments/db (threshold 5), latest GetSecretValue by arn:aws:iam::444455556666:role/vendor",
	}} with input as inp
}

test_respond_access_denied_exception if {
	inp := denied("AccessDeniedException", 12)
	count(access_denied_burst.respond) == 1 with input as inp
}

test_respond_with_lower_threshold if {
	inp := fixtures.merge(denied("AccessDenied", 2), {"params": {"access_denied_burst": 2}})
	count(access_denied_burst.respond) == 1 with input as inp
}

test_ignore_below_threshold if {
	inp := denied("AccessDenied", 4)
	count(access_denied_burst.respond) == 0 with input as inp
}

test_ignore_other_errors if {
	inp := denied("ThrottlingException", 50)
	count(access_denied_burst.respond) == 0 with input as inp
}

test_ignore_successful_read if {
	inp := fixtures.merge(fixtures.event({"name": "GetSecretValue"}), {"history": {"access_denied_count": 9}})
	count(access_denied_burst.respond) == 0 with input as inp
}

test_ignore_other_calls if {
	inp := fixtures.merge(denied("AccessDenied", 9), {"event": {"name": "DescribeSecret"}})
	count(access_denied_burst.respond) == 0 with input as inp
}
