package wire

import "time"

// FormatTime renders a timestamp the way the reference's serializers do:
// ISO-8601 in UTC with a "Z" suffix, and a six-digit microsecond fraction
// only when it is non-zero ("2026-02-08T10:11:12Z",
// "2026-02-08T10:11:12.345600Z"). Sub-microsecond precision is dropped, as
// the store keeps microseconds.
func FormatTime(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		if t.Nanosecond() == 0 {
			return t.Format("2006-01-02T15:04:05Z")
		}
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	// Written digit by digit, as time.Format would: a connect with 10,000
	// pending notifications formats some 30,000 times, and time.Format
	// (which interprets its layout each time) took about 10 ms of it.
	hour, minute, sec := t.Clock()
	b := make([]byte, 0, len("2006-01-02T15:04:05.000000Z"))
	b = appendDigits(b, year, 4)
	b = appendDigits(append(b, '-'), int(month), 2)
	b = appendDigits(append(b, '-'), day, 2)
	b = appendDigits(append(b, 'T'), hour, 2)
	b = appendDigits(append(b, ':'), minute, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		b = appendDigits(append(b, '.'), us, 6)
	}
	return string(append(b, 'Z'))
}

// appendDigits appends the n lowest decimal digits of v, v >= 0, zero-padded.
func appendDigits(b []byte, v, n int) []byte {
	start := len(b)
	b = append(b, "000000"[:n]...)
	for i := len(b) - 1; i >= start; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// ParseTime reads back a FormatTime string (or any RFC 3339 time).
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
