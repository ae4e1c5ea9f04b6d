package wire

import (
	"testing"
	"time"
)

// TestFormatTime: times are written in UTC at microsecond precision, with
// a fraction only when it is not zero.
func TestFormatTime(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 2, 8, 10, 11, 12, 345678000, time.UTC), "2026-02-08T10:11:12.345678Z"},
		{time.Date(2026, 2, 8, 10, 11, 12, 345600000, time.UTC), "2026-02-08T10:11:12.345600Z"},
		{time.Date(2026, 2, 8, 10, 11, 12, 0, time.UTC), "2026-02-08T10:11:12Z"},
		{time.Date(2026, 2, 8, 10, 11, 12, 999, time.UTC), "2026-02-08T10:11:12Z"}, // below a microsecond
		{time.Date(2026, 2, 8, 12, 11, 12, 1000, time.FixedZone("CEST", 2*3600)), "2026-02-08T10:11:12.000001Z"},
	} {
		if got := FormatTime(c.in); got != c.want {
			t.Errorf("FormatTime(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}
