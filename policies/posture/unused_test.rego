# Tests for posture.unused.
package posture.unused_test

import data.lib.fixtures
import data.posture.unused

test_allow_accessed_yesterday if {
	inp := fixtures.base
	count(unused.deny) == 0 with input as inp
	count(unused.skip) == 0 with input as inp
}

test_deny_not_accessed_for_111_days if {
	inp := fixtures.secret({"LastAccessedDate": "2026-08-01T00:00:00Z"})
	unused.deny == {"last accessed 111 days ago (2026-08-01), exceeds 90"} with input as inp
}

test_allow_day_granular_boundary if {
	inp := fixtures.secret({"LastAccessedDate": "2026-08-22T00:00:00Z"})
	count(unused.deny) == 0 with input as inp
}

test_deny_day_granular_one_day_over if {
	inp := fixtures.secret({"LastAccessedDate": "2026-08-21T00:00:00Z"})
	unused.deny == {"last accessed 91 days ago (2026-08-21), exceeds 90"} with input as inp
}

test_allow_read_through_replica if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-01T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-11-18T00:00:00Z"}],
	})
	count(unused.deny) == 0 with input as inp
}

test_deny_replica_access_also_old if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-01T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [
			{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-08-12T00:00:00Z"},
			{"Region": "eu-west-1", "Status": "InSync", "LastAccessedDate": "2026-08-12T00:00:00Z"},
			{"Region": "ap-south-1", "Status": "InSync"},
		],
	})
	unused.deny == {"last accessed 100 days ago (2026-08-12, in replica eu-west-1, us-west-2), exceeds 90"} with input as inp
}

test_deny_never_accessed_old_secret if {
	inp := fixtures.without(["LastAccessedDate"])
	unused.deny == {"never accessed; created 673 days ago (2025-01-15T09:30:00Z), exceeds 90"} with input as inp
}

test_allow_never_accessed_new_secret if {
	inp := fixtures.merge(fixtures.without(["LastAccessedDate"]), {"secret": {"CreatedDate": "2026-10-01T00:00:00Z"}})
	count(unused.deny) == 0 with input as inp
}

test_allow_overridden_threshold if {
	inp := fixtures.merge(fixtures.secret({"LastAccessedDate": "2026-08-01T00:00:00Z"}), {"params": {"unused_for_days": 120}})
	count(unused.deny) == 0 with input as inp
}

test_skip_replica if {
	inp := fixtures.secret({"LastAccessedDate": "2026-01-01T00:00:00Z", "PrimaryRegion": "us-west-2"})
	unused.skip == {"replica of us-west-2: usage is judged on the primary, which sees replica access"} with input as inp
	count(unused.deny) == 0 with input as inp
}

test_skip_deleted if {
	inp := fixtures.secret({"LastAccessedDate": "2026-01-01T00:00:00Z", "DeletedDate": "2026-11-18T10:00:00Z"})
	unused.skip == {"secret is scheduled for deletion (DeletedDate 2026-11-18T10:00:00Z)"} with input as inp
	count(unused.deny) == 0 with input as inp
}
