package wire

import "time"

// FormatTime renders a timestamp the way the reference's serializers do:
// ISO-8601 in UTC with a "Z" suffix, and a six-digit microsecond fraction
// only when it is non-zero ("2026-02-08T10:11:12Z",
// "2026-02-08T10:11:12.345600Z"). Sub-microsecond precision is dropped, as
// the store keeps microseconds.
func FormatTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// ParseTime reads back a FormatTime string (or any RFC 3339 time).
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
