# Tests for events.read_outside_organization.
package events.read_outside_organization_test

import data.events.read_outside_organization
import data.lib.fixtures

test_respond_get_secret_value_by_outsider if {
	inp := fixtures.event_by(fixtures.outsider, {"name": "GetSecretValue", "read_only": true, "request": {"secretId": "payments/db"}})
	reason := "GetSecretValue by arn:aws:iam::444455556666:role/vendor (account 444455556666, outside the organization) read payments/db"
	read_outside_organization.respond == {
		{"kind": "alert", "severity": "critical", "reason": reason},
		{"kind": "rotate", "severity": "critical", "reason": reason},
	} with input as inp
}

test_respond_batch_get_secret_value_by_outsider if {
	inp := fixtures.event_by(fixtures.outsider, {"name": "BatchGetSecretValue", "read_only": true})
	count(read_outside_organization.respond) == 2 with input as inp
}

test_ignore_reader_inside_organization if {
	inp := fixtures.event({"name": "GetSecretValue", "read_only": true})
	count(read_outside_organization.respond) == 0 with input as inp
}

test_ignore_unknown_membership if {
	inp := fixtures.event_by(object.remove(fixtures.outsider, ["in_organization"]), {"name": "GetSecretValue"})
	count(read_outside_organization.respond) == 0 with input as inp
}

test_ignore_failed_read if {
	inp := fixtures.event_by(fixtures.outsider, {"name": "GetSecretValue", "error_code": "AccessDenied"})
	count(read_outside_organization.respond) == 0 with input as inp
}

test_ignore_trusted_account if {
	inp := fixtures.merge(
		fixtures.event_by(fixtures.outsider, {"name": "GetSecretValue"}),
		{"params": {"trusted_account_ids": ["444455556666"]}},
	)
	count(read_outside_organization.respond) == 0 with input as inp
}

test_ignore_other_calls_by_outsider if {
	inp := fixtures.event_by(fixtures.outsider, {"name": "DescribeSecret"})
	count(read_outside_organization.respond) == 0 with input as inp
}

# A read whose caller the record does not identify (userIdentity missing, {}
# or a string: the engine sets only type Unknown and in_organization false) is
# treated as coming from outside the organization, and the reason says so.
test_respond_unidentified_reader if {
	inp := fixtures.event_by({"type": "Unknown", "in_organization": false}, {"name": "GetSecretValue", "request": {"secretId": "payments/db"}})
	reason := "GetSecretValue by an unidentified caller (no userIdentity in the record: treated as outside the organization) read payments/db"
	read_outside_organization.respond == {
		{"kind": "alert", "severity": "critical", "reason": reason},
		{"kind": "rotate", "severity": "critical", "reason": reason},
	} with input as inp
}

test_respond_unidentified_reader_despite_trusted_accounts if {
	inp := fixtures.merge(
		fixtures.event_by({"type": "Unknown", "in_organization": false}, {"name": "GetSecretValue"}),
		{"params": {"trusted_account_ids": ["444455556666"]}},
	)
	count(read_outside_organization.respond) == 2 with input as inp
}
