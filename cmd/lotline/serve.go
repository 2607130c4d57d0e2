package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/capture"
	"github.com/lotline/lotline/gs1"
	"github.com/lotline/lotline/query/engine"
	"github.com/lotline/lotline/redact"
	"github.com/lotline/lotline/schemas"
	"github.com/lotline/lotline/store"
	mongostore "github.com/lotline/lotline/store/mongo"
	sqlitestore "github.com/lotline/lotline/store/sqlite"
	"github.com/lotline/lotline/subscribe"
)

// serveConfig is everything `lotline serve` can be told, by flag or by
// LOTLINE_* environment variable (the flag wins).
type serveConfig struct {
	Addr          string
	Data          string
	Store         string
	MaxEvents     int
	MaxBodyBytes  int64
	MaxEventBytes int64
	Workers       int
	Queue         int
	CaptureSlots  int
	MaxPerPage    int
	LogLevel      string
	LogFormat     string
	TokenSecret   string
	JobLease      time.Duration
	// SubscriptionLease is how long a server holds a webhook
	// subscription without renewing it (see package subscribe).
	SubscriptionLease time.Duration
	GCPLengths        string
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	Demo              bool
	// AllowPrivateWebhooks lets webhook subscriptions reach loopback,
	// private and link-local addresses.
	AllowPrivateWebhooks bool
	// Authentication (see keys_auth.go and docs/security.md).
	JWTKeys, JWTIssuer, JWTAudience, JWTPartyClaim string
	InsecureNoAuth                                 bool
	Audit                                          bool
	// Confidential names the fields withheld from parties reading other
	// parties' events (see docs/security.md, Redaction).
	Confidential *redact.Policy
	// Rate limits (docs/security.md): every caller's requests per minute
	// (0: none), and failed authentications per client and key.
	KeyRate          int
	AuthFailures     int
	AuthFailureEvery time.Duration
	// InferHierarchy links a production lot's packaging levels by the
	// GTIN indicator-digit convention when master data says nothing.
	InferHierarchy bool
}

// flagSpec binds one setting to its flag, its environment variable and its
// documentation, so the three never drift apart.
type flagSpec struct {
	name, env, usage, def string
}

func serveFlags() []flagSpec {
	return []flagSpec{
		{"addr", "LOTLINE_ADDR", "address to listen on (HOST:PORT; port 0 picks a free one)", "127.0.0.1:8080"},
		{"data", "LOTLINE_DATA", "data directory of the embedded store (and of the page-token key)", "lotline-data"},
		{"store", "LOTLINE_STORE", "store URI: empty or sqlite: for the embedded SQLite store in --data, or mongodb://HOST[:PORT]/DB for MongoDB", ""},
		{"max-events", "LOTLINE_MAX_EVENTS", "most events in one captured document (GS1-EPCIS-Capture-Limit)", strconv.Itoa(capture.DefaultConfig.MaxEvents)},
		{"max-body", "LOTLINE_MAX_BODY", "largest capture body in bytes, after decompression (GS1-EPCIS-Capture-File-Size-Limit)", strconv.FormatInt(api.DefaultConfig.MaxBodyBytes, 10)},
		{"max-event-body", "LOTLINE_MAX_EVENT_BODY", "largest POST /events body in bytes", strconv.FormatInt(api.DefaultConfig.MaxEventBytes, 10)},
		{"workers", "LOTLINE_WORKERS", "capture jobs stored at once", strconv.Itoa(capture.DefaultConfig.Workers)},
		{"queue", "LOTLINE_QUEUE", "validated capture jobs that may wait for a worker before capture answers 503", strconv.Itoa(capture.DefaultConfig.Queue)},
		{"capture-slots", "LOTLINE_CAPTURE_SLOTS", "capture requests decoded and validated at once (bounds the memory of bursts of large documents; others wait)", strconv.Itoa(api.DefaultConfig.CaptureSlots)},
		{"max-per-page", "LOTLINE_MAX_PER_PAGE", "largest page of a query or listing; a larger perPage is lowered to it", strconv.Itoa(api.DefaultConfig.MaxPerPage)},
		{"log-level", "LOTLINE_LOG_LEVEL", "debug, info, warn or error", "info"},
		{"log-format", "LOTLINE_LOG_FORMAT", "text or json", "text"},
		{"token-secret", "LOTLINE_TOKEN_SECRET", "hex key that signs page tokens; default: a key kept in the data directory (SQLite) or in the database, shared by every server on it (MongoDB)", ""},
		{"gcp-lengths", "LOTLINE_GCP_LENGTHS", "GS1 Company Prefix length list (GS1's gcpprefixformatlist, XML or JSON) for answers in EPC URN form", ""},
		{"job-lease", "LOTLINE_JOB_LEASE", "with a shared (MongoDB) store: a running capture job whose server has not renewed it for this long is marked failed", capture.DefaultConfig.AbandonAfter.String()},
		{"subscription-lease", "LOTLINE_SUBSCRIPTION_LEASE", "with a shared (MongoDB) store: how long a server holds a webhook subscription without renewing it; the subscriptions of a server that stopped are delivered by another this long after", subscribe.DefaultConfig.Lease.String()},
		{"read-timeout", "LOTLINE_READ_TIMEOUT", "longest time to read one request, body included", "2m"},
		{"write-timeout", "LOTLINE_WRITE_TIMEOUT", "longest time to write one response", "2m"},
		{"demo", "LOTLINE_DEMO", "true: when the store holds no event, load the contract-manufacturing demo scenario at start", "false"},
		{"allow-private-webhooks", "LOTLINE_ALLOW_PRIVATE_WEBHOOKS", "true: webhook subscriptions may deliver to loopback, private and link-local addresses (never to cloud metadata addresses)", "false"},
		{"jwt-keys", "LOTLINE_JWT_KEYS", "file of public keys (JWKS JSON or PEM; RS256, ES256, EdDSA) that verify bearer JWTs; needs --jwt-issuer", ""},
		{"jwt-issuer", "LOTLINE_JWT_ISSUER", "required iss claim of bearer JWTs", ""},
		{"jwt-audience", "LOTLINE_JWT_AUDIENCE", "required aud claim of bearer JWTs (recommended)", ""},
		{"jwt-party-claim", "LOTLINE_JWT_PARTY_CLAIM", "JWT claim holding the caller's party (a GLN)", "sub"},
		{"infer-hierarchy", "LOTLINE_INFER_HIERARCHY", "true: lot history, trace and recall link the packaging levels of a lot (eaches, cases) by the GTIN indicator-digit convention when master data gives no hierarchy, marking those links inferred; false: only master data and events link them", "true"},
		{"audit", "LOTLINE_AUDIT", "true: record every request in the audit log, which GET /audit shows each party", "true"},
		{"confidential", "LOTLINE_CONFIDENTIAL", "comma-separated fields withheld from a party reading another party's events: namespace IRIs ending in '/', '#' or ':', field IRIs, or ilmd, sensorElementList, certificationInfo, persistentDisposition, bizTransactionList, sourceList, destinationList", ""},
		{"key-rate", "LOTLINE_KEY_RATE", "requests per minute each API key or JWT party may make (a key's own --rate overrides it); 0: no quota", "0"},
		{"auth-failures", "LOTLINE_AUTH_FAILURES", "failed authentications a client address or a key ID may make at once before answers are 429", "10"},
		{"auth-failure-every", "LOTLINE_AUTH_FAILURE_EVERY", "how often one more failed authentication is allowed after that", "6s"},
		{"insecure-no-auth", "LOTLINE_INSECURE_NO_AUTH", "true: listen on a non-loopback address although no API key or JWT issuer is configured (anyone who reaches the port reads and writes everything)", "false"},
	}
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (*serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("lotline serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := map[string]*string{}
	for _, f := range serveFlags() {
		def := f.def
		if v := getenv(f.env); v != "" {
			def = v
		}
		if f.def == "false" {
			// A switch: --demo alone means true.
			v := boolString(def)
			fs.Var(&v, f.name, f.usage+" ($"+f.env+")")
			vals[f.name] = (*string)(&v)
			continue
		}
		vals[f.name] = fs.String(f.name, def, f.usage+" ($"+f.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{2, err}
	}
	if fs.NArg() > 0 {
		return nil, &exitError{2, fmt.Errorf("serve takes no arguments, got %q", fs.Args())}
	}
	var errs []error
	atoi := func(name string) int {
		n, err := strconv.Atoi(*vals[name])
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("--%s: %q is not a positive integer", name, *vals[name]))
		}
		return n
	}
	dur := func(name string) time.Duration {
		d, err := time.ParseDuration(*vals[name])
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("--%s: %q is not a positive duration", name, *vals[name]))
		}
		return d
	}
	c.Addr = *vals["addr"]
	c.Data = *vals["data"]
	c.Store = *vals["store"]
	c.MaxEvents = atoi("max-events")
	c.MaxBodyBytes = int64(atoi("max-body"))
	c.MaxEventBytes = int64(atoi("max-event-body"))
	c.Workers = atoi("workers")
	c.Queue = atoi("queue")
	c.CaptureSlots = atoi("capture-slots")
	c.MaxPerPage = atoi("max-per-page")
	c.LogLevel = *vals["log-level"]
	c.LogFormat = *vals["log-format"]
	c.TokenSecret = *vals["token-secret"]
	c.JobLease = dur("job-lease")
	c.SubscriptionLease = dur("subscription-lease")
	c.GCPLengths = *vals["gcp-lengths"]
	c.ReadTimeout = dur("read-timeout")
	c.WriteTimeout = dur("write-timeout")
	demo, err := strconv.ParseBool(*vals["demo"])
	if err != nil {
		errs = append(errs, fmt.Errorf("--demo: %q is not true or false", *vals["demo"]))
	}
	c.Demo = demo
	apw, err := strconv.ParseBool(*vals["allow-private-webhooks"])
	if err != nil {
		errs = append(errs, fmt.Errorf("--allow-private-webhooks: %q is not true or false", *vals["allow-private-webhooks"]))
	}
	c.AllowPrivateWebhooks = apw
	c.JWTKeys, c.JWTIssuer, c.JWTAudience, c.JWTPartyClaim = *vals["jwt-keys"], *vals["jwt-issuer"], *vals["jwt-audience"], *vals["jwt-party-claim"]
	noAuth, err := strconv.ParseBool(*vals["insecure-no-auth"])
	if err != nil {
		errs = append(errs, fmt.Errorf("--insecure-no-auth: %q is not true or false", *vals["insecure-no-auth"]))
	}
	c.InsecureNoAuth = noAuth
	if c.InferHierarchy, err = strconv.ParseBool(*vals["infer-hierarchy"]); err != nil {
		errs = append(errs, fmt.Errorf("--infer-hierarchy: %q is not true or false", *vals["infer-hierarchy"]))
	}
	if c.Audit, err = strconv.ParseBool(*vals["audit"]); err != nil {
		errs = append(errs, fmt.Errorf("--audit: %q is not true or false", *vals["audit"]))
	}
	if c.Confidential, err = redact.ParseList(*vals["confidential"]); err != nil {
		errs = append(errs, fmt.Errorf("--confidential: %w", err))
	}
	if c.KeyRate, err = strconv.Atoi(*vals["key-rate"]); err != nil || c.KeyRate < 0 {
		errs = append(errs, fmt.Errorf("--key-rate: %q is not a whole number of requests per minute", *vals["key-rate"]))
	}
	c.AuthFailures = atoi("auth-failures")
	c.AuthFailureEvery = dur("auth-failure-every")
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr: %v", err))
	}
	return &c, errors.Join(errs...)
}

// boolString is a flag value kept as text (parsed with the others) that
// the flag package treats as a switch.
type boolString string

func (b *boolString) String() string     { return string(*b) }
func (b *boolString) Set(v string) error { *b = boolString(v); return nil }
func (b *boolString) IsBoolFlag() bool   { return true }

func newLogger(c *serveConfig, w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", c.LogFormat)
}

// openedStore is a store plus what the server needs to know about it.
type openedStore struct {
	store.Store
	where  string // for the start-up log line
	shared bool   // several servers may use it
	ready  func(ctx context.Context) error
}

// isSQLiteStore reports whether a --store value names the embedded store
// (the default, or "sqlite"/"sqlite:").
func isSQLiteStore(uri string) bool { return uri == "" || uri == "sqlite:" || uri == "sqlite" }

func openStore(ctx context.Context, c *serveConfig, log *slog.Logger) (*openedStore, error) {
	switch {
	case isSQLiteStore(c.Store):
		st, err := sqlitestore.OpenLog(ctx, c.Data, log)
		if err != nil {
			return nil, err
		}
		return &openedStore{Store: st, where: "sqlite " + st.Path(), ready: probe(st)}, nil
	case strings.HasPrefix(c.Store, "mongodb://") || strings.HasPrefix(c.Store, "mongodb+srv://"):
		st, err := mongostore.Open(ctx, c.Store, mongostore.Options{Logger: log})
		if err != nil {
			return nil, err
		}
		return &openedStore{Store: st, where: "mongodb " + redactURI(c.Store), shared: true, ready: probe(st)}, nil
	}
	return nil, fmt.Errorf("--store: %q is neither sqlite: nor a mongodb:// URI", redactURI(c.Store))
}

// probe is a readiness check that works on any store: looking up a job
// that cannot exist answers ErrNotFound when the store is reachable.
func probe(st store.Store) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := st.Job(ctx, "readyz-probe")
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
}

// redactURI hides a password in a store URI before it is logged.
func redactURI(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.LastIndexByte(s, '@'); j > i {
			return s[:i+3] + "***@" + s[j+1:]
		}
	}
	return s
}

// tokenSecretName names the page-token key in a shared store.
const tokenSecretName = "page-token"

// tokenSecret returns the page-token key: the configured one; in a shared
// store, the one kept in the store (made by the first server), so that a
// token from one server is good on every other; else one kept in the
// data directory so tokens survive restarts.
func tokenSecret(ctx context.Context, c *serveConfig, st *openedStore) ([]byte, error) {
	if c.TokenSecret != "" {
		b, err := hex.DecodeString(c.TokenSecret)
		if err != nil || len(b) < 16 {
			return nil, fmt.Errorf("--token-secret must be at least 16 bytes in hex")
		}
		return b, nil
	}
	if st.shared {
		ss, ok := st.Store.(store.SecretStore)
		if !ok {
			return nil, errors.New("the shared store keeps no secrets: give every server the same --token-secret")
		}
		fresh := make([]byte, 32)
		rand.Read(fresh)
		b, err := ss.Secret(ctx, tokenSecretName, fresh)
		if err != nil {
			return nil, fmt.Errorf("reading the page-token key from the store: %w", err)
		}
		return b, nil
	}
	path := filepath.Join(c.Data, "token.key")
	if b, err := os.ReadFile(path); err == nil {
		if k, err := hex.DecodeString(strings.TrimSpace(string(b))); err == nil && len(k) >= 16 {
			return k, nil
		}
	}
	b := make([]byte, 32)
	rand.Read(b)
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(b)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// instanceName names this server in the leases it holds in the store
// (host, process and a random part, so a restarted process is another
// holder): an operator reading the subscriptions collection sees which
// server delivers what.
func instanceName() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "lotline"
	}
	var b [3]byte
	rand.Read(b[:])
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

// runServe starts the server and blocks until ctx ends.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(c, stderr)
	if err != nil {
		return &exitError{2, err}
	}
	srv, err := startServer(ctx, c, log)
	if err != nil {
		return err
	}
	select {
	case err := <-srv.errc:
		srv.close(ctx)
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	return srv.close(ctx)
}

// server is a running Lotline server.
type server struct {
	Addr  string // the address it listens on, port 0 resolved
	Store *openedStore
	hs    *http.Server
	cs    *capture.Service
	subs  *subscribe.Service
	audit *api.AuditLog
	errc  chan error
}

// startServer opens the store, starts capture and the HTTP listener, and
// logs "listening" with the actual address. Close it with close.
func startServer(ctx context.Context, c *serveConfig, log *slog.Logger) (*server, error) {
	st, err := openStore(ctx, c, log)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*server, error) {
		st.Close()
		return nil, err
	}
	secret, err := tokenSecret(ctx, c, st)
	if err != nil {
		return fail(err)
	}
	authn, err := serveAuth(ctx, c, st.Store, log)
	if err != nil {
		return fail(err)
	}
	sv, err := schemas.Compile()
	if err != nil {
		return fail(err)
	}
	prefixes := gs1.NewPrefixTable()
	if c.GCPLengths != "" {
		f, err := os.Open(c.GCPLengths)
		if err != nil {
			return fail(fmt.Errorf("--gcp-lengths: %w", err))
		}
		err = prefixes.Load(f)
		f.Close()
		if err != nil {
			return fail(fmt.Errorf("--gcp-lengths: %w", err))
		}
		log.Info("loaded GS1 Company Prefix lengths", "file", c.GCPLengths, "prefixes", prefixes.Len())
	}
	reg := prometheus.NewRegistry()
	eng := engine.New(st, engine.Config{})
	hooks := api.HooksFor(reg)
	hooks.MasterDataSaved = eng.Invalidate
	// With MongoDB several writers may make batches visible out of Seq
	// order: subscriptions wait that long before taking an event (see
	// package subscribe).
	lag := time.Duration(0)
	if st.shared {
		lag = 5 * time.Second
	}
	instance := instanceName()
	subs, err := api.NewSubscriptions(st.Store, subscribe.Config{Holder: instance, Lease: c.SubscriptionLease,
		AllowPrivate: c.AllowPrivateWebhooks, VisibilityLag: lag, SharedStore: st.shared, Engine: eng, Log: log, Readers: api.ReadersFor(st.Store, ""),
		Document: api.DeliveryDocument(prefixes, c.Confidential, "")}, prefixes)
	if err != nil {
		return fail(err)
	}
	saved := hooks.EventsSaved
	hooks.EventsSaved = func(n int) {
		if saved != nil {
			saved(n)
		}
		if n > 0 {
			subs.Notify()
		}
	}
	cs := capture.New(st, sv, capture.Config{MaxEvents: c.MaxEvents, Workers: c.Workers, Queue: c.Queue,
		SharedStore: st.shared, AbandonAfter: c.JobLease, Prefixes: prefixes}, log, hooks)
	if err := cs.Start(ctx); err != nil {
		return fail(err)
	}
	subs.Start(ctx)
	if c.Demo {
		if err := loadDemo(ctx, st, cs, log); err != nil {
			subs.Close()
			cs.Close()
			return fail(err)
		}
	}
	audit := serveAudit(c, st.Store, log)
	if !c.Confidential.Empty() {
		// Only authenticated parties reading others' events are redacted:
		// in open single-party mode everything is read whole.
		log.Info("confidential fields are withheld from parties reading other parties' events", "confidential", c.Confidential.String())
	}
	h := api.New(api.Config{MaxBodyBytes: c.MaxBodyBytes, MaxEventBytes: c.MaxEventBytes, CaptureSlots: c.CaptureSlots,
		MaxPerPage: c.MaxPerPage, Engine: eng, Vendor: "lotline/" + version, TokenSecret: secret, Ready: st.ready, Prefixes: prefixes,
		Subscriptions: subs, Auth: authn, Audit: audit, Confidential: c.Confidential, NoHierarchyInference: !c.InferHierarchy,
		Limits: api.RateLimits{RequestsPerMinute: c.KeyRate, AuthFailures: c.AuthFailures, AuthFailureEvery: c.AuthFailureEvery}}, st.Store, cs, log, reg)
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		audit.Close()
		subs.Close()
		cs.Close()
		return fail(err)
	}
	s := &server{Addr: ln.Addr().String(), Store: st, cs: cs, subs: subs, audit: audit, errc: make(chan error, 1)}
	s.hs = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    api.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { s.errc <- s.hs.Serve(api.ProblemListener(ln)) }()
	log.Info("listening", "addr", "http://"+s.Addr, "store", st.where, "instance", instance,
		"captureLimit", c.MaxEvents, "bodyLimit", c.MaxBodyBytes)
	return s, nil
}

// close stops accepting requests, lets running ones and queued capture
// jobs finish, and closes the store.
func (s *server) close(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := s.hs.Shutdown(sctx)
	s.cs.Close()
	s.subs.Close()
	s.audit.Close()
	return errors.Join(err, s.Store.Close())
}
