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

// UnmarshalJSON accepts "2026-11-20T00:00:00Z", 1763596800 or 1763596800.123.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode time: %w", err)
		}
		if s == "" {
			*t = Time{}
			return nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			*t = epoch(f)
			return nil
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
