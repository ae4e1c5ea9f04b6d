package wire

import (
	"math/rand/v2"
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

// TestFormatTimeAsTimeFormat: FormatTime, which writes the digits itself,
// writes what time.Format writes with the reference's layouts, over a
// spread of dates, times and fractions (and years it leaves to
// time.Format).
func TestFormatTimeAsTimeFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	times := []time.Time{{}, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 1000, time.UTC), time.Date(-1, 3, 4, 5, 6, 7, 0, time.UTC)}
	for range 10000 {
		times = append(times, time.Unix(r.Int64N(400<<30)-(100<<30), r.Int64N(1e9)))
		times = append(times, time.Unix(r.Int64N(4<<30), r.Int64N(1000)*1000)) // whole microseconds
	}
	for _, in := range times {
		u := in.UTC().Truncate(time.Microsecond)
		want := u.Format("2006-01-02T15:04:05.000000Z")
		if u.Nanosecond() == 0 {
			want = u.Format("2006-01-02T15:04:05Z")
		}
		if got := FormatTime(in); got != want {
			t.Fatalf("FormatTime(%v) = %s, want %s", in, got, want)
		}
	}
}
