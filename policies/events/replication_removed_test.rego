# Tests for events.replication_removed.
package events.replication_removed_test

import data.events.replication_removed
import data.lib.fixtures

removal(regions, required) := fixtures.merge(
	fixtures.event({"name": "RemoveRegionsFromReplication", "request": {"secretId": "payments/db", "removeReplicaRegions": regions}}),
	{"params": {"required_replica_regions": required}},
)

test_respond_required_region_removed if {
	inp := removal(["us-west-2", "ap-south-1"], ["us-west-2", "eu-west-1"])
	replication_removed.respond == {{
		"kind": "alert",
		"severity": "high",
		"reason": "RemoveRegionsFromReplication by arn:aws:iam::111122223333:role/deployer removed the replica of payments/db in required region(s) us-west-2",
	}} with input as inp
}

test_respond_every_required_region_in_one_alert if {
	inp := removal(["us-west-2", "eu-west-1"], ["us-west-2", "eu-west-1"])
	count(replication_removed.respond) == 1 with input as inp
	replication_removed.required_removed == {"us-west-2", "eu-west-1"} with input as inp
}

test_respond_stop_replication_in_required_region if {
	inp := fixtures.merge(
		fixtures.event({"name": "StopReplicationToReplica", "region": "us-west-2", "request": {"secretId": "payments/db"}}),
		{"region": "us-west-2", "params": {"required_replica_regions": ["us-west-2"]}},
	)
	count(replication_removed.respond) == 1 with input as inp
}

test_ignore_region_not_required if {
	inp := removal(["ap-south-1"], ["us-west-2"])
	count(replication_removed.respond) == 0 with input as inp
}

test_ignore_nothing_required if {
	inp := removal(["us-west-2"], [])
	count(replication_removed.respond) == 0 with input as inp
}

test_ignore_failed_call if {
	inp := fixtures.merge(removal(["us-west-2"], ["us-west-2"]), {"event": {"error_code": "InvalidParameterException"}})
	count(replication_removed.respond) == 0 with input as inp
}
