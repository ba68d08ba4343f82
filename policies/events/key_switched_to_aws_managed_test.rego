# Tests for events.key_switched_to_aws_managed.
package events.key_switched_to_aws_managed_test

import data.events.key_switched_to_aws_managed
import data.lib.fixtures

update(key, kms_key) := fixtures.put(
	fixtures.event({"name": "UpdateSecret", "request": {"secretId": "payments/db", "kmsKeyId": key}}),
	"kms_key",
	kms_key,
)

test_respond_alias_named if {
	inp := update("alias/aws/secretsmanager", fixtures.aws_managed_key)
	key_switched_to_aws_managed.respond == {{
		"kind": "alert",
		"severity": "high",
		"reason": "UpdateSecret by arn:aws:iam::111122223333:role/deployer switched payments/db to the AWS managed key (alias/aws/secretsmanager)",
	}} with input as inp
}

test_respond_alias_arn_named if {
	inp := update("arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager", fixtures.aws_managed_key)
	count(key_switched_to_aws_managed.respond) == 1 with input as inp
}

test_respond_key_resolved_to_aws_managed if {
	inp := update("0000aaaa-0000-0000-0000-000000000000", {"Arn": "arn:aws:kms:us-east-1:111122223333:key/0000aaaa-0000-0000-0000-000000000000", "KeyId": "0000aaaa-0000-0000-0000-000000000000", "KeyManager": "AWS"})
	count(key_switched_to_aws_managed.respond) == 1 with input as inp
}

test_ignore_customer_managed_key if {
	inp := update("alias/payments", fixtures.base.kms_key)
	count(key_switched_to_aws_managed.respond) == 0 with input as inp
}

test_ignore_update_without_key if {
	inp := fixtures.put(fixtures.event({"name": "UpdateSecret", "request": {"secretId": "payments/db", "description": "new"}}), "kms_key", fixtures.aws_managed_key)
	count(key_switched_to_aws_managed.respond) == 0 with input as inp
}

test_ignore_failed_update if {
	inp := fixtures.merge(update("alias/aws/secretsmanager", fixtures.aws_managed_key), {"event": {"error_code": "AccessDenied"}})
	count(key_switched_to_aws_managed.respond) == 0 with input as inp
}
