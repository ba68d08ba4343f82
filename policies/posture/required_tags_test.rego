# Tests for posture.required_tags.
package posture.required_tags_test

import data.lib.fixtures
import data.posture.required_tags

test_allow_owner_tag_present if {
	inp := fixtures.base
	count(required_tags.deny) == 0 with input as inp
	count(required_tags.skip) == 0 with input as inp
}

test_deny_owner_tag_missing if {
	inp := fixtures.secret({"Tags": [{"Key": "env", "Value": "prod"}]})
	required_tags.deny == {"required tag owner is missing"} with input as inp
}

test_deny_no_tags_at_all if {
	inp := fixtures.without(["Tags"])
	required_tags.deny == {"required tag owner is missing"} with input as inp
}

test_deny_tag_keys_are_case_sensitive if {
	inp := fixtures.secret({"Tags": [{"Key": "Owner", "Value": "payments-team"}]})
	required_tags.deny == {"required tag owner is missing"} with input as inp
}

test_deny_blank_value if {
	inp := fixtures.secret({"Tags": [{"Key": "owner", "Value": "  "}]})
	required_tags.deny == {"required tag owner has an empty value"} with input as inp
}

test_deny_every_missing_key if {
	inp := fixtures.params({"required_tag_keys": ["owner", "cost-center", "data-class"]})
	required_tags.deny == {"required tag cost-center is missing", "required tag data-class is missing"} with input as inp
}

test_allow_no_required_keys if {
	inp := fixtures.merge(fixtures.without(["Tags"]), {"params": {"required_tag_keys": []}})
	count(required_tags.deny) == 0 with input as inp
}

test_skip_deleted if {
	inp := fixtures.merge(fixtures.without(["Tags"]), {"secret": {"DeletedDate": "2026-11-18T10:00:00Z"}})
	required_tags.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(required_tags.skip, required_tags.deny) == "not_applicable" with input as inp
}
