# Tests for lib.schedule.
package lib.schedule_test

import data.lib.schedule

test_rate_days if {
	schedule.rate_days("rate(120 days)") == 120
	schedule.rate_days("rate(1 day)") == 1
	schedule.rate_days("rate( 10 days )") == 10
	schedule.rate_days("rate(4 hours)") == 0
	not schedule.rate_days("rate(x days)")
	not schedule.rate_days("cron(0 0 * * ? *)")
}

test_cron_daily_and_weekly if {
	schedule.cron_days("cron(0 4 * * ? *)") == 7
	schedule.cron_days("cron(0 16 ? * SUN *)") == 7
	schedule.cron_days("cron(0 16 ? * MON-FRI *)") == 7
}

test_cron_nth_and_last_weekday if {
	schedule.cron_days("cron(0 0 ? * 2#1 *)") == 35
	schedule.cron_days("cron(0 0 ? * 6L *)") == 35
}

test_cron_days_of_month if {
	schedule.cron_days("cron(0 0 1 * ? *)") == 31
	schedule.cron_days("cron(0 4 1,15 * ? *)") == 31
	schedule.cron_days("cron(0 0 L * ? *)") == 31
	schedule.cron_days("cron(0 0 31 * ? *)") == 62
	schedule.cron_days("cron(0 0 29-31 * ? *)") == 62
	schedule.cron_days("cron(0 0 28,31 * ? *)") == 31
}

test_cron_months if {
	schedule.cron_days("cron(0 0 1 1/6 ? *)") == 186
	schedule.cron_days("cron(0 0 1 JAN ? *)") == 372
	schedule.cron_days("cron(0 0 1 1,2,MAR ? *)") == 310
	schedule.cron_days("cron(0 0 1 1,4,7,10 ? *)") == 93
	schedule.cron_days("cron(0 0 1 JAN-DEC ? *)") == 31
	schedule.cron_days("cron(0 0 1 jan,jul ? *)") == 186
}

test_unreadable_expressions if {
	not schedule.cron_days("cron(bad)")
	not schedule.cron_days("cron(0 0 1 1 ? * extra)")
	not schedule.cron_days("cron(0 0 1 FOO ? *)")
	not schedule.cron_days("at(2026-01-01T00:00:00)")
}
