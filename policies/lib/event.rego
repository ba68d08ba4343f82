# METADATA
# title: Event helpers
# description: >-
#   Facts about input.event (the normalized CloudTrail event or GuardDuty finding)
#   shared by the event rules. A call with an error_code failed and changed
#   nothing: succeeded_call never holds for it.
# scope: package
package lib.event

# failed holds when the event carries an error code.
failed if input.event.error_code != ""

# succeeded_call(name) holds for a CloudTrail API call named name that succeeded.
succeeded_call(name) if {
	input.event.kind == "api_call"
	input.event.name == name
	not failed
}

# unidentified holds when the event names no caller at all: no account, ARN,
# principal id or invoking service (its userIdentity is missing, empty or not
# an object). Such a caller cannot be shown to be inside the organization: the
# rules treat it as coming from outside (input.event.actor.in_organization is
# false for it).
unidentified if {
	not input.event.actor.account_id
	not input.event.actor.arn
	not input.event.actor.principal_id
	not input.event.actor.invoked_by
}

# actor names the principal behind the event for messages.
actor := "an unidentified caller (no userIdentity in the record: treated as outside the organization)" if {
	unidentified
} else := a if {
	a := input.event.actor.principal_arn
	a != ""
} else := a if {
	a := input.event.actor.arn
	a != ""
} else := sprintf("account %s", [input.event.actor.account_id]) if {
	input.event.actor.account_id != ""
} else := "an unknown principal"

# secret_name names the secret the event concerns for messages.
secret_name := n if {
	n := input.secret.Name
	n != ""
} else := n if {
	n := input.event.secret.arn
	n != ""
} else := n if {
	n := input.event.secret.name
	n != ""
} else := n if {
	n := input.event.secret.raw
	n != ""
} else := "the secret"

# request is the event's sanitized requestParameters ({} when absent).
request := object.get(input.event, "request", {})
