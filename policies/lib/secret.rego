# METADATA
# title: Secret helpers
# description: >-
#   Facts about input.secret shared by the posture checks, and the skip reasons
#   that several checks have in common (deleted secrets, replicas, secrets managed
#   by another AWS service).
# scope: package
package lib.secret

# deleted_reason is the skip reason every check gives for a deleted secret
# (test input.secret.DeletedDate in the rule's own body). It reads nothing, so
# that the rule's outcome is shared by every deleted secret.
deleted_reason := "secret is scheduled for deletion"

# ages_missing_reason is the skip reason of the checks that read input.ages
# when it is absent (a hand-built input): they never silently pass.
ages_missing_reason := "input.ages is missing: the engine derives it from the secret's timestamps and now; see docs/contracts.md"

# primary_region is the secret's primary region (only set for replicated secrets).
primary_region := input.secret.PrimaryRegion

# replica holds when the evaluated secret is a replica: its primary region is not
# the region it is evaluated in.
replica if input.secret.PrimaryRegion != input.region

# managed_reason is the skip reason for checks that the owning service fulfils itself.
managed_reason := sprintf("managed by %s", [s]) if {
	s := input.secret.OwningService
	s != ""
}

# rotation_replica_reason is the skip reason of the rotation checks on a replica.
rotation_replica_reason := sprintf("replica of %s: rotation is managed by the primary region", [p]) if {
	p := input.secret.PrimaryRegion
	p != input.region
}

# rotation_skip are the skip reasons of the checks on rotation age and
# schedule: deleted, replica (the primary rotates it), managed by a service.
rotation_skip contains deleted_reason if input.secret.DeletedDate

rotation_skip contains rotation_replica_reason

rotation_skip contains managed_reason

# has_tag(key) holds when the secret has a tag with that key.
has_tag(key) if {
	some tag in input.secret.Tags
	tag.Key == key
}
