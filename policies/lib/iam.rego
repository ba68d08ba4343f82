# METADATA
# title: IAM resource policy helpers
# description: >-
#   Normalisation and analysis of resource-based policies as IAM reads them:
#   Statement as an object or a list; Principal, NotPrincipal, Action, NotAction
#   and Resource as strings, lists or objects; condition keys matched without regard
#   to letter case (operator names are case-sensitive).
#
#   A wildcard principal is "*", {"AWS": "*"}, or an AWS principal whose account is
#   a wildcard ("arn:aws:iam::*:root"). A bare 12-digit account id is that account's
#   root. A statement is restricted when one of its conditions pins the caller's
#   identity with a positive operator (StringEquals, StringEqualsIgnoreCase,
#   StringLike, ArnEquals, ArnLike, or their ForAnyValue: forms) on one of
#   aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalAccount,
#   aws:PrincipalArn, aws:SourceOrgID, aws:SourceOrgPaths, aws:SourceAccount,
#   aws:SourceArn or aws:SourceOwner, and none of its values is wildcard-only.
#   …IfExists and ForAllValues: operators never restrict (they hold when the key is
#   absent), nor do negated operators. A statement is restricted to the organization
#   when such a condition only admits the organization (its id or paths under it)
#   or internal accounts (organization accounts, the secret's account and
#   params.trusted_account_ids), by account id or by the account inside an ARN.
#   Principals outside the zone of trust (Access Analyzer semantics): wildcards,
#   NotPrincipal, accounts that are not internal, AWS service principals,
#   canonical users and federated identity providers that are not IAM providers of
#   an internal account.
# scope: package
package lib.iam

# as_list(x) is x when x is a list, else [x].
as_list(x) := x if is_array(x)

else := [x]

# statements(policy) is the list of statements of a policy document, whether
# Statement is an object or a list; empty for a null policy or no statements.
statements(policy) := s if {
	s := policy.Statement
	is_array(s)
}

else := [policy.Statement] if is_object(policy.Statement)

else := []

# principal_entries(p) normalises a Principal or NotPrincipal value into a set of
# {"type", "value"}: "*" becomes {"type": "*", "value": "*"}, {"AWS": [a, b]}
# becomes one entry per value.
principal_entries(p) := {{"type": "*", "value": "*"}} if p == "*"

else := {{"type": t, "value": v} |
	some t, vals in p
	some v in as_list(vals)
} if {
	is_object(p)
}

else := set()

# is_account_id(v) holds for a bare 12-digit account id.
is_account_id(v) if {
	is_string(v)
	count(v) == 12
	trim(v, "0123456789") == ""
}

# account_of(v) is the account of a principal value: the id itself for a bare
# account id, the account field of an ARN otherwise (may contain wildcards).
account_of(v) := v if is_account_id(v)

else := split(v, ":")[4] if {
	is_string(v)
	startswith(v, "arn:")
}

# wildcard_only(v) holds when a value consists only of wildcard characters.
wildcard_only(v) if trim(v, "*?") == ""

# wildcard_entry(e) holds for a principal entry that admits any principal.
wildcard_entry(e) if e.value == "*"

wildcard_entry(e) if {
	e.type == "AWS"
	contains(account_of(e.value), "*")
}

# internal_account(a) holds for accounts inside the zone of trust: the
# organization's accounts, the secret's own account and params.trusted_account_ids.
internal_account(a) if a in input.organization.account_ids

internal_account(a) if a == input.account.Id

internal_account(a) if a == account_of(input.secret.ARN)

internal_account(a) if a in input.params.trusted_account_ids

# external_entry(e) holds for a principal entry outside the zone of trust.
external_entry(e) if wildcard_entry(e)

external_entry(e) if {
	e.type in {"AWS", "Federated"}
	a := account_of(e.value)
	not contains(a, "*")
	not internal_account(a)
}

# A federated identity provider that is not an IAM provider ARN (web identity:
# accounts.google.com, cognito-identity.amazonaws.com, …) admits outsiders.
external_entry(e) if {
	e.type == "Federated"
	not account_of(e.value)
}

external_entry(e) if e.type in {"Service", "CanonicalUser"}

# entry_text(e) renders a principal entry for messages.
entry_text(e) := "*" if e.value == "*"

else := sprintf("account %s", [e.value]) if is_account_id(e.value)

else := sprintf("service principal %s", [e.value]) if e.type == "Service"

else := sprintf("federated principal %s", [e.value]) if e.type == "Federated"

else := sprintf("canonical user %s", [e.value]) if e.type == "CanonicalUser"

else := e.value

# restricting_keys maps the (lower-case) condition keys that pin the caller's
# identity to the kind of value they hold.
restricting_keys := {
	"aws:principalorgid": "org",
	"aws:sourceorgid": "org",
	"aws:principalorgpaths": "orgpath",
	"aws:sourceorgpaths": "orgpath",
	"aws:principalaccount": "account",
	"aws:sourceaccount": "account",
	"aws:sourceowner": "account",
	"aws:principalarn": "arn",
	"aws:sourcearn": "arn",
}

# positive_operators are the condition operators that can only hold when the
# key is present and matches one of the values.
positive_operators := {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}

# restricting_operator(op) holds for a positive operator, optionally with the
# ForAnyValue: set qualifier (ForAllValues: holds for an absent key).
restricting_operator(op) if op in positive_operators

restricting_operator(op) if {
	startswith(op, "ForAnyValue:")
	substring(op, 12, -1) in positive_operators
}

# conditions(s) lists the identity-restricting conditions of statement s as
# {"op", "key", "kind", "values"}.
conditions(s) := [{"op": op, "key": k, "kind": kind, "values": values} |
	some op, block in s.Condition
	restricting_operator(op)
	some k, v in block
	kind := restricting_keys[lower(k)]
	values := [string_value(x) | some x in as_list(v)]
]

# string_value(x) is a condition value as the string IAM compares (account ids
# written as JSON numbers included); "" for anything else.
string_value(x) := x if is_string(x)

else := format_int(x, 10) if is_number(x)

else := ""

# pins(kind, v) holds when condition value v narrows the callers of its kind.
pins(kind, v) if {
	kind in {"org", "account"}
	is_string(v)
	not wildcard_only(v)
}

pins("orgpath", v) if {
	is_string(v)
	not wildcard_only(split(v, "/")[0])
}

pins("arn", v) if {
	parts := split(v, ":")
	count(parts) >= 6
	not wildcard_only(parts[4])
}

# An ARN without an account field (an S3 bucket) pins a named resource.
pins("arn", v) if {
	parts := split(v, ":")
	count(parts) >= 6
	parts[4] == ""
	not wildcard_only(concat(":", array.slice(parts, 5, count(parts))))
}

# internal_value(kind, v) holds when condition value v only admits callers
# inside the zone of trust.
internal_value("org", v) if lower(v) == lower(input.organization.id)

internal_value("orgpath", v) if lower(split(v, "/")[0]) == lower(input.organization.id)

internal_value("account", v) if internal_account(v)

internal_value("arn", v) if {
	a := split(v, ":")[4]
	not contains(a, "*")
	not contains(a, "?")
	internal_account(a)
}

# restricted(s) holds when a condition of s pins the caller's identity.
restricted(s) if {
	some c in conditions(s)
	count(c.values) > 0
	every v in c.values {
		pins(c.kind, v)
	}
}

# restricted_to_organization(s) holds when a condition of s admits only callers
# inside the zone of trust.
restricted_to_organization(s) if {
	some c in conditions(s)
	count(c.values) > 0
	every v in c.values {
		internal_value(c.kind, v)
	}
}

# allows(s) holds for an Allow statement (Deny statements never grant).
allows(s) if s.Effect == "Allow"

# label(i, s) names statement i for messages: "statement 1 (sid Public)".
label(i, s) := sprintf("statement %d (sid %s)", [i, s.Sid]) if {
	is_string(s.Sid)
	s.Sid != ""
}

else := sprintf("statement %d", [i])

# actions_text(s) renders the actions a statement grants.
actions_text(s) := concat(", ", as_list(s.Action)) if s.Action

else := sprintf("every action except %s", [concat(", ", as_list(s.NotAction))]) if s.NotAction

else := "no action"

# not_principal_text(s) renders a NotPrincipal statement's principal.
not_principal_text(s) := sprintf("every principal except %s (NotPrincipal)", [concat(", ", {entry_text(e) | some e in principal_entries(s.NotPrincipal)})])

# wildcard_findings(policy) is the set of {"index", "message"} for Allow
# statements that grant to a wildcard principal without any restricting
# condition, or use NotPrincipal (with or without conditions).
wildcard_findings(policy) := {f |
	some i, s in statements(policy)
	allows(s)
	f := wildcard_finding(i, s)
}

wildcard_finding(i, s) := {"index": i, "message": msg} if {
	s.NotPrincipal
	msg := sprintf("%s allows %s to %s", [label(i, s), not_principal_text(s), actions_text(s)])
}

else := {"index": i, "message": msg} if {
	texts := {entry_text(e) | some e in principal_entries(s.Principal); wildcard_entry(e)}
	count(texts) > 0
	not restricted(s)
	msg := sprintf("%s allows %s to %s", [label(i, s), concat(", ", texts), actions_text(s)])
}

# external_findings(policy) is the set of {"index", "message"} for Allow
# statements that grant access to principals outside the zone of trust without
# a condition restricting them to it.
external_findings(policy) := {f |
	some i, s in statements(policy)
	allows(s)
	f := external_finding(i, s)
}

external_finding(i, s) := {"index": i, "message": msg} if {
	texts := external_texts(s)
	count(texts) > 0
	not restricted_to_organization(s)
	msg := sprintf("%s allows %s to %s%s", [label(i, s), concat(", ", texts), actions_text(s), external_suffix(s)])
}

# external_texts(s) renders the principals of s that lie outside the zone of trust.
external_texts(s) := {not_principal_text(s)} if s.NotPrincipal

else := {external_text(e) | some e in principal_entries(s.Principal); external_entry(e)}

external_text(e) := sprintf("%s (outside the organization)", [entry_text(e)]) if {
	not wildcard_entry(e)
	e.type == "AWS"
}

else := entry_text(e)

# external_suffix(s) explains, for principals that only a condition could confine,
# that no condition does.
external_suffix(s) := " without a condition restricting it to the organization" if s.NotPrincipal

else := " without a condition restricting it to the organization" if {
	some e in principal_entries(s.Principal)
	external_entry(e)
	not e.type == "AWS"
}

else := " without a condition restricting it to the organization" if {
	some e in principal_entries(s.Principal)
	wildcard_entry(e)
}

else := ""

# value_actions are the actions that return a secret's value.
value_actions := {"secretsmanager:getsecretvalue", "secretsmanager:batchgetsecretvalue"}

# reads_value(s) holds when statement s grants an action that returns the
# secret value (actions are matched case-insensitively, with * and ? globs).
reads_value(s) if {
	some pattern in as_list(s.Action)
	some action in value_actions
	glob.match(lower(pattern), null, action)
}

reads_value(s) if {
	not s.Action
	s.NotAction
	some action in value_actions
	not excluded_action(s, action)
}

excluded_action(s, action) if {
	some pattern in as_list(s.NotAction)
	glob.match(lower(pattern), null, action)
}
