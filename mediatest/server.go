package mediatest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/mediaupload/mediaupload/mediacheck"
)

// Credentials are the OAuth 1.0a user-context credentials a [Server] accepts.
type Credentials struct {
	ConsumerKey       string // oauth_consumer_key the server expects
	ConsumerSecret    string // the consumer secret it signs with
	AccessToken       string // oauth_token the server expects
	AccessTokenSecret string // the token secret it signs with
}

// DefaultCredentials returns the fixed, obviously fake credentials a
// [Server] accepts unless [WithCredentials] is given.
func DefaultCredentials() Credentials {
	return Credentials{
		ConsumerKey:       "mediatest-consumer-key",
		ConsumerSecret:    "mediatest-consumer-secret",
		AccessToken:       "1000000001-mediatest-access-token",
		AccessTokenSecret: "mediatest-access-token-secret",
	}
}

// Option configures a [Server]. Options panic on invalid values: they are
// meant for tests.
type Option func(*config)

type config struct {
	creds        Credentials
	checkAfter   int
	steps        int
	procErr      *processingError
	rules        *mediacheck.Limits // nil: media are not inspected
	expiresAfter int
	now          func() time.Time
	addr         string
	cert         *tls.Certificate
	random       *randomFaults
	logf         func(format string, args ...any)
	tokens       []oauth2Token // nil: the default token
	others       []oauth2Token // tokens of other users (WithOAuth2User)
	rate         *rateLimit    // nil: no rate limit
}

// WithCredentials sets the credentials the server accepts and signs
// [Server.Client] requests with. The default is [DefaultCredentials].
func WithCredentials(c Credentials) Option {
	if c.ConsumerKey == "" || c.AccessToken == "" {
		panic("mediatest: WithCredentials needs a consumer key and an access token")
	}
	return func(cfg *config) { cfg.creds = c }
}

// WithCheckAfter sets check_after_secs in processing answers. The default
// is 1; 0 is allowed and makes polling clients not wait.
func WithCheckAfter(secs int) Option {
	if secs < 0 {
		panic("mediatest: WithCheckAfter is negative")
	}
	return func(cfg *config) { cfg.checkAfter = secs }
}

// WithProcessingSteps sets how many STATUS polls of an asynchronous media
// are answered "in_progress" before the one answered "succeeded" (or
// "failed"). The default is 2; 0 makes the first poll end processing.
func WithProcessingSteps(n int) Option {
	if n < 0 {
		panic("mediatest: WithProcessingSteps is negative")
	}
	return func(cfg *config) { cfg.steps = n }
}

// WithProcessingError makes the asynchronous processing of every media end
// in state "failed" with error {code, name, message}, for example
// (1, "InvalidMedia", "Unsupported video format"). By default processing
// succeeds. [WithMediaRules] fails only the media that break X's rules.
func WithProcessingError(code int, name, message string) Option {
	return func(cfg *config) { cfg.procErr = &processingError{Code: code, Name: name, Message: message} }
}

// WithExpiresAfter sets expires_after_secs, the lifetime of a media id from
// INIT. The default is 86400. Requests about an expired media are answered
// 400.
func WithExpiresAfter(secs int) Option {
	if secs <= 0 {
		panic("mediatest: WithExpiresAfter must be positive")
	}
	return func(cfg *config) { cfg.expiresAfter = secs }
}

// WithClock sets the server clock, used for media timestamps and expiry,
// early-poll detection and the OAuth timestamp check. The default is
// time.Now. OAuth timestamps more than 5 minutes away from this clock are
// rejected, and [Server.Client] signs with the real time, so keep the clock
// within 5 minutes of time.Now (use short [WithExpiresAfter] values to test
// expiry) unless the test is about timestamps.
func WithClock(now func() time.Time) Option {
	if now == nil {
		panic("mediatest: WithClock with a nil clock")
	}
	return func(cfg *config) { cfg.now = now }
}

// WithAddr sets the listen address. The default is "127.0.0.1:0" (falling
// back to "[::1]:0" like httptest), a free loopback port.
func WithAddr(addr string) Option {
	return func(cfg *config) { cfg.addr = addr }
}

// WithTLSCertificate makes [NewTLSServer] serve cert instead of httptest's
// built-in certificate. The certificate must be valid for the listen
// address (for example an IP SAN 127.0.0.1) for [Server.Client] to trust it.
// Plain HTTP servers ignore it.
func WithTLSCertificate(cert tls.Certificate) Option {
	if len(cert.Certificate) == 0 {
		panic("mediatest: WithTLSCertificate with an empty certificate")
	}
	return func(cfg *config) { cfg.cert = &cert }
}

// WithRandomFaults makes each request of the given steps (default: APPEND
// only) fail with probability rate (0 to 1), answered 500, 503 or 429 or
// dropped without an answer. A random fault changes no server state. The
// decisions are deterministic for a seed: the n-th request for a given
// step, media id and segment gets the same decision in every run, even
// when requests run concurrently. Injected faults ([Server.InjectFault])
// take precedence. By default there are no random faults.
func WithRandomFaults(rate float64, seed int64, steps ...Step) Option {
	if math.IsNaN(rate) || rate < 0 || rate > 1 {
		panic("mediatest: WithRandomFaults rate must be within [0, 1]")
	}
	for _, s := range steps {
		Fault{Step: s, Drop: true}.validate()
	}
	if len(steps) == 0 {
		steps = []Step{StepAppend}
	}
	steps = slices.Clone(steps)
	return func(cfg *config) {
		cfg.random = &randomFaults{rate: rate, seed: seed, steps: steps, seen: map[string]uint64{}}
	}
}

// WithLogf logs one line per request with logf (t.Logf fits): method, step,
// media id, segment and the status answered. Credentials, signatures and
// media bytes are never logged. By default nothing is logged.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(cfg *config) { cfg.logf = logf }
}

// Server is a fake of the X (Twitter) chunked media upload API in its
// v1.1 dialect (INIT, APPEND, FINALIZE, STATUS at /1.1/media/upload.json,
// alt text and subtitles under /1.1/media/) and its v2 dialect (under
// /2/media/), both on one store of media, built on [httptest.Server]. It
// checks requests as strictly as the real service and the proxies before it
// (a POST must carry a Content-Length), OAuth 1.0a signatures
// and OAuth 2.0 bearer tokens included, records them, keeps the uploaded
// bytes for assertions, injects faults and serves its state as JSON under
// /mediatest/.
//
// A Server must be closed with [Server.Close]. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL of the server, without a trailing slash, for
	// example http://127.0.0.1:41234.
	URL string

	ts      *httptest.Server
	cfg     config
	store   *store
	auth    *verifier
	faults  *faults
	closing chan struct{} // closed by Close: ends hangs
	once    sync.Once

	mu       sync.Mutex
	requests []Request
}

// NewServer starts and returns a plain HTTP Server on a loopback port. The
// caller must call Close when finished, typically with t.Cleanup(srv.Close).
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.ts.Start()
	s.URL = s.ts.URL
	return s
}

// NewTLSServer starts and returns a Server using TLS, with httptest's
// certificate or the one given with [WithTLSCertificate]. [Server.Client]
// trusts it. The caller must call Close when finished.
func NewTLSServer(opts ...Option) *Server {
	s := newServer(opts)
	if s.cfg.cert != nil {
		s.ts.TLS = &tls.Config{Certificates: []tls.Certificate{*s.cfg.cert}}
	}
	s.ts.StartTLS()
	s.URL = s.ts.URL
	return s
}

func newServer(opts []Option) *Server {
	cfg := config{
		creds:        DefaultCredentials(),
		checkAfter:   1,
		steps:        2,
		expiresAfter: 86400,
		now:          time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg: cfg,
		store: newStore(storeConfig{
			checkAfter:   cfg.checkAfter,
			steps:        cfg.steps,
			procErr:      cfg.procErr,
			rules:        cfg.rules,
			expiresAfter: cfg.expiresAfter,
			now:          cfg.now,
		}),
		auth:    newVerifier(cfg.creds, cfg.now),
		faults:  &faults{random: cfg.random},
		closing: make(chan struct{}),
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if cfg.addr != "" && cfg.addr != "127.0.0.1:0" {
		l, err := net.Listen("tcp", cfg.addr)
		if err != nil {
			panic(fmt.Sprintf("mediatest: failed to listen on %s: %v", cfg.addr, err))
		}
		s.ts.Listener.Close()
		s.ts.Listener = l
	}
	return s
}

// UploadURL returns the URL of the v1.1 upload endpoint,
// URL + "/1.1/media/upload.json".
func (s *Server) UploadURL() string { return s.URL + v1UploadPath }

// Client returns a new *http.Client that signs every request with OAuth 1.0a
// (github.com/dghubble/oauth1) using the server's credentials and trusts the
// server's TLS certificate. Close closes its idle connections.
func (s *Server) Client() *http.Client {
	c := s.cfg.creds
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, s.ts.Client())
	return oauth1.NewConfig(c.ConsumerKey, c.ConsumerSecret).
		Client(ctx, oauth1.NewToken(c.AccessToken, c.AccessTokenSecret))
}

// V2URL returns the base URL of the v2 upload endpoints,
// URL + "/2/media/upload": INIT is POST V2URL()+"/initialize", APPEND and
// FINALIZE are POST V2URL()+"/{id}/append" and "/{id}/finalize", STATUS is
// GET V2URL()+"?media_id={id}".
func (s *Server) V2URL() string { return s.URL + v2UploadPath }

// Credentials returns the credentials the server accepts.
func (s *Server) Credentials() Credentials { return s.cfg.creds }

// Certificate returns the certificate of a TLS server, nil for plain HTTP.
func (s *Server) Certificate() *x509.Certificate { return s.ts.Certificate() }

// Close shuts the server down: it ends hanging requests, then waits for the
// requests in flight. It may be called more than once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.ts.Close()
}

// Media returns a snapshot of the media with the given id.
func (s *Server) Media(id string) (Media, bool) { return s.store.get(id) }

// AllMedia returns snapshots of every media, in creation order.
func (s *Server) AllMedia() []Media { return s.store.all() }

// Deviations returns, one per event and in order, the things the client
// did that the real service accepts but discourages: STATUS polls before
// check_after_secs elapsed, STATUS of media that had no processing_info or
// whose processing had ended, and base64 media_data instead of raw media.
func (s *Server) Deviations() []string { return s.store.deviationList() }

// InjectFault adds a fault. Faults are matched in the order injected; each
// is used up after Times matching requests. It may be called at any time.
// It panics on a fault that cannot apply (see [Fault]).
func (s *Server) InjectFault(f Fault) { s.faults.add(f) }

// Request is the record of one request the server received. Requests to
// the inspection endpoints under /mediatest/ are not recorded.
type Request struct {
	Step        Step   // "" when the request matched no step (wrong path, unknown command)
	Dialect     string // "1.1" or "2" after the path; "" for other paths
	Auth        string // credentials carried: "oauth1" (OAuth 1.0a), "oauth2" (Bearer) or ""
	Method      string // HTTP method
	Path        string // URL path
	ContentType string // Content-Type header as sent
	MediaID     string // media_id as sent, if any; for a successful INIT, the id created; for a TWEET, media_ids joined with ","
	Segment     int    // segment_index of an APPEND, else -1
	Bytes       int    // media bytes carried by an APPEND (decoded for media_data), else 0
	Base64      bool   // the APPEND used media_data
	Nonce       string // oauth_nonce; "" for a bearer token
	Timestamp   string // oauth_timestamp; "" for a bearer token
	Status      int    // HTTP status answered; 0 when the connection was dropped
	Fault       bool   // an injected or random fault applied
	Err         string // the error message answered, if any
}

// Requests returns every request received so far, in arrival order.
// Requests still in flight have Status 0.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// arrive reserves the record of a new request and returns its index.
func (s *Server) arrive(r Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	return len(s.requests) - 1
}

func (s *Server) record(i int, r Request) {
	s.mu.Lock()
	s.requests[i] = r
	s.mu.Unlock()
	if s.cfg.logf != nil {
		s.cfg.logf("mediatest: %s %s step=%s auth=%s media=%s segment=%d bytes=%d -> %d fault=%t %s",
			r.Method, r.Path, r.Step, r.Auth, r.MediaID, r.Segment, r.Bytes, r.Status, r.Fault, r.Err)
	}
}

// exchange is one request being served: the dialect handlers parse it,
// pass it through gate (faults, then OAuth) and answer through it.
type exchange struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	idx  int
	rec  Request
	user string // the user the credentials act for, once authenticated
	lost bool   // LoseAnswer: the answer goes to a recorder, then the connection is dropped
	// reshape, when set, holds the answer in a recorder to rewrite or
	// trickle it (Fault.Reshape, Fault.Trickle).
	reshape *reshaping
	// errBody renders an error in the dialect's shape.
	errBody func(e *apiError, path string) any
}

// serve is the server's handler: it records the request and routes it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if isInspectPath(r.URL.Path) {
		s.inspect(w, r) // not recorded
		return
	}
	x := &exchange{s: s, w: w, r: r, errBody: v1ErrorBody, rec: Request{
		Method:      r.Method,
		Path:        r.URL.Path,
		ContentType: r.Header.Get("Content-Type"),
		Segment:     -1,
		Auth:        authKind(oauthRequest{header: r.Header.Get("Authorization"), query: r.URL.Query()}),
	}}
	x.idx = s.arrive(x.rec)
	defer func() { s.record(x.idx, x.rec) }() // also when the connection is dropped
	switch path := r.URL.Path; {
	case r.Method == http.MethodPost && r.ContentLength < 0:
		// A body of unknown length (Transfer-Encoding: chunked): front ends
		// and proxies may refuse it; a POST without a body says
		// Content-Length: 0.
		x.fail(&apiError{status: http.StatusLengthRequired, message: "A POST needs a Content-Length."})
	case path == v1UploadPath:
		x.rec.Dialect = dialectV1
		s.v1Upload(x)
	case path == v1MetadataPath:
		x.rec.Dialect = dialectV1
		s.v1Metadata(x)
	case path == v1SubtitlesPath:
		x.rec.Dialect = dialectV1
		s.v1Subtitles(x)
	case path == v2TweetsPath:
		x.rec.Dialect, x.errBody = dialectV2, tweetErrorBody
		s.v2Tweet(x)
	case isV2Path(path):
		x.rec.Dialect, x.errBody = dialectV2, v2ErrorBody
		s.v2(x)
	default:
		x.fail(errNotFound())
	}
	if x.lost {
		x.rec.Err = fmt.Sprintf("answer %d lost %s", x.rec.Status, x.rec.Err)
		x.drop()
	}
	if x.reshape != nil {
		x.rec.Status = x.reshape.send(s, x)
	}
}

// gate applies the fault matching the request, if any, then checks its
// OAuth 1.0a signature or OAuth 2.0 bearer token. It reports whether the
// request may be processed; when not, the answer has been sent (or the
// connection dropped).
func (x *exchange) gate(step Step, o oauthRequest) bool {
	x.rec.Step = step
	x.rec.Nonce, x.rec.Timestamp = o.nonceAndTimestamp()
	x.rec.Auth = authKind(o)
	if f, ok := x.s.faults.match(step, x.rec.Dialect, x.rec.MediaID, x.rec.Segment); ok {
		x.rec.Fault = true
		if f.Hang > 0 && !x.s.hang(x.r.Context(), f.Hang) {
			x.rec.Err = "hang ended by the client or by Close"
			x.drop()
		}
		switch {
		case f.Status != 0:
			x.faultAnswer(f)
			return false
		case f.Drop:
			x.drop()
		case f.LoseAnswer:
			x.lost = true
			x.w = httptest.NewRecorder()
		case f.Reshape != nil || f.Trickle > 0:
			x.reshape = &reshaping{w: x.w, rec: httptest.NewRecorder(), fault: f}
			x.w = x.reshape.rec
		}
	}
	if err := x.authenticate(o); err != nil {
		x.fail(err)
		return false
	}
	if l := x.s.cfg.rate; l != nil && !l.take(rateKey{step, x.user}, x.s.cfg.now(), x.w.Header()) {
		x.fail(faultError(http.StatusTooManyRequests))
		return false
	}
	return true
}

// respond answers status with body as JSON, or with no body when body is
// nil. The Content-Type is application/json, or the one a body with a
// contentType method gives (v2 problem objects).
func (x *exchange) respond(status int, body any) {
	x.rec.Status = status
	if body == nil {
		x.w.WriteHeader(status)
		return
	}
	ct := "application/json; charset=utf-8"
	if b, ok := body.(interface{ contentType() string }); ok {
		ct = b.contentType()
	}
	x.w.Header().Set("Content-Type", ct)
	x.w.WriteHeader(status)
	_ = json.NewEncoder(x.w).Encode(body)
}

// fail answers an error in the dialect's shape.
func (x *exchange) fail(e *apiError) {
	x.rec.Err = e.message
	x.respond(e.status, x.errBody(e, x.r.URL.Path))
}

// failed answers e, if any, and reports whether it did.
func (x *exchange) failed(e *apiError) bool {
	if e != nil {
		x.fail(e)
	}
	return e != nil
}

// readJSON reads the body of a POST and decodes it into v with decode (the
// dialect's rules). A read error, or another method, is answered at once
// (ok false); the decode error is returned, to be answered after the gate,
// with the request to check there (a urlencoded body is part of the OAuth
// 1.0a signature, a JSON one is not). v may be partly filled on error.
func (x *exchange) readJSON(v any, decode func(contentType string, body []byte, v any) *apiError) (o oauthRequest, parseErr *apiError, ok bool) {
	if x.r.Method != http.MethodPost {
		x.fail(errNotFound())
		return o, nil, false
	}
	body, err := readBody(x.r)
	if x.failed(err) {
		return o, nil, false
	}
	ct := x.r.Header.Get("Content-Type")
	return oauthRequestOf(x.r, signedForm(ct, body)), decode(ct, body, v), true
}

// startUpload starts an upload with params (unless perr, their parse
// error, is set) and records its media id; false when it answered an error.
func (x *exchange) startUpload(params initParams, perr *apiError) (answer, bool) {
	a, err := answer{}, perr
	if err == nil {
		params.uploader = x.user
		a, err = x.s.store.init(params)
	}
	if x.failed(err) {
		return answer{}, false
	}
	x.rec.MediaID = a.idStr
	return a, true
}

// drop closes the connection without an answer; it does not return.
func (x *exchange) drop() {
	x.rec.Status = 0
	panic(http.ErrAbortHandler)
}
