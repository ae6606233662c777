package mediaupload

import (
	"context"
	"fmt"

	"github.com/mediaupload/mediaupload/internal/limit"
)

const (
	// DefaultMemoryBudget is the chunk memory a Client's uploads share: 24 × [DefaultChunkSize].
	DefaultMemoryBudget = 48 << 20
	// DefaultMaxInFlight is the most requests a Client has in flight (see [WithMaxInFlight]).
	DefaultMaxInFlight = 32
)

// WithMemoryBudget sets the bytes of chunk buffers the Client's uploads may hold at once, at least
// 1 (default [DefaultMemoryBudget]), served in order; one over goes alone. [Base64] copies are out.
func WithMemoryBudget(bytes int64) Option {
	return setIf(bytes >= 1, fmt.Errorf("mediaupload: memory budget %d: it must be positive", bytes),
		func(c *Client) { c.memoryBudget = bytes })
}

// WithMaxInFlight sets how many requests of the Client may be in flight at once, 1 to 1024 (default
// [DefaultMaxInFlight]), and so the connections open. A wait before a retry holds no slot.
func WithMaxInFlight(n int) Option {
	return setIf(n >= 1 && n <= 1024, fmt.Errorf("mediaupload: max in flight %d: it must be 1 to 1024", n),
		func(c *Client) { c.maxInFlight = n })
}

// bufferPool hands one upload at most n chunk buffers of the shared budget; put each back unread.
type bufferPool struct {
	turns  chan struct{} // one per buffer the upload may hold
	budget *limit.Budget
}

func newBufferPool(n int, b *limit.Budget) *bufferPool { return &bufferPool{make(chan struct{}, n), b} }

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

func (p *bufferPool) put(b []byte) {
	p.budget.Put(b)
	<-p.turns
}
