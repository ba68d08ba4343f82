# METADATA
# title: The secret names its cost centre
# description: >-
#   An organization's own check, bundled with the Lambdas by the policiesDir
#   context key: every secret carries a cost-center tag.
# scope: package
# custom:
#   id: org-cost-center-tag
#   severity: low
#   remediation: >-
#     aws secretsmanager tag-resource --secret-id ID --tags Key=cost-center,Value=CC
#   inputs:
#     - secret.DeletedDate
#     - secret.Tags
package posture.org_cost_center_tag

skip contains "the secret is deleted" if _ = input.secret.DeletedDate

deny contains "the cost-center tag is missing" if {
	not has_cost_center
}

has_cost_center if {
	some tag in input.secret.Tags
	tag.Key == "cost-center"
}
