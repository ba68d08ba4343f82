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
#   inputs:
#     - kms_key
#     - params.kms_key_allowlist
#     - replica_kms_keys
#     - secret.DeletedDate
#     - secret.KmsKeyId
#     - secret.ReplicationStatus
package posture.kms_customer_managed

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

deny contains sprintf("secret: key %s not found in the inventory (unknown key)", [secret_key_ref]) if {
	input.kms_key == null
}

deny contains sprintf("secret uses the AWS managed key %s, not a customer managed key", [key_text(secret_key_ref, input.kms_key)]) if {
	input.kms_key.KeyManager == "AWS"
}

deny contains sprintf("secret: key %s is not in kms_key_allowlist", [key_text(secret_key_ref, input.kms_key)]) if {
	input.kms_key.KeyManager == "CUSTOMER"
	count(input.params.kms_key_allowlist) > 0
	not allowlisted(input.kms_key)
}

deny contains msg if {
	some replica in input.secret.ReplicationStatus
	msg := replica_problem(replica, replica_key(replica.Region))
}

# secret_key_ref is the key reference the secret names: its KmsKeyId, the AWS
# managed key when absent.
secret_key_ref := ref if {
	ref := input.secret.KmsKeyId
} else := "alias/aws/secretsmanager"

# replica_key(region) is the metadata of the key of the replica in region, null
# when unknown.
replica_key(region) := key if {
	key := input.replica_kms_keys[region]
} else := null

# key_ref(x) is the key reference a replica names: its KmsKeyId, the AWS
# managed key when absent.
key_ref(x) := object.get(x, "KmsKeyId", "alias/aws/secretsmanager")

# replica_problem(replica, key) describes why a replica's key does not comply.
replica_problem(replica, key) := sprintf("replica %s: key %s not found in the inventory (unknown key)", [replica.Region, key_ref(replica)]) if {
	key == null
} else := sprintf("replica %s uses the AWS managed key %s, not a customer managed key", [replica.Region, key_text(key_ref(replica), key)]) if {
	key.KeyManager == "AWS"
} else := sprintf("replica %s: key %s is not in kms_key_allowlist", [replica.Region, key_text(key_ref(replica), key)]) if {
	key.KeyManager == "CUSTOMER"
	count(input.params.kms_key_allowlist) > 0
	not allowlisted(key)
}

# key_text(ref, key) names a key for messages: its ARN (with its aliases), else
# its alias name, else the reference.
key_text(ref, key) := sprintf("%s (%s)", [key.Arn, concat(", ", key.AliasNames)]) if {
	key.Arn
	count(key.AliasNames) > 0
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
