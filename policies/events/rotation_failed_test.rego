# Tests for events.rotation_failed.
package events.rotation_failed_test

import data.events.rotation_failed
import data.lib.fixtures

service_event(name) := fixtures.event_by(
	{"type": "AWSService", "invoked_by": "secretsmanager.amazonaws.com"},
	{"name": name, "kind": "service_event", "time": "2026-11-19T04:00:12Z", "additional": {"secretId": fixtures.secret_arn}},
)

test_respond_rotation_failed if {
	inp := service_event("RotationFailed")
	rotation_failed.respond == {{
		"kind": "alert",
		"severity": "high",
		"reason": "rotation of payments/db failed (RotationFailed at 2026-11-19T04:00:12Z)",
	}} with input as inp
}

test_ignore_rotation_succeeded if {
	inp := service_event("RotationSucceeded")
	count(rotation_failed.respond) == 0 with input as inp
}

test_ignore_api_call_of_that_name if {
	inp := fixtures.event({"name": "RotationFailed"})
	count(rotation_failed.respond) == 0 with input as inp
}
