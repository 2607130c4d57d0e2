package api

import (
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
)

// Rate limits (docs/security.md): failed authentications per client
// address and per presented key ID, and requests per key (a quota). Each
// is a token bucket per name, kept in memory by each server: behind a
// load balancer, N servers allow N times the rate.

// RateLimits configures the limiters; zero fields take the defaults.
type RateLimits struct {
	// AuthFailures is how many failed authentications a client address,
	// or a key ID, may make in a burst; one more is allowed every
	// AuthFailureEvery. Beyond that the server answers 429 without
	// checking the credentials.
	AuthFailures     int
	AuthFailureEvery time.Duration
	// RequestsPerMinute is every authenticated caller's quota, unless its
	// key sets its own (lotline keys create --rate); 0 means no quota.
	// A caller may burst a minute's worth.
	RequestsPerMinute int
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Default failed-authentication limits: 10 at once, then one every 6 s.
const (
	defaultAuthFailures     = 10
	defaultAuthFailureEvery = 6 * time.Second
)

// maxBuckets bounds each limiter's memory: a flood of made-up addresses
// or key IDs drops the buckets that are full again (they hold nothing).
const maxBuckets = 100_000

// limiter is a set of token buckets by name. It is safe for concurrent
// use.
type limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
	rate   float64 // tokens per second
	burst  float64
}

func newLimiter(now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{now: now, buckets: map[string]*bucket{}}
}

// verdict is what a limiter says about one request.
type verdict struct {
	ok        bool
	remaining int           // whole tokens left after this request
	retry     time.Duration // until the next token, when !ok
	reset     time.Duration // until the bucket is full again
	limit     int           // the burst
}

func (b *bucket) refill(now time.Time) {
	if d := now.Sub(b.at).Seconds(); d > 0 {
		b.tokens = math.Min(b.burst, b.tokens+d*b.rate)
	}
	b.at = now
}

func (b *bucket) verdict(ok bool) verdict {
	v := verdict{ok: ok, remaining: int(b.tokens), limit: int(b.burst)}
	if b.tokens < 1 {
		v.retry = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	}
	v.reset = time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second))
	return v
}

// bucketFor returns name's bucket, made full with the given rate. Callers
// hold l.mu.
func (l *limiter) bucketFor(name string, perSecond float64, burst int, now time.Time) *bucket {
	b := l.buckets[name]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(burst), at: now}
		l.buckets[name] = b
	}
	b.rate, b.burst = perSecond, float64(burst)
	b.refill(now)
	return b
}

// sweep drops the buckets that are full again, or all of them if none is.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.refill(now); b.tokens >= b.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// take spends one of name's tokens if it has one.
func (l *limiter) take(name string, perSecond float64, burst int) verdict {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketFor(name, perSecond, burst, now)
	if b.tokens < 1 {
		return b.verdict(false)
	}
	b.tokens--
	return b.verdict(true)
}

// peek says whether name has a token, without spending it. A name
// without a bucket has a full one, which peek does not make: every
// authenticated request peeks at the failure budget, and only failures
// should fill the map.
func (l *limiter) peek(name string, perSecond float64, burst int) verdict {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets[name] == nil {
		return verdict{ok: true, remaining: burst, limit: burst}
	}
	b := l.bucketFor(name, perSecond, burst, now)
	return b.verdict(b.tokens >= 1)
}

// rateLimiters are a server's limiters.
type rateLimiters struct {
	cfg      RateLimits
	failures *limiter // by "ip:"+address and "key:"+ID
	quota    *limiter // by key ID or JWT party
}

func newRateLimiters(cfg RateLimits) *rateLimiters {
	if cfg.AuthFailures <= 0 {
		cfg.AuthFailures = defaultAuthFailures
	}
	if cfg.AuthFailureEvery <= 0 {
		cfg.AuthFailureEvery = defaultAuthFailureEvery
	}
	return &rateLimiters{cfg: cfg, failures: newLimiter(cfg.Now), quota: newLimiter(cfg.Now)}
}

func (r *rateLimiters) failureRate() float64 { return 1 / r.cfg.AuthFailureEvery.Seconds() }

// failureNames are the buckets a failed authentication spends from: the
// client's address and, when it presented one, the key ID.
func failureNames(remoteAddr, keyID string) []string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	names := []string{"ip:" + host}
	if keyID != "" {
		names = append(names, "key:"+keyID)
	}
	return names
}

// failuresExhausted reports the first of names with no failure left.
func (r *rateLimiters) failuresExhausted(names []string) (verdict, bool) {
	for _, n := range names {
		if v := r.failures.peek(n, r.failureRate(), r.cfg.AuthFailures); !v.ok {
			return v, true
		}
	}
	return verdict{}, false
}

// failed spends a failure from each of names.
func (r *rateLimiters) failed(names []string) {
	for _, n := range names {
		r.failures.take(n, r.failureRate(), r.cfg.AuthFailures)
	}
}

// request spends one request of the caller's quota (perMinute 0: the
// server's). ok is true when no quota applies.
func (r *rateLimiters) request(caller string, perMinute int) (verdict, bool) {
	if perMinute <= 0 {
		perMinute = r.cfg.RequestsPerMinute
	}
	if perMinute <= 0 {
		return verdict{ok: true}, false
	}
	return r.quota.take(caller, float64(perMinute)/60, perMinute), true
}

// seconds rounds d up to whole seconds, at least 1, for Retry-After.
func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// quotaHeaders sets the RateLimit headers of the IETF draft
// (draft-ietf-httpapi-ratelimit-headers): the quota, what is left of it,
// and the seconds until it is whole again.
func quotaHeaders(c echo.Context, v verdict) {
	h := c.Response().Header()
	h.Set("RateLimit-Limit", strconv.Itoa(v.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(v.remaining))
	h.Set("RateLimit-Reset", seconds(v.reset))
	h.Set("RateLimit-Policy", strconv.Itoa(v.limit)+";w=60")
}

// tooMany is the 429 answer's error, with Retry-After set.
func tooMany(c echo.Context, v verdict, format string, args ...any) error {
	c.Response().Header().Set("Retry-After", seconds(v.retry))
	return epcis.Errorf(epcis.KindTooManyRequests, format, args...)
}
