# Tests for posture.no_external_access.
package posture.no_external_access_test

import data.lib.fixtures
import data.posture.no_external_access

grant(principal) := fixtures.get_value(principal)

org_only := {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}

test_allow_no_resource_policy if {
	inp := fixtures.base
	count(no_external_access.deny) == 0 with input as inp
	count(no_external_access.skip) == 0 with input as inp
}

test_allow_bare_account_in_org if {
	inp := fixtures.statements([grant({"AWS": "222233334444"})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_role_in_org_and_own_account if {
	inp := fixtures.statements([grant({"AWS": ["arn:aws:iam::222233334444:role/app", "arn:aws:iam::111122223333:root"]})])
	count(no_external_access.deny) == 0 with input as inp
}

test_deny_external_bare_account if {
	inp := fixtures.statements([object.union(grant({"AWS": "444455556666"}), {"Sid": "Vendor"})])
	no_external_access.deny == {"statement 0 (sid Vendor) allows account 444455556666 (outside the organization) to secretsmanager:GetSecretValue"} with input as inp
}

test_deny_external_role_among_internal if {
	inp := fixtures.statements([grant({"AWS": ["arn:aws:iam::222233334444:role/app", "arn:aws:iam::444455556666:role/vendor"]})])
	no_external_access.deny == {"statement 0 (sid Grant) allows arn:aws:iam::444455556666:role/vendor (outside the organization) to secretsmanager:GetSecretValue"} with input as inp
}

test_allow_trusted_account if {
	inp := fixtures.merge(
		fixtures.statements([grant({"AWS": "arn:aws:iam::444455556666:role/vendor"})]),
		{"params": {"trusted_account_ids": ["444455556666"]}},
	)
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_own_account_without_organization if {
	inp := fixtures.put(fixtures.statements([grant({"AWS": "111122223333"})]), "organization", null)
	count(no_external_access.deny) == 0 with input as inp
}

test_deny_unrestricted_wildcard if {
	inp := fixtures.statements([object.union(grant("*"), {"Sid": "Public"})])
	no_external_access.deny == {"statement 0 (sid Public) allows * to secretsmanager:GetSecretValue without a condition restricting it to the organization"} with input as inp
}

test_deny_any_account_root if {
	inp := fixtures.statements([grant({"AWS": "arn:aws:iam::*:root"})])
	no_external_access.deny == {"statement 0 (sid Grant) allows arn:aws:iam::*:root to secretsmanager:GetSecretValue without a condition restricting it to the organization"} with input as inp
}

test_allow_wildcard_restricted_to_org_id if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), org_only)])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_condition_key_in_upper_case if {
	inp := fixtures.statements([fixtures.with_condition(grant({"AWS": "*"}), {"StringEquals": {"AWS:PRINCIPALORGID": "o-exampleorg"}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_to_org_accounts if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEquals": {"aws:PrincipalAccount": ["111122223333", "222233334444"]}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_by_string_like_without_wildcards if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringLike": {"aws:PrincipalOrgID": "o-exampleorg"}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_by_principal_arn if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::222233334444:role/*", "arn:aws:iam::111122223333:role/app"]}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_by_principal_arn_equals if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222233334444:role/app"}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_by_org_paths if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-exampleorg/r-root/ou-prod/*"}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_by_for_any_value_org_id if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-exampleorg"]}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_account_ids_written_as_numbers if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEquals": {"aws:PrincipalAccount": [111122223333]}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_deny_wildcard_restricted_to_other_org if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEquals": {"aws:PrincipalOrgID": "o-otherorg"}})])
	count(no_external_access.deny) == 1 with input as inp
}

test_deny_wildcard_with_one_external_account_value if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEquals": {"aws:PrincipalAccount": ["111122223333", "444455556666"]}})])
	count(no_external_access.deny) == 1 with input as inp
}

test_deny_wildcard_with_if_exists if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorg"}})])
	count(no_external_access.deny) == 1 with input as inp
}

test_deny_wildcard_with_string_like_star if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringLike": {"aws:PrincipalOrgID": "*"}})])
	count(no_external_access.deny) == 1 with input as inp
}

test_deny_wildcard_with_arn_pattern_any_account if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}})])
	count(no_external_access.deny) == 1 with input as inp
}

test_deny_wildcard_with_org_id_pattern if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringLike": {"aws:PrincipalOrgID": "o-example*"}})])
	count(no_external_access.deny) == 1 with input as inp
}

test_allow_any_account_root_restricted_to_org if {
	inp := fixtures.statements([fixtures.with_condition(grant({"AWS": "arn:aws:iam::*:root"}), org_only)])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_external_account_confined_by_org_condition if {
	inp := fixtures.statements([fixtures.with_condition(grant({"AWS": "444455556666"}), org_only)])
	count(no_external_access.deny) == 0 with input as inp
}

test_deny_service_principal_without_source_condition if {
	inp := fixtures.statements([grant({"Service": "events.amazonaws.com"})])
	no_external_access.deny == {"statement 0 (sid Grant) allows service principal events.amazonaws.com to secretsmanager:GetSecretValue without a condition restricting it to the organization"} with input as inp
}

test_allow_service_principal_with_source_account if {
	inp := fixtures.statements([fixtures.with_condition(grant({"Service": "events.amazonaws.com"}), {"StringEquals": {"aws:SourceAccount": "111122223333"}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_service_principal_with_source_arn if {
	inp := fixtures.statements([fixtures.with_condition(grant({"Service": "events.amazonaws.com"}), {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:222233334444:rule/*"}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_service_principal_with_source_org_id if {
	inp := fixtures.statements([fixtures.with_condition(grant({"Service": "events.amazonaws.com"}), {"StringEquals": {"aws:SourceOrgID": "o-exampleorg"}})])
	count(no_external_access.deny) == 0 with input as inp
}

test_deny_service_principal_with_external_source_arn if {
	inp := fixtures.statements([fixtures.with_condition(grant({"Service": "events.amazonaws.com"}), {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:444455556666:rule/*"}})])
	count(no_external_access.deny) == 1 with input as inp
}

test_deny_not_principal if {
	inp := fixtures.statements([{
		"Effect": "Allow",
		"NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:role/admin"]},
		"Action": "secretsmanager:DescribeSecret",
		"Resource": "*",
	}])
	no_external_access.deny == {"statement 0 allows every principal except arn:aws:iam::111122223333:role/admin (NotPrincipal) to secretsmanager:DescribeSecret without a condition restricting it to the organization"} with input as inp
}

test_allow_not_principal_confined_to_org if {
	inp := fixtures.statements([fixtures.with_condition(
		{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "secretsmanager:DescribeSecret", "Resource": "*"},
		org_only,
	)])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_deny_statements_ignored if {
	inp := fixtures.statements([
		{"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"},
		{"Effect": "Deny", "Principal": {"AWS": "444455556666"}, "Action": "secretsmanager:*", "Resource": "*"},
	])
	count(no_external_access.deny) == 0 with input as inp
}

test_deny_web_identity_provider if {
	inp := fixtures.statements([grant({"Federated": "cognito-identity.amazonaws.com"})])
	no_external_access.deny == {"statement 0 (sid Grant) allows federated principal cognito-identity.amazonaws.com to secretsmanager:GetSecretValue without a condition restricting it to the organization"} with input as inp
}

test_allow_saml_provider_in_org if {
	inp := fixtures.statements([grant({"Federated": "arn:aws:iam::222233334444:saml-provider/corp"})])
	count(no_external_access.deny) == 0 with input as inp
}

test_allow_dangling_unique_id if {
	inp := fixtures.statements([grant({"AWS": "AROAEXAMPLEUNIQUEID1"})])
	count(no_external_access.deny) == 0 with input as inp
}

test_deny_every_offending_statement if {
	inp := fixtures.statements([
		grant({"AWS": "222233334444"}),
		grant("*"),
		grant({"AWS": "444455556666"}),
	])
	count(no_external_access.deny) == 2 with input as inp
}

test_skip_deleted if {
	inp := fixtures.merge(fixtures.statements([grant("*")]), {"secret": {"DeletedDate": "2026-11-18T10:00:00Z"}})
	no_external_access.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(no_external_access.skip, no_external_access.deny) == "not_applicable" with input as inp
}
