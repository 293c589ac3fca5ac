package batch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed standard cron schedule: five fields (minute, hour,
// day of month, month, day of week) or a descriptor such as "@daily" or
// "@every 1h30m". It accepts what the CronJob controller's parser accepts
// and reports errors in the same words, because Kubernetes returns those
// words in "spec.schedule: Invalid value" errors.
type Schedule struct {
	minute, hour, dom, month, dow uint64
	// every is set for "@every <duration>" schedules, which ignore the fields.
	every time.Duration
	// domStar and dowStar record an unrestricted ("*" or "?") day field: cron
	// matches a day when both day fields match if either is a star, and when
	// either matches otherwise.
	domStar, dowStar bool
}

type bounds struct {
	min, max uint
	names    map[string]uint
}

var (
	minuteBounds = bounds{0, 59, nil}
	hourBounds   = bounds{0, 23, nil}
	domBounds    = bounds{1, 31, nil}
	monthBounds  = bounds{1, 12, map[string]uint{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}}
	dowBounds = bounds{0, 6, map[string]uint{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}}
)

// ParseSchedule parses a standard cron schedule. A leading "TZ=<zone>" or
// "CRON_TZ=<zone>" is accepted here; CronJob validation rejects it separately
// in favour of spec.timeZone.
func ParseSchedule(spec string) (*Schedule, error) {
	if spec == "" {
		return nil, fmt.Errorf("empty spec string")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		eq, sp := strings.Index(spec, "="), strings.Index(spec, " ")
		if sp < 0 {
			sp = len(spec)
		}
		if _, err := time.LoadLocation(spec[eq+1 : sp]); err != nil {
			return nil, fmt.Errorf("provided bad location %s: %v", spec[eq+1:sp], err)
		}
		spec = strings.TrimSpace(spec[sp:])
	}
	if strings.HasPrefix(spec, "@") {
		return parseDescriptor(spec)
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), fields)
	}
	s := &Schedule{}
	var err error
	for i, f := range []struct {
		bits *uint64
		star *bool
		b    bounds
	}{
		{&s.minute, nil, minuteBounds},
		{&s.hour, nil, hourBounds},
		{&s.dom, &s.domStar, domBounds},
		{&s.month, nil, monthBounds},
		{&s.dow, &s.dowStar, dowBounds},
	} {
		var star bool
		if *f.bits, star, err = parseField(fields[i], f.b); err != nil {
			return nil, err
		}
		if f.star != nil {
			*f.star = star
		}
	}
	return s, nil
}

func parseDescriptor(spec string) (*Schedule, error) {
	all := func(b bounds) uint64 { return bitRange(b.min, b.max, 1) }
	s := &Schedule{minute: 1, hour: 1, dom: all(domBounds), month: all(monthBounds), dow: all(dowBounds), domStar: true, dowStar: true}
	switch spec {
	case "@yearly", "@annually":
		s.dom, s.month, s.domStar = 1<<1, 1<<1, false
	case "@monthly":
		s.dom, s.domStar = 1<<1, false
	case "@weekly":
		s.dow, s.dowStar = 1<<0, false
	case "@daily", "@midnight":
	case "@hourly":
		s.hour = all(hourBounds)
	default:
		const every = "@every "
		if !strings.HasPrefix(spec, every) {
			return nil, fmt.Errorf("unrecognized descriptor: %s", spec)
		}
		d, err := time.ParseDuration(spec[len(every):])
		if err != nil {
			return nil, fmt.Errorf("failed to parse duration %s: %s", spec, err)
		}
		// Like the controller's parser: whole seconds, at least one.
		if d < time.Second {
			d = time.Second
		}
		return &Schedule{every: d - time.Duration(d.Nanoseconds())%time.Second}, nil
	}
	return s, nil
}

// parseField parses one comma-separated field into a bit set of values and
// whether any part of it is an unstepped star.
func parseField(field string, b bounds) (uint64, bool, error) {
	var bits uint64
	var star bool
	for _, expr := range strings.Split(field, ",") {
		v, s, err := parseRange(expr, b)
		if err != nil {
			return 0, false, err
		}
		bits |= v
		star = star || s
	}
	return bits, star, nil
}

// parseRange parses "*", "N", "N-M", each optionally "/step", or "N/step"
// meaning N through the maximum. star reports "*" or "?" with step 1.
func parseRange(expr string, b bounds) (bits uint64, star bool, err error) {
	rangeAndStep := strings.Split(expr, "/")
	lowHigh := strings.Split(rangeAndStep[0], "-")
	var start, end, step uint
	if lowHigh[0] == "*" || lowHigh[0] == "?" {
		start, end, star = b.min, b.max, true
	} else {
		if start, err = parseValue(lowHigh[0], b.names); err != nil {
			return 0, false, err
		}
		switch len(lowHigh) {
		case 1:
			end = start
		case 2:
			if end, err = parseValue(lowHigh[1], b.names); err != nil {
				return 0, false, err
			}
		default:
			return 0, false, fmt.Errorf("too many hyphens: %s", expr)
		}
	}
	switch len(rangeAndStep) {
	case 1:
		step = 1
	case 2:
		if step, err = parseUint(rangeAndStep[1]); err != nil {
			return 0, false, err
		}
		if len(lowHigh) == 1 {
			end = b.max
		}
		if step > 1 {
			star = false
		}
	default:
		return 0, false, fmt.Errorf("too many slashes: %s", expr)
	}
	switch {
	case start < b.min:
		return 0, false, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, b.min, expr)
	case end > b.max:
		return 0, false, fmt.Errorf("end of range (%d) above maximum (%d): %s", end, b.max, expr)
	case start > end:
		return 0, false, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	case step == 0:
		return 0, false, fmt.Errorf("step of range should be a positive number: %s", expr)
	}
	return bitRange(start, end, step), star, nil
}

func parseValue(s string, names map[string]uint) (uint, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	return parseUint(s)
}

func parseUint(s string) (uint, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %s", s, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", n, s)
	}
	return uint(n), nil
}

func bitRange(start, end, step uint) uint64 {
	var bits uint64
	for i := start; i <= end; i += step {
		bits |= 1 << i
	}
	return bits
}

// Next returns the first activation strictly after t, in t's location, or
// the zero time when there is none within five years (February 30th).
func (s *Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Add(s.every - time.Duration(t.Nanosecond())).Truncate(time.Second)
	}
	loc := t.Location()
	t = t.Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case s.month&(1<<uint(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case s.hour&(1<<uint(t.Hour())) == 0:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, loc)
		case s.minute&(1<<uint(t.Minute())) == 0:
			t = t.Truncate(time.Minute).Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

func (s *Schedule) dayMatches(t time.Time) bool {
	dom := s.dom&(1<<uint(t.Day())) != 0
	dow := s.dow&(1<<uint(t.Weekday())) != 0
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}
