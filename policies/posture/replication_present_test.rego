# Tests for posture.replication_present.
package posture.replication_present_test

import data.lib.fixtures
import data.posture.replication_present

requiring(regions, status) := fixtures.merge(
	fixtures.secret({"PrimaryRegion": "us-east-1", "ReplicationStatus": status}),
	{"params": {"required_replica_regions": regions}},
)

test_skip_nothing_required if {
	inp := fixtures.base
	replication_present.skip == {"no replica region required (required_replica_regions names none besides us-east-1)"} with input as inp
	count(replication_present.deny) == 0 with input as inp
}

test_skip_only_own_region_required if {
	inp := fixtures.params({"required_replica_regions": ["us-east-1"]})
	count(replication_present.skip) == 1 with input as inp
	count(replication_present.deny) == 0 with input as inp
}

test_allow_required_replica_in_sync if {
	inp := requiring(["us-west-2", "us-east-1"], [{"Region": "us-west-2", "KmsKeyId": fixtures.replica_key_arn, "Status": "InSync", "StatusMessage": "Replication succeeded"}])
	count(replication_present.deny) == 0 with input as inp
	count(replication_present.skip) == 0 with input as inp
}

test_deny_required_replica_missing if {
	inp := requiring(["us-west-2", "eu-west-1"], [{"Region": "us-west-2", "Status": "InSync"}])
	replication_present.deny == {"required replica region eu-west-1 is missing"} with input as inp
}

test_deny_no_replication_at_all if {
	inp := fixtures.params({"required_replica_regions": ["us-west-2"]})
	replication_present.deny == {"required replica region us-west-2 is missing"} with input as inp
}

test_deny_replica_failed if {
	inp := requiring(["us-west-2"], [{"Region": "us-west-2", "Status": "Failed", "StatusMessage": "Destination secret already exists"}])
	replication_present.deny == {"replica us-west-2 is Failed, not InSync: Destination secret already exists"} with input as inp
}

test_deny_replica_in_progress if {
	inp := requiring(["us-west-2"], [{"Region": "us-west-2", "Status": "InProgress"}])
	replication_present.deny == {"replica us-west-2 is InProgress, not InSync"} with input as inp
}

test_allow_extra_replicas if {
	inp := requiring(["us-west-2"], [{"Region": "us-west-2", "Status": "InSync"}, {"Region": "eu-west-1", "Status": "Failed"}])
	count(replication_present.deny) == 0 with input as inp
}

test_skip_replica if {
	inp := fixtures.merge(fixtures.params({"required_replica_regions": ["eu-west-1"]}), {"region": "us-west-2", "secret": {"PrimaryRegion": "us-east-1"}})
	replication_present.skip == {"replica of us-east-1: replication is configured on the primary"} with input as inp
	fixtures.status(replication_present.skip, replication_present.deny) == "not_applicable" with input as inp
}

test_skip_deleted if {
	inp := fixtures.merge(fixtures.params({"required_replica_regions": ["us-west-2"]}), {"secret": {"DeletedDate": "2026-11-18T10:00:00Z"}})
	replication_present.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(replication_present.skip, replication_present.deny) == "not_applicable" with input as inp
}
