package subscribe

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lotline/lotline/store"
)

// Schedule is a parsed query schedule: the set of allowed values of each
// field. Times are UTC.
//
// The standard's syntax: each field is a number, a range "[lo-hi]"
// (inclusive), or a comma-separated list of these. A schedule fires at
// every second whose fields all match. An omitted second means 0 (so
// {"hour":"1","minute":"5"} fires once a day, at 01:05:00, as the
// standard's example says); any other omitted field matches every value.
// dayOfWeek counts 1 for Monday to 7 for Sunday.
type Schedule struct {
	second, minute, hour, dom, month, dow [60]bool
}

// ScheduleError names the schedule field at fault.
type ScheduleError struct {
	Field string
	Msg   string
}

func (e *ScheduleError) Error() string { return e.Field + ": " + e.Msg }

// ParseSchedule checks a schedule and compiles it. A schedule with no
// field, or one that can never fire (31 February), is refused.
func ParseSchedule(s store.Schedule) (*Schedule, error) {
	if s.IsZero() {
		return nil, &ScheduleError{Field: "schedule", Msg: "a schedule needs at least one of second, minute, hour, dayOfMonth, month, dayOfWeek"}
	}
	var sc Schedule
	for _, f := range []struct {
		name, text string
		lo, hi     int
		set        *[60]bool
		def        string
	}{
		{"second", s.Second, 0, 59, &sc.second, "0"},
		{"minute", s.Minute, 0, 59, &sc.minute, ""},
		{"hour", s.Hour, 0, 23, &sc.hour, ""},
		{"dayOfMonth", s.DayOfMonth, 1, 31, &sc.dom, ""},
		{"month", s.Month, 1, 12, &sc.month, ""},
		{"dayOfWeek", s.DayOfWeek, 1, 7, &sc.dow, ""},
	} {
		text := f.text
		if text == "" {
			text = f.def
		}
		if err := parseField(f.name, text, f.lo, f.hi, f.set); err != nil {
			return nil, err
		}
	}
	// The longest wait between two firings is under 8 years (29
	// February on a given weekday recurs within 28 years only in a few
	// cases, but Next looks 8 years ahead, which covers every schedule
	// worth having).
	if sc.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, &ScheduleError{Field: "schedule", Msg: "the schedule never fires"}
	}
	return &sc, nil
}

// parseField fills set from one field's text; empty text allows every
// value.
func parseField(name, text string, lo, hi int, set *[60]bool) error {
	if text == "" {
		for v := lo; v <= hi; v++ {
			set[v] = true
		}
		return nil
	}
	if len(text) > 512 {
		return &ScheduleError{Field: name, Msg: "is too long"}
	}
	num := func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || s == "" || s[0] == '+' || s[0] == '-' {
			return 0, &ScheduleError{Field: name, Msg: fmt.Sprintf("%q is not a number", s)}
		}
		if n < lo || n > hi {
			return 0, &ScheduleError{Field: name, Msg: fmt.Sprintf("%d is outside %d to %d", n, lo, hi)}
		}
		return n, nil
	}
	for _, el := range strings.Split(text, ",") {
		if strings.HasPrefix(el, "[") && strings.HasSuffix(el, "]") {
			a, b, ok := strings.Cut(el[1:len(el)-1], "-")
			if !ok {
				return &ScheduleError{Field: name, Msg: fmt.Sprintf("range %q must be [low-high]", el)}
			}
			x, err := num(a)
			if err != nil {
				return err
			}
			y, err := num(b)
			if err != nil {
				return err
			}
			if x > y {
				return &ScheduleError{Field: name, Msg: fmt.Sprintf("range %q is empty", el)}
			}
			for v := x; v <= y; v++ {
				set[v] = true
			}
			continue
		}
		n, err := num(el)
		if err != nil {
			return err
		}
		set[n] = true
	}
	return nil
}

// Next returns the first firing time strictly after t, or the zero time
// when there is none within 8 years.
func (sc *Schedule) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Second).Add(time.Second)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for i := 0; i < 8*366+2; i++ {
		d := day.AddDate(0, 0, i)
		dow := int(d.Weekday())
		if dow == 0 {
			dow = 7
		}
		if !sc.month[int(d.Month())] || !sc.dom[d.Day()] || !sc.dow[dow] {
			continue
		}
		for h := 0; h < 24; h++ {
			if !sc.hour[h] {
				continue
			}
			for m := 0; m < 60; m++ {
				if !sc.minute[m] {
					continue
				}
				for s := 0; s < 60; s++ {
					if !sc.second[s] {
						continue
					}
					c := d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
					if !c.Before(t) {
						return c
					}
				}
			}
		}
	}
	return time.Time{}
}
