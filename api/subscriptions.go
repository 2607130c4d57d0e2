package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lotline/lotline/epcis"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query"
	"github.com/lotline/lotline/store"
	"github.com/lotline/lotline/subscribe"
)

// QueryDocument writes the EPCISQueryDocument of a subscription delivery
// with the writer of query answers, in the identifier forms d asks for
// (prefixes give GS1 Company Prefix lengths for EPC URNs; may be nil),
// naming the subscription in queryResults when d has one.
func QueryDocument(evs []*store.Event, now time.Time, d subscribe.Delivery, prefixes *gs1.PrefixTable) ([]byte, error) {
	ef, _ := epcis.ParseEPCFormat(d.EPCFormat)
	cf, _ := epcis.ParseCBVFormat(d.CBVFormat)
	b, err := appendQueryDocument(nil, evs, now, &epcis.Translator{EPC: ef, CBV: cf, Prefixes: prefixes})
	if err != nil || d.SubscriptionID == "" {
		return b, err
	}
	return NameDocument(b, d.SubscriptionID)
}

// NameDocument returns a copy of a QueryDocument without subscription ID
// whose queryResults name the subscription.
func NameDocument(doc []byte, subscriptionID string) ([]byte, error) {
	id, err := json.Marshal(subscriptionID)
	if err != nil {
		return nil, err
	}
	// The writer's own queryResults member comes before any event.
	return bytes.Replace(doc, []byte(`"queryResults":{`), append(append([]byte(`"queryResults":{"subscriptionID":`), id...), ','), 1), nil
}

// CompileNamedQuery turns a stored named query into the query it runs,
// as GET /queries/{name}/events runs it.
func CompileNamedQuery(nq *store.NamedQuery) (*query.Query, error) {
	def, err := decodeDefinition(nq)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(def.Query))
	dec.UseNumber()
	var q map[string]any
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("api: stored query %q is corrupt: %w", def.Name, err)
	}
	params, ns, err := definitionParams(q)
	if err != nil {
		return nil, err
	}
	return query.Parse(params, query.ParseOptions{Namespaces: ns, DefaultPerPage: DefaultConfig.DefaultPerPage,
		MaxPerPage: DefaultConfig.MaxPerPage})
}

// NewSubscriptions returns the subscription service over st, which must
// keep subscriptions, writing deliveries with QueryDocument (prefixes as
// in Config.Prefixes; cfg.Document, when set, instead: see
// DeliveryDocument) and running named queries with CompileNamedQuery.
// Start it, and pass it in Config.Subscriptions.
func NewSubscriptions(st store.Store, cfg subscribe.Config, prefixes *gs1.PrefixTable) (*subscribe.Service, error) {
	ss, ok := st.(subscribe.Store)
	if !ok {
		return nil, fmt.Errorf("api: the store %T keeps no subscriptions", st)
	}
	if cfg.Document == nil {
		cfg.Document = DeliveryDocument(prefixes, nil, "")
	}
	cfg.Name = NameDocument
	cfg.Compile = CompileNamedQuery
	if cfg.Readers == nil {
		// Never everyone's events by default: a subscriber sees what a
		// request of its party would (the open mode's local party all).
		cfg.Readers = ReadersFor(st, DefaultConfig.Owner)
	}
	return subscribe.New(ss, cfg), nil
}

// subscriptionView is a subscription as the API shows it: the OpenAPI's
// AbstractQuerySubscriptionResponse with its stream or schedule, plus the
// delivery state (lastError, attempts, retryAt) as Lotline extensions.
// The signature token is never shown.
type subscriptionView struct {
	SubscriptionID    string          `json:"subscriptionID"`
	Dest              string          `json:"dest"`
	CreatedAt         string          `json:"createdAt"`
	Stream            bool            `json:"stream,omitempty"`
	Schedule          *store.Schedule `json:"schedule,omitempty"`
	ReportIfEmpty     *bool           `json:"reportIfEmpty,omitempty"`
	InitialRecordTime string          `json:"initialRecordTime,omitempty"`
	MinRecordTime     string          `json:"minRecordTime,omitempty"`
	LastNotifiedAt    string          `json:"lastNotifiedAt,omitempty"`
	EPCFormat         string          `json:"epcFormat,omitempty"`
	CBVFormat         string          `json:"cbvFormat,omitempty"`
	Signed            bool            `json:"signed"`
	LastError         string          `json:"lastError,omitempty"`
	Attempts          int             `json:"attempts,omitempty"`
	RetryAt           string          `json:"retryAt,omitempty"`
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func viewOf(sub *store.Subscription) subscriptionView {
	v := subscriptionView{SubscriptionID: sub.ID, Dest: sub.Dest, CreatedAt: fmtTime(sub.CreatedAt),
		Stream: sub.Stream, InitialRecordTime: fmtTime(sub.InitialRecordTime), MinRecordTime: fmtTime(sub.MinRecordTime),
		LastNotifiedAt: fmtTime(sub.LastNotifiedAt), EPCFormat: sub.EPCFormat, CBVFormat: sub.CBVFormat, Signed: sub.SignatureToken != "", LastError: sub.LastError,
		Attempts: sub.Attempts}
	if !sub.Stream {
		sc := sub.Schedule
		rie := sub.ReportIfEmpty
		v.Schedule, v.ReportIfEmpty = &sc, &rie
	}
	if sub.Attempts > 0 {
		v.RetryAt = fmtTime(sub.DueAt)
	}
	return v
}

// subscriptions returns the service, or a 503 when the server runs none.
func (s *Server) subscriptions() (*subscribe.Service, error) {
	if s.cfg.Subscriptions == nil {
		return nil, epcis.Errorf(epcis.KindUnavailable, "this server does not serve subscriptions")
	}
	return s.cfg.Subscriptions, nil
}

// subscriptionRoutes registers the subscription resources and returns
// their paths for OPTIONS. The WebSocket stream shares GET
// /queries/{name}/events with the paged answer (see namedQueryEvents).
func (s *Server) subscriptionRoutes(e *echo.Echo) []resource {
	e.POST("/queries/:queryName/subscriptions", s.createSubscription)
	e.GET("/queries/:queryName/subscriptions", s.listSubscriptions)
	e.GET("/queries/:queryName/subscriptions/:subscriptionID", s.getSubscription)
	e.DELETE("/queries/:queryName/subscriptions/:subscriptionID", s.deleteSubscription)
	return []resource{
		{"/queries/:queryName/subscriptions", []string{http.MethodGet, http.MethodPost}},
		{"/queries/:queryName/subscriptions/:subscriptionID", []string{http.MethodGet, http.MethodDelete}},
	}
}

// subscriptionMembers are the members of a POST .../subscriptions body.
var subscriptionMembers = map[string]bool{"dest": true, "signatureToken": true, "initialRecordTime": true,
	"reportIfEmpty": true, "stream": true, "schedule": true}

var scheduleFields = []string{"second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek"}

// maxSignatureToken bounds the secret a client may give.
const maxSignatureToken = 1024

// parseSubscription reads a subscription request body.
func (s *Server) parseSubscription(body any, allowPrivate bool) (*store.Subscription, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, epcis.Invalid("", "the body must be a JSON object with dest and either stream: true or a schedule")
	}
	for k := range m {
		if !subscriptionMembers[k] {
			return nil, epcis.Invalid(pointerOf(k), "unknown member of a subscription; the members are dest, signatureToken, initialRecordTime, reportIfEmpty, stream and schedule")
		}
	}
	var sub store.Subscription
	dest, ok := m["dest"].(string)
	if !ok {
		return nil, epcis.Invalid("/dest", "dest, the URL deliveries are POSTed to, is required and must be a string")
	}
	if _, err := subscribe.CheckDest(dest, allowPrivate); err != nil {
		return nil, epcis.Invalid("/dest", "%v", err)
	}
	sub.Dest = dest
	if v, ok := m["signatureToken"]; ok {
		tok, ok := v.(string)
		if !ok || tok == "" || len(tok) > maxSignatureToken {
			return nil, epcis.Invalid("/signatureToken", "signatureToken must be a string of 1 to %d bytes", maxSignatureToken)
		}
		sub.SignatureToken = tok
	}
	if v, ok := m["initialRecordTime"]; ok {
		str, _ := v.(string)
		t, err := epcis.ParseTime(str)
		if err != nil {
			return nil, epcis.Invalid("/initialRecordTime", "initialRecordTime must be a date-time with a time zone")
		}
		sub.InitialRecordTime = t.UTC()
	}
	if v, ok := m["reportIfEmpty"]; ok {
		b, ok := v.(bool)
		if !ok {
			return nil, epcis.Invalid("/reportIfEmpty", "reportIfEmpty must be true or false")
		}
		sub.ReportIfEmpty = b
	}
	if v, ok := m["stream"]; ok {
		b, ok := v.(bool)
		if !ok || !b {
			return nil, epcis.Invalid("/stream", "stream may only be true; give a schedule instead for scheduled deliveries")
		}
		sub.Stream = true
	}
	if v, ok := m["schedule"]; ok {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, epcis.Invalid("/schedule", "schedule must be an object of second, minute, hour, dayOfMonth, month and dayOfWeek")
		}
		texts := map[string]string{}
		for k, x := range obj {
			if !contains(scheduleFields, k) {
				return nil, epcis.Invalid("/schedule/"+pointerOf(k)[1:], "unknown schedule field; the fields are second, minute, hour, dayOfMonth, month and dayOfWeek")
			}
			switch x := x.(type) {
			case string:
				texts[k] = x
			case json.Number:
				texts[k] = string(x)
			default:
				return nil, epcis.Invalid("/schedule/"+k, "must be a string such as \"5\", \"[1-5]\" or \"0,30\"")
			}
		}
		sub.Schedule = store.Schedule{Second: texts["second"], Minute: texts["minute"], Hour: texts["hour"],
			DayOfMonth: texts["dayOfMonth"], Month: texts["month"], DayOfWeek: texts["dayOfWeek"]}
		if _, err := subscribe.ParseSchedule(sub.Schedule); err != nil {
			var se *subscribe.ScheduleError
			if errors.As(err, &se) && se.Field != "schedule" {
				return nil, epcis.Invalid("/schedule/"+se.Field, "%s", se.Msg)
			}
			return nil, epcis.Invalid("/schedule", "%v", err)
		}
	}
	switch {
	case sub.Stream && m["schedule"] != nil:
		return nil, epcis.Invalid("/schedule", "a subscription either streams (stream: true) or runs on a schedule, not both")
	case !sub.Stream && m["schedule"] == nil:
		return nil, epcis.Invalid("", "a subscription needs stream: true or a schedule, so that the server knows when to deliver")
	case sub.Stream && sub.ReportIfEmpty:
		return nil, epcis.Invalid("/reportIfEmpty", "reportIfEmpty applies to scheduled subscriptions; a stream delivers only events")
	}
	return &sub, nil
}

// pointerOf is the JSON pointer of a top-level member.
func pointerOf(name string) string {
	return "/" + safeName(jsonPointerEscape(name))
}

func jsonPointerEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~':
			b = append(b, "~0"...)
		case '/':
			b = append(b, "~1"...)
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// newSubscriptionID returns a random UUID (version 4), the form of the
// OpenAPI's examples.
func newSubscriptionID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// createSubscription is POST /queries/{name}/subscriptions.
func (s *Server) createSubscription(c echo.Context) error {
	svc, err := s.subscriptions()
	if err != nil {
		return err
	}
	nq, _, err := s.ownQuery(c)
	if err != nil {
		return err
	}
	if err := onlyParams(c, headerParams...); err != nil {
		return err
	}
	body, err := s.readJSON(c, 64<<10)
	if err != nil {
		return err
	}
	sub, err := s.parseSubscription(body, svc.Config().AllowPrivate)
	if err != nil {
		return err
	}
	if _, err := CompileNamedQuery(nq); err != nil {
		return err
	}
	if err := formatsFromQuery(c); err != nil {
		return err
	}
	tr, err := s.translator(c)
	if err != nil {
		return err
	}
	if tr.EPC != epcis.NoPreference {
		sub.EPCFormat = string(tr.EPC)
	}
	if tr.CBV != epcis.CBVNoPreference {
		sub.CBVFormat = string(tr.CBV)
	}
	sub.ID, sub.QueryName, sub.Owner = newSubscriptionID(), nq.Name, s.owner(c)
	if err := svc.Create(c.Request().Context(), sub); err != nil {
		return err
	}
	loc := "/queries/" + url.PathEscape(shownName(nq.Name)) + "/subscriptions/" + sub.ID
	c.Response().Header().Set(echo.HeaderLocation, loc)
	c.Response().Header().Set("GS1-Query-Min-Record-Time", fmtTime(sub.MinRecordTime))
	return writeJSON(c, http.StatusCreated, viewOf(sub))
}

// ownSubscription returns the subscription of the path, or a
// NoSuchResourceException when it does not exist, belongs to another
// query, or to another party.
func (s *Server) ownSubscription(c echo.Context) (*subscribe.Service, *store.Subscription, error) {
	svc, err := s.subscriptions()
	if err != nil {
		return nil, nil, err
	}
	nq, _, err := s.ownQuery(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathValue(c, 4)
	if err != nil {
		return nil, nil, err
	}
	notFound := epcis.Errorf(epcis.KindNoSuchResource, "query %q has no subscription %q", shownName(nq.Name), safeName(id))
	sub, err := svc.Subscription(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (sub.QueryName != nq.Name || sub.Owner != s.owner(c))) {
		return nil, nil, notFound
	}
	return svc, sub, err
}

// getSubscription is GET /queries/{name}/subscriptions/{id}.
func (s *Server) getSubscription(c echo.Context) error {
	if err := onlyParams(c, headerParams...); err != nil {
		return err
	}
	_, sub, err := s.ownSubscription(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, viewOf(sub))
}

// deleteSubscription is DELETE /queries/{name}/subscriptions/{id}.
func (s *Server) deleteSubscription(c echo.Context) error {
	svc, sub, err := s.ownSubscription(c)
	if err != nil {
		return err
	}
	err = svc.Delete(c.Request().Context(), sub.ID)
	if errors.Is(err, store.ErrNotFound) {
		return epcis.Errorf(epcis.KindNoSuchResource, "query %q has no subscription %q", shownName(sub.QueryName), sub.ID)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type subscriptionsCursor struct {
	Query string `json:"q"`
	After string `json:"a"`
}

// listSubscriptions is GET /queries/{name}/subscriptions: the query's
// subscriptions in ID order, paginated.
func (s *Server) listSubscriptions(c echo.Context) error {
	if err := onlyParams(c, append([]string{"perPage", "nextPageToken"}, headerParams...)...); err != nil {
		return err
	}
	svc, err := s.subscriptions()
	if err != nil {
		return err
	}
	nq, _, err := s.ownQuery(c)
	if err != nil {
		return err
	}
	perPage, err := s.perPage(c)
	if err != nil {
		return err
	}
	page := store.SubscriptionPage{QueryName: nq.Name, Limit: perPage + 1}
	if tok := c.QueryParam("nextPageToken"); tok != "" {
		var cur subscriptionsCursor
		if err := s.tokens.open("subscriptions", tok, &cur); err != nil || cur.Query != nq.Name {
			return badToken()
		}
		page.After = cur.After
	}
	subs, err := svc.List(c.Request().Context(), page)
	if err != nil {
		return err
	}
	if len(subs) > perPage {
		subs = subs[:perPage]
		if err := s.nextLink(c, "subscriptions", subscriptionsCursor{Query: nq.Name, After: subs[perPage-1].ID}, perPage); err != nil {
			return err
		}
	}
	out := make([]subscriptionView, 0, len(subs))
	for _, sub := range subs {
		if sub.Owner == s.owner(c) {
			out = append(out, viewOf(sub))
		}
	}
	return writeJSON(c, http.StatusOK, out)
}

// endQuerySubscriptions ends every subscription of a named query being
// deleted.
func (s *Server) endQuerySubscriptions(ctx context.Context, name string) error {
	if svc := s.cfg.Subscriptions; svc != nil {
		return svc.DeleteQuery(ctx, name)
	}
	if ss, ok := s.st.(store.SubscriptionStore); ok {
		_, err := ss.DeleteSubscriptions(ctx, name)
		return err
	}
	return nil
}

// parseBoolParam reads a true/false query parameter.
func parseBoolParam(params url.Values, name string) (bool, bool, error) {
	v, ok := params[name]
	if !ok {
		return false, false, nil
	}
	b, err := strconv.ParseBool(v[0])
	if err != nil || len(v) > 1 {
		return false, true, paramError(name, "must be true or false, given once")
	}
	return b, true, nil
}
