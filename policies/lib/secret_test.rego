# Tests for lib.secret.
package lib.secret_test

import data.lib.fixtures
import data.lib.secret

test_base_secret_is_plain if {
	inp := fixtures.base
	not secret.replica with input as inp
	not secret.managed_reason with input as inp
	count(secret.rotation_skip) == 0 with input as inp
}

test_deleted if {
	inp := fixtures.secret({"DeletedDate": "2026-11-18T10:00:00Z"})
	secret.rotation_skip == {"secret is scheduled for deletion"} with input as inp
}

test_reasons_read_no_timestamp if {
	secret.deleted_reason == "secret is scheduled for deletion"
	startswith(secret.ages_missing_reason, "input.ages is missing")
}

test_replica_only_when_primary_region_differs if {
	secret.replica with input as fixtures.secret({"PrimaryRegion": "us-west-2"})
	not secret.replica with input as fixtures.secret({"PrimaryRegion": "us-east-1"})
	secret.rotation_replica_reason == "replica of us-west-2: rotation is managed by the primary region" with input as fixtures.secret({"PrimaryRegion": "us-west-2"})
}

test_managed_reason if {
	secret.managed_reason == "managed by rds" with input as fixtures.secret({"OwningService": "rds"})
	not secret.managed_reason with input as fixtures.secret({"OwningService": ""})
}

test_has_tag if {
	secret.has_tag("owner") with input as fixtures.base
	not secret.has_tag("Owner") with input as fixtures.base
}
