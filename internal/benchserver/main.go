// Command benchserver is a minimal v1.1 chunked media upload server for
// benchmarks. It never stores media: every received byte of a segment goes
// once, streaming, through SHA-256, and only per-segment sizes and digests
// are kept, for byte-exact verification.
//
//	benchserver [flags]                         serve; prints the base URL on stdout
//	benchserver verify -file F -stats S.json    check an upload's per-segment digests against F
//
// Paths (any path other than the ones below is the upload endpoint, so
// --endpoint BASE/1.1/media/upload.json works):
//
//	POST  …/upload.json   INIT (urlencoded or multipart; params in query or body) → 202
//	                      APPEND (multipart: command, media_id, segment_index, file part "media"
//	                             or base64 field "media_data") → 204
//	                      FINALIZE → 201, ready at once (or pending, check_after_secs 0, with -processing)
//	GET   …/upload.json?command=STATUS&media_id=… → 200 succeeded
//	PUT|POST /sink        one SHA-256 pass over the raw body; answers "HEX BYTES PROTO\n"
//	GET   /stats?media_id=ID   per-segment sizes and digests, protocols seen, peak APPEND concurrency
//	GET   /stats               server totals (requests by protocol, connections, the most open at once, the most requests in flight at once)
//
// OAuth headers are accepted unchecked. -latency sleeps before every answer
// (after the body is read); -rate caps how fast each request body is read.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"log"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "verify" {
		os.Exit(runVerify(os.Args[2:]))
	}
	if err := serve(os.Args[1:]); err != nil {
		log.Fatalf("benchserver: %v", err)
	}
}

func serve(args []string) error {
	fs := flag.NewFlagSet("benchserver", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "listen `HOST:PORT` (port 0: any free port)")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate for 127.0.0.1, ::1 and localhost")
	certOut := fs.String("cert-out", "", "with -tls, write the certificate (PEM) to this `FILE` (for SSL_CERT_FILE or curl --cacert)")
	h2 := fs.Bool("h2", true, "with -tls, offer HTTP/2 by ALPN (false: HTTP/1.1 only)")
	latency := fs.Duration("latency", 0, "sleep added to every request before answering (after its body is read)")
	rateFlag := fs.String("rate", "0", "per-request body read cap, e.g. 20MB/s, 512KiB/s, 1e6 (bytes/s); MB=10^6, MiB=2^20; 0 = unlimited")
	processing := fs.Bool("processing", false, "FINALIZE answers processing pending with check_after_secs 0 (one STATUS poll); default ready at once")
	h2Window := fs.Int("h2-window", 0, "HTTP/2 receive buffer per connection and per stream in bytes (0: Go's defaults, 1 MiB)")
	verbose := fs.Bool("v", false, "log every request on stderr")
	fs.Parse(args)

	rate, err := parseRate(*rateFlag)
	if err != nil {
		return err
	}
	s := &server{latency: *latency, rate: rate, processing: *processing, verbose: *verbose, media: map[string]*media{}}
	s.nextID.Store(1<<60 + uint64(time.Now().UnixNano()%1e6)*1e6) // > 2^53, distinct across restarts

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			s.mu.Lock()
			defer s.mu.Unlock()
			switch st {
			case http.StateNew:
				s.conns.Add(1)
				s.open++
				s.maxOpen = max(s.maxOpen, s.open)
			case http.StateClosed, http.StateHijacked:
				s.open--
			}
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(*useTLS && *h2)
	srv.Protocols = &protos
	if *h2Window > 0 {
		srv.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerConnection: *h2Window, MaxReceiveBufferPerStream: *h2Window}
	}
	scheme := "http"
	if *useTLS {
		cert, certPEM, err := selfSigned()
		if err != nil {
			return err
		}
		if *certOut != "" {
			if err := os.WriteFile(*certOut, certPEM, 0o644); err != nil {
				return err
			}
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.To4() == nil {
		host = "[" + host + "]"
	}
	// The one line on stdout: the base URL, once the listener is ready.
	fmt.Printf("%s://%s:%d\n", scheme, host, addr.Port)
	os.Stdout.Sync()
	fmt.Fprintf(os.Stderr, "benchserver: %s://%s:%d protocols=%v latency=%v rate=%s processing=%v\n",
		scheme, host, addr.Port, protos, *latency, *rateFlag, *processing)

	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if *useTLS {
		err = srv.ServeTLS(ln, "", "")
	} else {
		err = srv.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// parseRate reads "20MB/s", "512KiB/s", "1e6" (bytes per second).
func parseRate(s string) (float64, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"kB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad -rate %q: want e.g. 20MB/s or 0", s)
	}
	return v * mult, nil
}

// selfSigned makes an ECDSA P-256 certificate for the loopback addresses.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "benchserver 127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

type server struct {
	latency    time.Duration
	rate       float64 // bytes/s per request body; 0 unlimited
	processing bool
	verbose    bool

	nextID atomic.Uint64
	conns  atomic.Int64

	mu        sync.Mutex
	media     map[string]*media
	requests  map[string]int // by protocol
	inflight  int            // APPENDs being received, all media
	open      int            // connections open now
	maxOpen   int            // connections open at once, at most
	active    int            // requests being served now (not /stats)
	maxActive int            // requests being served at once, at most
}

// segment is what is kept of one APPEND: no bytes, only their count and digest.
type segment struct {
	Index  int    `json:"index"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type media struct {
	ID         string `json:"media_id"`
	TotalBytes int64  `json:"total_bytes"`
	MediaType  string `json:"media_type"`
	Category   string `json:"media_category,omitempty"`
	Finalized  bool   `json:"finalized"`
	// Received counts every APPEND payload byte, re-sent segments included.
	Received    int64          `json:"received_bytes"`
	Appends     int            `json:"appends"`
	MaxInflight int            `json:"max_concurrent_appends"`
	Protocols   map[string]int `json:"protocols"`
	// Conns counts the distinct client connections (remote addresses) used.
	Conns        int       `json:"connections"`
	UploadMillis float64   `json:"init_to_finalize_ms"`
	Segments     []segment `json:"segments"`

	segs    map[int]segment
	remotes map[string]bool
	created time.Time
}

// seen notes the protocol and connection of a request about m (under s.mu).
func (m *media) seen(r *http.Request) {
	m.Protocols[r.Proto]++
	if !m.remotes[r.RemoteAddr] {
		m.remotes[r.RemoteAddr] = true
		m.Conns++
	}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.mu.Lock()
	if s.requests == nil {
		s.requests = map[string]int{}
	}
	s.requests[r.Proto]++
	if r.URL.Path != "/stats" {
		s.active++
		s.maxActive = max(s.maxActive, s.active)
		defer func() { s.mu.Lock(); s.active--; s.mu.Unlock() }()
	}
	s.mu.Unlock()
	if r.Body != nil && s.rate > 0 {
		r.Body = &throttled{r: r.Body, rate: s.rate, start: start}
	}
	var what string
	switch r.URL.Path {
	case "/sink":
		what = s.sink(w, r)
	case "/stats":
		s.stats(w, r) // never delayed
		what = "STATS"
	default:
		what = s.upload(w, r)
	}
	if s.verbose {
		log.Printf("%s %s %s %s %v", r.Proto, r.Method, r.URL.Path, what, time.Since(start).Round(time.Microsecond))
	}
}

// delay is the simulated latency, once the request body has been read.
func (s *server) delay(r *http.Request) {
	if s.latency <= 0 {
		return
	}
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

func (s *server) sink(w http.ResponseWriter, r *http.Request) string {
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		http.Error(w, "PUT or POST", http.StatusMethodNotAllowed)
		return "SINK?"
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, r.Body, make([]byte, 256<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return "SINK!"
	}
	s.delay(r)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%x %d %s\n", h.Sum(nil), n, r.Proto)
	return "SINK " + strconv.FormatInt(n, 10)
}

func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("media_id")
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		ids := make([]string, 0, len(s.media))
		for id := range s.media {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		enc.Encode(map[string]any{"requests_by_protocol": s.requests, "connections": s.conns.Load(),
			"max_open_connections": s.maxOpen, "max_requests_in_flight": s.maxActive, "media_ids": ids})
		return
	}
	m := s.media[id]
	if m == nil {
		w.WriteHeader(http.StatusNotFound)
		enc.Encode(map[string]string{"error": "no such media " + id})
		return
	}
	m.Segments = m.Segments[:0]
	for _, sg := range m.segs {
		m.Segments = append(m.Segments, sg)
	}
	slices.SortFunc(m.Segments, func(a, b segment) int { return a.Index - b.Index })
	enc.Encode(m)
}

// apiError answers like X: {"errors":[{"code":N,"message":"…"}]}.
func apiError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"code": code, "message": msg}}})
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (s *server) upload(w http.ResponseWriter, r *http.Request) string {
	params := r.URL.Query()
	var pay *payload
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method == http.MethodGet:
	case r.Method != http.MethodPost:
		s.delay(r)
		apiError(w, http.StatusMethodNotAllowed, 0, "method not allowed")
		return "?"
	case ct == "multipart/form-data":
		var err error
		pay, err = s.readMultipart(r.Body, ctParams["boundary"], params)
		if err != nil {
			s.delay(r)
			apiError(w, http.StatusBadRequest, 0, "bad multipart body: "+err.Error())
			return "BAD MULTIPART"
		}
	default: // urlencoded, or empty
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			apiError(w, http.StatusBadRequest, 0, err.Error())
			return "BAD BODY"
		}
		if len(body) > 0 {
			v, err := url.ParseQuery(string(body))
			if err != nil {
				apiError(w, http.StatusBadRequest, 0, "bad form: "+err.Error())
				return "BAD FORM"
			}
			for k, vs := range v {
				params[k] = append(params[k], vs...)
			}
		}
	}
	s.delay(r)

	cmd := strings.ToUpper(params.Get("command"))
	switch cmd {
	case "INIT":
		return s.init(w, r, params)
	case "APPEND":
		return s.append(w, r, params, pay)
	case "FINALIZE":
		return s.finalize(w, r, params)
	case "STATUS":
		return s.status(w, r, params)
	}
	if strings.HasSuffix(r.URL.Path, "/metadata/create.json") {
		w.WriteHeader(http.StatusOK)
		return "METADATA"
	}
	apiError(w, http.StatusBadRequest, 38, "command parameter is missing or unknown: "+params.Get("command"))
	return "?" + cmd
}

func (s *server) init(w http.ResponseWriter, r *http.Request, p url.Values) string {
	total, err := strconv.ParseInt(p.Get("total_bytes"), 10, 64)
	if err != nil || total <= 0 {
		apiError(w, http.StatusBadRequest, 38, "total_bytes parameter is missing or invalid")
		return "INIT?"
	}
	if p.Get("media_type") == "" {
		apiError(w, http.StatusBadRequest, 38, "media_type parameter is missing")
		return "INIT?"
	}
	id := strconv.FormatUint(s.nextID.Add(1), 10)
	m := &media{ID: id, TotalBytes: total, MediaType: p.Get("media_type"), Category: p.Get("media_category"),
		Protocols: map[string]int{}, segs: map[int]segment{}, remotes: map[string]bool{}, created: time.Now()}
	m.seen(r)
	s.mu.Lock()
	s.media[id] = m
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, fmt.Sprintf(`{"media_id":%s,"media_id_string":"%s","media_key":"7_%s","expires_after_secs":86400}`, id, id, id))
	return "INIT " + id
}

func (s *server) lookup(w http.ResponseWriter, p url.Values) *media {
	s.mu.Lock()
	m := s.media[p.Get("media_id")]
	s.mu.Unlock()
	if m == nil {
		apiError(w, http.StatusBadRequest, 324, "invalid media_id "+strconv.Quote(p.Get("media_id")))
	}
	return m
}

func (s *server) append(w http.ResponseWriter, r *http.Request, p url.Values, pay *payload) string {
	if pay == nil || !pay.seen {
		apiError(w, http.StatusBadRequest, 38, "APPEND needs a multipart body with part media or media_data")
		return "APPEND?"
	}
	idx, err := strconv.Atoi(p.Get("segment_index"))
	if err != nil || idx < 0 || idx > 999 {
		apiError(w, http.StatusBadRequest, 38, "segment_index is missing or outside 0–999")
		return "APPEND?"
	}
	m := s.lookup(w, p)
	if m == nil {
		return "APPEND?"
	}
	if pay.size > 5<<20 {
		apiError(w, http.StatusBadRequest, 324, "segment over 5 MiB")
		return "APPEND?"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Finalized {
		apiError(w, http.StatusBadRequest, 324, "media already finalized")
		return "APPEND?"
	}
	m.segs[idx] = segment{Index: idx, Size: pay.size, SHA256: hex.EncodeToString(pay.sum)}
	m.Received += pay.size
	m.Appends++
	m.seen(r)
	m.MaxInflight = max(m.MaxInflight, pay.maxInflight)
	w.WriteHeader(http.StatusNoContent)
	return fmt.Sprintf("APPEND %s #%d %d", m.ID, idx, pay.size)
}

func (s *server) finalize(w http.ResponseWriter, r *http.Request, p url.Values) string {
	m := s.lookup(w, p)
	if m == nil {
		return "FINALIZE?"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum int64
	for i := range len(m.segs) {
		sg, ok := m.segs[i]
		if !ok {
			apiError(w, http.StatusBadRequest, 324, fmt.Sprintf("Segments are not contiguous: segment %d is missing", i))
			return "FINALIZE?"
		}
		sum += sg.Size
	}
	if sum != m.TotalBytes {
		apiError(w, http.StatusBadRequest, 324, "Segments do not add up to provided total file size.")
		return "FINALIZE?"
	}
	m.seen(r)
	if !m.Finalized {
		m.Finalized = true
		m.UploadMillis = float64(time.Since(m.created).Microseconds()) / 1000
	}
	proc := ""
	if s.processing {
		proc = `,"processing_info":{"state":"pending","check_after_secs":0}`
	}
	writeJSON(w, http.StatusCreated, fmt.Sprintf(`{"media_id":%s,"media_id_string":"%s","media_key":"7_%s","size":%d,"expires_after_secs":86400%s}`,
		m.ID, m.ID, m.ID, m.TotalBytes, proc))
	return "FINALIZE " + m.ID
}

func (s *server) status(w http.ResponseWriter, r *http.Request, p url.Values) string {
	m := s.lookup(w, p)
	if m == nil {
		return "STATUS?"
	}
	s.mu.Lock()
	fin := m.Finalized
	m.seen(r)
	s.mu.Unlock()
	if !fin {
		apiError(w, http.StatusBadRequest, 324, "media not finalized")
		return "STATUS?"
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"media_id":%s,"media_id_string":"%s","expires_after_secs":86400,"processing_info":{"state":"succeeded","progress_percent":100}}`, m.ID, m.ID))
	return "STATUS " + m.ID
}

// payload is the media of one APPEND: its size and digest only.
type payload struct {
	seen        bool
	size        int64
	sum         []byte
	maxInflight int
}

// readMultipart parses a multipart/form-data body as a stream. Fields go
// into params; the file part "media" (or the base64 field "media_data") is
// hashed on the fly, never held whole.
//
// The stdlib multipart.Reader hands out a part in reads of at most 4 KiB;
// this parser scans a 256 KiB buffer for the delimiter instead, so the
// server costs about what /sink costs per byte.
func (s *server) readMultipart(body io.Reader, boundary string, params url.Values) (*payload, error) {
	if boundary == "" {
		return nil, errors.New("no boundary")
	}
	br := bufio.NewReaderSize(body, 256<<10)
	dash := "--" + boundary
	delim := []byte("\r\n" + dash)
	// Skip the preamble up to the first delimiter line.
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return nil, fmt.Errorf("no first boundary: %w", err)
		}
		if strings.TrimRight(string(line), " \t\r\n") == dash {
			break
		}
	}
	pay := &payload{}
	tp := textproto.NewReader(br)
	for {
		hdr, err := tp.ReadMIMEHeader()
		if err != nil {
			return nil, fmt.Errorf("part header: %w", err)
		}
		_, cd, _ := mime.ParseMediaType(hdr.Get("Content-Disposition"))
		name := cd["name"]
		switch name {
		case "media", "media_data":
			if pay.seen {
				return nil, errors.New("two media parts")
			}
			pay.seen = true
			s.mu.Lock()
			s.inflight++
			pay.maxInflight = s.inflight
			s.mu.Unlock()
			h := sha256.New()
			var n int64
			if name == "media" {
				n, err = streamUntil(br, delim, h)
			} else {
				n, err = streamBase64(br, delim, h)
			}
			s.mu.Lock()
			pay.maxInflight = max(pay.maxInflight, s.inflight)
			s.inflight--
			s.mu.Unlock()
			if err != nil {
				return nil, err
			}
			pay.size, pay.sum = n, h.Sum(nil)
		default:
			var buf limitedBuffer
			buf.limit = 64 << 10
			if _, err := streamUntil(br, delim, &buf); err != nil {
				return nil, fmt.Errorf("field %q: %w", name, err)
			}
			params.Add(name, buf.String())
		}
		// After a delimiter: "--" ends the body, else the line ends.
		rest, err := br.ReadSlice('\n')
		if bytes.HasPrefix(rest, []byte("--")) {
			io.Copy(io.Discard, br) // epilogue
			return pay, nil
		}
		if err != nil {
			return nil, fmt.Errorf("after boundary: %w", err)
		}
	}
}

// streamUntil writes what br holds before delim to w and consumes delim.
// Each byte is written exactly once.
func streamUntil(br *bufio.Reader, delim []byte, w io.Writer) (int64, error) {
	var n int64
	for {
		buf, err := br.Peek(br.Size())
		if i := bytes.Index(buf, delim); i >= 0 {
			if _, werr := w.Write(buf[:i]); werr != nil {
				return n, werr
			}
			br.Discard(i + len(delim))
			return n + int64(i), nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		safe := len(buf) - (len(delim) - 1)
		if safe <= 0 {
			continue
		}
		if _, werr := w.Write(buf[:safe]); werr != nil {
			return n, werr
		}
		br.Discard(safe)
		n += int64(safe)
	}
}

// streamBase64 decodes a base64 field on the fly into w; it returns the
// decoded size.
func streamBase64(br *bufio.Reader, delim []byte, w io.Writer) (int64, error) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	var n int64
	var derr error
	go func() {
		defer close(done)
		n, derr = io.Copy(w, base64.NewDecoder(base64.StdEncoding, pr))
		pr.CloseWithError(derr)
	}()
	_, err := streamUntil(br, delim, pw)
	pw.CloseWithError(err)
	<-done
	if err == nil {
		err = derr
	}
	return n, err
}

// limitedBuffer keeps form fields small.
type limitedBuffer struct {
	bytes.Buffer
	limit int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.limit {
		return 0, errors.New("field too long")
	}
	return b.Buffer.Write(p)
}

// throttled caps the read rate of a request body: after n bytes it has
// taken at least n/rate since the request began.
type throttled struct {
	r     io.ReadCloser
	rate  float64
	start time.Time
	n     int64
}

func (t *throttled) Read(p []byte) (int, error) {
	// Small steps keep the flow smooth: 10 ms worth, at least 4 KiB.
	if step := max(int(t.rate/100), 4<<10); len(p) > step {
		p = p[:step]
	}
	n, err := t.r.Read(p)
	t.n += int64(n)
	due := time.Duration(float64(t.n) / t.rate * float64(time.Second))
	if wait := due - time.Since(t.start); wait > 0 {
		time.Sleep(wait)
	}
	return n, err
}

func (t *throttled) Close() error { return t.r.Close() }

// runVerify checks an upload's stats (JSON from /stats?media_id=…) against
// the input file: segments 0..n-1, contiguous byte ranges in index order,
// each of the recorded size and SHA-256, adding up to the whole file.
func runVerify(args []string) int {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	file := fs.String("file", "", "the uploaded input `FILE`")
	statsPath := fs.String("stats", "-", "stats JSON `FILE` (- for stdin)")
	fs.Parse(args)
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "verify: FAIL: "+format+"\n", a...)
		return 1
	}
	var raw []byte
	var err error
	if *statsPath == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(*statsPath)
	}
	if err != nil {
		return fail("%v", err)
	}
	var m media
	if err := json.Unmarshal(raw, &m); err != nil {
		return fail("stats: %v", err)
	}
	f, err := os.Open(*file)
	if err != nil {
		return fail("%v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case !m.Finalized:
		return fail("media %s was not finalized", m.ID)
	case m.TotalBytes != st.Size():
		return fail("media %s: total_bytes %d, file has %d", m.ID, m.TotalBytes, st.Size())
	case len(m.Segments) == 0:
		return fail("media %s: no segments", m.ID)
	}
	br := bufio.NewReaderSize(f, 1<<20)
	var off int64
	var h hash.Hash = sha256.New()
	for i, sg := range m.Segments {
		if sg.Index != i {
			return fail("media %s: segment %d missing (found %d)", m.ID, i, sg.Index)
		}
		h.Reset()
		if n, err := io.CopyN(h, br, sg.Size); err != nil {
			return fail("media %s: segment %d (%d bytes at %d): file ends after %d: %v", m.ID, i, sg.Size, off, n, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sg.SHA256 {
			return fail("media %s: segment %d (%d bytes at offset %d): server sha256 %s, file %s", m.ID, i, sg.Size, off, sg.SHA256, got)
		}
		off += sg.Size
	}
	if off != st.Size() {
		return fail("media %s: segments cover %d of %d bytes", m.ID, off, st.Size())
	}
	var protos []string
	for p, n := range m.Protocols {
		protos = append(protos, fmt.Sprintf("%s:%d", p, n))
	}
	slices.Sort(protos)
	// One line, key=value, for scripts: "ok" means byte-exact.
	fmt.Printf("ok media_id=%s segments=%d bytes=%d appends=%d received=%d protocols=%s connections=%d peak_appends=%d\n",
		m.ID, len(m.Segments), off, m.Appends, m.Received, strings.Join(protos, ","), m.Conns, m.MaxInflight)
	return 0
}
