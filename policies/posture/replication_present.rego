# METADATA
# title: Required replicas are present and in sync
# description: >-
#   Every region in required_replica_regions (other than the secret's own
#   region) appears in the secret's ReplicationStatus with Status InSync. The
#   regions come from the resolved parameters, so they can be required per OU,
#   account or tag through overrides. Not applicable when no region is required,
#   to deleted secrets, and to replicas (replication is configured on the primary).
# scope: package
# custom:
#   id: replication-present
#   severity: medium
#   controls: []
#   remediation: >-
#     Add the missing regions with aws secretsmanager replicate-secret-to-regions
#     --secret-id ID --add-replica-regions Region=R,KmsKeyId=KEY; for a Failed
#     replica read its StatusMessage (often a KMS key or a same-named secret in the
#     region), fix it and replicate again.
#   parameters:
#     - required_replica_regions
#   inputs:
#     - params.required_replica_regions
#     - region
#     - secret.DeletedDate
#     - secret.PrimaryRegion
#     - secret.ReplicationStatus
package posture.replication_present

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

skip contains sprintf("replica of %s: replication is configured on the primary", [lib.secret.primary_region]) if lib.secret.replica

skip contains sprintf("no replica region required (required_replica_regions names none besides %s)", [input.region]) if {
	every region in input.params.required_replica_regions {
		region == input.region
	}
}

deny contains sprintf("required replica region %s is missing", [region]) if {
	some region in input.params.required_replica_regions
	region != input.region
	not replicated_to(region)
}

deny contains sprintf("replica %s is %s, not InSync%s", [region, status, status_message(replica)]) if {
	some region in input.params.required_replica_regions
	some replica in input.secret.ReplicationStatus
	replica.Region == region
	status := object.get(replica, "Status", "unknown")
	status != "InSync"
	region != input.region
}

replicated_to(region) if {
	some replica in input.secret.ReplicationStatus
	replica.Region == region
}

status_message(replica) := sprintf(": %s", [replica.StatusMessage]) if replica.StatusMessage != ""

else := ""
