package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Time is a timestamp that decodes from an RFC 3339 string or from epoch
// seconds (the AWS CLI prints both), and encodes as RFC 3339 in UTC.
type Time struct {
	time.Time
}

// The years a snapshot timestamp may fall in: anything else (0001-01-01,
// the zero of many languages; 9999-12-31, a "never" sentinel) is a value
// no secret can hold, and would pass or fail a date check by accident.
const (
	MinYear = 1970
	MaxYear = 2200
)

// checkYear refuses a timestamp outside MinYear..MaxYear.
func checkYear(t time.Time, text []byte) error {
	if y := t.Year(); y < MinYear || y > MaxYear {
		return fmt.Errorf("parse time %s: year %d is outside %d-%d", text, y, MinYear, MaxYear)
	}
	return nil
}

// NewTime wraps t, normalized to UTC.
func NewTime(t time.Time) Time { return Time{t.UTC()} }

// layouts are the textual forms accepted besides epoch seconds.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// ParseTime parses an RFC 3339 (or date-only) timestamp.
func ParseTime(s string) (time.Time, error) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("parse time %q: want RFC 3339 or epoch seconds", s)
}

// UnmarshalJSON accepts "2026-11-20T00:00:00Z", 1763596800 or 1763596800.123,
// in the years MinYear to MaxYear.
func (t *Time) UnmarshalJSON(b []byte) error {
	if err := t.unmarshal(b); err != nil {
		return err
	}
	if !t.IsZero() || isZeroTimeText(b) {
		if err := checkYear(t.Time, bytes.TrimSpace(b)); err != nil {
			*t = Time{}
			return err
		}
	}
	return nil
}

// isZeroTimeText reports whether b is a non-empty timestamp that decodes
// to the zero time (year 1): not null and not "".
func isZeroTimeText(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && !bytes.Equal(b, []byte("null")) && !bytes.Equal(b, []byte(`""`))
}

func (t *Time) unmarshal(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	if b[0] == '"' {
		if v, ok := parseUTCSeconds(b); ok {
			t.Time = v
			return nil
		}
		var s string
		if raw, ok := plainString(b); ok {
			s = string(raw)
		} else if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode time: %w", err)
		}
		if s == "" {
			*t = Time{}
			return nil
		}
		if !dateLike(s) { // ParseFloat would fail: skip its error allocation
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				*t = epoch(f)
				return nil
			}
		}
		v, err := ParseTime(s)
		if err != nil {
			return err
		}
		t.Time = v
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return fmt.Errorf("parse time %s: want RFC 3339 or epoch seconds", b)
	}
	*t = epoch(f)
	return nil
}

// plainString returns the contents of the JSON string b when they need no
// unescaping: printable ASCII without backslashes.
func plainString(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	raw := b[1 : len(b)-1]
	for _, c := range raw {
		if c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return nil, false
		}
	}
	return raw, true
}

// dateLike reports whether s starts with "dddd-", which no number does.
func dateLike(s string) bool {
	if len(s) < 5 || s[4] != '-' {
		return false
	}
	for _, c := range s[:4] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseUTCSeconds parses the commonest form, "2006-01-02T15:04:05Z" quoted,
// without allocating; ok is false for any other input, valid or not. Where
// ok, the result is what ParseTime gives (time.Parse of RFC 3339 in UTC).
func parseUTCSeconds(b []byte) (time.Time, bool) {
	const layout = `"2006-01-02T15:04:05Z"`
	if len(b) != len(layout) || b[0] != '"' || b[21] != '"' || b[5] != '-' || b[8] != '-' || b[11] != 'T' || b[14] != ':' || b[17] != ':' || b[20] != 'Z' {
		return time.Time{}, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(b[1:5])
	month, ok2 := num(b[6:8])
	day, ok3 := num(b[9:11])
	hour, ok4 := num(b[12:14])
	minute, ok5 := num(b[15:17])
	sec, ok6 := num(b[18:20])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	v := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if v.Day() != day { // e.g. February 30th: time.Parse rejects it
		return time.Time{}, false
	}
	return v, true
}

func epoch(f float64) Time {
	sec, frac := math.Modf(f)
	return Time{time.Unix(int64(sec), int64(frac*1e9)).UTC()}
}

// MarshalJSON writes RFC 3339 in UTC, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.String() + `"`), nil
}

// String is the RFC 3339 form in UTC (empty for the zero time).
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
