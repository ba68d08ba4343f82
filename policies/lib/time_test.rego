# Tests for lib.time.
package lib.time_test

import data.lib.time as ltime

test_age_text if {
	ltime.age_text(0) == "0 hours"
	ltime.age_text(28) == "28 hours"
	ltime.age_text(47) == "47 hours"
	ltime.age_text(48) == "2 days"
	ltime.age_text(71) == "2 days"
	ltime.age_text(100) == "4 days"
}
