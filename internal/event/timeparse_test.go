package event

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 10, 17, 21, 48, 45, 0, time.UTC)
	tests := []struct {
		in   any
		want time.Time
	}{
		{"2024-10-17T21:48:45Z", want},
		{"2024-10-17T23:48:45+02:00", want},
		{"2024-10-17 21:48:45.000000000", want},
		{"2024-10-17 21:48:45", want},
		{"2024-10-17T21:48:45", want},
		{"2024-10-17T21:48:45.250Z", want.Add(250 * time.Millisecond)},
		{"May 3, 2018 5:51:02 PM", time.Date(2018, 5, 3, 17, 51, 2, 0, time.UTC)},
		{float64(want.Unix()), want},
		{float64(want.UnixMilli()), want},
		{"1729201725", want},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if err != nil {
			t.Errorf("parseTime(%v): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []any{"", "yesterday", true, nil, -1.0, 1e300, map[string]any{}} {
		if _, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%v): no error", bad)
		}
	}
}
