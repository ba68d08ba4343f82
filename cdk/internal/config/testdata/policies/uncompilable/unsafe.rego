# METADATA
# title: Uses an undefined variable
# scope: package
# custom:
#   id: org-unsafe
#   severity: low
#   remediation: none
package posture.org_unsafe

deny contains msg if {
	msg := sprintf("%v", [undefined_thing])
}
