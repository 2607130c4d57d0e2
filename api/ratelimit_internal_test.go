package api

import (
	"strconv"
	"testing"
	"time"
)

// TestLimiterRefills steps a bucket of 3, one token a second, through a
// fake clock.
func TestLimiterRefills(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		ok      bool
		left    int
		retry   time.Duration
	}{
		{0, true, 2, 0},
		{0, true, 1, 0},
		{0, true, 0, time.Second},
		{0, false, 0, time.Second},
		{500 * time.Millisecond, false, 0, 500 * time.Millisecond},
		{500 * time.Millisecond, true, 0, time.Second},
		{time.Hour, true, 2, 0}, // full again, never above the burst
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		v := l.take("k", 1, 3)
		if v.ok != s.ok || v.remaining != s.left || v.retry != s.retry {
			t.Errorf("step %d: %+v, want ok %v left %d retry %v", i, v, s.ok, s.left, s.retry)
		}
	}
	if v := l.take("other", 1, 3); !v.ok || v.remaining != 2 {
		t.Errorf("a second name shares the first's bucket: %+v", v)
	}
}

// TestLimiterBounded: made-up names cannot grow the limiter past
// maxBuckets.
func TestLimiterBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(func() time.Time { return now })
	for i := range maxBuckets + 10 {
		l.take(strconv.Itoa(i), 1, 2)
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets", n)
	}
}
