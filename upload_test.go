package mediaupload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

// newFake starts a mediatest server and a Client for it whose waits are
// recorded instead of slept.
func newFake(t *testing.T, srvOpts []mediatest.Option, opts ...Option) (*mediatest.Server, *Client, *sleepRecorder) {
	t.Helper()
	srv := mediatest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	rec := &sleepRecorder{}
	c, err := NewClient(srv.Client(), append([]Option{WithEndpoint(srv.UploadURL()), withSleep(rec.sleep)}, opts...)...)
	require.NoError(t, err)
	return srv, c, rec
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// steps lists the requests a server saw, as "INIT", "APPEND 3", … with
// " !" marking an injected fault.
func steps(srv *mediatest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		s := string(r.Step)
		if r.Step == mediatest.StepAppend {
			s = fmt.Sprintf("%s %d", s, r.Segment)
		}
		if r.Fault {
			s += " !"
		}
		out = append(out, s)
	}
	return out
}

func appends(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("APPEND %d", i))
	}
	return out
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// assertUploaded checks that the server holds exactly data under m.ID, ready.
func assertUploaded(t *testing.T, srv *mediatest.Server, m *Media, data []byte) {
	t.Helper()
	require.NotNil(t, m)
	got, ok := srv.Media(m.ID)
	require.True(t, ok, "server has no media %s", m.ID)
	assert.Equal(t, sha(data), got.SHA256, "bytes received differ from bytes sent")
	assert.Equal(t, int64(len(data)), got.TotalBytes)
	assert.True(t, got.Finalized)
	assert.Equal(t, "succeeded", got.State)
	assert.Equal(t, int64(len(data)), m.Size)
}

func TestUploadSizes(t *testing.T) {
	t.Parallel()
	const chunk = 1024
	tests := []struct {
		name     string
		size     int
		segments int
	}{
		{"one byte", 1, 1},
		{"exactly one chunk", chunk, 1},
		{"one chunk plus one byte", chunk + 1, 2},
		{"many chunks", 37*chunk + 5, 38},
		{"1000-segment boundary", 1000 * chunk, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(chunk))
			data := randomBytes(t, tc.size)
			m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Category("tweet_video"))
			require.NoError(t, err)
			assertUploaded(t, srv, m, data)
			got, _ := srv.Media(m.ID)
			assert.Equal(t, tc.segments, got.Segments)
			assert.Equal(t, tc.segments, got.Appends, "no segment sent twice")
			assert.Equal(t, "tweet_video", got.Category)
			assert.Equal(t, "video/mp4", got.MediaType)
			assert.Empty(t, srv.Deviations())
		})
	}
	t.Run("1001 segments at an explicit chunk size are refused before any request", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, nil, WithChunkSize(chunk))
		_, err := c.Upload(t.Context(), bytes.NewReader(randomBytes(t, 1000*chunk+1)), MediaType("video/mp4"))
		require.ErrorIs(t, err, ErrTooManySegments)
		assert.Empty(t, srv.Requests())
	})
}

func TestUploadFlowOnTheWire(t *testing.T) {
	t.Parallel()
	srv, c, rec := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(3), mediatest.WithProcessingSteps(2)},
		WithChunkSize(1000), WithConcurrency(1))
	data := randomBytes(t, 2500)
	var reports []Progress
	m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Category("TweetVideo"),
		OnProgress(func(p Progress) { reports = append(reports, p) }))
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)
	assert.Equal(t, concat([]string{"INIT"}, appends(0, 3), []string{"FINALIZE", "STATUS", "STATUS", "STATUS"}), steps(srv))
	assert.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, rec.recorded(), "waits check_after_secs before each poll")
	assert.Equal(t, "succeeded", m.Processing.State)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), m.ExpiresAt, time.Minute)

	for _, r := range srv.Requests() {
		switch r.Step {
		case mediatest.StepInit, mediatest.StepFinalize:
			assert.Equal(t, "application/x-www-form-urlencoded", r.ContentType, "signed form bodies need this exact type")
		case mediatest.StepAppend:
			assert.True(t, strings.HasPrefix(r.ContentType, "multipart/form-data; boundary="))
			assert.False(t, r.Base64)
		case mediatest.StepStatus:
			assert.Equal(t, "GET", r.Method)
		}
	}

	require.GreaterOrEqual(t, len(reports), 4)
	assert.Equal(t, Progress{MediaID: m.ID, BytesSent: 1000, TotalBytes: 2500, SegmentsDone: 1, Segments: 3}, reports[0])
	assert.Equal(t, Progress{MediaID: m.ID, BytesSent: 2500, TotalBytes: 2500, SegmentsDone: 3, Segments: 3}, reports[2])
	last := reports[len(reports)-1]
	require.NotNil(t, last.Processing)
	assert.Equal(t, "succeeded", last.Processing.State)
	var percents []int
	for _, p := range reports[3:] {
		percents = append(percents, p.Processing.ProgressPercent)
	}
	assert.IsNonDecreasing(t, percents)
}

func TestUploadIDsAbove2To53Survive(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, nil)
	m, err := c.Upload(t.Context(), bytes.NewReader(pngHead), Category("tweet_image"))
	require.NoError(t, err)
	id, ok := new(big.Int).SetString(m.ID, 10)
	require.True(t, ok)
	assert.Positive(t, id.Cmp(new(big.Int).Lsh(big.NewInt(1), 53)), "id %s", m.ID)
	_, found := srv.Media(m.ID)
	assert.True(t, found)
}

func TestUploadSniffsTypeAndCategory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, wantType, wantCategory string
		head                         []byte
	}{
		{"png", "image/png", "tweet_image", pngHead},
		{"gif", "image/gif", "tweet_gif", gifHead},
		{"mp4", "video/mp4", "tweet_video", mp4Head},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)})
			data := append(append([]byte{}, tc.head...), randomBytes(t, 5000)...)
			m, err := c.Upload(t.Context(), bytes.NewReader(data))
			require.NoError(t, err)
			assertUploaded(t, srv, m, data)
			got, _ := srv.Media(m.ID)
			assert.Equal(t, tc.wantType, got.MediaType)
			assert.Equal(t, tc.wantCategory, got.Category)
		})
	}
}

func TestUploadFromPipe(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(4096))
	data := append(append([]byte{}, mp4Head...), randomBytes(t, 50_000)...)
	pr, pw := io.Pipe()
	go func() {
		for b := data; len(b) > 0; b = b[min(len(b), 777):] {
			pw.Write(b[:min(len(b), 777)])
		}
		pw.Close()
	}()
	spoolDir := t.TempDir()
	m, err := c.Upload(t.Context(), pr, TempDir(spoolDir))
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)
	files, err := os.ReadDir(spoolDir)
	require.NoError(t, err)
	assert.Empty(t, files, "the spool file is removed")
}

func TestUploadPlainReaderWithDeclaredSize(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000))
	data := append(append([]byte{}, gifHead...), randomBytes(t, 9000)...)
	m, err := c.Upload(t.Context(), io.MultiReader(bytes.NewReader(data)), Size(int64(len(data))))
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)

	_, err = c.Upload(t.Context(), io.MultiReader(bytes.NewReader(data)), Size(int64(len(data)+1)))
	require.ErrorIs(t, err, ErrSizeMismatch)
	var ue *UploadError
	require.ErrorAs(t, err, &ue)
	assert.NotEmpty(t, ue.MediaID)
	assert.Equal(t, StepAppend, ue.Step)
	last := srv.Requests()[len(srv.Requests())-1]
	assert.NotEqual(t, mediatest.StepFinalize, last.Step, "a short input must never be finalized")
}

func TestUploadBase64(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(2000))
	data := randomBytes(t, 5000)
	m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("image/png"), Base64())
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)
	for _, r := range srv.Requests() {
		if r.Step == mediatest.StepAppend {
			assert.True(t, r.Base64)
		}
	}
}

func TestUploadSurvivesTransientFaults(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(2 * time.Second)
	tests := []struct {
		name    string
		faults  []mediatest.Fault
		srvOpts []mediatest.Option
	}{
		{"503 on a segment", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 2, Status: 503}}, nil},
		{"500 twice on a segment", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 1, Status: 500, Times: 2}}, nil},
		{"429 with Retry-After", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 0, Status: 429, RetryAfter: "2"}}, nil},
		{"429 with x-rate-limit-reset", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 3, Status: 429, RateLimitReset: reset}}, nil},
		{"dropped connection", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 1, Drop: true}}, nil},
		{"502 and 504", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: mediatest.AnySegment, Status: 502}, {Step: mediatest.StepAppend, Segment: 3, Status: 504}}, nil},
		{"503 at INIT", []mediatest.Fault{{Step: mediatest.StepInit, Status: 503}}, nil},
		{"503 at FINALIZE", []mediatest.Fault{{Step: mediatest.StepFinalize, Status: 503}}, nil},
		{"503 at STATUS", []mediatest.Fault{{Step: mediatest.StepStatus, Status: 503}}, nil},
		{"dropped STATUS", []mediatest.Fault{{Step: mediatest.StepStatus, Drop: true}}, nil},
		{"FINALIZE answer lost", []mediatest.Fault{{Step: mediatest.StepFinalize, LoseAnswer: true}}, nil},
		{"APPEND answer lost", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 2, LoseAnswer: true}}, nil},
		{"three in a row on one segment", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 1, Status: 503, Times: 3}}, nil},
		{"a hang cut by the stall timeout", []mediatest.Fault{{Step: mediatest.StepAppend, Segment: 1, Hang: time.Minute}}, nil},
		{"a trickled FINALIZE answer cut by the attempt limit", []mediatest.Fault{{Step: mediatest.StepFinalize, Trickle: 300 * time.Millisecond}}, nil},
		{"20% random APPEND failures", nil, []mediatest.Option{mediatest.WithRandomFaults(0.2, 7)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, rec := newFake(t, append([]mediatest.Option{mediatest.WithCheckAfter(1)}, tc.srvOpts...),
				WithChunkSize(1000), withStallTimeout(500*time.Millisecond))
			for _, f := range tc.faults {
				srv.InjectFault(f)
			}
			data := randomBytes(t, 4500)
			m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"))
			require.NoError(t, err)
			assertUploaded(t, srv, m, data)
			faults := func() (n int) {
				for _, r := range srv.Requests() {
					if r.Fault {
						n++
					}
				}
				return n
			}
			// A cut answer's handler may record its request after Upload returned.
			assert.Eventually(t, func() bool { return faults() > 0 }, 10*time.Second, time.Millisecond, "the fault must have struck")
			if strings.Contains(tc.name, "Retry-After") {
				assert.Contains(t, rec.recorded(), 2*time.Second)
			}
			if strings.Contains(tc.name, "reset") {
				var longest time.Duration
				for _, w := range rec.recorded() {
					longest = max(longest, w)
				}
				assert.Greater(t, longest, 500*time.Millisecond, "x-rate-limit-reset is honored")
			}
		})
	}
}

func TestUploadDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			srv, c, rec := newFake(t, nil, WithChunkSize(1000), WithConcurrency(1))
			srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: status})
			_, err := c.Upload(t.Context(), bytes.NewReader(randomBytes(t, 3000)), MediaType("video/mp4"))
			var ue *UploadError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, StepAppend, ue.Step)
			assert.Equal(t, 1, ue.Segment)
			assert.NotEmpty(t, ue.MediaID)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Equal(t, []string{"INIT", "APPEND 0", "APPEND 1 !"}, steps(srv))
			assert.Empty(t, rec.recorded())
		})
	}
}

// TestAFailedSegmentStopsTheReading: once an APPEND has failed for good, no more of the input is
// read: in order, the segment the producer holds is the last; at offsets, none after the failed one.
func TestAFailedSegmentStopsTheReading(t *testing.T) {
	t.Parallel()
	const chunk, total = 100_000, 1_000_000
	tests := []struct {
		name     string
		in       func() (io.Reader, func() int64)
		opts     []UploadOption
		wantMost int64
	}{
		{"in order", func() (io.Reader, func() int64) {
			r := &countingReader{n: total}
			return r, r.count
		}, []UploadOption{Size(total)}, 2 * chunk}, // segment 0 and the one in hand
		{"at offsets", func() (io.Reader, func() int64) {
			r := &countingReaderAt{Reader: bytes.NewReader(make([]byte, total))}
			return r, r.read.Load
		}, nil, 64<<10 + chunk}, // the head and segment 0
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, nil, WithChunkSize(chunk), WithConcurrency(1))
			srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 0, Status: 400})
			in, read := tc.in()
			_, err := c.Upload(t.Context(), in, append(tc.opts, MediaType("video/mp4"), NoCheck())...)
			require.ErrorAs(t, err, new(*APIError))
			assert.LessOrEqual(t, read(), tc.wantMost)
			assert.Equal(t, []string{"INIT", "APPEND 0 !"}, steps(srv))
		})
	}
}

// countingReaderAt counts the bytes read at offsets.
type countingReaderAt struct {
	*bytes.Reader
	read atomic.Int64
}

func (r *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.Reader.ReadAt(p, off)
	r.read.Add(int64(n))
	return n, err
}

func TestUploadWithWrongCredentialsStopsAtOnce(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer()
	t.Cleanup(srv.Close)
	hc, err := NewOAuth1Client(testCreds, nil) // not the server's credentials
	require.NoError(t, err)
	c, err := NewClient(hc, WithEndpoint(srv.UploadURL()))
	require.NoError(t, err)
	_, err = c.Upload(t.Context(), bytes.NewReader(pngHead))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 401, apiErr.StatusCode)
	assert.Len(t, srv.Requests(), 1)
	assertNoSecret(t, err.Error())
}

func TestUploadProcessingFailure(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(1),
		mediatest.WithProcessingError(1, "InvalidMedia", "Unsupported video format")})
	m, err := c.Upload(t.Context(), bytes.NewReader(mp4Head))
	var pe *ProcessingError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ProcessingError{MediaID: m.ID, Code: 1, Name: "InvalidMedia", Message: "Unsupported video format"}, *pe)
	var ue *UploadError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, StepStatus, ue.Step)
	got, _ := srv.Media(m.ID)
	assert.Equal(t, "failed", got.State)
	statuses := 0
	for _, r := range srv.Requests() {
		if r.Step == mediatest.StepFinalize {
			assert.Zero(t, statuses)
		}
		if r.Step == mediatest.StepStatus {
			statuses++
		}
	}
	assert.Positive(t, statuses)
	last := srv.Requests()[len(srv.Requests())-1]
	assert.Equal(t, mediatest.StepStatus, last.Step, "a failed processing is not retried")
}

func TestUploadProcessingTimeout(t *testing.T) {
	t.Parallel()
	_, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(10), mediatest.WithProcessingSteps(100)},
		WithMaxProcessingWait(35*time.Second))
	_, err := c.Upload(t.Context(), bytes.NewReader(mp4Head))
	require.ErrorIs(t, err, ErrProcessingTimeout)
}

func TestUploadAltText(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, nil)
	m, err := c.Upload(t.Context(), bytes.NewReader(pngHead), AltText("A cat on a keyboard"))
	require.NoError(t, err)
	got, _ := srv.Media(m.ID)
	assert.Equal(t, "A cat on a keyboard", got.AltText)
	assert.Equal(t, []string{"INIT", "APPEND 0", "FINALIZE", "METADATA"}, steps(srv))

	_, err = c.Upload(t.Context(), bytes.NewReader(pngHead), AltText(strings.Repeat("é", MaxAltTextLength+1)))
	require.ErrorIs(t, err, ErrAltTextTooLong)
	assert.Len(t, srv.Requests(), 4, "refused before any request")
}

func TestUploadRefusesBadInputBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   []byte
		opts    []UploadOption
		wantErr error
	}{
		{"empty", nil, nil, ErrEmptyMedia},
		{"image over its limit", append(append([]byte{}, pngHead...), make([]byte, imageLimit)...), nil, ErrTooLarge},
		{"unknown category", pngHead, []UploadOption{Category("tweet_movie")}, ErrUnknownCategory},
		{"bad media type", pngHead, []UploadOption{MediaType("png")}, ErrMediaType},
		{"unsniffable content", []byte("hello, world"), nil, ErrMediaType},
		{"video in an image category", mp4Head, []UploadOption{Category("dm_image")}, ErrMediaType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, nil)
			_, err := c.Upload(t.Context(), bytes.NewReader(tc.input), tc.opts...)
			require.ErrorIs(t, err, tc.wantErr)
			assert.Empty(t, srv.Requests())
		})
	}
}

func TestUploadErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	creds := mediatest.DefaultCredentials()
	scenarios := []mediatest.Fault{
		{Step: mediatest.StepInit, Status: 400},
		{Step: mediatest.StepAppend, Status: 403},
		{Step: mediatest.StepFinalize, Status: 400},
		{Step: mediatest.StepAppend, Drop: true, Times: 10},
	}
	for _, f := range scenarios {
		srv, c, _ := newFake(t, nil, WithRetry(RetryPolicy{MaxAttempts: 2}))
		srv.InjectFault(f)
		_, err := c.Upload(t.Context(), bytes.NewReader(pngHead))
		require.Error(t, err)
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			assert.NotContains(t, text, creds.ConsumerSecret)
			assert.NotContains(t, text, creds.AccessTokenSecret)
			assert.NotContains(t, text, "oauth_signature")
		}
	}
}

func TestUploadManyAtOnceThroughOneClient(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(512), WithConcurrency(3))
	var wg sync.WaitGroup
	const uploads = 24
	results := make([]*Media, uploads)
	inputs := make([][]byte, uploads)
	errs := make([]error, uploads)
	for i := range uploads {
		inputs[i] = randomBytes(t, 100+i*397)
		wg.Go(func() {
			results[i], errs[i] = c.Upload(t.Context(), bytes.NewReader(inputs[i]), MediaType("video/mp4"))
		})
	}
	wg.Wait()
	for i := range uploads {
		require.NoError(t, errs[i])
		assertUploaded(t, srv, results[i], inputs[i])
	}
}

func TestUploadCancelStopsPromptly(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, nil, WithChunkSize(1000))
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Hang: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Upload(ctx, bytes.NewReader(randomBytes(t, 5000)), MediaType("video/mp4"))
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 2*time.Second)
	for _, r := range srv.Requests() {
		assert.NotEqual(t, mediatest.StepFinalize, r.Step)
	}
}

// countingReader yields head, then zeros, n bytes in all, and counts the
// bytes read; it is safe to read from another goroutine than the counter.
type countingReader struct {
	mu   sync.Mutex
	head []byte
	n    int64
	read int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.read >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.read)]
	clear(p)
	if r.read < int64(len(r.head)) {
		copy(p, r.head[r.read:])
	}
	r.read += int64(len(p))
	return len(p), nil
}

func (r *countingReader) count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.read
}

func TestSpoolStopsAtTheCategoryLimit(t *testing.T) {
	t.Parallel()
	const margin = 1 << 20 // the input is this much over its limit
	tests := []struct {
		name      string
		head      []byte
		opts      []UploadOption
		wantCat   string
		wantLimit int64
	}{
		{name: "declared type and category", head: pngHead, opts: []UploadOption{MediaType("image/png"), Category("tweet_image")},
			wantCat: "tweet_image", wantLimit: imageLimit},
		{name: "declared category, sniffed type", head: pngHead, opts: []UploadOption{Category("dm_image")},
			wantCat: "dm_image", wantLimit: imageLimit},
		{name: "declared type, derived category", head: pngHead, opts: []UploadOption{MediaType("image/jpeg")},
			wantCat: "tweet_image", wantLimit: imageLimit},
		{name: "sniffed image", head: pngHead, wantCat: "tweet_image", wantLimit: imageLimit},
		{name: "sniffed GIF", head: gifHead, wantCat: "tweet_gif", wantLimit: gifLimit},
		{name: "sniffed GIF for a DM", head: gifHead, opts: []UploadOption{ForDM()}, wantCat: "dm_gif", wantLimit: gifLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, nil)
			in := &countingReader{head: tc.head, n: tc.wantLimit + margin}
			_, err := c.Upload(t.Context(), struct{ io.Reader }{in}, append(tc.opts, TempDir(t.TempDir()))...)
			require.ErrorIs(t, err, ErrTooLarge)
			var le *LimitError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, LimitError{Category: tc.wantCat, Limit: tc.wantLimit, Size: -1}, *le)
			assert.Equal(t, fmt.Sprintf("mediaupload: media is too large: the input is over the %d-byte limit of %s (refused once past it, so its full size is unknown)",
				tc.wantLimit, tc.wantCat), err.Error())
			assert.LessOrEqual(t, in.count(), tc.wantLimit+1, "the spool stops once past the limit")
			assert.Empty(t, srv.Requests())
		})
	}
	t.Run("refused on its first bytes", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, nil)
		in := &countingReader{head: []byte("hello, world"), n: imageLimit}
		_, err := c.Upload(t.Context(), struct{ io.Reader }{in}, TempDir(t.TempDir()))
		require.ErrorIs(t, err, ErrMediaType)
		assert.Equal(t, int64(sniffLen), in.count(), "nothing read past what sniffing needs")
		assert.Empty(t, srv.Requests())
	})
	t.Run("just at the limit is uploaded", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)})
		in := &countingReader{head: pngHead, n: imageLimit}
		m, err := c.Upload(t.Context(), struct{ io.Reader }{in}, TempDir(t.TempDir()))
		require.NoError(t, err)
		assert.Equal(t, int64(imageLimit), m.Size)
		assert.Equal(t, "tweet_image", m.Category)
		got, ok := srv.Media(m.ID)
		require.True(t, ok)
		assert.Equal(t, int64(imageLimit), got.TotalBytes)
	})
}

func TestCancelEndsTheSpoolOfASilentPipe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sent []byte // what the pipe sends before it falls silent
	}{
		{name: "nothing sent"},
		{name: "a head sent", sent: mp4Head},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, nil)
			pr, pw := io.Pipe()
			t.Cleanup(func() { pw.Close() }) // ends the Read the spool is blocked in
			if tc.sent != nil {
				go pw.Write(tc.sent)
			}
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(50*time.Millisecond, cancel)
			errc := make(chan error, 1)
			go func() {
				_, err := c.Upload(ctx, pr, TempDir(t.TempDir()))
				errc <- err
			}()
			select {
			case err := <-errc:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(5 * time.Second):
				require.Fail(t, "Upload did not return when its context was cancelled")
			}
			assert.Empty(t, srv.Requests())
		})
	}
}

func TestDebugLogsCarryNoSecret(t *testing.T) {
	t.Parallel()
	var logs logRecorder
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000),
		WithLogger(slog.New(slog.NewTextHandler(syncWriter{&logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503})
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 2, Drop: true})
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepFinalize, Status: 401})
	_, err := c.Upload(t.Context(), bytes.NewReader(randomBytes(t, 3500)), MediaType("video/mp4"))
	require.Error(t, err)
	out := logs.String()
	assert.Contains(t, out, "step=APPEND")
	assert.Contains(t, out, "status=204")
	creds := srv.Credentials()
	for _, secret := range []string{creds.ConsumerSecret, creds.AccessTokenSecret, "oauth_signature", "Authorization"} {
		assert.NotContains(t, out, secret)
	}
}
