// Package defaults resolves the optional dependencies that handlers,
// actions, rails and the store take as fields: a nil clock is the system
// clock (in UTC), a nil logger is slog's default.
package defaults

import (
	"log/slog"
	"time"
)

// Now returns now() in UTC, or the current UTC time when now is nil.
func Now(now func() time.Time) time.Time {
	if now != nil {
		return now().UTC()
	}
	return time.Now().UTC()
}

// Logger returns l, or slog.Default() when l is nil.
func Logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
