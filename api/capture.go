package api

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/store"
)

// readJSON reads a request body of at most limit bytes (after gzip
// decompression too) and decodes it with the hostile-input checks of
// epcis.DecodeJSON.
func (s *Server) readJSON(c echo.Context, limit int64) (any, error) {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || (mt != "application/json" && mt != "application/ld+json") {
		return nil, &epcis.Error{Kind: epcis.KindUnsupportedMediaType, Param: "Content-Type", EventIndex: -1,
			Message: fmt.Sprintf("content type %q is not supported; send application/ld+json or application/json", req.Header.Get(echo.HeaderContentType))}
	}
	data, err := s.readBody(c, limit)
	if err != nil {
		return nil, err
	}
	return epcis.DecodeJSON(data, s.cfg.JSON)
}

// readBody reads a request body of at most limit bytes, gzip-decompressed
// when Content-Encoding says so (the decompressed size is bounded too).
func (s *Server) readBody(c echo.Context, limit int64) ([]byte, error) {
	req := c.Request()
	if req.ContentLength > limit {
		return nil, epcis.Errorf(epcis.KindCaptureLimitExceeded, "the request body is larger than %d bytes", limit)
	}
	var r io.Reader = http.MaxBytesReader(c.Response(), req.Body, limit)
	switch enc := strings.ToLower(strings.TrimSpace(req.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, &epcis.Error{Kind: epcis.KindValidation, Param: "Content-Encoding", EventIndex: -1,
				Message: "the body is not valid gzip"}
		}
		defer zr.Close()
		// Bound the decompressed size too: a small bomb must not grow
		// past the limit in memory.
		r = io.LimitReader(zr, limit+1)
	default:
		return nil, &epcis.Error{Kind: epcis.KindUnsupportedMediaType, Param: "Content-Encoding", EventIndex: -1,
			Message: fmt.Sprintf("content encoding %q is not supported; use gzip or none", enc)}
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, epcis.Errorf(epcis.KindCaptureLimitExceeded, "the request body is larger than %d bytes", limit)
		}
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &epcis.Error{Kind: epcis.KindValidation, Param: "Content-Encoding", EventIndex: -1,
				Message: "the gzip body is corrupt or truncated", Err: err}
		}
		return nil, &epcis.Error{Kind: epcis.KindTimeout, Message: "the request body could not be read", EventIndex: -1, Err: err}
	}
	if int64(buf.Len()) > limit {
		return nil, epcis.Errorf(epcis.KindCaptureLimitExceeded, "the decompressed body is larger than %d bytes", limit)
	}
	if buf.Len() == 0 {
		return nil, epcis.Invalid("", "the request body is empty")
	}
	return buf.Bytes(), nil
}

func behaviourOf(c echo.Context) string {
	b := strings.ToLower(strings.TrimSpace(c.Request().Header.Get("GS1-Capture-Error-Behaviour")))
	if b == "" {
		return capture.Rollback
	}
	return b
}

// postCapture is POST /capture: validate the document, record a job, 202.
func (s *Server) postCapture(c echo.Context) error {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-c.Request().Context().Done():
		return epcis.Errorf(epcis.KindUnavailable, "the request ended while waiting for a capture slot")
	}
	doc, xd, err := s.readDocument(c, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	prepare := s.cap.Prepare
	if xd != nil {
		prepare = s.cap.PrepareXML
	}
	p, err := prepare(doc, behaviourOf(c), s.owner(c))
	if err != nil {
		return xmlLocate(err, xd)
	}
	xmlLocate(p.Errors, xd)
	auditEvents(c, p.EventCount)
	job, err := s.cap.Submit(c.Request().Context(), p, s.owner(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/capture/"+job.ID)
	s.captureLimitHeaders(c.Response().Header())
	return c.NoContent(http.StatusAccepted)
}

// jobView is the CaptureJob shape of the REST binding.
type jobView struct {
	CaptureID             string           `json:"captureID"`
	CreatedAt             string           `json:"createdAt"`
	FinishedAt            string           `json:"finishedAt,omitempty"`
	Running               bool             `json:"running"`
	Success               bool             `json:"success"`
	CaptureErrorBehaviour string           `json:"captureErrorBehaviour"`
	Errors                []store.JobError `json:"errors"`
	EventCount            int              `json:"eventCount"`
	StoredCount           int              `json:"storedCount"`
}

func viewJob(j *store.Job) jobView {
	v := jobView{CaptureID: j.ID, CreatedAt: j.CreatedAt.Format(time.RFC3339Nano), Running: j.Running,
		Success: j.Success, CaptureErrorBehaviour: j.ErrorBehaviour, Errors: j.Errors,
		EventCount: j.EventCount, StoredCount: j.StoredCount}
	if !j.FinishedAt.IsZero() {
		v.FinishedAt = j.FinishedAt.Format(time.RFC3339Nano)
	}
	if v.Errors == nil {
		v.Errors = []store.JobError{}
	}
	return v
}

// getJob is GET /capture/{captureID}.
func (s *Server) getJob(c echo.Context) error {
	if j, ok := s.cap.RunningJob(c.Param("captureID")); ok && j.Owner == s.owner(c) {
		return s.writeJob(c, j)
	}
	j, err := s.st.Job(c.Request().Context(), c.Param("captureID"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && j.Owner != s.owner(c)) {
		return epcis.Errorf(epcis.KindNoSuchResource, "no capture job %q", c.Param("captureID"))
	}
	if err != nil {
		return err
	}
	return s.writeJob(c, j)
}

const pageTokenTTL = 24 * time.Hour

type jobCursor struct {
	CreatedAt int64  `json:"t"`
	ID        string `json:"i"`
	Owner     string `json:"o"`
}

// listJobs is GET /capture: the caller's jobs, newest first, paginated.
func (s *Server) listJobs(c echo.Context) error {
	perPage, err := s.perPage(c)
	if err != nil {
		return err
	}
	page := store.JobPage{Owner: s.owner(c), Limit: perPage + 1}
	if tok := c.QueryParam("nextPageToken"); tok != "" {
		var cur jobCursor
		if err := s.tokens.open("jobs", tok, &cur); err != nil || cur.Owner != page.Owner {
			return &epcis.Error{Kind: epcis.KindQueryParameter, Param: "nextPageToken", EventIndex: -1, Message: errBadToken.Error()}
		}
		page.After = &store.JobCursor{CreatedAt: time.Unix(0, cur.CreatedAt).UTC(), ID: cur.ID}
	}
	jobs, err := s.st.Jobs(c.Request().Context(), page)
	if err != nil {
		return err
	}
	views := make([]jobView, 0, min(len(jobs), perPage))
	for i, j := range jobs {
		if i == perPage {
			break
		}
		views = append(views, viewJob(j))
	}
	if len(jobs) > perPage {
		last := jobs[perPage-1]
		tok, exp, err := s.tokens.sign("jobs", jobCursor{CreatedAt: last.CreatedAt.UnixNano(), ID: last.ID, Owner: page.Owner}, pageTokenTTL)
		if err != nil {
			return err
		}
		q := url.Values{"nextPageToken": {tok}, "perPage": {strconv.Itoa(perPage)}}
		c.Response().Header().Set("Link", fmt.Sprintf(`</capture?%s>; rel="next"`, q.Encode()))
		c.Response().Header().Set("GS1-Next-Page-Token-Expires", exp.Format(time.RFC3339))
	}
	// The OpenAPI's answer is a bare JSON array of CaptureJob.
	return c.JSON(http.StatusOK, views)
}

func (s *Server) perPage(c echo.Context) (int, error) {
	raw := c.QueryParam("perPage")
	if raw == "" {
		return s.cfg.DefaultPerPage, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, &epcis.Error{Kind: epcis.KindQueryParameter, Param: "perPage", EventIndex: -1,
			Message: fmt.Sprintf("perPage must be a positive integer, not %q", raw)}
	}
	return min(n, s.cfg.MaxPerPage), nil
}

// postEvent is POST /events: capture one event synchronously.
func (s *Server) postEvent(c echo.Context) error {
	v, xd, err := s.readDocument(c, s.cfg.MaxEventBytes)
	if err != nil {
		return err
	}
	if err := bareEvent(xd); err != nil {
		return err
	}
	capture := s.cap.CaptureEvent
	if xd != nil {
		capture = s.cap.CaptureEventXML
	}
	ev, err := capture(c.Request().Context(), v, s.owner(c))
	if err != nil {
		return xmlLocate(err, xd)
	}
	auditEvents(c, 1)
	c.Response().Header().Set(echo.HeaderLocation, "/events/"+url.PathEscape(ev.EventID))
	return c.NoContent(http.StatusCreated)
}

// visibleEventsByID returns the stored events of eventID the caller may
// read (the event and any error declaration stored beside it); another
// party's event is answered exactly like an unknown one, a 404.
func (s *Server) visibleEventsByID(c echo.Context, id string) ([]*store.Event, error) {
	evs, err := s.st.EventsByID(c.Request().Context(), id)
	if err == nil {
		if evs, err = s.visibleEvents(c, evs); err == nil && len(evs) == 0 {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, epcis.Errorf(epcis.KindNoSuchResource, "no event %q", id)
	}
	return evs, err
}

// getEvent is GET /events/{eventID}: the event, and any error declarations
// stored beside it, in an EPCISQueryDocument.
func (s *Server) getEvent(c echo.Context) error {
	id, err := url.PathUnescape(c.Param("eventID"))
	if err != nil {
		return &epcis.Error{Kind: epcis.KindValidation, Param: "eventID", EventIndex: -1, Message: "the eventID is not correctly escaped"}
	}
	evs, err := s.visibleEventsByID(c, id)
	if err != nil {
		return err
	}
	return s.writeEvents(c, evs)
}

// translator reads the GS1-EPC-Format and GS1-CBV-XML-Format headers.
func (s *Server) translator(c echo.Context) (*epcis.Translator, error) {
	h := c.Request().Header
	ef, ok := epcis.ParseEPCFormat(h.Get("GS1-EPC-Format"))
	if !ok {
		return nil, &epcis.Error{Kind: epcis.KindValidation, Param: "GS1-EPC-Format", EventIndex: -1,
			Message: "GS1-EPC-Format must be Always_GS1_Digital_Link, Always_EPC_URN, Never_Translates or No_Preference"}
	}
	cf, ok := epcis.ParseCBVFormat(h.Get("GS1-CBV-XML-Format"))
	if !ok {
		return nil, &epcis.Error{Kind: epcis.KindValidation, Param: "GS1-CBV-XML-Format", EventIndex: -1,
			Message: "GS1-CBV-XML-Format must be Always_Web_URI, Always_URN, Never_Translates or No_Preference"}
	}
	return &epcis.Translator{EPC: ef, CBV: cf, Prefixes: s.cfg.Prefixes}, nil
}

// writeEvents encodes events as an EPCISQueryDocument in the identifier
// and vocabulary forms the client asked for, buffering it so a failure can
// still be answered with a problem.
func (s *Server) writeEvents(c echo.Context, evs []*store.Event) error {
	auditEvents(c, len(evs))
	tr, err := s.translator(c)
	if err != nil {
		return err
	}
	if evs, err = s.redactEvents(c, evs); err != nil {
		return err
	}
	ct := "application/ld+json"
	var b []byte
	if prefersXML(c.Request().Header.Get("Accept")) {
		ct = echo.MIMEApplicationXMLCharsetUTF8
		b, err = appendQueryDocumentXML(nil, evs, time.Now(), tr)
	} else {
		b, err = appendQueryDocument(nil, evs, time.Now(), tr)
	}
	if err != nil {
		return err
	}
	setFormatHeaders(c.Response().Header(), tr)
	return c.Blob(http.StatusOK, ct, b)
}
