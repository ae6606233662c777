package mediatest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestServer starts a plain server closed at the end of the test.
func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// testClock is a settable server clock, starting at the real time.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map, keeping numbers exact.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m), "body %s", r.body)
	return m
}

// errCode returns the code of the first error of a {"errors":[…]} body.
func (r response) errCode(t *testing.T) int {
	t.Helper()
	var e struct {
		Errors []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), "body %s", r.body)
	require.NotEmpty(t, e.Errors, "body %s", r.body)
	return e.Errors[0].Code
}

// send makes a request with c and reads the whole answer.
func send(t *testing.T, c *http.Client, method, rawURL, contentType string, body []byte) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, rd)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// postForm POSTs urlencoded params, signed by s.Client().
func postForm(t *testing.T, s *Server, params url.Values) response {
	t.Helper()
	return send(t, s.Client(), http.MethodPost, s.UploadURL(), formType, []byte(params.Encode()))
}

// getStatus polls STATUS of id.
func getStatus(t *testing.T, s *Server, id string) response {
	t.Helper()
	q := url.Values{"command": {"STATUS"}, "media_id": {id}}
	return send(t, s.Client(), http.MethodGet, s.UploadURL()+"?"+q.Encode(), "", nil)
}

// part is one multipart part: a file part when file is true.
type part struct {
	name  string
	value []byte
	file  bool
}

// multipartBody encodes parts; a file part without a file name is written
// with a bare Content-Disposition name.
func multipartBody(t *testing.T, parts ...part) (contentType string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.file {
			w, err = mw.CreateFormFile(p.name, "blob")
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		require.NoError(t, err)
		_, err = w.Write(p.value)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

func field(name, value string) part { return part{name: name, value: []byte(value)} }

// appendSegment sends one raw APPEND with multipart fields.
func appendSegment(t *testing.T, s *Server, id string, index int, data []byte) response {
	t.Helper()
	ct, body := multipartBody(t, field("command", "APPEND"), field("media_id", id),
		field("segment_index", strconv.Itoa(index)), part{name: "media", value: data, file: true})
	return send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
}

// initMedia sends INIT and returns the media id.
func initMedia(t *testing.T, s *Server, total int, mediaType, category string) string {
	t.Helper()
	params := url.Values{"command": {"INIT"}, "total_bytes": {strconv.Itoa(total)}, "media_type": {mediaType}}
	if category != "" {
		params.Set("media_category", category)
	}
	r := postForm(t, s, params)
	require.Equal(t, http.StatusAccepted, r.status, "INIT: %s", r.body)
	return r.json(t)["media_id_string"].(string)
}

func finalize(t *testing.T, s *Server, id string) response {
	t.Helper()
	return postForm(t, s, url.Values{"command": {"FINALIZE"}, "media_id": {id}})
}

// uploadSegments runs INIT and APPENDs data in chunks of chunk bytes; it
// returns the media id before FINALIZE.
func uploadSegments(t *testing.T, s *Server, data []byte, chunk int, mediaType, category string) string {
	t.Helper()
	id := initMedia(t, s, len(data), mediaType, category)
	for i := 0; i*chunk < len(data); i++ {
		r := appendSegment(t, s, id, i, data[i*chunk:min((i+1)*chunk, len(data))])
		require.Equal(t, http.StatusNoContent, r.status, "APPEND %d: %s", i, r.body)
	}
	return id
}

// testData returns n deterministic bytes.
func testData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestServer_urls(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	assert.True(t, strings.HasPrefix(s.URL, "http://127.0.0.1:"), s.URL)
	assert.False(t, strings.HasSuffix(s.URL, "/"))
	assert.Equal(t, s.URL+"/1.1/media/upload.json", s.UploadURL())
	assert.Nil(t, s.Certificate())
	assert.Equal(t, DefaultCredentials(), s.Credentials())
	assert.NotSame(t, s.Client(), s.Client())
}

func TestServer_closeIdempotent(t *testing.T) {
	t.Parallel()
	s := NewServer()
	initMedia(t, s, 10, "image/png", "")
	s.Close()
	s.Close()
	_, err := s.Client().Post(s.UploadURL(), formType, strings.NewReader("command=INIT"))
	assert.Error(t, err)
}

func TestServer_options(t *testing.T) {
	t.Parallel()
	creds := Credentials{ConsumerKey: "ck", ConsumerSecret: "cs", AccessToken: "at", AccessTokenSecret: "ats"}
	var logMu sync.Mutex
	var logged []string
	s := newTestServer(t, WithCredentials(creds), WithAddr("localhost:0"), WithExpiresAfter(60),
		WithLogf(func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			logged = append(logged, fmt.Sprintf(format, args...))
		}))
	assert.Equal(t, creds, s.Credentials())
	r := postForm(t, s, url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	assert.Equal(t, json.Number("60"), r.json(t)["expires_after_secs"])

	logMu.Lock()
	defer logMu.Unlock()
	require.Len(t, logged, 1)
	assert.Contains(t, logged[0], "INIT")
	for _, secret := range []string{creds.ConsumerSecret, creds.AccessTokenSecret, "oauth_signature"} {
		assert.NotContains(t, logged[0], secret)
	}
}

func TestServer_optionsPanicOnMisuse(t *testing.T) {
	t.Parallel()
	tests := map[string]func(){
		"negative check after":  func() { WithCheckAfter(-1) },
		"negative steps":        func() { WithProcessingSteps(-1) },
		"zero expiry":           func() { WithExpiresAfter(0) },
		"nil clock":             func() { WithClock(nil) },
		"rate above one":        func() { WithRandomFaults(1.5, 1) },
		"unknown random step":   func() { WithRandomFaults(0.5, 1, "UPLOAD") },
		"empty credentials":     func() { WithCredentials(Credentials{}) },
		"empty TLS certificate": func() { WithTLSCertificate(tls.Certificate{}) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.Panics(t, f)
		})
	}
}

func TestTLSServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
	}{
		{name: "httptest certificate"},
		{name: "own certificate", opts: []Option{WithTLSCertificate(selfSignedCert(t))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewTLSServer(tc.opts...)
			t.Cleanup(s.Close)
			assert.True(t, strings.HasPrefix(s.URL, "https://"), s.URL)
			require.NotNil(t, s.Certificate())

			data := testData(100)
			id := uploadSegments(t, s, data, 60, "image/png", "tweet_image")
			require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
			m, ok := s.Media(id)
			require.True(t, ok)
			assert.Equal(t, data, m.Data)

			_, err := http.Get(s.UploadURL()) // untrusted certificate
			assert.Error(t, err)
		})
	}
}

// selfSignedCert makes a certificate for 127.0.0.1.
func selfSignedCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mediatest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestServer_requests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(0))
	id := uploadSegments(t, s, testData(10), 6, "video/mp4", "tweet_video")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	require.Equal(t, http.StatusOK, getStatus(t, s, id).status)
	send(t, s.Client(), http.MethodGet, s.URL+"/1.1/nothing.json", "", nil)

	reqs := s.Requests()
	require.Len(t, reqs, 6)
	want := []struct {
		step    Step
		method  string
		mediaID string
		segment int
		bytes   int
		status  int
	}{
		{StepInit, "POST", id, -1, 0, 202}, // INIT records the id it created
		{StepAppend, "POST", id, 0, 6, 204},
		{StepAppend, "POST", id, 1, 4, 204},
		{StepFinalize, "POST", id, -1, 0, 201},
		{StepStatus, "GET", id, -1, 0, 200},
		{"", "GET", "", -1, 0, 404},
	}
	for i, w := range want {
		r := reqs[i]
		assert.Equal(t, w.step, r.Step, i)
		assert.Equal(t, w.method, r.Method, i)
		assert.Equal(t, w.mediaID, r.MediaID, i)
		assert.Equal(t, w.segment, r.Segment, i)
		assert.Equal(t, w.bytes, r.Bytes, i)
		assert.Equal(t, w.status, r.Status, i)
		assert.False(t, r.Fault, i)
		if w.status < 400 {
			assert.NotEmpty(t, r.Nonce, i)
			assert.NotEmpty(t, r.Timestamp, i)
			assert.Empty(t, r.Err, i)
		}
	}
	assert.Equal(t, "/1.1/media/upload.json", reqs[0].Path)
	assert.Equal(t, formType, reqs[0].ContentType)
	assert.Equal(t, "Sorry, that page does not exist.", reqs[5].Err)
}

func TestServer_notFound(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tests := []struct{ name, method, path string }{
		{"unknown path", http.MethodPost, "/1.1/media/uploads.json"},
		{"v2.0 path", http.MethodPost, "/2.0/media/upload/initialize"},
		{"GET subtitles", http.MethodGet, "/1.1/media/subtitles/create.json"},
		{"PUT upload", http.MethodPut, "/1.1/media/upload.json"},
		{"DELETE upload", http.MethodDelete, "/1.1/media/upload.json"},
		{"GET metadata", http.MethodGet, "/1.1/media/metadata/create.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := send(t, s.Client(), tc.method, s.URL+tc.path, "", nil)
			assert.Equal(t, http.StatusNotFound, r.status)
			assert.Equal(t, codeNotFound, r.errCode(t))
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
		})
	}
}

func TestServer_concurrentUploads(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	data := testData(4000)
	id := initMedia(t, s, len(data), "video/mp4", "")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := appendSegment(t, s, id, i, data[i*500:(i+1)*500])
			assert.Equal(t, http.StatusNoContent, r.status)
		})
	}
	wg.Go(func() { s.AllMedia(); s.Requests(); s.Deviations() })
	wg.Wait()
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	m, _ := s.Media(id)
	assert.Equal(t, data, m.Data)
	assert.Equal(t, 8, m.Appends)
}
