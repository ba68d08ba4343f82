# Tests for lib.event.
package lib.event_test

import data.lib.event
import data.lib.fixtures

test_succeeded_call if {
	inp := fixtures.event({"name": "CancelRotateSecret"})
	event.succeeded_call("CancelRotateSecret") with input as inp
	not event.succeeded_call("UpdateSecret") with input as inp
}

test_failed_call_never_succeeds if {
	inp := fixtures.event({"name": "CancelRotateSecret", "error_code": "AccessDenied", "error_message": "not authorized"})
	event.failed with input as inp
	not event.succeeded_call("CancelRotateSecret") with input as inp
}

test_service_event_is_not_a_call if {
	inp := fixtures.event({"name": "RotationFailed", "kind": "service_event"})
	not event.succeeded_call("RotationFailed") with input as inp
}

test_actor_prefers_principal_arn if {
	event.actor == "arn:aws:iam::111122223333:role/deployer" with input as fixtures.event({})
}

test_actor_fallbacks if {
	inp1 := fixtures.event_by({"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/bob", "account_id": "111122223333"}, {})
	event.actor == "arn:aws:iam::111122223333:user/bob" with input as inp1
	inp2 := fixtures.event_by({"type": "AWSAccount", "account_id": "444455556666"}, {})
	event.actor == "account 444455556666" with input as inp2
	inp3 := fixtures.event_by({"type": "AWSService", "invoked_by": "secretsmanager.amazonaws.com"}, {})
	event.actor == "an unknown principal" with input as inp3
}

test_secret_name_fallbacks if {
	event.secret_name == "payments/db" with input as fixtures.event({})
	inp := fixtures.put(fixtures.event({"secret": {"raw": "legacy/app"}}), "secret", null)
	event.secret_name == sprintf("%s", [fixtures.secret_arn]) with input as inp
	inp2 := fixtures.put(fixtures.put(fixtures.event({}), "secret", null), "event", object.union(object.remove(fixtures.event_defaults, ["secret"]), {"secret": {"raw": "legacy/app"}}))
	event.secret_name == "legacy/app" with input as inp2
}

test_request_defaults_to_empty if {
	event.request == {} with input as fixtures.event({})
	event.request == {"secretId": "payments/db"} with input as fixtures.event({"request": {"secretId": "payments/db"}})
}
