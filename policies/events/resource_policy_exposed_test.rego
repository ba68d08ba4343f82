# Tests for events.resource_policy_exposed.
package events.resource_policy_exposed_test

import data.events.resource_policy_exposed
import data.lib.fixtures

internal := {"Sid": "App", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222233334444:role/app"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}

public := {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}

put(statements, patch) := fixtures.event(object.union(
	{
		"name": "PutResourcePolicy",
		"request": {
			"secretId": "payments/db",
			"resourcePolicy": json.marshal({"Version": "2012-10-17", "Statement": statements}),
			"blockPublicPolicy": false,
		},
	},
	patch,
))

test_respond_public_policy if {
	inp := put([internal, public], {})
	resource_policy_exposed.respond == {
		{
			"kind": "alert",
			"severity": "critical",
			"reason": "PutResourcePolicy by arn:aws:iam::111122223333:role/deployer exposed payments/db outside the organization: statement 1 (sid Public) allows * to secretsmanager:GetSecretValue without a condition restricting it to the organization",
		},
		{
			"kind": "remediate",
			"severity": "critical",
			"reason": "remove statement(s) 1 granting access outside the organization from the resource policy of payments/db",
			"statements": [1],
		},
		{
			"kind": "rotate",
			"severity": "critical",
			"reason": "the resource policy put by arn:aws:iam::111122223333:role/deployer let principals outside the organization read the value of payments/db",
		},
	} with input as inp
}

test_respond_external_account_without_value_access if {
	describe_only := {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": ["secretsmanager:DescribeSecret"], "Resource": "*"}
	inp := put([describe_only, internal, object.union(describe_only, {"Sid": "Again"})], {})
	kinds := {r.kind | some r in resource_policy_exposed.respond} with input as inp
	kinds == {"alert", "remediate"}
	some r in resource_policy_exposed.respond with input as inp
	r.kind == "remediate"
	r.statements == [0, 2]
}

test_respond_statement_object_with_not_action if {
	policy := {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "NotAction": "secretsmanager:DeleteSecret", "Resource": "*"}}
	inp := fixtures.event({"name": "PutResourcePolicy", "request": {"resourcePolicy": json.marshal(policy)}})
	{r.kind | some r in resource_policy_exposed.respond} == {"alert", "remediate", "rotate"} with input as inp
}

test_respond_policy_given_as_object if {
	inp := fixtures.event({"name": "PutResourcePolicy", "request": {"resourcePolicy": {"Statement": [public]}}})
	count(resource_policy_exposed.respond) == 3 with input as inp
}

test_respond_policy_missing_from_request if {
	inp := fixtures.merge(
		fixtures.event({"name": "PutResourcePolicy", "request": {"secretId": "payments/db"}}),
		{"resource_policy": {"Version": "2012-10-17", "Statement": [internal, public]}},
	)
	some r in resource_policy_exposed.respond with input as inp
	r.kind == "remediate"
	r.statements == [1]
}

test_ignore_policy_restricted_to_org if {
	inp := put([internal, object.union(public, {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}})], {})
	count(resource_policy_exposed.respond) == 0 with input as inp
}

test_ignore_trusted_account if {
	inp := fixtures.merge(
		put([{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}], {}),
		{"params": {"trusted_account_ids": ["444455556666"]}},
	)
	count(resource_policy_exposed.respond) == 0 with input as inp
}

test_ignore_failed_call if {
	inp := put([public], {"error_code": "AccessDenied"})
	count(resource_policy_exposed.respond) == 0 with input as inp
}

test_ignore_malformed_policy if {
	inp := fixtures.event({"name": "PutResourcePolicy", "request": {"resourcePolicy": "{not json"}})
	count(resource_policy_exposed.respond) == 0 with input as inp
}

test_ignore_other_calls if {
	inp := put([public], {"name": "ValidateResourcePolicy"})
	count(resource_policy_exposed.respond) == 0 with input as inp
}
