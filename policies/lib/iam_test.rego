# Tests for lib.iam.
package lib.iam_test

import data.lib.fixtures
import data.lib.iam

stmt := {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}

test_statements_object_list_and_missing if {
	iam.statements({"Statement": stmt}) == [stmt]
	iam.statements({"Statement": [stmt, stmt]}) == [stmt, stmt]
	iam.statements(null) == []
	iam.statements({"Version": "2012-10-17"}) == []
}

test_as_list if {
	iam.as_list("a") == ["a"]
	iam.as_list(["a", "b"]) == ["a", "b"]
}

test_wildcard_texts if {
	iam.wildcard_texts("*") == {"*"}
	iam.wildcard_texts({"AWS": ["111122223333", "*", "arn:aws:iam::*:root"], "Service": "events.amazonaws.com"}) == {"*", "arn:aws:iam::*:root"}
	iam.wildcard_texts({"AWS": "arn:aws:iam::111122223333:role/*"}) == set()
}

test_external_texts if {
	inp := fixtures.base
	iam.external_texts("*") == {"*"} with input as inp
	iam.external_texts({
		"AWS": ["111122223333", "222233334444", "arn:aws:iam::222233334444:role/app", "444455556666", "arn:aws:iam::555566667777:role/x", "AROAEXAMPLEUNIQUEID1"],
		"Service": "events.amazonaws.com",
		"Federated": ["cognito-identity.amazonaws.com", "arn:aws:iam::222233334444:saml-provider/corp"],
		"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
	}) == {
		"account 444455556666 (outside the organization)",
		"arn:aws:iam::555566667777:role/x (outside the organization)",
		"service principal events.amazonaws.com",
		"federated principal cognito-identity.amazonaws.com",
		"canonical user 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
	} with input as inp
}

test_account_of if {
	iam.account_of("111122223333") == "111122223333"
	iam.account_of("arn:aws:iam::444455556666:role/x") == "444455556666"
	iam.account_of("arn:aws:iam::*:root") == "*"
	not iam.account_of("AROAEXAMPLEUNIQUEID1")
	not iam.account_of("11112222333")
	not iam.account_of("11112222333x")
}

test_wildcard_principals if {
	iam.wildcard("*", "*")
	iam.wildcard("AWS", "*")
	iam.wildcard("AWS", "arn:aws:iam::*:root")
	not iam.wildcard("AWS", "arn:aws:iam::111122223333:role/*")
	not iam.wildcard("Service", "events.amazonaws.com")
}

test_internal_accounts if {
	inp := fixtures.params({"trusted_account_ids": ["999900001111"]})
	iam.internal_account("222233334444") with input as inp
	iam.internal_account("111122223333") with input as inp
	iam.internal_account("999900001111") with input as inp
	not iam.internal_account("444455556666") with input as inp
}

test_only_positive_operators_on_identity_keys_restrict if {
	iam.restricted({"Condition": {"StringEquals": {"AWS:PrincipalOrgID": "o-exampleorg"}}})
	iam.restricted({"Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-exampleorg/r-root/*"]}}})
	not iam.restricted({"Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}})
	not iam.restricted({"Condition": {"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}}})
	not iam.restricted({"Condition": {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-exampleorg/*"}}})
	not iam.restricted({"Condition": {"StringNotEquals": {"aws:SourceAccount": "444455556666"}}})
	not iam.restricted({"Condition": {"stringEquals": {"aws:SourceAccount": "111122223333"}}})
	not iam.restricted({})
}

test_pins if {
	iam.pins("org", "o-exampleorg")
	not iam.pins("org", "*")
	not iam.pins("account", "??*")
	iam.pins("orgpath", "o-exampleorg/*")
	not iam.pins("orgpath", "*/r-root/*")
	iam.pins("arn", "arn:aws:iam::111122223333:role/*")
	not iam.pins("arn", "arn:aws:iam::*:role/app")
	iam.pins("arn", "arn:aws:s3:::my-bucket")
	not iam.pins("arn", "arn:aws:s3:::*")
	not iam.pins("arn", "*")
}

test_restricted_to_organization if {
	inp := fixtures.base
	iam.restricted_to_organization({"Condition": {"StringEquals": {"aws:principalorgid": "O-EXAMPLEORG"}}}) with input as inp
	iam.restricted_to_organization({"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:222233334444:topic"}}}) with input as inp
	not iam.restricted_to_organization({"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}}) with input as inp
	not iam.restricted_to_organization({"Condition": {"StringEquals": {"aws:PrincipalAccount": []}}}) with input as inp
	not iam.restricted_to_organization({"Condition": {"StringLike": {"aws:PrincipalAccount": "1111*"}}}) with input as inp
	iam.restricted({"Condition": {"StringLike": {"aws:PrincipalAccount": "1111*"}}})
}

test_label if {
	iam.label(1, {"Sid": "Public"}) == "statement 1 (sid Public)"
	iam.label(0, {"Sid": ""}) == "statement 0"
	iam.label(2, {}) == "statement 2"
}

test_actions_text if {
	iam.actions_text({"Action": ["a:B", "a:C"]}) == "a:B, a:C"
	iam.actions_text({"NotAction": "a:B"}) == "every action except a:B"
	iam.actions_text({}) == "no action"
}

test_reads_value if {
	iam.reads_value({"Action": "secretsmanager:GetSecretValue"})
	iam.reads_value({"Action": ["secretsmanager:DescribeSecret", "SecretsManager:Get*"]})
	iam.reads_value({"Action": "*"})
	iam.reads_value({"Action": "secretsmanager:BatchGet*"})
	iam.reads_value({"NotAction": "secretsmanager:DeleteSecret"})
	not iam.reads_value({"Action": ["secretsmanager:DescribeSecret", "secretsmanager:List*"]})
	not iam.reads_value({"NotAction": ["secretsmanager:Get*", "secretsmanager:BatchGet*"]})
}
