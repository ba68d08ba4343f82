# METADATA
# title: Required tags are present
# description: >-
#   The secret carries every tag key in required_tag_keys (keys are
#   case-sensitive, as in AWS) with a value that is not empty or blank. Not
#   applicable to deleted secrets.
# scope: package
# custom:
#   id: required-tags
#   severity: low
#   controls:
#     - SecretsManager.5
#     - config:tagged-secretsmanager-secret
#   remediation: >-
#     Tag the secret: aws secretsmanager tag-resource --secret-id ID --tags
#     Key=owner,Value=TEAM (for every key in required_tag_keys).
#   parameters:
#     - required_tag_keys
#   inputs:
#     - params.required_tag_keys
#     - secret.DeletedDate
#     - secret.Tags
package posture.required_tags

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

deny contains sprintf("required tag %s is missing", [key]) if {
	some key in input.params.required_tag_keys
	not lib.secret.has_tag(key)
}

deny contains sprintf("required tag %s has an empty value", [tag.Key]) if {
	some tag in input.secret.Tags
	tag.Key in input.params.required_tag_keys
	trim_space(object.get(tag, "Value", "")) == ""
}
