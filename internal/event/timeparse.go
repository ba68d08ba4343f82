package event

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the eventTime spellings met in the wild, tried in order.
// Layouts without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", // normalised: "2024-10-17 21:48:45.000000000"
	"2006-01-02T15:04:05.999999999", // RFC 3339 without a zone
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"Jan 2, 2006 3:04:05 PM", // Java-style, as in deletionDate
	"Jan 2, 2006, 3:04:05 PM",
	time.RFC1123Z,
	time.RFC1123,
}

// parseTime reads a timestamp: a string in one of timeLayouts, a numeric
// string, or a number of epoch seconds (milliseconds when it is too large to
// be seconds). The result is in UTC.
func parseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return time.Time{}, fmt.Errorf("empty time")
		}
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epoch(f)
		}
		return time.Time{}, fmt.Errorf("unrecognized time %q", truncate(s, 64))
	case float64:
		return epoch(x)
	default:
		return time.Time{}, fmt.Errorf("time is %s, want a string", jsonType(v))
	}
}

// epoch converts epoch seconds (or milliseconds, above 1e11) to UTC.
func epoch(f float64) (time.Time, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e15 {
		return time.Time{}, fmt.Errorf("epoch time %v out of range", f)
	}
	if f > 1e11 { // later than year 5138 in seconds: must be milliseconds
		f /= 1000
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// truncate shortens s for messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
