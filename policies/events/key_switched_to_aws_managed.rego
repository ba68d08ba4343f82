# METADATA
# title: Encryption switched to the AWS managed key
# description: >-
#   A successful UpdateSecret named a KMS key (request.kmsKeyId) that is the AWS
#   managed key: alias/aws/secretsmanager (or its alias ARN), or a key the engine
#   resolved (input.kms_key, the state after the call) to KeyManager AWS. Anyone
#   with decrypt permission through the account's key grants can now decrypt the
#   secret; the key policy no longer guards it. High alert.
# scope: package
# custom:
#   id: key-switched-to-aws-managed
#   severity: high
#   controls:
#     - config:secretsmanager-using-cmk
#   remediation: >-
#     Switch back to a customer managed key (aws secretsmanager update-secret
#     --secret-id ID --kms-key-id KEY) and ask the caller why it was changed.
#   parameters: []
package events.key_switched_to_aws_managed

import data.lib

# requested_key is the key the UpdateSecret call named.
requested_key := key if {
	input.event.name == "UpdateSecret" # cheap guard before the call
	lib.event.succeeded_call("UpdateSecret")
	key := lib.event.request.kmsKeyId
	is_string(key)
	key != ""
}

switched if endswith(requested_key, "alias/aws/secretsmanager")

switched if {
	requested_key
	input.kms_key.KeyManager == "AWS"
}

respond contains {
	"kind": "alert",
	"severity": "high",
	"reason": sprintf("UpdateSecret by %s switched %s to the AWS managed key (%s)", [lib.event.actor, lib.event.secret_name, requested_key]),
} if {
	input.event.name == "UpdateSecret" # cheap guard: only UpdateSecret switches keys
	switched
}
