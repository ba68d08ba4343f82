# Tests for events.rotation_cancelled.
package events.rotation_cancelled_test

import data.events.rotation_cancelled
import data.lib.fixtures

test_respond_cancel_rotate_secret if {
	inp := fixtures.event({"name": "CancelRotateSecret", "request": {"secretId": "payments/db"}})
	rotation_cancelled.respond == {{
		"kind": "alert",
		"severity": "medium",
		"reason": "CancelRotateSecret by arn:aws:iam::111122223333:role/deployer turned off automatic rotation of payments/db",
	}} with input as inp
}

test_ignore_failed_cancel if {
	inp := fixtures.event({"name": "CancelRotateSecret", "error_code": "AccessDenied"})
	count(rotation_cancelled.respond) == 0 with input as inp
}

test_ignore_rotate_secret if {
	inp := fixtures.event({"name": "RotateSecret"})
	count(rotation_cancelled.respond) == 0 with input as inp
}
