# METADATA
# title: Time helpers
# description: >-
#   Rendering of ages for messages. Policies do not parse timestamps: they read
#   the whole days and hours the engine derives from them (input.ages, see
#   docs/contracts.md), so that a rule's outcome is shared by every secret of
#   the same age.
# scope: package
package lib.time

# age_text(hours) renders a duration in hours as "N hours" below two days, "N days" above.
age_text(hours) := sprintf("%d hours", [hours]) if hours < 48

else := sprintf("%d days", [floor(hours / 24)])
