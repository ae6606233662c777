package mediaupload

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mediaupload/mediaupload/mediatest"
)

// TestNoGoroutineOutlivesAnUpload runs uploads that succeed, fail and are
// cancelled, then checks that every goroutine they started has ended. It is
// not parallel, so that other tests' goroutines do not count.
func TestNoGoroutineOutlivesAnUpload(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
	c, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithChunkSize(1000), WithConcurrency(3),
		WithRetry(RetryPolicy{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	require.NoError(t, err)
	data := randomBytes(t, 9000)

	_, err = c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"))
	require.NoError(t, err, "success")

	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 4, Status: 400})
	_, err = c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"))
	require.Error(t, err, "failure")

	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 2, Hang: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Upload(ctx, bytes.NewReader(data), MediaType("video/mp4"))
	require.ErrorIs(t, err, context.DeadlineExceeded, "cancelled")

	pr, pw := io.Pipe()
	go func() { pw.Write(data[:500]); pw.CloseWithError(io.ErrUnexpectedEOF) }()
	_, err = c.Upload(t.Context(), pr, MediaType("video/mp4"))
	require.Error(t, err, "input failure")

	// A pipe that sends nothing: the spool blocks in Read. The guard ends
	// that Read should the cancel be ignored.
	silent, silentW := io.Pipe()
	guard := time.AfterFunc(5*time.Second, func() { silentW.Close() })
	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Upload(ctx, silent)
	require.ErrorIs(t, err, context.DeadlineExceeded, "cancelled while spooling")
	guard.Stop()
	silentW.Close() // the spool's goroutine ends once its Read returns

	srv.Close()
	goleak.VerifyNone(t, before)
}

func TestCancelStopsTheProcessingWaitPromptly(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer(mediatest.WithCheckAfter(600))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL())) // real waits
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	_, err = c.Upload(ctx, bytes.NewReader(mp4Head), OnProgress(func(p Progress) {
		if p.Processing != nil {
			time.AfterFunc(50*time.Millisecond, cancel)
		}
	}))
	require.ErrorIs(t, err, context.Canceled)
	var ue *UploadError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, StepStatus, ue.Step)
}

// TestLoad runs 200 uploads at once through one Client against a server
// that fails 10% of all requests at random: every one must arrive whole.
func TestLoad(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0), mediatest.WithRandomFaults(0.1, 42,
		mediatest.StepInit, mediatest.StepAppend, mediatest.StepFinalize, mediatest.StepStatus))
	t.Cleanup(srv.Close)
	rec := &sleepRecorder{}
	c, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithChunkSize(700), WithConcurrency(3), withSleep(rec.sleep))
	require.NoError(t, err)
	const uploads = 200
	inputs := make([][]byte, uploads)
	results := make([]*Media, uploads)
	errs := make([]error, uploads)
	var wg sync.WaitGroup
	for i := range uploads {
		inputs[i] = randomBytes(t, 500+(i*131)%2500)
		wg.Go(func() {
			results[i], errs[i] = c.Upload(t.Context(), bytes.NewReader(inputs[i]), MediaType("video/mp4"))
		})
	}
	wg.Wait()
	faults := 0
	for _, r := range srv.Requests() {
		if r.Fault {
			faults++
		}
	}
	for i := range uploads {
		require.NoError(t, errs[i], "upload %d", i)
		assertUploaded(t, srv, results[i], inputs[i])
	}
	assert.Greater(t, faults, uploads/4, "the random faults must strike")
	t.Logf("%d uploads, %d requests, %d faults", uploads, len(srv.Requests()), faults)
}

func TestTLSBelow12IsRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"media_id_string":"1"}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := NewTransport()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr.TLSClientConfig.RootCAs = pool
	c, err := NewClient(&http.Client{Transport: tr}, WithEndpoint(srv.URL+"/u"), WithRetry(RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	_, err = c.Status(t.Context(), "1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "protocol version")
}

func TestStalledAppendBodyIsRetried(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			<-release // read nothing, answer nothing (until the test ends)
			return
		}
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	var logs logRecorder
	c, rec := newSignedClient(t, srv.URL+"/u", WithStallTimeout(time.Second), WithLogger(slog.New(slog.NewTextHandler(syncWriter{&logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, c.Append(t.Context(), "1", 0, randomBytes(t, MaxChunkSize)))
	assert.NotEmpty(t, rec.recorded(), "retried after the stall")
	assert.Contains(t, logs.String(), "connection stalled", "the first attempt was abandoned as stalled")
}
