package mediaupload

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

// Append sends one segment of an upload started with [Client.Init]: index
// 0–999, 1 to [MaxChunkSize] bytes. The request is retried under the
// client's [RetryPolicy], rebuilt from data and signed anew each time;
// re-sending a segment replaces it.
func (c *Client) Append(ctx context.Context, mediaID string, index int, data []byte) error {
	_, err := c.appendSegment(ctx, mediaID, index, data, false)
	return err
}

// appendSegment sends one segment and says in how many attempts.
func (c *Client) appendSegment(ctx context.Context, mediaID string, index int, data []byte, asBase64 bool) (int, error) {
	if err := checkMediaID(mediaID); err != nil {
		return 0, err
	}
	switch {
	case index < 0 || index >= MaxSegments:
		return 0, fmt.Errorf("%w: segment index %d is outside 0–%d", ErrTooManySegments, index, MaxSegments-1)
	case len(data) == 0:
		return 0, ErrEmptyMedia
	case len(data) > MaxChunkSize:
		return 0, fmt.Errorf("%w: segment of %d bytes is over %d", ErrChunkSize, len(data), MaxChunkSize)
	}
	u, body := c.dialect.Append(mediaID, index, data, asBase64)
	_, t, err := c.send(ctx, StepAppend, func(ctx context.Context) (*http.Request, error) {
		return body.Build(ctx, u)
	}, "segment", index, "media_id", mediaID)
	return t.n, err
}

// bufferPool hands out at most n chunk buffers of one upload. They come
// from the client's spare buffers, or are allocated on first use, and go
// back to the spares when the upload ends, so that a process uploading one
// file after another reuses the same memory.
type bufferPool struct {
	free   chan []byte
	size   int
	spares *sync.Pool
}

func newBufferPool(n, size int, spares *sync.Pool) *bufferPool {
	p := &bufferPool{free: make(chan []byte, n), size: size, spares: spares}
	for range n {
		p.free <- nil
	}
	return p
}

// get waits for a free buffer or for ctx to end.
func (p *bufferPool) get(ctx context.Context) ([]byte, error) {
	select {
	case b := <-p.free:
		if b == nil {
			if spare, ok := p.spares.Get().(*[]byte); ok && cap(*spare) >= p.size {
				return (*spare)[:p.size], nil
			}
			b = make([]byte, p.size)
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release hands the buffers back to the client's spares; call it once no
// buffer is in use.
func (p *bufferPool) release() {
	for range cap(p.free) {
		if b := <-p.free; b != nil {
			p.spares.Put(&b)
		}
	}
}

func (p *bufferPool) put(b []byte) { p.free <- b }
