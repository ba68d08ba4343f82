# METADATA
# title: Rotation schedule helpers
# description: >-
#   The longest gap, in days, between two runs of a Secrets Manager rotation
#   ScheduleExpression: rate(N days) is N (hour rates are below a day); for
#   cron(minutes hours day-of-month month day-of-week year) an upper bound: 7
#   for daily or weekly schedules, 35 for "the Nth/last weekday of the month",
#   31 for days of the month (62 when every listed day is after the 28th, so that
#   some months have no run), and 31 times the longest gap between allowed months
#   otherwise. Undefined for expressions it cannot read.
# scope: package
package lib.schedule

# rate_days(expr) is N for "rate(N days)", 0 for hour rates.
rate_days(expr) := to_number(parts[0]) if {
	startswith(expr, "rate(")
	parts := split(inner(expr), " ")
	count(parts) == 2
	digits(parts[0])
	startswith(parts[1], "day")
} else := 0 if {
	startswith(expr, "rate(")
	parts := split(inner(expr), " ")
	count(parts) == 2
	startswith(parts[1], "hour")
}

# cron_days(expr) is the longest gap between two runs of a cron() schedule.
cron_days(expr) := cron_bound(fields) if {
	startswith(expr, "cron(")
	fields := split(inner(expr), " ")
	count(fields) == 6
}

# inner(expr) is the text between the first "(" and the closing ")".
inner(expr) := trim_space(substring(expr, i + 1, (count(expr) - i) - 2)) if {
	endswith(expr, ")")
	i := indexof(expr, "(")
	i > 0
}

digits(s) if {
	s != ""
	trim(s, "0123456789") == ""
}

any_value(x) if x in {"*", "?"}

cron_bound(f) := 35 if {
	any_value(f[3])
	any_value(f[2])
	monthly_weekday(f[4])
} else := 7 if {
	any_value(f[3])
	any_value(f[2])
} else := 62 if {
	any_value(f[3])
	late_days_only(f[2])
} else := 31 if {
	any_value(f[3])
} else := 31 * month_gap(f[3])

# monthly_weekday(dow) holds for "the Nth weekday" or "the last weekday" of a month.
monthly_weekday(dow) if contains(dow, "#")

monthly_weekday(dow) if contains(dow, "L")

# late_days_only(dom) holds when every day of the month listed is after the 28th.
late_days_only(dom) if {
	every item in split(dom, ",") {
		first := split(item, "-")[0]
		digits(first)
		to_number(first) > 28
	}
}

# month_gap(m) is the longest gap in months between two months the field allows.
month_gap(m) := to_number(parts[1]) if {
	parts := split(m, "/")
	count(parts) == 2
	digits(parts[1])
} else := max(array.concat(gaps, [(12 - ms[count(ms) - 1]) + ms[0]])) if {
	not contains(m, "/")
	ms := sort({n | some item in split(m, ","); some n in item_months(item)})
	count(ms) > 0
	gaps := [g | some i, _ in ms; i + 1 < count(ms); g := ms[i + 1] - ms[i]]
}

item_months(item) := numbers.range(month_number(bounds[0]), month_number(bounds[1])) if {
	bounds := split(item, "-")
	count(bounds) == 2
} else := [month_number(item)]

month_number(x) := to_number(x) if digits(x)

else := month_numbers[upper(x)]

month_numbers := {
	"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
}
