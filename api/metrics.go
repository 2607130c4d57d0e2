package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
)

type metrics struct {
	httpDuration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lotline_http_request_duration_seconds",
			Help:    "HTTP request latency by route, method and status code.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route", "method", "code"}),
	}
	register(reg, m.httpDuration)
	register(reg, collectors.NewGoCollector())
	register(reg, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// register adds a collector unless an equal one is registered already
// (several servers in one test process may share a registry).
func register(reg *prometheus.Registry, c prometheus.Collector) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err)
		}
	}
}

// captureHooks creates the capture metrics in reg and returns the hooks
// that update them.
func captureHooks(reg *prometheus.Registry) capture.Hooks {
	events := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lotline_capture_events_total", Help: "Events stored by capture."})
	rejected := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lotline_capture_rejected_events_total", Help: "Events refused by capture (invalid or duplicate)."})
	jobs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lotline_capture_jobs_total", Help: "Capture jobs finished, by error behaviour and outcome."},
		[]string{"behaviour", "success"})
	dur := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "lotline_capture_job_duration_seconds", Help: "Time from job creation to its end.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)})
	for _, c := range []prometheus.Collector{events, rejected, jobs, dur} {
		register(reg, c)
	}
	return capture.Hooks{
		EventsSaved: func(n int) { events.Add(float64(n)) },
		Rejected:    func(n int) { rejected.Add(float64(n)) },
		JobDone: func(b string, ok bool, n, stored int, d time.Duration) {
			jobs.WithLabelValues(b, strconv.FormatBool(ok)).Inc()
			dur.Observe(d.Seconds())
			rejected.Add(float64(n - stored))
		},
	}
}

// observe records the latency of every request by route and logs it.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if err != nil {
			status = epcis.KindOf(err).Status()
			var he *echo.HTTPError
			if errors.As(err, &he) {
				status = fromHTTPError(he).Kind.Status()
			}
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.httpDuration.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Observe(d.Seconds())
		s.log.Debug("request", "requestID", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "route", route, "status", status, "duration", d)
		return err
	}
}
