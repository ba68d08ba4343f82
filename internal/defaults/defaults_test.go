package defaults

import (
	"log/slog"
	"testing"
	"time"
)

func TestNow(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	at := time.Date(2026, 11, 20, 11, 0, 0, 0, paris)
	if got := Now(func() time.Time { return at }); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("Now(clock) = %v, want %v in UTC", got, at)
	}
	if got := Now(nil); got.Location() != time.UTC || time.Since(got) > time.Minute {
		t.Errorf("Now(nil) = %v", got)
	}
}

func TestLogger(t *testing.T) {
	l := slog.New(slog.DiscardHandler)
	if Logger(l) != l || Logger(nil) != slog.Default() {
		t.Error("Logger")
	}
}
