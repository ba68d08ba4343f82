# Tests for posture.no_wildcard_principal.
package posture.no_wildcard_principal_test

import data.lib.fixtures
import data.posture.no_wildcard_principal

grant(principal) := fixtures.get_value(principal)

test_allow_no_resource_policy if {
	inp := fixtures.base
	count(no_wildcard_principal.deny) == 0 with input as inp
	count(no_wildcard_principal.skip) == 0 with input as inp
}

test_allow_named_principals if {
	inp := fixtures.statements([grant({"AWS": ["arn:aws:iam::222233334444:role/app", "444455556666"]})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_allow_service_principal if {
	inp := fixtures.statements([grant({"Service": "events.amazonaws.com"})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_deny_star_principal if {
	inp := fixtures.statements([
		grant({"AWS": "arn:aws:iam::222233334444:role/app"}),
		object.union(grant("*"), {"Sid": "Public"}),
	])
	no_wildcard_principal.deny == {"statement 1 (sid Public) allows * to secretsmanager:GetSecretValue"} with input as inp
}

test_deny_aws_star_principal if {
	inp := fixtures.statements([grant({"AWS": "*"})])
	no_wildcard_principal.deny == {"statement 0 (sid Grant) allows * to secretsmanager:GetSecretValue"} with input as inp
}

test_deny_star_inside_aws_list if {
	inp := fixtures.statements([grant({"AWS": ["arn:aws:iam::222233334444:root", "*"]})])
	no_wildcard_principal.deny == {"statement 0 (sid Grant) allows * to secretsmanager:GetSecretValue"} with input as inp
}

test_deny_any_account_root if {
	inp := fixtures.statements([object.remove(grant({"AWS": "arn:aws:iam::*:root"}), ["Sid"])])
	no_wildcard_principal.deny == {"statement 0 allows arn:aws:iam::*:root to secretsmanager:GetSecretValue"} with input as inp
}

test_deny_statement_object_and_action_list if {
	inp := fixtures.merge(fixtures.base, {"resource_policy": {
		"Version": "2012-10-17",
		"Statement": {
			"Effect": "Allow",
			"Principal": "*",
			"Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
			"Resource": ["*"],
		},
	}})
	no_wildcard_principal.deny == {"statement 0 allows * to secretsmanager:GetSecretValue, secretsmanager:DescribeSecret"} with input as inp
}

test_deny_not_action if {
	inp := fixtures.statements([{"Effect": "Allow", "Principal": "*", "NotAction": "secretsmanager:DeleteSecret", "Resource": "*"}])
	no_wildcard_principal.deny == {"statement 0 allows * to every action except secretsmanager:DeleteSecret"} with input as inp
}

test_deny_not_principal_with_allow if {
	inp := fixtures.statements([{
		"Sid": "AllButAdmin",
		"Effect": "Allow",
		"NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
		"Action": "secretsmanager:GetSecretValue",
		"Resource": "*",
		"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}},
	}])
	no_wildcard_principal.deny == {"statement 0 (sid AllButAdmin) allows every principal except arn:aws:iam::111122223333:role/admin (NotPrincipal) to secretsmanager:GetSecretValue"} with input as inp
}

test_allow_not_principal_with_deny if {
	inp := fixtures.statements([{
		"Effect": "Deny",
		"NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
		"Action": "secretsmanager:*",
		"Resource": "*",
	}])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_allow_deny_statement_with_star if {
	inp := fixtures.statements([{"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:DeleteSecret", "Resource": "*"}])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_to_org if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_allow_condition_key_in_any_case if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEquals": {"AWS:principalorgid": "o-exampleorg"}})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_to_source_account if {
	inp := fixtures.statements([fixtures.with_condition(grant({"AWS": "*"}), {"StringEquals": {"aws:SourceAccount": ["111122223333"]}})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_by_principal_arn_pattern if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_allow_wildcard_restricted_by_org_paths if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-exampleorg/r-root/ou-prod/*"]}})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

# The documented choice: a pinned wildcard passes here, even when it pins an
# outside account; no-external-access reports that.
test_allow_wildcard_pinned_to_external_account if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEquals": {"aws:PrincipalAccount": "444455556666"}})])
	count(no_wildcard_principal.deny) == 0 with input as inp
}

test_deny_if_exists_operator if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorg"}})])
	count(no_wildcard_principal.deny) == 1 with input as inp
}

test_deny_for_all_values_operator if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": ["o-exampleorg/*"]}})])
	count(no_wildcard_principal.deny) == 1 with input as inp
}

test_deny_wildcard_only_value if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringLike": {"aws:PrincipalAccount": "*"}})])
	count(no_wildcard_principal.deny) == 1 with input as inp
}

test_deny_one_wildcard_only_value_among_others if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringLike": {"aws:PrincipalOrgID": ["o-exampleorg", "*"]}})])
	count(no_wildcard_principal.deny) == 1 with input as inp
}

test_deny_negated_operator if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"StringNotEquals": {"aws:PrincipalOrgID": "o-other"}})])
	count(no_wildcard_principal.deny) == 1 with input as inp
}

test_deny_unrelated_condition if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"Bool": {"aws:SecureTransport": "true"}})])
	count(no_wildcard_principal.deny) == 1 with input as inp
}

test_deny_operator_name_is_case_sensitive if {
	inp := fixtures.statements([fixtures.with_condition(grant("*"), {"stringequals": {"aws:PrincipalOrgID": "o-exampleorg"}})])
	count(no_wildcard_principal.deny) == 1 with input as inp
}

test_skip_deleted if {
	inp := fixtures.merge(fixtures.statements([grant("*")]), {"secret": {"DeletedDate": "2026-11-18T10:00:00Z"}})
	no_wildcard_principal.skip == {"secret is scheduled for deletion"} with input as inp
	fixtures.status(no_wildcard_principal.skip, no_wildcard_principal.deny) == "not_applicable" with input as inp
}
