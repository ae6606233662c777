package mediaupload

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/semaphore"
)

// Defaults of the budget every upload of a [Client] shares.
const (
	// DefaultMemoryBudget is how many bytes of chunk buffers all uploads of
	// a Client hold at most, together (see [WithMemoryBudget]): 48 MiB,
	// room for 24 segments of [DefaultChunkSize], so that three uploads at
	// [DefaultConcurrency] never wait on it, and a thousand uploads at once
	// stay under 128 MB of RSS with the garbage collector's default
	// headroom (twice the live heap; 64 MiB measured 134–141 MB).
	DefaultMemoryBudget = 48 << 20
	// DefaultMaxInFlight is how many requests all uploads of a Client have
	// in flight at most, together (see [WithMaxInFlight]), and so how many
	// connections they keep busy.
	DefaultMaxInFlight = 32
)

// WithMemoryBudget sets how many bytes of chunk buffers all uploads of the
// Client may hold at once, together (default [DefaultMemoryBudget]), at
// least 1. A segment waits for its share; shares are handed out in the
// order asked for, so that an upload started behind many others gets its
// turn after one round, not after all of them. A budget under one
// segment's size lets one segment through at a time. [WithConcurrency]
// stays a cap per upload under it. [Base64] uploads encode each segment
// into a copy a third larger, outside the budget, while it is sent.
func WithMemoryBudget(bytes int64) Option {
	return func(c *Client) error {
		if bytes < 1 {
			return fmt.Errorf("mediaupload: memory budget %d: it must be positive", bytes)
		}
		c.memoryBudget = bytes
		return nil
	}
}

// WithMaxInFlight sets how many requests, of every step and every upload
// of the Client, may be in flight at once (default [DefaultMaxInFlight]),
// 1 to 1024. It bounds the connections open at once too. An attempt takes
// its slot when it is sent and gives it back when its answer is read; a
// wait before a retry holds none. Slots are handed out in the order asked
// for.
func WithMaxInFlight(n int) Option {
	return func(c *Client) error {
		if n < 1 || n > 1024 {
			return fmt.Errorf("mediaupload: max in flight %d: it must be 1 to 1024", n)
		}
		c.maxInFlight = n
		return nil
	}
}

// budget is what all uploads of a Client share: the chunk buffers, at most
// limit bytes of them, and the slots of requests in flight. Both are handed
// out first come, first served.
type budget struct {
	slots *semaphore.Weighted

	mu      sync.Mutex
	limit   int64
	owned   int64      // bytes of buffers allocated and kept: in use and free
	free    [][]byte   // buffers not in use, kept for reuse
	waiters *list.List // of *bufWaiter, oldest first
}

type bufWaiter struct {
	n     int
	ready chan []byte // receives the buffer; buffered
}

func newBudget(limit int64, inFlight int) *budget {
	return &budget{slots: semaphore.NewWeighted(int64(inFlight)), limit: limit, waiters: list.New()}
}

// get waits for a buffer of n bytes, or for ctx to end. Asks are served in
// order: a later one is not served before an earlier one that waits.
func (b *budget) get(ctx context.Context, n int) ([]byte, error) {
	b.mu.Lock()
	if b.waiters.Len() == 0 {
		if buf := b.take(n); buf != nil {
			b.mu.Unlock()
			return buf, nil
		}
	}
	w := &bufWaiter{n: n, ready: make(chan []byte, 1)}
	e := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case buf := <-w.ready:
		return buf, nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case buf := <-w.ready: // served meanwhile: give it back
			b.mu.Unlock()
			b.put(buf)
		default:
			b.waiters.Remove(e)
			b.serve() // the next ones may fit now
			b.mu.Unlock()
		}
		return nil, context.Cause(ctx)
	}
}

// put gives a buffer back and serves who waits. Call it only once nothing
// reads the buffer any more.
func (b *budget) put(buf []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free = append(b.free, buf)
	b.serve()
}

// serve hands buffers to the oldest waiters while they fit.
func (b *budget) serve() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*bufWaiter)
		buf := b.take(w.n)
		if buf == nil {
			return
		}
		b.waiters.Remove(e)
		w.ready <- buf
	}
}

// take returns a buffer of n bytes within the limit, or nil: a free one
// big enough (the smallest), else a new one, after dropping free ones
// that are too small if that makes room.
func (b *budget) take(n int) []byte {
	need := b.weight(n) // a segment over the limit still goes, alone
	best := -1
	for i, f := range b.free {
		if cap(f) >= n && (best < 0 || cap(f) < cap(b.free[best])) {
			best = i
		}
	}
	if best >= 0 {
		buf := b.free[best]
		b.free = slices.Delete(b.free, best, best+1)
		return buf[:n]
	}
	var freeBytes int64
	for _, f := range b.free {
		freeBytes += b.weight(cap(f))
	}
	if b.owned-freeBytes+need > b.limit {
		return nil
	}
	// Drop the smallest free buffers until the new one fits.
	slices.SortFunc(b.free, func(x, y []byte) int { return cap(x) - cap(y) })
	for len(b.free) > 0 && b.owned+need > b.limit {
		b.owned -= b.weight(cap(b.free[0]))
		b.free = slices.Delete(b.free, 0, 1)
	}
	b.owned += need
	return make([]byte, n)
}

// weight is what a buffer of n bytes counts against the limit.
func (b *budget) weight(n int) int64 { return min(int64(n), b.limit) }

// acquireSlot waits for a slot of a request in flight, or for ctx to end.
func (b *budget) acquireSlot(ctx context.Context) error {
	return b.slots.Acquire(ctx, 1)
}

// releaseSlot gives back a slot taken with acquireSlot.
func (b *budget) releaseSlot() { b.slots.Release(1) }

// bufferPool hands out at most n chunk buffers of one upload, from the
// budget its client shares with every other upload: a buffer is taken from
// the budget when a segment needs it and given back as soon as its request
// is done.
type bufferPool struct {
	turns  chan struct{} // one per buffer the upload may hold
	budget *budget
}

func newBufferPool(n int, b *budget) *bufferPool {
	return &bufferPool{turns: make(chan struct{}, n), budget: b}
}

// get waits for a buffer of size bytes or for ctx to end.
func (p *bufferPool) get(ctx context.Context, size int) ([]byte, error) {
	select {
	case p.turns <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	b, err := p.budget.get(ctx, size)
	if err != nil {
		<-p.turns
		return nil, err
	}
	return b, nil
}

// put gives a buffer back to the budget; call it only once nothing reads
// it any more.
func (p *bufferPool) put(b []byte) {
	p.budget.put(b)
	<-p.turns
}
