package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/subscribe"
)

// socketWriteTimeout bounds the write of one document to a WebSocket.
const socketWriteTimeout = 10 * time.Second

// isWebSocket reports whether a request asks to upgrade to WebSocket.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// queryEventsSocket is GET /queries/{name}/events with Upgrade:
// websocket: a subscription that lives as long as the connection. The
// request gives stream=true or schedule parameters (second, minute,
// hour, dayOfMonth, month, dayOfWeek), and may give initialRecordTime
// and reportIfEmpty. The answer is 101 with GS1-Query-Min-Record-Time;
// then each delivery is one text message holding an EPCISQueryDocument.
// A consumer that falls SocketBuffer documents behind is disconnected
// with status 1013 (try again later) and the reason.
func (s *Server) queryEventsSocket(c echo.Context) error {
	svc, err := s.subscriptions()
	if err != nil {
		return err
	}
	nq, _, err := s.ownQuery(c)
	if err != nil {
		return err
	}
	allowed := append([]string{"stream", "reportIfEmpty", "initialRecordTime"}, scheduleFields...)
	if err := onlyParams(c, append(allowed, headerParams...)...); err != nil {
		return err
	}
	params, err := query.ParseRawQuery(c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	stream, hasStream, err := parseBoolParam(params, "stream")
	if err != nil {
		return err
	}
	rie, _, err := parseBoolParam(params, "reportIfEmpty")
	if err != nil {
		return err
	}
	var sc store.Schedule
	fields := map[string]*string{"second": &sc.Second, "minute": &sc.Minute, "hour": &sc.Hour,
		"dayOfMonth": &sc.DayOfMonth, "month": &sc.Month, "dayOfWeek": &sc.DayOfWeek}
	for name, dst := range fields {
		if v, ok := params[name]; ok {
			if len(v) > 1 || v[0] == "" {
				return paramError(name, "must be given once, with a value")
			}
			*dst = v[0]
		}
	}
	opts := subscribe.WatchOptions{ReportIfEmpty: rie, MinRecordTime: time.Now().UTC()}
	switch {
	case hasStream && !stream:
		return paramError("stream", "may only be true; give schedule parameters for scheduled deliveries")
	case stream && !sc.IsZero():
		return paramError("stream", "stream=true and schedule parameters exclude each other")
	case !stream && sc.IsZero():
		return paramError("stream", "a WebSocket subscription needs stream=true or schedule parameters (second, minute, hour, dayOfMonth, month, dayOfWeek)")
	case stream && rie:
		return paramError("reportIfEmpty", "applies to scheduled subscriptions; a stream delivers only events")
	case !sc.IsZero():
		sched, err := subscribe.ParseSchedule(sc)
		if err != nil {
			var se *subscribe.ScheduleError
			if errors.As(err, &se) && se.Field != "schedule" {
				return paramError(se.Field, "%s", se.Msg)
			}
			return paramError("second", "%v", err)
		}
		opts.Schedule = sched
	}
	if v, ok := params["initialRecordTime"]; ok {
		t, err := epcis.ParseTime(v[0])
		if err != nil || len(v) > 1 {
			return paramError("initialRecordTime", "must be a date-time with a time zone, given once")
		}
		opts.MinRecordTime = t.UTC()
	}
	q, err := CompileNamedQuery(nq)
	if err != nil {
		return err
	}
	if err := formatParams(c.Request(), params); err != nil {
		return err
	}
	tr, err := s.translator(c)
	if err != nil {
		return err
	}
	opts.EPCFormat, opts.CBVFormat = string(tr.EPC), string(tr.CBV)
	ctx := c.Request().Context()
	w, err := svc.Watch(ctx, s.owner(c))
	if err != nil {
		return err
	}
	defer w.Close()
	c.Response().Header().Set("GS1-Query-Min-Record-Time", fmtTime(opts.MinRecordTime))
	// The server's read and write deadlines were set for one request;
	// a stream lives longer. Writes get their own timeout below.
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(c.Response(), c.Request(), nil)
	if err != nil {
		// Accept has answered the client already.
		s.log.Debug("websocket handshake failed", "err", err)
		return nil
	}
	defer conn.CloseNow()
	// Nothing is read from the client; CloseRead handles its control
	// frames and ends ctx when it closes.
	ctx = conn.CloseRead(context.WithoutCancel(ctx))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan []byte, svc.Config().SocketBuffer)
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx, q, opts, out) }()
	for {
		select {
		case doc := <-out:
			wctx, wcancel := context.WithTimeout(ctx, socketWriteTimeout)
			err := conn.Write(wctx, websocket.MessageText, doc)
			wcancel()
			if err != nil {
				cancel()
				<-errc
				conn.Close(websocket.StatusPolicyViolation, "write timed out or failed")
				return nil
			}
		case err := <-errc:
			switch {
			case errors.Is(err, subscribe.ErrSlowConsumer):
				conn.Close(websocket.StatusTryAgainLater, "consumer too slow: send buffer full")
			case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || err == nil:
				conn.Close(websocket.StatusGoingAway, "subscription ended")
			default:
				s.log.Warn("websocket subscription failed", "query", nq.Name, "err", err)
				conn.Close(websocket.StatusInternalError, "the query failed")
			}
			return nil
		}
	}
}
