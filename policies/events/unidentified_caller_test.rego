# Tests for events.unidentified_caller.
package events.unidentified_caller_test

import data.events.unidentified_caller
import data.lib.fixtures

unidentified := {"type": "Unknown", "in_organization": false}

test_respond_change_by_unidentified_caller if {
	inp := fixtures.event_by(unidentified, {"name": "PutResourcePolicy", "request": {"secretId": "payments/db"}})
	unidentified_caller.respond == {{
		"kind": "alert",
		"severity": "high",
		"reason": "PutResourcePolicy of payments/db by an unidentified caller (no userIdentity in the record: treated as outside the organization)",
	}} with input as inp
}

test_ignore_reads_judged_elsewhere if {
	inp := fixtures.event_by(unidentified, {"name": "GetSecretValue"})
	count(unidentified_caller.respond) == 0 with input as inp
}

test_ignore_read_only_calls if {
	inp := fixtures.event_by(unidentified, {"name": "DescribeSecret"})
	count(unidentified_caller.respond) == 0 with input as inp
}

test_ignore_failed_change if {
	inp := fixtures.event_by(unidentified, {"name": "DeleteSecret", "error_code": "AccessDenied"})
	count(unidentified_caller.respond) == 0 with input as inp
}

test_ignore_identified_outsider if {
	inp := fixtures.event_by(fixtures.outsider, {"name": "UpdateSecret"})
	count(unidentified_caller.respond) == 0 with input as inp
}

test_ignore_known_caller if {
	inp := fixtures.event({"name": "UpdateSecret"})
	count(unidentified_caller.respond) == 0 with input as inp
}

test_ignore_aws_service if {
	inp := fixtures.event_by({"type": "AWSService", "invoked_by": "secretsmanager.amazonaws.com", "in_organization": true}, {"name": "RotationSucceeded"})
	count(unidentified_caller.respond) == 0 with input as inp
}
