package mediaupload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/internal/stall"
	"github.com/mediaupload/mediaupload/internal/wire"
)

// testCreds have secrets distinctive enough to search error text for.
var testCreds = Credentials{
	ConsumerKey:       "test-consumer-key",
	ConsumerSecret:    "SECRET-consumer-4f1d",
	AccessToken:       "test-access-token",
	AccessTokenSecret: "SECRET-token-9c2e",
}

// assertNoSecret fails if text holds a secret or a signature.
func assertNoSecret(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{testCreds.ConsumerSecret, testCreds.AccessTokenSecret, "oauth_signature", "Authorization"} {
		assert.NotContains(t, text, s)
	}
}

// sleepRecorder replaces real waits: it records them and returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newSignedClient is a Client for endpoint, signed with testCreds, whose
// waits are recorded instead of slept.
func newSignedClient(t *testing.T, endpoint string, opts ...Option) (*Client, *sleepRecorder) {
	t.Helper()
	hc, err := NewOAuth1Client(testCreds, nil)
	require.NoError(t, err)
	rec := &sleepRecorder{}
	c, err := NewClient(hc, append([]Option{WithEndpoint(endpoint), withSleep(rec.sleep)}, opts...)...)
	require.NoError(t, err)
	return c, rec
}

// scriptedServer answers each request with the next status of script (then
// 200 {}), dropping the connection for status 0, and records each request's
// OAuth nonce.
type scriptedServer struct {
	*httptest.Server
	mu     sync.Mutex
	script []int
	header http.Header
	nonces []string
}

func newScriptedServer(t *testing.T, header http.Header, script ...int) *scriptedServer {
	s := &scriptedServer{script: script, header: header}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptedServer) serve(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.nonces = append(s.nonces, oauthParam(r.Header.Get("Authorization"), "oauth_nonce"))
	status := http.StatusOK
	if len(s.script) > 0 {
		status, s.script = s.script[0], s.script[1:]
	}
	s.mu.Unlock()
	if status == 0 {
		panic(http.ErrAbortHandler) // drop the connection
	}
	if status != http.StatusOK {
		for k, v := range s.header {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(status)
	if status == http.StatusOK {
		io.WriteString(w, `{"media_id_string":"1880028106020515840","media_id":1880028106020515840}`)
	} else {
		io.WriteString(w, `{"errors":[{"code":131,"message":"Internal error"}]}`)
	}
}

func (s *scriptedServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.nonces...)
}

func oauthParam(header, name string) string {
	for _, part := range strings.Split(strings.TrimPrefix(header, "OAuth "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k == name {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func TestRetryTransientFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script []int
	}{
		{"503", []int{503}},
		{"500 then 502", []int{500, 502}},
		{"504", []int{504}},
		{"429", []int{429}},
		{"dropped connection", []int{0}},
		{"all kinds", []int{503, 0, 429, 500}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newScriptedServer(t, nil, tc.script...)
			c, rec := newSignedClient(t, srv.URL+"/1.1/media/upload.json")
			m, err := c.Status(t.Context(), "1880028106020515840")
			require.NoError(t, err)
			assert.Equal(t, "1880028106020515840", m.ID)
			nonces := srv.seen()
			require.Len(t, nonces, len(tc.script)+1)
			distinct := map[string]bool{}
			for _, n := range nonces {
				require.NotEmpty(t, n)
				distinct[n] = true
			}
			assert.Len(t, distinct, len(nonces), "every attempt must be signed anew")
			assert.Len(t, rec.recorded(), len(tc.script))
		})
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 413} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			srv := newScriptedServer(t, nil, status)
			c, rec := newSignedClient(t, srv.URL+"/1.1/media/upload.json")
			_, err := c.Status(t.Context(), "1880028106020515840")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Equal(t, StepStatus, apiErr.Step)
			assert.Len(t, srv.seen(), 1)
			assert.Empty(t, rec.recorded())
			assertNoSecret(t, err.Error())
		})
	}
}

func TestRetryHonorsRetryAfter(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, http.Header{"Retry-After": {"7"}}, 429, 503)
	c, rec := newSignedClient(t, srv.URL+"/u")
	_, err := c.Status(t.Context(), "1880028106020515840")
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{7 * time.Second, 7 * time.Second}, rec.recorded())
}

// TestWaitOverTheCapFailsAtOnce: a wait the retry policy does not allow is
// not cut short into a retry the service would refuse; the request fails
// at once, saying when to come back.
func TestWaitOverTheCapFailsAtOnce(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	lowCap := DefaultRetryPolicy()
	lowCap.MaxRetryAfter = 2 * time.Second
	lowTotal := DefaultRetryPolicy()
	lowTotal.MaxTotalWait = 5 * time.Minute
	tests := []struct {
		name      string
		header    http.Header
		policy    RetryPolicy
		wantReset time.Time
		wantMsg   string
	}{
		{"Retry-After of decades", http.Header{"Retry-After": {"1000000000"}}, DefaultRetryPolicy(),
			now.Add(1_000_000_000 * time.Second), "(in 277777h46m40s), over the 15m0s of RetryPolicy.MaxRetryAfter"},
		{"24-hour limit resets in 3 hours", http.Header{"X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Reset": {fmt.Sprint(now.Add(3 * time.Hour).Unix())}}, DefaultRetryPolicy(),
			now.Add(3 * time.Hour), "the service asks to wait until 2026-12-02 02:00:00 UTC (in 3h0m0s)"},
		{"over a lowered cap", http.Header{"Retry-After": {"3600"}}, lowCap,
			now.Add(time.Hour), "until 2026-12-02 00:00:00 UTC (in 1h0m0s), over the 2s of RetryPolicy.MaxRetryAfter"},
		{"over the total", http.Header{"Retry-After": {"600"}}, lowTotal,
			now.Add(10 * time.Minute), "10m0s more would pass the 5m0s of RetryPolicy.MaxTotalWait; the service asks to wait until 23:10:00 (in 10m0s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newScriptedServer(t, tc.header, 429)
			c, rec := newSignedClient(t, srv.URL+"/u", WithRetry(tc.policy), withNow(func() time.Time { return now }))
			_, err := c.Status(t.Context(), "1")
			require.ErrorIs(t, err, ErrWaitTooLong)
			assert.ErrorContains(t, err, tc.wantMsg)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 429, apiErr.StatusCode)
			assert.True(t, tc.wantReset.Equal(apiErr.ResetAt), "ResetAt %v, want %v", apiErr.ResetAt, tc.wantReset)
			assert.Len(t, srv.seen(), 1, "no retry into a closed window")
			assert.Empty(t, rec.recorded(), "no wait")
		})
	}
}

func TestLongWaitsAreAnnounced(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		retryAfter string
		want       string // the Info line; empty: none
	}{
		{"long", "60", `level=INFO msg="waiting before retry" step=APPEND segment=3 media_id=1 wait=1m0s until=23:01:00 cause="mediaupload: append: HTTP 429 Too Many Requests: Internal error (code 131)"` + "\n"},
		{"at the threshold", "5", `level=INFO msg="waiting before retry" step=APPEND segment=3 media_id=1 wait=5s until=23:00:05 cause=`},
		{"short", "4", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newScriptedServer(t, http.Header{"Retry-After": {tc.retryAfter}}, 429)
			var logs logRecorder
			c, rec := newSignedClient(t, srv.URL+"/u", WithLogger(logs.logger()), withNow(func() time.Time { return now }))
			require.NoError(t, c.Append(t.Context(), "1", 3, []byte("data")))
			assert.Len(t, rec.recorded(), 1)
			if tc.want == "" {
				assert.Empty(t, logs.String())
				return
			}
			assert.Contains(t, logs.String(), tc.want)
		})
	}
}

func TestRetryBackoffGrowsWithJitter(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, nil, 503, 503, 503, 503)
	p := RetryPolicy{MaxAttempts: 5, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}
	c, rec := newSignedClient(t, srv.URL+"/u", WithRetry(p))
	_, err := c.Status(t.Context(), "1880028106020515840")
	require.NoError(t, err)
	waits := rec.recorded()
	require.Len(t, waits, 4)
	bases := []time.Duration{100, 200, 300, 300}
	fractions := map[float64]bool{} // each wait over its base
	for i, w := range waits {
		base := bases[i] * time.Millisecond
		assert.GreaterOrEqual(t, w, base/2, "wait %d", i)
		assert.Less(t, w, base*3/2, "wait %d", i)
		fractions[float64(w)/float64(base)] = true
	}
	// Uniform over [d/2, 3d/2) to the nanosecond, two waits fall at the same
	// fraction of their bases with a chance under 1e-8: a backoff without
	// jitter (every wait its base, or any fixed fraction of it) gives one.
	assert.Greater(t, len(fractions), 1, "the waits are jittered: %v", waits)
	assert.NotEqual(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond},
		waits, "the waits are not their bases")
}

func TestRetryGivesUp(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, nil, 503, 503, 503)
	p := DefaultRetryPolicy()
	p.MaxAttempts = 3
	c, _ := newSignedClient(t, srv.URL+"/u", WithRetry(p))
	_, err := c.Status(t.Context(), "1880028106020515840")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gave up after 3 attempts")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Len(t, srv.seen(), 3)

	budget := newScriptedServer(t, http.Header{"Retry-After": {"60"}}, 503, 503, 503)
	p = DefaultRetryPolicy()
	p.MaxTotalWait = 90 * time.Second
	c, rec := newSignedClient(t, budget.URL+"/u", WithRetry(p))
	_, err = c.Status(t.Context(), "1880028106020515840")
	require.ErrorContains(t, err, "of waiting")
	assert.Equal(t, []time.Duration{time.Minute}, rec.recorded())
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, http.Header{"Retry-After": {"600"}}, 503)
	hc, err := NewOAuth1Client(testCreds, nil)
	require.NoError(t, err)
	c, err := NewClient(hc, WithEndpoint(srv.URL+"/u")) // real sleeps
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Status(ctx, "1")
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestStallIsAbandonedAndRetried(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			<-r.Context().Done() // hang until the client gives up
			return
		}
		io.WriteString(w, `{"media_id_string":"5"}`)
	}))
	t.Cleanup(srv.Close)
	c, rec := newSignedClient(t, srv.URL+"/u", withStallTimeout(100*time.Millisecond))
	m, err := c.Status(t.Context(), "5")
	require.NoError(t, err)
	assert.Equal(t, "5", m.ID)
	assert.Len(t, rec.recorded(), 1)

	p := DefaultRetryPolicy()
	p.MaxAttempts = 1
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	c, _ = newSignedClient(t, hang.URL+"/u", withStallTimeout(100*time.Millisecond), WithRetry(p))
	_, err = c.Status(t.Context(), "5")
	require.ErrorIs(t, err, ErrStalled)
}

func TestSlowMovingAnswerIsNotCutOff(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
		io.WriteString(w, `{"media_id_string":"7"`)
		for range 12 { // 12 × 25 ms: longer than the stall timeout, but moving
			w.(http.Flusher).Flush()
			time.Sleep(25 * time.Millisecond)
			io.WriteString(w, " ")
		}
		io.WriteString(w, "}")
	}))
	t.Cleanup(srv.Close)
	p := DefaultRetryPolicy()
	p.MaxAttempts = 1
	c, _ := newSignedClient(t, srv.URL+"/u", withStallTimeout(200*time.Millisecond), WithRetry(p))
	// 16 KiB sent grant a second at MinTransferRate beyond the stall timeout.
	require.NoError(t, c.Append(t.Context(), "7", 0, randomBytes(t, 16<<10)))
}

// TestTrickledAnswerIsAbandoned is a slowloris: each byte of the answer
// comes before the stall timeout, but the whole would take far longer than
// the stall timeout plus what was sent at MinTransferRate.
func TestTrickledAnswerIsAbandoned(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(200)
		io.WriteString(w, `{"media_id_string":"7"`)
		for range 60 { // 3 s in all, then complete: bounded without the fix too
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			io.WriteString(w, " ")
		}
		io.WriteString(w, "}")
	}))
	t.Cleanup(srv.Close)
	p := DefaultRetryPolicy()
	p.MaxAttempts = 2
	c, rec := newSignedClient(t, srv.URL+"/u", withStallTimeout(200*time.Millisecond), WithRetry(p))
	_, err := c.Status(t.Context(), "7")
	require.ErrorIs(t, err, ErrTooSlow)
	assert.NotErrorIs(t, err, ErrStalled, "bytes kept moving")
	assert.ErrorContains(t, err, "gave up after 2 attempts")
	assert.ErrorContains(t, err, "not complete within 200ms")
	mu.Lock()
	assert.Equal(t, 2, calls, "retried like a stall")
	mu.Unlock()
	assert.Len(t, rec.recorded(), 1)
}

func TestPermanentTransportErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	c, rec := newSignedClient(t, tlsSrv.URL+"/u") // does not trust the test certificate
	_, err := c.Status(t.Context(), "1880028106020515840")
	require.Error(t, err)
	assert.Empty(t, rec.recorded())
	assert.True(t, errors.Is(err, ErrInsecureEndpoint) || strings.Contains(err.Error(), "certificate"), err.Error())
}

// lateReader is a transport that answers at once and reads the request
// body only afterwards, as net/http may after an early answer.
type lateReader struct {
	mu      sync.Mutex
	results []error
	wg      sync.WaitGroup
}

func (l *lateReader) RoundTrip(req *http.Request) (*http.Response, error) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		time.Sleep(20 * time.Millisecond)
		n, err := req.Body.Read(make([]byte, 64))
		if n > 0 {
			err = errors.New("read the chunk after the attempt ended")
		}
		l.mu.Lock()
		l.results = append(l.results, err)
		l.mu.Unlock()
	}()
	return &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func TestChunkIsReleasedWhenTheAttemptEnds(t *testing.T) {
	t.Parallel()
	lr := &lateReader{}
	p := DefaultRetryPolicy()
	p.MaxAttempts = 2
	rec := &sleepRecorder{}
	c, err := NewClient(&http.Client{Transport: lr}, WithEndpoint("https://upload.example/u"), WithRetry(p), withSleep(rec.sleep))
	require.NoError(t, err)
	chunk := randomBytes(t, 1<<20)
	err = c.Append(t.Context(), "1", 0, chunk)
	require.Error(t, err)
	lr.wg.Wait()
	require.Len(t, lr.results, 2)
	for _, r := range lr.results {
		assert.ErrorIs(t, r, stall.ErrAttemptOver)
	}
}

func TestEchoedBearerTokenReachesNoErrorOrLog(t *testing.T) {
	t.Parallel()
	const token = "AAAA/bearer+tok=en/xyz"
	bodies := map[string]string{
		"JSON escaped slash":    `{"errors":[{"code":89,"message":"Invalid or expired token AAAA\/bearer+tok=en\/xyz"}]}`,
		"JSON unicode escapes":  `{"title":"Forbidden","detail":"token AAAA\u002fbearer\u002btok\u003den\u002fxyz"}`,
		"percent-encoded text":  `bad request: access_token=AAAA%2Fbearer%2Btok%3Den%2Fxyz`,
		"percent-encoded, JSON": `{"error":"access_token=AAAA%2Fbearer%2Btok%3Den%2Fxyz"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			var logged strings.Builder
			var mu sync.Mutex
			logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				return logged.Write(p)
			}), &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := NewClient(&http.Client{Transport: NewTransport()}, WithAPI(APIv2), WithEndpoint(srv.URL+"/2/media/upload"),
				WithBearerToken(token), WithLogger(logger))
			require.NoError(t, err)
			_, err = c.Status(t.Context(), "1")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, wire.Withheld, apiErr.Message)
			for _, d := range apiErr.Errors {
				assert.Equal(t, wire.Withheld, d.Message)
			}
			mu.Lock()
			defer mu.Unlock()
			require.Contains(t, logged.String(), "request failed", "the failure is logged")
			for _, text := range []string{err.Error(), logged.String()} {
				for _, part := range []string{token, "bearer", "xyz"} {
					assert.NotContains(t, text, part)
				}
			}
		})
	}
}

// writerFunc is an io.Writer made of a function.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestUnauthorizedNamesClockSkew: OAuth 1.0a signs a timestamp, so a 401
// whose Date is far from the local clock says by how much; a bearer token
// carries none, so its 401 says nothing of clocks.
func TestUnauthorizedNamesClockSkew(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		date    string // the answer's Date header; empty: none
		bearer  bool
		want    string
		notWant []string
	}{
		{"clock ahead", now.Add(-(10*time.Minute + 2*time.Second)).Format(http.TimeFormat), false,
			"— check the clock: yours is 10m2s ahead of X's", []string{"credentials"}},
		{"clock behind", now.Add(45 * time.Second).Format(http.TimeFormat), false,
			"— check the clock: yours is 45s behind X's", nil},
		{"clocks agree", now.Add(-10 * time.Second).Format(http.TimeFormat), false,
			"— check the credentials and the clock", []string{"ahead", "behind"}},
		{"no Date", "", false, "— check the credentials and the clock", []string{"ahead", "behind"}},
		{"bearer token", now.Add(-time.Hour).Format(http.TimeFormat), true, "— check the credentials", []string{"clock"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				mu.Unlock()
				w.Header()["Date"] = nil
				if tc.date != "" {
					w.Header().Set("Date", tc.date)
				}
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"errors":[{"code":135,"message":"Timestamp out of bounds."}]}`)
			}))
			t.Cleanup(srv.Close)
			var c *Client
			if tc.bearer {
				var err error
				c, err = NewClient(&http.Client{}, WithAPI(APIv2), WithEndpoint(srv.URL+"/2/media/upload"),
					WithBearerToken("test-bearer-token"), withNow(func() time.Time { return now }))
				require.NoError(t, err)
			} else {
				c, _ = newSignedClient(t, srv.URL+"/u", withNow(func() time.Time { return now }))
			}
			_, err := c.Status(t.Context(), "1")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 401, apiErr.StatusCode)
			assert.Contains(t, err.Error(), "(code 135)")
			assert.Contains(t, err.Error(), tc.want)
			for _, s := range tc.notWant {
				assert.NotContains(t, err.Error(), s)
			}
			mu.Lock()
			assert.Equal(t, 1, calls, "a 401 is not retried")
			mu.Unlock()
		})
	}
}
