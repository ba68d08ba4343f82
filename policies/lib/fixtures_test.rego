# Test fixtures shared by every policy test: a complete, healthy policy input
# (it passes every posture check with the default parameters) and helpers that
# derive scenario inputs from it. Every input a test uses is validated against
# input.schema.json by policies_test.go, and its ages and version_stages
# against the engine's own derivation (internal/input).
package lib.fixtures

secret_arn := "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf"

key_arn := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

key_id := "1234abcd-12ab-34cd-56ef-1234567890ab"

replica_key_arn := "arn:aws:kms:us-west-2:111122223333:key/5678efgh-56ef-78ab-90cd-567890abcdef"

aws_managed_key := {"KeyManager": "AWS", "AliasName": "alias/aws/secretsmanager"}

# base is the healthy input, with ages and version_stages derived as the engine
# derives them.
base := derived(raw_base)

raw_base := {
	"schema_version": "v1",
	"now": "2026-11-20T00:00:00Z",
	"region": "us-east-1",
	"secret": {
		"ARN": secret_arn,
		"Name": "payments/db",
		"Description": "payments database credentials",
		"KmsKeyId": key_arn,
		"RotationEnabled": true,
		"RotationLambdaARN": "arn:aws:lambda:us-east-1:111122223333:function:rotate-payments-db",
		"RotationRules": {"AutomaticallyAfterDays": 30},
		"LastRotatedDate": "2026-11-01T00:00:00Z",
		"LastChangedDate": "2026-11-01T00:00:05Z",
		"LastAccessedDate": "2026-11-19T00:00:00Z",
		"NextRotationDate": "2026-12-01T00:00:00Z",
		"CreatedDate": "2025-01-15T09:30:00Z",
		"Tags": [{"Key": "owner", "Value": "payments-team"}, {"Key": "env", "Value": "prod"}],
		"VersionIdsToStages": {
			"a1b2c3d4-0000-0000-0000-000000000002": ["AWSCURRENT"],
			"a1b2c3d4-0000-0000-0000-000000000001": ["AWSPREVIOUS"],
		},
	},
	"resource_policy": null,
	"kms_key": {
		"Arn": key_arn,
		"KeyId": key_id,
		"KeyManager": "CUSTOMER",
		"KeyState": "Enabled",
		"KeyRotationEnabled": true,
		"AWSAccountId": "111122223333",
		"AliasNames": ["alias/payments"],
	},
	"account": {
		"Id": "111122223333",
		"Name": "payments-prod",
		"OuPath": "r-root/ou-prod",
		"Tags": [{"Key": "env", "Value": "prod"}],
	},
	"organization": {
		"id": "o-exampleorg",
		"management_account_id": "111111111111",
		"account_ids": ["111111111111", "111122223333", "222233334444"],
	},
	"params": data.warden.params.defaults,
}

# The helpers below re-derive ages and version_stages from the result (see
# derived), so that a scenario that changes a date, or now, stays consistent.
# To test an input without them, remove them from the result.

# merge(doc, patch) merges patch into doc recursively (lists are replaced).
merge(doc, patch) := derived(object.union(doc, patch))

# put(doc, field, value) sets a top-level field of doc to value (replacing it whole).
put(doc, field, value) := derived(object.union(object.remove(doc, [field]), {field: value}))

# secret(patch) is the base input with patch merged into the secret.
secret(patch) := derived(object.union(base, {"secret": patch}))

# rotation_rules(rules) is the base input with RotationRules replaced whole.
rotation_rules(rules) := put(base, "secret", object.union(object.remove(base.secret, ["RotationRules"]), {"RotationRules": rules}))

# without(fields) is the base input without the given secret fields.
without(fields) := derived(json.remove(base, [concat("/", ["secret", f]) | some f in fields]))

# derived(doc) is doc with input.ages and input.version_stages derived from
# doc.secret and doc.now as the engine derives them (docs/contracts.md):
# whole days and hours from each timestamp to now, rounded down; the stage
# lists of VersionIdsToStages, each sorted, sorted. Without a secret object,
# doc without them. policies_test.go checks this against internal/input.
derived(doc) := object.union(object.remove(doc, ["ages", "version_stages"]), object.union(
	{"ages": ages_of(doc.secret, doc.now)},
	version_stages_of(doc.secret),
)) if {
	is_object(doc.secret)
} else := object.remove(doc, ["ages", "version_stages"])

# age_fields are the timestamp fields input.ages covers.
age_fields := ["CreatedDate", "LastChangedDate", "LastAccessedDate", "LastRotatedDate", "NextRotationDate", "DeletedDate"]

ns_per_hour := 3600000000000

ns_per_day := 86400000000000

# age(ts, now, unit) is the number of whole units (ns) from ts to now, rounded
# down, by integer floor division: OPA's floor() returns 0, not -1, for a value
# between -1 and 0 (a timestamp less than one unit in the future).
age(ts, now, unit) := (diff - (((diff % unit) + unit) % unit)) / unit if {
	diff := time.parse_rfc3339_ns(now) - time.parse_rfc3339_ns(ts)
}

ages_of(secret, now) := object.union(
	{
		"days": {f: age(secret[f], now, ns_per_day) | some f in age_fields; secret[f]},
		"hours": {f: age(secret[f], now, ns_per_hour) | some f in age_fields; secret[f]},
	},
	replica_access_days_of(secret, now),
)

replica_access_days_of(secret, now) := {"replica_access_days": days} if {
	days := {r.Region: age(r.LastAccessedDate, now, ns_per_day) |
		some r in secret.ReplicationStatus
		r.LastAccessedDate
	}
	count(days) > 0
} else := {}

version_stages_of(secret) := {"version_stages": sort([sort(stages) | some stages in secret.VersionIdsToStages])} if {
	secret.VersionIdsToStages
} else := {}

# derivation_samples are inputs whose derived ages and version_stages
# policies_test.go compares with the engine's, on the edges of the rounding.
derivation_samples := [
	base,
	without(["LastRotatedDate", "NextRotationDate", "VersionIdsToStages"]),
	secret({
		"CreatedDate": "2026-08-22T00:00:00Z",
		"LastRotatedDate": "2026-08-21T00:00:01Z",
		"LastChangedDate": "2026-11-19T00:00:00.001Z",
		"LastAccessedDate": "2026-11-19T02:00:00+02:00",
		"NextRotationDate": "2026-11-20T01:00:00Z",
		"DeletedDate": "2026-11-25T00:00:00.5Z",
		"VersionIdsToStages": {"v3": ["AWSPENDING"], "v2": ["custom", "AWSCURRENT"], "v1": ["AWSPREVIOUS"], "v0": ["AWSPENDING"]},
		"ReplicationStatus": [
			{"Region": "us-west-2", "Status": "InSync", "LastAccessedDate": "2026-08-12T00:00:00Z"},
			{"Region": "eu-west-1", "Status": "InSync"},
		],
	}),
	merge(base, {"now": "2026-11-20T13:45:07Z"}),
]

# params(patch) is the base input with patch merged into the parameters.
params(patch) := object.union(base, {"params": patch})

# statements(list) is the base input with a resource policy of these statements.
statements(list) := object.union(base, {"resource_policy": {"Version": "2012-10-17", "Statement": list}})

# get_value(principal) is an Allow statement granting GetSecretValue to principal.
get_value(principal) := {
	"Sid": "Grant",
	"Effect": "Allow",
	"Principal": principal,
	"Action": "secretsmanager:GetSecretValue",
	"Resource": "*",
}

# with_condition(stmt, condition) adds an IAM Condition block to a statement.
with_condition(stmt, condition) := object.union(stmt, {"Condition": condition})

# event_defaults is a successful UpdateSecret call by a role inside the organization.
event_defaults := {
	"id": "0a1b2c3d-1111-2222-3333-444455556666",
	"name": "UpdateSecret",
	"kind": "api_call",
	"source": "secretsmanager.amazonaws.com",
	"time": "2026-11-19T23:55:00Z",
	"account_id": "111122223333",
	"region": "us-east-1",
	"actor": {
		"type": "AssumedRole",
		"arn": "arn:aws:sts::111122223333:assumed-role/deployer/ci-run-42",
		"principal_arn": "arn:aws:iam::111122223333:role/deployer",
		"account_id": "111122223333",
		"in_organization": true,
	},
	"source_ip": "203.0.113.10",
	"read_only": false,
	"secret": {"raw": "payments/db", "arn": secret_arn, "name": "payments/db"},
}

# event(patch) is the base input with an event (event_defaults merged with patch)
# and an empty history.
event(patch) := object.union(base, {
	"event": object.union(event_defaults, patch),
	"history": {"access_denied_count": 0, "principal_reads": []},
})

# event_by(actor, patch) is event(patch) with the actor replaced whole.
event_by(actor, patch) := put(
	event(patch),
	"event",
	object.union(object.union(object.remove(event_defaults, ["actor"]), patch), {"actor": actor}),
)

# outsider is an actor from an account outside the organization.
outsider := {
	"type": "AssumedRole",
	"arn": "arn:aws:sts::444455556666:assumed-role/vendor/session",
	"principal_arn": "arn:aws:iam::444455556666:role/vendor",
	"account_id": "444455556666",
	"in_organization": false,
}

# status(skip, deny) is the status the engine reports for a check's skip and
# deny sets: not_applicable when there is a skip reason (deny is not looked
# at), else fail when there is a deny message, else pass.
status(skip, deny) := "not_applicable" if {
	count(skip) > 0
} else := "fail" if {
	count(deny) > 0
} else := "pass"

# without_ages(doc) is doc as a hand-built input without input.ages.
without_ages(doc) := object.remove(doc, ["ages"])
