# Tests for events.forced_deletion.
package events.forced_deletion_test

import data.events.forced_deletion
import data.lib.fixtures

delete(request) := fixtures.event({"name": "DeleteSecret", "request": object.union({"secretId": "payments/db"}, request)})

test_respond_forced_deletion if {
	inp := fixtures.merge(delete({"forceDeleteWithoutRecovery": true}), {"secret": {"DeletedDate": "2026-11-19T23:55:00Z"}})
	forced_deletion.respond == {{
		"kind": "alert",
		"severity": "critical",
		"reason": "DeleteSecret by arn:aws:iam::111122223333:role/deployer deleted payments/db without a recovery window (forceDeleteWithoutRecovery)",
	}} with input as inp
}

test_respond_flag_as_string if {
	inp := delete({"forceDeleteWithoutRecovery": "true"})
	count(forced_deletion.respond) == 1 with input as inp
}

test_respond_unknown_secret if {
	inp := fixtures.put(delete({"forceDeleteWithoutRecovery": true}), "secret", null)
	{r.reason | some r in forced_deletion.respond} == {sprintf("DeleteSecret by arn:aws:iam::111122223333:role/deployer deleted %s without a recovery window (forceDeleteWithoutRecovery)", [fixtures.secret_arn])} with input as inp
}

test_ignore_recovery_window if {
	inp := delete({"recoveryWindowInDays": 7})
	count(forced_deletion.respond) == 0 with input as inp
}

test_ignore_flag_false if {
	inp := delete({"forceDeleteWithoutRecovery": false})
	count(forced_deletion.respond) == 0 with input as inp
}

test_ignore_failed_call if {
	inp := fixtures.merge(delete({"forceDeleteWithoutRecovery": true}), {"event": {"error_code": "AccessDenied"}})
	count(forced_deletion.respond) == 0 with input as inp
}
