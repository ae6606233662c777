package mediaupload

import (
	"context"
	"fmt"

	"github.com/mediaupload/mediaupload/internal/limit"
)

const (
	// DefaultMemoryBudget is the chunk memory all uploads of a Client share: 24 segments of [DefaultChunkSize].
	DefaultMemoryBudget = 48 << 20
	// DefaultMaxInFlight is how many requests all uploads of a Client have in flight at most (see [WithMaxInFlight]).
	DefaultMaxInFlight = 32
)

// WithMemoryBudget sets how many bytes of chunk buffers all uploads of the Client may hold at once, at
// least 1 (default [DefaultMemoryBudget]). Segments get their share in the order asked; one over the
// budget goes alone. [WithConcurrency] stays a cap per upload; [Base64] copies are outside the budget.
func WithMemoryBudget(bytes int64) Option {
	return func(c *Client) error {
		if bytes < 1 {
			return fmt.Errorf("mediaupload: memory budget %d: it must be positive", bytes)
		}
		c.memoryBudget = bytes
		return nil
	}
}

// WithMaxInFlight sets how many requests of the Client may be in flight at once, 1 to 1024 (default
// [DefaultMaxInFlight]), and so the connections open. A wait before a retry holds no slot.
func WithMaxInFlight(n int) Option {
	return func(c *Client) error {
		if n < 1 || n > 1024 {
			return fmt.Errorf("mediaupload: max in flight %d: it must be 1 to 1024", n)
		}
		c.maxInFlight = n
		return nil
	}
}

// bufferPool hands out at most n chunk buffers of one upload, from the budget all uploads share.
type bufferPool struct{ *limit.Pool }

func newBufferPool(n int, b *limit.Budget) *bufferPool { return &bufferPool{b.Pool(n)} }

func (p *bufferPool) get(ctx context.Context, size int) ([]byte, error) { return p.Get(ctx, size) }

// put gives a buffer back; call it only once nothing reads it any more.
func (p *bufferPool) put(b []byte) { p.Put(b) }
