# Tests for posture.kms_customer_managed.
package posture.kms_customer_managed_test

import data.lib.fixtures
import data.posture.kms_customer_managed

aws_managed_message := "secret uses the AWS managed key alias/aws/secretsmanager, not a customer managed key"

test_allow_customer_managed_key if {
	inp := fixtures.base
	count(kms_customer_managed.deny) == 0 with input as inp
	count(kms_customer_managed.skip) == 0 with input as inp
}

test_deny_kms_key_id_absent if {
	inp := fixtures.put(fixtures.without(["KmsKeyId"]), "kms_key", fixtures.aws_managed_key)
	kms_customer_managed.deny == {aws_managed_message} with input as inp
}

test_deny_aws_managed_alias_named if {
	inp := fixtures.put(fixtures.secret({"KmsKeyId": "alias/aws/secretsmanager"}), "kms_key", fixtures.aws_managed_key)
	kms_customer_managed.deny == {aws_managed_message} with input as inp
}

test_deny_aws_managed_key_with_arn if {
	inp := fixtures.put(fixtures.base, "kms_key", {
		"Arn": "arn:aws:kms:us-east-1:111122223333:key/0000aaaa-0000-0000-0000-000000000000",
		"KeyId": "0000aaaa-0000-0000-0000-000000000000",
		"KeyManager": "AWS",
		"AliasNames": ["alias/aws/secretsmanager"],
	})
	kms_customer_managed.deny == {"secret uses the AWS managed key arn:aws:kms:us-east-1:111122223333:key/0000aaaa-0000-0000-0000-000000000000 (alias/aws/secretsmanager), not a customer managed key"} with input as inp
}

test_deny_unknown_key if {
	inp := fixtures.merge(fixtures.base, {"kms_key": null})
	kms_customer_managed.deny == {sprintf("secret: key %s not found in the inventory (unknown key)", [fixtures.key_arn])} with input as inp
}

test_deny_unknown_key_by_alias if {
	inp := fixtures.merge(fixtures.secret({"KmsKeyId": "alias/gone"}), {"kms_key": null})
	kms_customer_managed.deny == {"secret: key alias/gone not found in the inventory (unknown key)"} with input as inp
}

test_deny_unknown_default_key if {
	inp := fixtures.merge(fixtures.without(["KmsKeyId"]), {"kms_key": null})
	kms_customer_managed.deny == {"secret: key alias/aws/secretsmanager not found in the inventory (unknown key)"} with input as inp
}

test_allow_key_named_by_alias if {
	inp := fixtures.secret({"KmsKeyId": "alias/payments"})
	count(kms_customer_managed.deny) == 0 with input as inp
}

test_allow_allowlist_by_key_arn if {
	inp := fixtures.params({"kms_key_allowlist": [fixtures.key_arn]})
	count(kms_customer_managed.deny) == 0 with input as inp
}

test_allow_allowlist_by_key_id if {
	inp := fixtures.params({"kms_key_allowlist": ["ffff0000-0000-0000-0000-000000000000", fixtures.key_id]})
	count(kms_customer_managed.deny) == 0 with input as inp
}

test_allow_allowlist_by_alias_name if {
	inp := fixtures.merge(fixtures.secret({"KmsKeyId": fixtures.key_id}), {"params": {"kms_key_allowlist": ["alias/payments"]}})
	count(kms_customer_managed.deny) == 0 with input as inp
}

test_allow_allowlist_by_alias_arn if {
	inp := fixtures.merge(fixtures.secret({"KmsKeyId": "alias/payments"}), {"params": {"kms_key_allowlist": ["arn:aws:kms:us-east-1:111122223333:alias/payments"]}})
	count(kms_customer_managed.deny) == 0 with input as inp
}

test_deny_alias_arn_of_another_account if {
	inp := fixtures.params({"kms_key_allowlist": ["arn:aws:kms:us-east-1:999988887777:alias/payments"]})
	kms_customer_managed.deny == {sprintf("secret: key %s (alias/payments) is not in kms_key_allowlist", [fixtures.key_arn])} with input as inp
}

test_deny_key_not_in_allowlist if {
	inp := fixtures.params({"kms_key_allowlist": ["alias/other", "arn:aws:kms:us-east-1:111122223333:key/ffff0000-0000-0000-0000-000000000000"]})
	kms_customer_managed.deny == {sprintf("secret: key %s (alias/payments) is not in kms_key_allowlist", [fixtures.key_arn])} with input as inp
}

test_deny_key_without_aliases_not_in_allowlist if {
	inp := fixtures.put(fixtures.params({"kms_key_allowlist": ["alias/other"]}), "kms_key", {"Arn": fixtures.key_arn, "KeyId": fixtures.key_id, "KeyManager": "CUSTOMER", "KeyState": "Enabled"})
	kms_customer_managed.deny == {sprintf("secret: key %s is not in kms_key_allowlist", [fixtures.key_arn])} with input as inp
}

replicated(replica, key) := fixtures.merge(
	fixtures.secret({"PrimaryRegion": "us-east-1", "ReplicationStatus": [replica]}),
	{"replica_kms_keys": {"us-west-2": key}},
)

replica_key := {"Arn": fixtures.replica_key_arn, "KeyId": "5678efgh-56ef-78ab-90cd-567890abcdef", "KeyManager": "CUSTOMER", "KeyState": "Enabled", "AliasNames": ["alias/payments"]}

test_allow_replica_with_customer_key if {
	inp := replicated({"Region": "us-west-2", "KmsKeyId": fixtures.replica_key_arn, "Status": "InSync"}, replica_key)
	count(kms_customer_managed.deny) == 0 with input as inp
}

test_deny_replica_with_aws_managed_key if {
	inp := replicated({"Region": "us-west-2", "Status": "InSync"}, fixtures.aws_managed_key)
	kms_customer_managed.deny == {"replica us-west-2 uses the AWS managed key alias/aws/secretsmanager, not a customer managed key"} with input as inp
}

test_deny_replica_key_unknown if {
	inp := fixtures.secret({"PrimaryRegion": "us-east-1", "ReplicationStatus": [{"Region": "us-west-2", "KmsKeyId": "alias/payments", "Status": "InSync"}]})
	kms_customer_managed.deny == {"replica us-west-2: key alias/payments not found in the inventory (unknown key)"} with input as inp
}

test_deny_replica_key_null if {
	inp := replicated({"Region": "us-west-2", "KmsKeyId": "alias/payments", "Status": "InSync"}, null)
	kms_customer_managed.deny == {"replica us-west-2: key alias/payments not found in the inventory (unknown key)"} with input as inp
}

test_allow_replica_allowlisted_by_alias if {
	inp := fixtures.merge(
		replicated({"Region": "us-west-2", "KmsKeyId": "alias/payments", "Status": "InSync"}, replica_key),
		{"params": {"kms_key_allowlist": ["alias/payments"]}},
	)
	count(kms_customer_managed.deny) == 0 with input as inp
}

test_deny_replica_outside_allowlist if {
	inp := fixtures.merge(
		replicated({"Region": "us-west-2", "KmsKeyId": fixtures.replica_key_arn, "Status": "InSync"}, replica_key),
		{"params": {"kms_key_allowlist": [fixtures.key_arn]}},
	)
	kms_customer_managed.deny == {sprintf("replica us-west-2: key %s (alias/payments) is not in kms_key_allowlist", [fixtures.replica_key_arn])} with input as inp
}

test_deny_replica_secret_itself_on_aws_managed_key if {
	inp := fixtures.put(
		fixtures.merge(fixtures.without(["KmsKeyId"]), {"region": "us-west-2", "secret": {"PrimaryRegion": "us-east-1"}}),
		"kms_key", fixtures.aws_managed_key,
	)
	kms_customer_managed.deny == {aws_managed_message} with input as inp
}

test_skip_deleted if {
	inp := fixtures.merge(fixtures.secret({"DeletedDate": "2026-11-18T10:00:00Z"}), {"kms_key": null})
	kms_customer_managed.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(kms_customer_managed.skip, kms_customer_managed.deny) == "not_applicable" with input as inp
}
