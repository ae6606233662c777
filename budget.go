package mediaupload

import (
	"context"
	"fmt"

	"github.com/mediaupload/mediaupload/internal/limit"
)

// Defaults of the budget every upload of a [Client] shares.
const (
	// DefaultMemoryBudget is how many bytes of chunk buffers all uploads of a Client hold at most,
	// together (see [WithMemoryBudget]): 48 MiB, 24 segments of [DefaultChunkSize], so that three
	// uploads at [DefaultConcurrency] never wait on it, and a thousand at once stay under 128 MB of RSS.
	DefaultMemoryBudget = 48 << 20
	// DefaultMaxInFlight is how many requests all uploads of a Client have in flight at most,
	// together (see [WithMaxInFlight]), and so how many connections they keep busy.
	DefaultMaxInFlight = 32
)

// WithMemoryBudget sets how many bytes of chunk buffers all uploads of the Client may hold at once
// (default [DefaultMemoryBudget]), at least 1. Segments get their share in the order asked, so an
// upload started behind many others waits one round, not all of them; a budget under one segment
// lets one through at a time. [WithConcurrency] stays a cap per upload. [Base64] uploads encode
// each segment into a copy a third larger, outside the budget, while it is sent.
func WithMemoryBudget(bytes int64) Option {
	return func(c *Client) error {
		if bytes < 1 {
			return fmt.Errorf("mediaupload: memory budget %d: it must be positive", bytes)
		}
		c.memoryBudget = bytes
		return nil
	}
}

// WithMaxInFlight sets how many requests, of every step and upload of the Client, may be in flight
// at once (default [DefaultMaxInFlight]), 1 to 1024; it bounds the connections open too. A wait
// before a retry holds no slot. Slots are handed out in the order asked.
func WithMaxInFlight(n int) Option {
	return func(c *Client) error {
		if n < 1 || n > 1024 {
			return fmt.Errorf("mediaupload: max in flight %d: it must be 1 to 1024", n)
		}
		c.maxInFlight = n
		return nil
	}
}

// bufferPool hands out at most n chunk buffers of one upload, from the budget its client shares
// with every other upload; a buffer goes back as soon as its request is done.
type bufferPool struct {
	turns  chan struct{} // one per buffer the upload may hold
	budget *limit.Budget
}

func newBufferPool(n int, b *limit.Budget) *bufferPool {
	return &bufferPool{turns: make(chan struct{}, n), budget: b}
}

// get waits for a buffer of size bytes or for ctx to end.
func (p *bufferPool) get(ctx context.Context, size int) ([]byte, error) {
	select {
	case p.turns <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	b, err := p.budget.Get(ctx, size)
	if err != nil {
		<-p.turns
	}
	return b, err
}

// put gives a buffer back; call it only once nothing reads it any more.
func (p *bufferPool) put(b []byte) {
	p.budget.Put(b)
	<-p.turns
}
