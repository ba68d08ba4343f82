# METADATA
# title: Resource policy grants no unrestricted wildcard principal
# description: >-
#   No Allow statement of the secret's resource policy uses NotPrincipal (it
#   grants to everyone but the principals named, so it always fails, whatever
#   its conditions) or grants to a wildcard principal ("*", {"AWS": "*"},
#   "arn:aws:iam::*:root", "*" inside an AWS list) unless a condition pins the
#   caller's identity: a positive operator (StringEquals, StringLike, ArnEquals,
#   ArnLike, …, or ForAnyValue: forms) on aws:PrincipalOrgID, aws:PrincipalOrgPaths,
#   aws:PrincipalAccount, aws:PrincipalArn, aws:SourceOrgID, aws:SourceOrgPaths,
#   aws:SourceAccount, aws:SourceArn or aws:SourceOwner with no wildcard-only value.
#   …IfExists, ForAllValues: and negated operators do not pin. Choice: a wildcard
#   pinned by such a condition passes here even when the condition admits
#   accounts outside the organization; whether the pinned callers are inside the
#   organization is no-external-access's question. Deny statements are ignored.
#   Not applicable to deleted secrets.
# scope: package
# custom:
#   id: no-wildcard-principal
#   severity: high
#   controls: []
#   remediation: >-
#     Name the principals (account or role ARNs) instead of "*", or add a
#     condition such as "StringEquals": {"aws:PrincipalOrgID": "o-…"}; replace
#     NotPrincipal with an explicit Principal. Apply with aws secretsmanager
#     put-resource-policy --block-public-policy, or delete-resource-policy.
#   parameters: []
#   inputs:
#     - resource_policy
#     - secret.DeletedDate
package posture.no_wildcard_principal

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

deny contains finding.message if {
	input.resource_policy.Statement
	some finding in lib.iam.wildcard_findings(input.resource_policy)
}
