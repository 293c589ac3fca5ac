package main

import (
	"testing"
	"time"
)

func TestParseStamp(t *testing.T) {
	for _, tc := range []struct {
		line string
		want time.Time
		bad  bool
	}{
		{line: "1795445003.139836 line\n", want: time.Unix(1795445003, 139836000)},
		{line: "1795445003.5 line", want: time.Unix(1795445003, 500000000)},
		{line: "1795445003 line", bad: true},
		{line: "line", bad: true},
		{line: "17.x line", bad: true},
	} {
		got, err := parseStamp(tc.line)
		if tc.bad {
			if err == nil {
				t.Errorf("parseStamp(%q) = %v, want an error", tc.line, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseStamp(%q) = %v, %v; want %v", tc.line, got, err, tc.want)
		}
	}
}
