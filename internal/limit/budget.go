package limit

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/sync/semaphore"
)

// Budget hands out buffers, at most limit bytes of them in all, and reuses those given back. A
// buffer over the limit counts as the limit: it goes alone.
type Budget struct {
	limit int64
	inUse *semaphore.Weighted // the bytes of the buffers handed out

	mu    sync.Mutex
	owned int64    // bytes of the buffers allocated and kept: in use and free
	free  [][]byte // buffers given back, kept for reuse
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget {
	return &Budget{limit: limit, inUse: semaphore.NewWeighted(limit)}
}

// Get waits for a buffer of n bytes, or for ctx to end.
func (b *Budget) Get(ctx context.Context, n int) ([]byte, error) {
	w := b.weight(n)
	if err := b.inUse.Acquire(ctx, w); err != nil {
		return nil, context.Cause(ctx)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	best := -1 // the smallest free buffer big enough
	for i, f := range b.free {
		if cap(f) >= n && (best < 0 || cap(f) < cap(b.free[best])) {
			best = i
		}
	}
	if best >= 0 {
		// A larger buffer than asked for counts in full, if there is room.
		if more := b.weight(cap(b.free[best])) - w; more == 0 || b.inUse.TryAcquire(more) {
			buf := b.free[best]
			b.free = slices.Delete(b.free, best, best+1)
			return buf[:n], nil
		}
	}
	// A new buffer, after dropping the smallest free ones if that makes room.
	b.owned += w
	slices.SortFunc(b.free, func(x, y []byte) int { return cap(x) - cap(y) })
	for b.owned > b.limit {
		b.owned -= b.weight(cap(b.free[0]))
		b.free = slices.Delete(b.free, 0, 1)
	}
	return make([]byte, n), nil
}

// Put gives a buffer back; call it only once nothing reads it any more.
func (b *Budget) Put(buf []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free = append(b.free, buf)
	b.inUse.Release(b.weight(cap(buf)))
}

// Stats returns the bytes of the buffers allocated and kept, and the free ones.
func (b *Budget) Stats() (owned int64, free [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.owned, slices.Clone(b.free)
}

// weight is what a buffer of n bytes counts against the limit.
func (b *Budget) weight(n int) int64 { return min(int64(n), b.limit) }
