# METADATA
# title: Resource policy grants no access outside the organization
# description: >-
#   No Allow statement of the secret's resource policy grants access, of any
#   kind, to a principal outside the zone of trust (IAM Access Analyzer
#   semantics): the organization's accounts (input.organization.account_ids), the
#   secret's own account and trusted_account_ids. External are: an account or an
#   ARN in another account; a wildcard principal ("*", {"AWS": "*"},
#   "arn:aws:iam::*:root"); NotPrincipal; an AWS service principal (it acts for
#   any account); a canonical user; a web identity provider. Such a grant is
#   still internal when a condition confines it with a positive operator
#   (StringEquals, StringLike, ArnEquals, ArnLike, …, ForAnyValue: forms) on
#   aws:PrincipalOrgID or aws:SourceOrgID (the organization's id),
#   aws:PrincipalOrgPaths or aws:SourceOrgPaths (paths under it),
#   aws:PrincipalAccount, aws:SourceAccount or aws:SourceOwner (internal account
#   ids), aws:PrincipalArn or aws:SourceArn (ARNs in internal accounts), every
#   value admitting only internal callers. …IfExists, ForAllValues:, negated
#   operators and wildcard-only values never confine. Deny statements are ignored.
#   Not applicable to deleted secrets.
# scope: package
# custom:
#   id: no-external-access
#   severity: critical
#   controls: []
#   remediation: >-
#     Remove the statements that grant outside the organization, or confine them
#     with "StringEquals": {"aws:PrincipalOrgID": "o-…"} (aws:SourceAccount or
#     aws:SourceOrgID for service principals); if the access is intended, add the
#     account to trusted_account_ids. Rotate the secret if it may have been read.
#   parameters:
#     - trusted_account_ids
#   inputs:
#     - account.Id
#     - organization.account_ids
#     - organization.id
#     - params.trusted_account_ids
#     - resource_policy
#     - secret.DeletedDate
package posture.no_external_access

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

deny contains finding.message if {
	input.resource_policy.Statement
	some finding in lib.iam.external_findings(input.resource_policy)
}
