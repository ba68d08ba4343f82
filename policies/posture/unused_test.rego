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
	unused.deny == {"last accessed 111 days ago, exceeds 90"} with input as inp
	fixtures.status(unused.skip, unused.deny) == "fail" with input as inp
}

test_allow_exactly_the_limit if {
	inp := fixtures.secret({"LastAccessedDate": "2026-08-22T00:00:00Z"})
	inp.ages.days.LastAccessedDate == 90
	count(unused.deny) == 0 with input as inp
}

test_deny_one_day_over_the_limit if {
	inp := fixtures.secret({"LastAccessedDate": "2026-08-21T00:00:00Z"})
	unused.deny == {"last accessed 91 days ago, exceeds 90"} with input as inp
}

test_allow_read_through_replica if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-01T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-11-18T00:00:00Z"}],
	})
	count(unused.deny) == 0 with input as inp
	count(unused.skip) == 0 with input as inp
}

test_allow_read_through_replica_only if {
	inp := fixtures.merge(fixtures.without(["LastAccessedDate"]), {"secret": {
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-11-18T00:00:00Z"}],
	}})
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
	unused.deny == {"last accessed 100 days ago (in replicas eu-west-1, us-west-2), exceeds 90"} with input as inp
}

test_deny_replica_access_old_one_replica if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-01T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [
			{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-08-12T00:00:00Z"},
			{"Region": "eu-west-1", "Status": "InSync", "LastAccessedDate": "2026-08-02T00:00:00Z"},
		],
	})
	unused.deny == {"last accessed 100 days ago (in replica us-west-2), exceeds 90"} with input as inp
}

test_deny_own_access_latest_with_replicas if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-12T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [
			{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-08-12T00:00:00Z"},
			{"Region": "eu-west-1", "Status": "InSync"},
		],
	})
	unused.deny == {"last accessed 100 days ago, exceeds 90"} with input as inp
}

test_deny_replicas_without_access_dates if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-01T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync"}],
	})
	unused.deny == {"last accessed 111 days ago, exceeds 90"} with input as inp
}

test_allow_replica_access_exactly_the_limit if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-01T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-08-22T00:00:00Z"}],
	})
	count(unused.deny) == 0 with input as inp
}

test_deny_replica_access_one_day_over_the_limit if {
	inp := fixtures.secret({
		"LastAccessedDate": "2026-08-01T00:00:00Z",
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-08-21T00:00:00Z"}],
	})
	unused.deny == {"last accessed 91 days ago (in replica us-west-2), exceeds 90"} with input as inp
}

test_deny_never_accessed_old_secret if {
	inp := fixtures.without(["LastAccessedDate"])
	unused.deny == {"never accessed; created 673 days ago, exceeds 90"} with input as inp
}

test_deny_never_accessed_with_replicas_never_accessed if {
	inp := fixtures.merge(fixtures.without(["LastAccessedDate"]), {"secret": {
		"PrimaryRegion": "us-east-1",
		"ReplicationStatus": [{"Region": "us-west-2", "Status": "InSync"}],
	}})
	unused.deny == {"never accessed; created 673 days ago, exceeds 90"} with input as inp
}

test_allow_never_accessed_new_secret if {
	inp := fixtures.merge(fixtures.without(["LastAccessedDate"]), {"secret": {"CreatedDate": "2026-10-01T00:00:00Z"}})
	count(unused.deny) == 0 with input as inp
}

test_allow_never_accessed_created_exactly_the_limit_ago if {
	inp := fixtures.merge(fixtures.without(["LastAccessedDate"]), {"secret": {"CreatedDate": "2026-08-22T00:00:00Z"}})
	count(unused.deny) == 0 with input as inp
}

test_deny_never_accessed_created_one_day_over_the_limit if {
	inp := fixtures.merge(fixtures.without(["LastAccessedDate"]), {"secret": {"CreatedDate": "2026-08-20T23:59:59Z"}})
	unused.deny == {"never accessed; created 91 days ago, exceeds 90"} with input as inp
}

test_allow_overridden_threshold if {
	inp := fixtures.merge(fixtures.secret({"LastAccessedDate": "2026-08-01T00:00:00Z"}), {"params": {"unused_for_days": 120}})
	count(unused.deny) == 0 with input as inp
}

test_skip_replica if {
	inp := fixtures.secret({"LastAccessedDate": "2026-01-01T00:00:00Z", "PrimaryRegion": "us-west-2"})
	unused.skip == {"replica of us-west-2: usage is judged on the primary, which sees replica access"} with input as inp
	fixtures.status(unused.skip, unused.deny) == "not_applicable" with input as inp
}

test_skip_deleted if {
	inp := fixtures.secret({"LastAccessedDate": "2026-01-01T00:00:00Z", "DeletedDate": "2026-11-18T10:00:00Z"})
	unused.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(unused.skip, unused.deny) == "not_applicable" with input as inp
}

test_skip_no_dates if {
	inp := fixtures.without(["LastAccessedDate", "CreatedDate"])
	unused.skip == {"neither LastAccessedDate nor CreatedDate is known"} with input as inp
}

test_skip_ages_missing if {
	inp := fixtures.without_ages(fixtures.secret({"LastAccessedDate": "2026-01-01T00:00:00Z"}))
	unused.skip == {data.lib.secret.ages_missing_reason} with input as inp
	fixtures.status(unused.skip, unused.deny) == "not_applicable" with input as inp
}

test_skip_unknown_secret if {
	inp := fixtures.put(fixtures.base, "secret", null)
	not inp.ages
	unused.skip == {"neither LastAccessedDate nor CreatedDate is known"} with input as inp
}
