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

test_principal_entries if {
	iam.principal_entries("*") == {{"type": "*", "value": "*"}}
	iam.principal_entries({"AWS": ["111122223333", "*"], "Service": "events.amazonaws.com"}) == {
		{"type": "AWS", "value": "111122223333"},
		{"type": "AWS", "value": "*"},
		{"type": "Service", "value": "events.amazonaws.com"},
	}
	iam.principal_entries(null) == set()
}

test_account_of if {
	iam.account_of("111122223333") == "111122223333"
	iam.account_of("arn:aws:iam::444455556666:role/x") == "444455556666"
	iam.account_of("arn:aws:iam::*:root") == "*"
	not iam.account_of("AROAEXAMPLEUNIQUEID1")
	not iam.account_of("11112222333")
	not iam.account_of("11112222333x")
}

test_wildcard_entries if {
	iam.wildcard_entry({"type": "*", "value": "*"})
	iam.wildcard_entry({"type": "AWS", "value": "*"})
	iam.wildcard_entry({"type": "AWS", "value": "arn:aws:iam::*:root"})
	not iam.wildcard_entry({"type": "AWS", "value": "arn:aws:iam::111122223333:role/*"})
	not iam.wildcard_entry({"type": "Service", "value": "events.amazonaws.com"})
}

test_internal_accounts if {
	inp := fixtures.params({"trusted_account_ids": ["999900001111"]})
	iam.internal_account("222233334444") with input as inp
	iam.internal_account("111122223333") with input as inp
	iam.internal_account("999900001111") with input as inp
	not iam.internal_account("444455556666") with input as inp
}

test_conditions_keep_only_identity_keys_and_positive_operators if {
	s := {"Condition": {
		"StringEquals": {"AWS:PrincipalOrgID": "o-exampleorg", "aws:RequestedRegion": "us-east-1"},
		"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"},
		"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-exampleorg/*"},
		"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-exampleorg/r-root/*"]},
		"StringNotEquals": {"aws:SourceAccount": "444455556666"},
	}}
	iam.conditions(s) == [
		{"op": "ForAnyValue:StringLike", "key": "aws:PrincipalOrgPaths", "kind": "orgpath", "values": ["o-exampleorg/r-root/*"]},
		{"op": "StringEquals", "key": "AWS:PrincipalOrgID", "kind": "org", "values": ["o-exampleorg"]},
	]
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
