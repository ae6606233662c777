package mediaupload

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

// TestRateLimitIsSharedAcrossUploads: 100 uploads at once against 60
// requests per step per second. The client learns the window from the
// answers and holds back what would pass it, so few requests are refused,
// every upload arrives byte-exact, and the waits are reported.
func TestRateLimitIsSharedAcrossUploads(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer(mediatest.WithRateLimit(60, time.Second))
	t.Cleanup(srv.Close)
	var gated atomic.Int64
	c, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), OnRetry(func(e RetryEvent) {
		if errors.Is(e.Err, ErrRateLimited) {
			gated.Add(1)
		}
	}))
	require.NoError(t, err)
	const uploads = 100
	datas := make([][]byte, uploads)
	medias := make([]*Media, uploads)
	errs := make([]error, uploads)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range uploads {
		datas[i] = randomBytes(t, 2000)
		wg.Go(func() {
			medias[i], errs[i] = c.Upload(t.Context(), bytes.NewReader(datas[i]), MediaType("image/png"), NoCheck())
		})
	}
	wg.Wait()
	took := time.Since(start)
	for i := range uploads {
		require.NoError(t, errs[i], "upload %d", i)
		assertUploaded(t, srv, medias[i], datas[i])
	}
	refused := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	t.Logf("%d requests, %d answered 429, %d waits on the gate reported, in %v", len(srv.Requests()), refused, gated.Load(), took)
	assert.LessOrEqual(t, refused, 20, "requests sent into a spent window")
	assert.Positive(t, gated.Load(), "waiting on the gate is reported")
	assert.Less(t, took, 30*time.Second, "every upload resumes after the reset")
}

// TestA429WithoutItsOwnHeadersHoldsOnlyItsRetryAfter: answers say the
// 15-minute window has plenty left; one 429 asks for a second, with no
// rate-limit headers of its own (another, shorter limit). The request
// waits that second, not until the window's reset.
func TestA429WithoutItsOwnHeadersHoldsOnlyItsRetryAfter(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 2 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`)
			return
		}
		w.Header().Set("X-Rate-Limit-Limit", "1875")
		w.Header().Set("X-Rate-Limit-Remaining", "1800")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(15*time.Minute).Unix(), 10))
		io.WriteString(w, `{"media_id_string":"1"}`)
	}))
	t.Cleanup(srv.Close)
	c, rec := newSignedClient(t, srv.URL+"/1.1/media/upload.json")
	for range 2 {
		_, err := c.Status(t.Context(), "1")
		require.NoError(t, err)
	}
	waits := rec.recorded()
	require.NotEmpty(t, waits)
	for _, w := range waits {
		assert.LessOrEqual(t, w, 2*time.Second, "held for the 429's Retry-After, not the window's reset: %v", waits)
	}
}

// TestAGateHoldPastMaxRetryAfterFailsAtOnce: an answer spends the window,
// whose reset is an hour away; the next request, which the gate would hold
// past RetryPolicy.MaxRetryAfter, fails at once without being sent.
func TestAGateHoldPastMaxRetryAfterFailsAtOnce(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Rate-Limit-Limit", "3")
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(time.Hour).Unix(), 10))
		io.WriteString(w, `{"media_id_string":"1"}`)
	}))
	t.Cleanup(srv.Close)
	p := DefaultRetryPolicy()
	p.MaxRetryAfter = time.Minute
	c, rec := newSignedClient(t, srv.URL+"/u", WithRetry(p), withNow(func() time.Time { return now }))
	_, err := c.Status(t.Context(), "1")
	require.NoError(t, err, "the answer that spends the window")
	_, err = c.Status(t.Context(), "1")
	require.ErrorIs(t, err, ErrWaitTooLong)
	require.ErrorIs(t, err, ErrRateLimited)
	assert.ErrorContains(t, err, "over the 1m0s of RetryPolicy.MaxRetryAfter")
	assert.ErrorContains(t, err, "until 2026-12-02 00:00:00 UTC (in 1h0m0s)")
	assert.Equal(t, int64(1), calls.Load(), "no request into the spent window")
	assert.Empty(t, rec.recorded(), "no wait")
}
