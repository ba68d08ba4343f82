# METADATA
# title: Required replica removed
# description: >-
#   A successful RemoveRegionsFromReplication (request.removeReplicaRegions) or
#   StopReplicationToReplica (in the replica's region, input.event.region) removed
#   a replica in a region that required_replica_regions requires: the secret's
#   disaster-recovery copy is gone. High alert.
# scope: package
# custom:
#   id: replication-removed
#   severity: high
#   controls: []
#   remediation: >-
#     Replicate the secret to the region again (aws secretsmanager
#     replicate-secret-to-regions --secret-id ID --add-replica-regions
#     Region=R,KmsKeyId=KEY) and ask the caller why it was removed.
#   parameters:
#     - required_replica_regions
package events.replication_removed

import data.lib

removed contains region if {
	input.event.name == "RemoveRegionsFromReplication" # cheap guard before the call
	lib.event.succeeded_call("RemoveRegionsFromReplication")
	some region in lib.iam.as_list(lib.event.request.removeReplicaRegions)
}

removed contains input.event.region if {
	input.event.name == "StopReplicationToReplica" # cheap guard before the call
	lib.event.succeeded_call("StopReplicationToReplica")
}

# required_removed are the removed regions that must hold a replica.
required_removed := {r | some r in removed; r in input.params.required_replica_regions}

respond contains {
	"kind": "alert",
	"severity": "high",
	"reason": sprintf("%s by %s removed the replica of %s in required region(s) %s", [input.event.name, lib.event.actor, lib.event.secret_name, concat(", ", required_removed)]),
} if {
	input.event.name in {"RemoveRegionsFromReplication", "StopReplicationToReplica"} # cheap guard
	count(required_removed) > 0
}
