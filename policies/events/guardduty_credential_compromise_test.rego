# Tests for events.guardduty_credential_compromise.
package events.guardduty_credential_compromise_test

import data.events.guardduty_credential_compromise
import data.lib.fixtures

finding(type) := fixtures.put(
	fixtures.merge(
		fixtures.event_by(
			{"type": "AWSService", "invoked_by": "guardduty.amazonaws.com"},
			{
				"id": "8ec3f0c1a1b2c3d4e5f6a7b8c9d0e1f2",
				"name": "GuardDutyFinding",
				"kind": "guardduty_finding",
				"source": "aws.guardduty",
				"secret": {},
				"guardduty": {
					"id": "8ec3f0c1a1b2c3d4e5f6a7b8c9d0e1f2",
					"type": type,
					"severity": 8,
					"access_key_id": "ASIAEXAMPLEKEY000001",
					"principal_id": "AROAEXAMPLEUNIQUEID1:session",
					"user_name": "deployer",
					"user_type": "AssumedRole",
				},
			},
		),
		{"history": {"principal_reads": [fixtures.secret_arn, "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/api-key-XyZ123"]}},
	),
	"secret",
	null,
)

test_respond_credential_exfiltration if {
	inp := finding("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS")
	guardduty_credential_compromise.respond == {
		{
			"kind": "alert",
			"severity": "critical",
			"reason": "GuardDuty finding UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS (8ec3f0c1a1b2c3d4e5f6a7b8c9d0e1f2) reports compromised credentials of deployer",
		},
		{
			"kind": "rotate",
			"severity": "critical",
			"reason": "rotate the 2 secret(s) deployer read: GuardDuty finding UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
			"targets": "principal_reads",
		},
	} with input as inp
}

test_respond_anomalous_credential_access if {
	inp := finding("CredentialAccess:IAMUser/AnomalousBehavior")
	{r.kind | some r in guardduty_credential_compromise.respond} == {"alert", "rotate"} with input as inp
}

test_respond_malicious_ip_caller if {
	inp := finding("UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom")
	count(guardduty_credential_compromise.respond) == 2 with input as inp
}

test_ignore_unrelated_finding if {
	inp := finding("Recon:EC2/PortProbeUnprotectedPort")
	count(guardduty_credential_compromise.respond) == 0 with input as inp
}

test_ignore_api_call if {
	inp := fixtures.merge(finding("UnauthorizedAccess:IAMUser/MaliciousIPCaller"), {"event": {"kind": "api_call"}})
	count(guardduty_credential_compromise.respond) == 0 with input as inp
}
