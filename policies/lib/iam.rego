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

# is_account_id(v) holds for a bare 12-digit account id.
is_account_id(v) if {
	is_string(v)
	count(v) == 12
	trim(v, "0123456789") == ""
}

# account_of(v) is the account of a principal value: the account field of an
# ARN (may contain wildcards), the id itself for a bare account id. (The two
# cases exclude each other; ARNs, the most frequent, are tested first.)
account_of(v) := split(v, ":")[4] if {
	startswith(v, "arn:")
} else := v if is_account_id(v)

# wildcard_only(v) holds when a value consists only of wildcard characters.
wildcard_only(v) if trim(v, "*?") == ""

# wildcard(t, v) holds for a principal (type t, value v) that admits any principal.
wildcard(_, "*")

wildcard("AWS", v) if contains(account_of(v), "*")

# internal_account(a) holds for accounts inside the zone of trust: the
# organization's accounts, the secret's own account (input.account.Id) and
# params.trusted_account_ids.
internal_account(a) if a == input.account.Id

internal_account(a) if a in input.organization.account_ids

internal_account(a) if a in input.params.trusted_account_ids

# wildcard_texts(p) renders the wildcard principals of a Principal value.
wildcard_texts(p) := {"*"} if p == "*"

else := {v |
	some t, vals in p
	some v in as_list(vals)
	wildcard(t, v)
}

# external_texts(p) renders the principals of a Principal value that lie
# outside the zone of trust.
external_texts(p) := {"*"} if p == "*"

else := {text |
	some t, vals in p
	some v in as_list(vals)
	text := external_text(t, v)
}

# external_text(t, v) renders principal (type t, value v) when it lies outside
# the zone of trust: a wildcard, an account that is not internal, an ARN in such
# an account, a web identity provider, a service principal (it acts for any
# account) or a canonical user. Undefined for internal principals and for
# unique ids of deleted principals (AROA…), which nobody can use.
external_text(t, v) := v if {
	wildcard(t, v)
} else := sprintf("account %s (outside the organization)", [v]) if {
	t == "AWS"
	is_account_id(v)
	not internal_account(v)
} else := sprintf("%s (outside the organization)", [v]) if {
	t in {"AWS", "Federated"}
	startswith(v, "arn:")
	not internal_account(account_of(v))
} else := sprintf("federated principal %s", [v]) if {
	t == "Federated"
	not startswith(v, "arn:")
} else := sprintf("service principal %s", [v]) if {
	t == "Service"
} else := sprintf("canonical user %s", [v]) if {
	t == "CanonicalUser"
}

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

# string_value(x) is a condition value as the string IAM compares (account ids
# written as JSON numbers included); "" for anything else.
string_value(x) := x if is_string(x)

else := format_int(x, 10) if is_number(x)

else := ""

# pins(kind, v) holds when condition value v narrows the callers of its kind.
pins(kind, v) if {
	kind in {"org", "account"}
	not wildcard_only(v)
}

pins("orgpath", v) if not wildcard_only(split(v, "/")[0])

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

# restricted(s) holds when a condition of statement s pins the caller's identity:
# a restricting operator on a restricting key whose every value pins.
restricted(s) if {
	some op, block in s.Condition
	restricting_operator(op)
	some key, value in block
	kind := restricting_keys[lower(key)]
	values := as_list(value)
	count(values) > 0
	every v in values {
		pins(kind, string_value(v))
	}
}

# restricted_to_organization(s) holds when a condition of statement s admits
# only callers inside the zone of trust.
restricted_to_organization(s) if {
	some op, block in s.Condition
	restricting_operator(op)
	some key, value in block
	kind := restricting_keys[lower(key)]
	values := as_list(value)
	count(values) > 0
	every v in values {
		internal_value(kind, string_value(v))
	}
}

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
not_principal_text(s) := sprintf("every principal except %s (NotPrincipal)", [concat(", ", not_principal_values(s.NotPrincipal))])

not_principal_values(p) := {"*"} if p == "*"

else := {v | some _, vals in p; some v in as_list(vals)}

# wildcard_findings(policy) is the set of {"index", "message"} for Allow
# statements that use NotPrincipal (with or without conditions), or grant to a
# wildcard principal without a condition that pins the caller's identity.
wildcard_findings(policy) := {f |
	some i, s in statements(policy)
	s.Effect == "Allow"
	f := wildcard_finding(i, s)
}

wildcard_finding(i, s) := {"index": i, "message": msg} if {
	s.NotPrincipal
	msg := sprintf("%s allows %s to %s", [label(i, s), not_principal_text(s), actions_text(s)])
} else := {"index": i, "message": msg} if {
	texts := wildcard_texts(s.Principal)
	count(texts) > 0
	not restricted(s)
	msg := sprintf("%s allows %s to %s", [label(i, s), concat(", ", texts), actions_text(s)])
}

# external_findings(policy) is the set of {"index", "message"} for Allow
# statements that grant access to principals outside the zone of trust without
# a condition restricting them to it.
external_findings(policy) := {f |
	some i, s in statements(policy)
	s.Effect == "Allow"
	f := external_finding(i, s)
}

unconfined := " without a condition restricting it to the organization"

external_finding(i, s) := {"index": i, "message": msg} if {
	s.NotPrincipal
	not restricted_to_organization(s)
	msg := sprintf("%s allows %s to %s%s", [label(i, s), not_principal_text(s), actions_text(s), unconfined])
} else := {"index": i, "message": msg} if {
	texts := external_texts(s.Principal)
	count(texts) > 0
	not restricted_to_organization(s)
	msg := sprintf("%s allows %s to %s%s", [label(i, s), concat(", ", texts), actions_text(s), suffix(texts)])
}

# suffix(texts) explains, unless every principal is a named outside account,
# that no condition confines the grant.
suffix(texts) := "" if {
	every text in texts {
		endswith(text, "(outside the organization)")
	}
} else := unconfined

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
