# METADATA
# title: GuardDuty reports compromised IAM credentials
# description: >-
#   A GuardDuty finding (input.event.kind guardduty_finding) whose type says IAM
#   credentials are being misused: UnauthorizedAccess:IAMUser/ (credential
#   exfiltration, calls from malicious or Tor IPs, anomalous console login),
#   CredentialAccess:IAMUser/, InitialAccess:IAMUser/, Exfiltration:IAMUser/,
#   Impact:IAMUser/, Persistence:IAMUser/ and PrivilegeEscalation:IAMUser/.
#   Whatever that principal read must be assumed exposed: critical alert and an
#   emergency rotation with "targets": "principal_reads" (the engine expands it
#   to every secret in input.history.principal_reads).
# scope: package
# custom:
#   id: guardduty-credential-compromise
#   severity: critical
#   controls: []
#   remediation: >-
#     Revoke the principal's sessions and keys, rotate every secret it read (the
#     rotate action does it), and investigate the finding in GuardDuty.
#   parameters: []
package events.guardduty_credential_compromise

# compromise_prefixes are the GuardDuty finding type prefixes that mean IAM
# credentials are in the wrong hands.
compromise_prefixes := [
	"UnauthorizedAccess:IAMUser/",
	"CredentialAccess:IAMUser/",
	"InitialAccess:IAMUser/",
	"Exfiltration:IAMUser/",
	"Impact:IAMUser/",
	"Persistence:IAMUser/",
	"PrivilegeEscalation:IAMUser/",
]

compromised if {
	input.event.kind == "guardduty_finding"
	some prefix in compromise_prefixes
	startswith(input.event.guardduty.type, prefix)
}

# principal(g) names the compromised principal of finding g for messages.
principal(g) := g.user_name if {
	g.user_name != ""
} else := sprintf("access key %s", [g.access_key_id]) if {
	g.access_key_id != ""
} else := sprintf("principal %s", [g.principal_id]) if {
	g.principal_id != ""
} else := "an unknown principal"

reads := count(object.get(object.get(input, "history", {}), "principal_reads", [])) if compromised

respond contains {
	"kind": "alert",
	"severity": "critical",
	"reason": sprintf("GuardDuty finding %s (%s) reports compromised credentials of %s", [input.event.guardduty.type, object.get(input.event.guardduty, "id", "?"), principal(input.event.guardduty)]),
} if {
	input.event.kind == "guardduty_finding" # cheap guard before compromised
	compromised
}

respond contains {
	"kind": "rotate",
	"severity": "critical",
	"reason": sprintf("rotate the %d secret(s) %s read: GuardDuty finding %s", [reads, principal(input.event.guardduty), input.event.guardduty.type]),
	"targets": "principal_reads",
} if {
	input.event.kind == "guardduty_finding" # cheap guard before compromised
	compromised
}
