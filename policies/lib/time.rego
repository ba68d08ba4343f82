# METADATA
# title: Time helpers
# description: >-
#   Day and hour arithmetic against input.now. All timestamps in the policy input
#   are RFC 3339 strings; input.now is parsed once per evaluation.
# scope: package
package lib.time

# ns_per_hour is one hour in nanoseconds.
ns_per_hour := 3600000000000

# ns_per_day is one day in nanoseconds.
ns_per_day := 86400000000000

# now_ns is input.now in nanoseconds since the epoch.
now_ns := time.parse_rfc3339_ns(input.now)

# older_than_days(ts, days) holds when more than days whole days (see
# days_since) lie between ts and input.now. Cheaper than days_since: use it to
# decide, and days_since only for messages.
older_than_days(ts, days) if time.parse_rfc3339_ns(ts) <= now_ns - ((days + 1) * ns_per_day)

# days_since(ts) is the number of whole days (rounded down) from ts to input.now;
# negative when ts lies in the future.
days_since(ts) := floor((now_ns - time.parse_rfc3339_ns(ts)) / ns_per_day)

# date(ts) is the calendar date part (YYYY-MM-DD) of an RFC 3339 timestamp, for messages.
date(ts) := substring(ts, 0, 10)

# age_text(hours) renders a duration in hours as "N hours" below two days, "N days" above.
age_text(hours) := sprintf("%d hours", [hours]) if hours < 48

else := sprintf("%d days", [floor(hours / 24)])
