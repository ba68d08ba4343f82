# METADATA
# title: Secret is in use
# description: >-
#   The secret was accessed no more than unused_for_days days ago. The last
#   access is the latest of the secret's LastAccessedDate and its replicas'
#   ReplicationStatus[].LastAccessedDate, so a secret read only through a replica
#   counts as used; a secret never accessed is judged by its CreatedDate.
#   LastAccessedDate is day-granular (midnight UTC): the age is counted in
#   whole days. Not applicable to deleted secrets and replicas (usage is judged on
#   the primary, which sees every replica's last access).
# scope: package
# custom:
#   id: unused
#   severity: medium
#   controls:
#     - SecretsManager.3
#     - config:secretsmanager-secret-unused
#   remediation: >-
#     Confirm with the owner that nothing reads the secret, then delete it with a
#     recovery window (aws secretsmanager delete-secret --secret-id ID
#     --recovery-window-in-days 30), or record an exception if it is kept for
#     break-glass use.
#   parameters:
#     - unused_for_days
#   inputs:
#     - now
#     - params.unused_for_days
#     - region
#     - secret.CreatedDate
#     - secret.DeletedDate
#     - secret.LastAccessedDate
#     - secret.PrimaryRegion
#     - secret.ReplicationStatus
package posture.unused

import data.lib

skip contains lib.secret.deleted_reason if _ = input.secret.DeletedDate

skip contains sprintf("replica of %s: usage is judged on the primary, which sees replica access", [primary]) if {
	primary := input.secret.PrimaryRegion
	primary != input.region
}

skip contains "neither LastAccessedDate nor CreatedDate is known" if {
	not input.secret.CreatedDate
	count(lib.secret.access_dates) == 0
}

# Without replicas: the secret's own LastAccessedDate. lib.time.older_than_days,
# lib.time.days_since and lib.time.date, inlined on the parsed date
# (86400000000000 ns per day).
deny contains sprintf("last accessed %d days ago (%s), exceeds %d", [days, substring(last, 0, 10), limit]) if {
	not input.secret.ReplicationStatus
	last := input.secret.LastAccessedDate
	limit := input.params.unused_for_days
	ns := time.parse_rfc3339_ns(last)
	ns <= lib.time.now_ns - ((limit + 1) * 86400000000000)
	count(skip) == 0
	days := floor((lib.time.now_ns - ns) / 86400000000000)
}

# With replicas: the latest access of the secret and its replicas.
deny contains sprintf("last accessed %d days ago (%s), exceeds %d", [days, last_access_text(latest), input.params.unused_for_days]) if {
	input.secret.ReplicationStatus
	dates := lib.secret.access_dates
	count(dates) > 0
	latest := max({time.parse_rfc3339_ns(d) | some d in dates})
	days := floor((lib.time.now_ns - latest) / lib.time.ns_per_day)
	days > input.params.unused_for_days
	count(skip) == 0
}

deny contains sprintf("never accessed; created %d days ago (%s), exceeds %d", [days, created, limit]) if {
	not input.secret.LastAccessedDate
	count(lib.secret.access_dates) == 0
	created := input.secret.CreatedDate
	limit := input.params.unused_for_days
	ns := time.parse_rfc3339_ns(created)
	ns <= lib.time.now_ns - ((limit + 1) * 86400000000000)
	count(skip) == 0
	days := floor((lib.time.now_ns - ns) / 86400000000000)
}

# last_access_text(ns) renders the date of the latest access (and where it happened).
last_access_text(ns) := lib.time.date(input.secret.LastAccessedDate) if {
	time.parse_rfc3339_ns(input.secret.LastAccessedDate) == ns
} else := sprintf("%s, in replica %s", [lib.time.date(matches[0].LastAccessedDate), concat(", ", sort([r.Region | some r in matches]))]) if {
	matches := [r |
		some r in input.secret.ReplicationStatus
		time.parse_rfc3339_ns(r.LastAccessedDate) == ns
	]
	count(matches) > 0
}
