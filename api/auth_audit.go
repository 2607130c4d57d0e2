package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// auditEventsKey carries the number of events a request read or
// submitted to the audit middleware.
const auditEventsKey = "lotline.auditEvents"

// auditEvents records how many events the request returns or captures.
func auditEvents(c echo.Context, n int) { c.Set(auditEventsKey, n) }

// AuditLog writes one record per authenticated request to the store, in
// batches from one goroutine, so a request pays a channel send. It is
// safe for concurrent use; Close flushes it.
type AuditLog struct {
	st   store.AuditStore
	log  *slog.Logger
	ch   chan store.AuditRecord
	stop chan struct{}
	done chan struct{}
	// flushEvery bounds how long a record waits before it is written.
	flushEvery time.Duration
}

// auditBatch is the most records written at once.
const auditBatch = 256

// NewAuditLog starts an audit log on st; close it with Close.
func NewAuditLog(st store.AuditStore, log *slog.Logger) *AuditLog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &AuditLog{st: st, log: log, ch: make(chan store.AuditRecord, 4*auditBatch), stop: make(chan struct{}),
		done: make(chan struct{}), flushEvery: 500 * time.Millisecond}
	go l.run()
	return l
}

// add queues a record. When the store falls behind, requests wait for
// room: an audit log that drops records under load would be no audit log.
func (l *AuditLog) add(r store.AuditRecord) {
	select {
	case l.ch <- r:
	case <-l.stop:
		l.log.Warn("audit record after close", "party", r.Party, "path", r.Path)
	}
}

func (l *AuditLog) run() {
	defer close(l.done)
	t := time.NewTicker(l.flushEvery)
	defer t.Stop()
	var batch []store.AuditRecord
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := l.st.AppendAudit(ctx, batch)
		cancel()
		if err != nil {
			l.log.Error("audit log: records lost", "records", len(batch), "err", err)
		}
		batch = batch[:0]
	}
	for {
		select {
		case r := <-l.ch:
			if batch = append(batch, r); len(batch) >= auditBatch {
				flush()
			}
		case <-t.C:
			flush()
		case <-l.stop:
			for drained := false; !drained; {
				select {
				case r := <-l.ch:
					batch = append(batch, r)
				default:
					drained = true
				}
			}
			flush()
			return
		}
	}
}

// Close writes the queued records and stops the log. A nil log is
// closed already.
func (l *AuditLog) Close() error {
	if l == nil {
		return nil
	}
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	return nil
}

// newAuditID orders records by time across servers: 16 hex digits of
// Unix nanoseconds, then 8 random ones.
func newAuditID(t time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%016x%s", t.UnixNano(), hex.EncodeToString(b[:]))
}

// audit records every request that passed authentication (open mode
// included): who, when, what, how many events, and the status.
func (s *Server) audit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l := s.cfg.Audit
		if l == nil || openPath(c.Path()) || c.Path() == "/metrics" {
			return next(c)
		}
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
		failedKey, failed := c.Get(authFailureKey).(string)
		if status == http.StatusUnauthorized && !failed {
			return err // no credentials sent: nothing to file (the log has it)
		}
		n, _ := c.Get(auditEventsKey).(int)
		p, _ := principal(c)
		party, keyID := s.owner(c), p.KeyID
		if failed {
			// Failed or rate-limited credentials: no party, the key ID
			// presented (if any).
			party, keyID = FailedAuthParty, failedKey
		}
		req := c.Request()
		l.add(store.AuditRecord{ID: newAuditID(start), Time: start.UTC(), Party: party, KeyID: keyID,
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID), Method: req.Method, Path: req.URL.Path,
			Query: auditQuery(req.URL.RawQuery), Status: status, Events: n})
		return err
	}
}

// auditQuery is the query string as logged: page tokens elided (they are
// opaque and long), at most 2 KiB.
func auditQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && name == "nextPageToken" {
			parts[i] = "nextPageToken=..."
		}
	}
	q := strings.Join(parts, "&")
	if len(q) > 2048 {
		q = q[:2048] + "..."
	}
	return q
}

// auditCursor is the payload of an audit page token.
type auditCursor struct {
	Before string `json:"b"`
	Party  string `json:"o"`
}

// auditView is one audit record as GET /audit shows it.
type auditView struct {
	Time      string `json:"time"`
	Party     string `json:"party"`
	KeyID     string `json:"keyID,omitempty"`
	RequestID string `json:"requestID"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Query     string `json:"query,omitempty"`
	Status    int    `json:"status"`
	Events    int    `json:"events"`
}

// getAudit is GET /audit: the caller's own audit records, newest first,
// perPage at a time with a nextPageToken Link. Records are written in
// batches, so the last half second may be missing.
func (s *Server) getAudit(c echo.Context) error {
	if s.cfg.Audit == nil {
		return epcis.Errorf(epcis.KindNoSuchResource, "this server keeps no audit log")
	}
	as := s.cfg.Audit.st
	q := c.Request().URL.Query()
	for k := range q {
		if k != "perPage" && k != "nextPageToken" && (k != "party" || !isOperator(c)) {
			return paramError(k, "is not a parameter of /audit (perPage, nextPageToken; party for an operator)")
		}
	}
	perPage := s.cfg.DefaultPerPage
	if v := q.Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return paramError("perPage", "must be a positive integer")
		}
		perPage = min(n, s.cfg.MaxPerPage)
	}
	page := store.AuditPage{Party: s.owner(c), Limit: perPage + 1}
	if isOperator(c) {
		// An operator reads one party's records, by default the failed
		// authentications (filed under no party).
		page.Party = FailedAuthParty
		if v := q.Get("party"); v != "" {
			party, err := auth.ParseParty(v)
			if err != nil {
				return paramError("party", "%v", err)
			}
			page.Party = party
		}
	}
	if tok := q.Get("nextPageToken"); tok != "" {
		var cur auditCursor
		if err := s.tokens.open("audit", tok, &cur); err != nil || cur.Party != page.Party {
			return paramError("nextPageToken", "%s", errBadToken.Error())
		}
		page.Before = cur.Before
	}
	recs, err := as.AuditRecords(c.Request().Context(), page)
	if err != nil {
		return err
	}
	if len(recs) > perPage {
		recs = recs[:perPage]
		tok, exp, err := s.tokens.sign("audit", auditCursor{Before: recs[perPage-1].ID, Party: page.Party}, pageTokenTTL)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		party := ""
		if isOperator(c) && page.Party != FailedAuthParty {
			party = "&party=" + url.QueryEscape(page.Party)
		}
		h.Set("Link", fmt.Sprintf(`</audit?perPage=%d%s&nextPageToken=%s>; rel="next"`, perPage, party, url.QueryEscape(tok)))
		h.Set("GS1-Next-Page-Token-Expires", exp.Format(time.RFC3339))
	}
	out := make([]auditView, len(recs))
	for i, r := range recs {
		out[i] = auditView{Time: r.Time.Format(time.RFC3339Nano), Party: r.Party, KeyID: r.KeyID, RequestID: r.RequestID,
			Method: r.Method, Path: r.Path, Query: r.Query, Status: r.Status, Events: r.Events}
	}
	return c.JSON(http.StatusOK, map[string]any{"records": out})
}
