# METADATA
# title: Secret is encrypted with a customer managed key
# description: >-
#   The secret and every replica are encrypted with a customer managed KMS key
#   (KeyManager CUSTOMER), not the AWS managed key aws/secretsmanager (used when
#   KmsKeyId is absent). When kms_key_allowlist is not empty, each key must also
#   be on it; an allowlist entry matches the key's ARN, key id, any of its alias
#   names (kms_key.AliasNames, kms_key.AliasName) or alias ARNs. A key the
#   inventory does not know (kms_key null) fails: it cannot be shown to comply.
#   Not applicable to deleted secrets.
# scope: package
# custom:
#   id: kms-customer-managed
#   severity: medium
#   controls:
#     - config:secretsmanager-using-cmk
#   remediation: >-
#     Create or choose a customer managed key whose key policy admits the secret's
#     readers, then aws secretsmanager update-secret --secret-id ID --kms-key-id
#     KEY (and for each replica, replicate with --add-replica-regions
#     Region=R,KmsKeyId=KEY).
#   parameters:
#     - kms_key_allowlist
package posture.kms_customer_managed

import data.lib

skip contains lib.secret.deleted_reason

# applicable holds when no skip reason applies.
applicable if count(skip) == 0

# aws_managed_alias is the alias of the AWS managed key for Secrets Manager.
aws_managed_alias := "alias/aws/secretsmanager"

# secret_key_ref is the key reference the secret names.
secret_key_ref := object.get(input.secret, "KmsKeyId", aws_managed_alias)

deny contains msg if {
	applicable
	msg := key_problem("secret", secret_key_ref, object.get(input, "kms_key", null))
}

deny contains msg if {
	applicable
	some replica in input.secret.ReplicationStatus
	region := replica.Region
	ref := object.get(replica, "KmsKeyId", aws_managed_alias)
	key := object.get(object.get(input, "replica_kms_keys", {}), region, null)
	msg := key_problem(sprintf("replica %s", [region]), ref, key)
}

# key_problem(what, ref, key) describes why key (resolved from ref) does not
# comply; undefined when it does.
key_problem(what, ref, key) := sprintf("%s: key %s not found in the inventory (unknown key)", [what, ref]) if {
	key == null
} else := sprintf("%s uses the AWS managed key %s, not a customer managed key", [what, key_text(ref, key)]) if {
	key.KeyManager == "AWS"
} else := sprintf("%s: key %s is not in kms_key_allowlist", [what, key_text(ref, key)]) if {
	count(input.params.kms_key_allowlist) > 0
	not allowlisted(key)
}

# key_text(ref, key) names a key for messages: its ARN, or the reference.
key_text(ref, key) := sprintf("%s (%s)", [key.Arn, concat(", ", object.get(key, "AliasNames", []))]) if {
	key.Arn
	count(object.get(key, "AliasNames", [])) > 0
} else := key.Arn if {
	key.Arn
} else := object.get(key, "AliasName", ref)

# allowlisted(key) holds when an allowlist entry names key.
allowlisted(key) if {
	some entry in input.params.kms_key_allowlist
	names_key(entry, key)
}

# names_key(entry, key) holds when entry is the key's ARN, key id, one of its
# alias names or alias ARNs.
names_key(entry, key) if entry in {key.Arn, key.KeyId}

names_key(entry, key) if alias_of(entry, key)

# An alias ARN arn:aws:kms:REGION:ACCOUNT:alias/NAME of the key's account and region.
names_key(entry, key) if {
	startswith(entry, "arn:")
	parts := split(entry, ":")
	count(parts) == 6
	startswith(parts[5], "alias/")
	array.slice(parts, 0, 5) == array.slice(split(key.Arn, ":"), 0, 5)
	alias_of(parts[5], key)
}

alias_of(name, key) if name == key.AliasName

alias_of(name, key) if name in key.AliasNames
