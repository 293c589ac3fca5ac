package main

import (
	"testing"
	"time"
)

func TestParseSoftirq(t *testing.T) {
	for _, tc := range []struct {
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{"cpu  2297396 0 1050419 2821384 20597 0 38764 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n", 387640 * time.Millisecond, false},
		{"cpu 1 2 3 4 5 6 250", 2500 * time.Millisecond, false},
		{"cpu 1 2 3 4 5 6", 0, true},
		{"intr 1 2 3 4 5 6 7 8", 0, true},
		{"cpu 1 2 3 4 5 6 x 8", 0, true},
	} {
		got, err := parseSoftirq(tc.stat)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseSoftirq(%q) = %v, %v; want %v (error %v)", tc.stat, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}
