package batch

import (
	"testing"
	"time"
)

func TestParseScheduleErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"":                     "empty spec string",
		"* * * * * *":          "expected exactly 5 fields, found 6: [* * * * * *]",
		"x * * * *":            `failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax`,
		"* 24 * * *":           "end of range (24) above maximum (23): 24",
		"* * 0 * *":            "beginning of range (0) below minimum (1): 0",
		"* * * * 7":            "end of range (7) above maximum (6): 7",
		"5-2 * * * *":          "beginning of range (5) beyond end of range (2): 5-2",
		"*/0 * * * *":          "step of range should be a positive number: */0",
		"1-2-3 * * * *":        "too many hyphens: 1-2-3",
		"1/2/3 * * * *":        "too many slashes: 1/2/3",
		"@fortnightly":         "unrecognized descriptor: @fortnightly",
		"@every soon":          `failed to parse duration @every soon: time: invalid duration "soon"`,
		"TZ=Nowhere * * * * *": "provided bad location Nowhere: unknown time zone Nowhere",
	} {
		if _, err := ParseSchedule(spec); err == nil || err.Error() != want {
			t.Errorf("ParseSchedule(%q) = %v, want %q", spec, err, want)
		}
	}
}

func TestScheduleNext(t *testing.T) {
	base := time.Date(2025, 3, 14, 10, 7, 30, 0, time.UTC) // a Friday
	for _, tc := range []struct {
		spec string
		want time.Time
	}{
		{"*/5 * * * *", time.Date(2025, 3, 14, 10, 10, 0, 0, time.UTC)},
		{"0 9 * * mon-fri", time.Date(2025, 3, 17, 9, 0, 0, 0, time.UTC)},
		{"@hourly", time.Date(2025, 3, 14, 11, 0, 0, 0, time.UTC)},
		{"@daily", time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"@weekly", time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)},
		{"@monthly", time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"@yearly", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"@every 1h30m", time.Date(2025, 3, 14, 11, 37, 30, 0, time.UTC)},
		// Both day fields restricted: either matches (the 1st, or a Sunday).
		{"0 0 1 * sun", time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)},
		// Stepped star is a restriction, so the day-of-month alone would not do.
		{"0 0 */2 * sun", time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"30 2 * feb *", time.Date(2026, 2, 1, 2, 30, 0, 0, time.UTC)},
		{"0 0 30 feb *", time.Time{}},
	} {
		s, err := ParseSchedule(tc.spec)
		if err != nil {
			t.Fatalf("ParseSchedule(%q): %v", tc.spec, err)
		}
		if got := s.Next(base); !got.Equal(tc.want) {
			t.Errorf("%q: Next = %v, want %v", tc.spec, got, tc.want)
		}
	}
}
