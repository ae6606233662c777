package mediaupload

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

// TestAnUploadHoldsConcurrencyPlusOneBuffers: with 2 workers, an upload holds 3 chunk buffers at
// most, theirs and the producer's next, however long its APPENDs hang; it reuses an earlier one's.
func TestAnUploadHoldsConcurrencyPlusOneBuffers(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, nil, WithChunkSize(1000), WithConcurrency(2), WithMemoryBudget(1<<20))
	data := randomBytes(t, 10_000)
	m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), NoCheck())
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)

	for seg := range 2 {
		srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: seg, Hang: time.Minute})
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Upload(ctx, bytes.NewReader(data), MediaType("video/mp4"), NoCheck())
		done <- err
	}()
	require.Eventually(t, func() bool {
		owned, free := c.budget.Stats()
		return owned == 3000 && len(free) == 0
	}, 10*time.Second, time.Millisecond, "the two workers' buffers and the producer's next, the first upload's reused")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	owned, free := c.budget.Stats() // owned never shrinks here: it is the most ever held
	assert.Equal(t, int64(3000), owned, "never more than 3 buffers")
	assert.Len(t, free, 3, "all given back")
}

// TestBuffersAreTheSegmentsSize: a buffer is as large as its segment, not
// as the largest segment possible, so a budget holds as many segments as
// it says: 4 uploads of 8 MiB in 2 MiB segments against a budget of 8 MiB
// use 4 buffers of 2 MiB, never one of 5 MiB.
func TestBuffersAreTheSegmentsSize(t *testing.T) {
	t.Parallel()
	srv := newHashServer(t)
	c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"),
		WithMemoryBudget(8<<20))
	require.NoError(t, err)
	uploadPatterns(t, t.Context(), c, srv, 4, 8<<20, DefaultChunkSize, nil)
	owned, free := c.budget.Stats()
	require.NotEmpty(t, free)
	for _, b := range free {
		assert.Equal(t, DefaultChunkSize, cap(b), "a buffer of the segment's size")
	}
	assert.Equal(t, int64(8<<20), owned, "the budget is used in full: 4 segments at once")
}

// TestResumedSegmentsTakeNoBuffer: a resumed upload whose acknowledged
// segments can be read at offsets queues for no buffer for them: with
// every segment acknowledged before, it finalizes even while another
// upload holds the whole budget.
func TestResumedSegmentsTakeNoBuffer(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000), WithConcurrency(1),
		WithMemoryBudget(1000))
	store := FileStore{filepath.Join(t.TempDir(), "up.resume")}
	data := append(append([]byte{}, mp4Head...), randomBytes(t, 4500)...)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepFinalize, Status: 400})
	_, err := c.Upload(t.Context(), bytes.NewReader(data), Resume(store), NoCheck())
	require.Error(t, err, "every segment acknowledged, FINALIZE refused once")

	// Another upload takes the only buffer and keeps it.
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 0, Hang: 5 * time.Second})
	go c.Upload(t.Context(), bytes.NewReader(randomBytes(t, 900)), MediaType("video/mp4"), NoCheck())
	require.Eventually(t, func() bool {
		owned, free := c.budget.Stats()
		return owned == 1000 && len(free) == 0
	}, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	m, err := c.Upload(ctx, bytes.NewReader(data), Resume(store), NoCheck())
	require.NoError(t, err, "no buffer needed: only FINALIZE was left")
	assertUploaded(t, srv, m, data)
}
