package synth_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/secretwarden/warden/internal/synth"
)

func TestGenerateIsDeterministicAndRealistic(t *testing.T) {
	a, b := synth.Generate(300, 7), synth.Generate(300, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two snapshots of the same seed differ")
	}
	if reflect.DeepEqual(a, synth.Generate(300, 8)) {
		t.Error("two seeds gave the same snapshot")
	}
	midnight := func(x time.Time) bool { return x.Equal(x.Truncate(24 * time.Hour)) }
	var created, changed, rotated, next int
	for _, e := range a.Secrets {
		s := e.Secret
		if !s.LastAccessedDate.IsZero() && !midnight(s.LastAccessedDate.Time) {
			t.Errorf("%s: LastAccessedDate %v is not at midnight (AWS truncates it to the day)", s.Name, s.LastAccessedDate)
		}
		for _, c := range []struct {
			t *time.Time
			n *int
		}{{&s.CreatedDate.Time, &created}, {&s.LastChangedDate.Time, &changed}, {&s.LastRotatedDate.Time, &rotated}, {&s.NextRotationDate.Time, &next}} {
			if !c.t.IsZero() && !midnight(*c.t) {
				*c.n++
			}
			if c.t.Nanosecond() != 0 {
				t.Errorf("%s: %v is not to the second", s.Name, *c.t)
			}
		}
		if !s.LastRotatedDate.IsZero() {
			d := time.Duration(*s.RotationRules.AutomaticallyAfterDays) * 24 * time.Hour
			if !s.NextRotationDate.Equal(s.LastRotatedDate.Add(d)) {
				t.Errorf("%s: NextRotationDate %v is not LastRotatedDate %v plus %v", s.Name, s.NextRotationDate, s.LastRotatedDate, d)
			}
		}
	}
	// Nearly every timestamp has a time of day (1 in 86400 lands on midnight).
	if created < 290 || changed < 290 || rotated < 150 || next < 150 {
		t.Errorf("timestamps with a time of day: CreatedDate %d, LastChangedDate %d, LastRotatedDate %d, NextRotationDate %d of 300",
			created, changed, rotated, next)
	}
}
