# METADATA
# title: Secret helpers
# description: >-
#   Facts about input.secret shared by the posture checks, and the skip reasons
#   that several checks have in common (deleted secrets, replicas, secrets managed
#   by another AWS service).
# scope: package
package lib.secret

# deleted_reason is the skip reason every check gives for a deleted secret.
deleted_reason := sprintf("secret is scheduled for deletion (DeletedDate %s)", [input.secret.DeletedDate])

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
rotation_skip contains deleted_reason

rotation_skip contains rotation_replica_reason

rotation_skip contains managed_reason

# has_tag(key) holds when the secret has a tag with that key.
has_tag(key) if {
	some tag in input.secret.Tags
	tag.Key == key
}

# last_rotation is LastRotatedDate, or CreatedDate for a secret never rotated.
last_rotation := d if {
	d := input.secret.LastRotatedDate
} else := input.secret.CreatedDate

# access_dates are the last-access dates of the secret and of its replicas.
access_dates contains input.secret.LastAccessedDate

access_dates contains d if {
	some replica in input.secret.ReplicationStatus
	d := replica.LastAccessedDate
}
