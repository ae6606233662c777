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

func TestBufferPoolBoundsBuffers(t *testing.T) {
	t.Parallel()
	shared := newBudget(1<<20, 4)
	p := newBufferPool(2, shared)
	a, err := p.get(t.Context(), 16)
	require.NoError(t, err)
	b, err := p.get(t.Context(), 16)
	require.NoError(t, err)
	assert.Len(t, a, 16)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = p.get(ctx, 16)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a third buffer must wait")
	p.put(a)
	c, err := p.get(t.Context(), 16)
	require.NoError(t, err)
	assert.Same(t, &a[0], &c[0], "buffers are reused")
	p.put(b)
	p.put(c)
	q := newBufferPool(1, shared)
	d, err := q.get(t.Context(), 16)
	require.NoError(t, err)
	assert.Len(t, d, 16)
	assert.Equal(t, int64(32), shared.owned, "the second upload reuses the first one's buffers")
}

func TestBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int64
		held  []int // sizes taken and kept
		ask   int
		fits  bool
		owned int64 // after the ask, if it fits
	}{
		{"within the limit", 100, []int{40}, 60, true, 100},
		{"past the limit waits", 100, []int{40, 40}, 30, false, 0},
		{"over the limit alone goes", 100, nil, 150, true, 100},
		{"over the limit waits for the rest", 100, []int{10}, 150, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBudget(tc.limit, 1)
			for _, n := range tc.held {
				_, err := b.get(t.Context(), n)
				require.NoError(t, err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			buf, err := b.get(ctx, tc.ask)
			if !tc.fits {
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Zero(t, b.waiters.Len(), "a waiter that gives up leaves the queue")
				return
			}
			require.NoError(t, err)
			assert.Len(t, buf, tc.ask)
			assert.Equal(t, tc.owned, b.owned)
		})
	}
}

// TestBudgetServesInOrder: a small ask behind a big one that waits is not
// served first (no overtaking), and both are served once memory returns;
// a free buffer too small for the next ask is dropped to make room.
func TestBudgetServesInOrder(t *testing.T) {
	t.Parallel()
	b := newBudget(100, 1)
	held, err := b.get(t.Context(), 80)
	require.NoError(t, err)
	order := make(chan int, 2)
	go func() {
		buf, err := b.get(t.Context(), 90)
		if err == nil {
			order <- len(buf)
			b.put(buf)
		}
	}()
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.waiters.Len() == 1 }, 5*time.Second, time.Millisecond)
	go func() {
		buf, err := b.get(t.Context(), 20)
		if err == nil {
			order <- len(buf)
			b.put(buf)
		}
	}()
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.waiters.Len() == 2 }, 5*time.Second, time.Millisecond)
	b.put(held)
	assert.Equal(t, 90, <-order, "the older ask first")
	assert.Equal(t, 20, <-order)
	b.mu.Lock()
	defer b.mu.Unlock()
	assert.LessOrEqual(t, b.owned, int64(100))
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
	c.budget.mu.Lock()
	defer c.budget.mu.Unlock()
	require.NotEmpty(t, c.budget.free)
	for _, b := range c.budget.free {
		assert.Equal(t, DefaultChunkSize, cap(b), "a buffer of the segment's size")
	}
	assert.Equal(t, int64(8<<20), c.budget.owned, "the budget is used in full: 4 segments at once")
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
		c.budget.mu.Lock()
		defer c.budget.mu.Unlock()
		return c.budget.owned == 1000 && len(c.budget.free) == 0
	}, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	m, err := c.Upload(ctx, bytes.NewReader(data), Resume(store), NoCheck())
	require.NoError(t, err, "no buffer needed: only FINALIZE was left")
	assertUploaded(t, srv, m, data)
}
