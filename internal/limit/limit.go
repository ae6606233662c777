// Package limit holds what all requests of a client share: the gate that admits them (slots in
// flight, rate-limit windows) and the budget of chunk buffers. Both serve in the order asked.
package limit

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/mediaupload/mediaupload/internal/wire"
)

const (
	// jitter is the most a request held until a reset waits past it, at random, so that the
	// requests held do not all leave in the same millisecond.
	jitter = 200 * time.Millisecond
	// recheck is the wait for news of a spent window whose reset is not known: the first answers
	// of a new window say how much of it is left.
	recheck = time.Second
)

// Gate admits requests: at most a number at once, and, per key (X limits each endpoint on its own),
// none that would pass a rate-limit window before its reset. It counts what a window has left and
// learns from every answer's x-rate-limit-* headers and from 429s.
type Gate struct {
	slots   *semaphore.Weighted
	maxWait time.Duration
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error

	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	limit     int       // x-rate-limit-limit; 0 unknown
	remaining int       // requests the window has left, as counted; -1 unknown
	reset     time.Time // end of the window; zero unknown
	blocked   time.Time // no request before
	announced time.Time // the blocked time last reported
	pending   int       // requests let through and not answered yet
	news      chan struct{}
}

// WaitError is [Gate.Admit]'s error for a request that would be held past the gate's maxWait.
type WaitError struct{ Until time.Time }

func (e *WaitError) Error() string { return "rate limited until " + e.Until.String() }

// NewGate returns a gate of inFlight slots that refuses to hold a request for longer than maxWait.
func NewGate(inFlight int, maxWait time.Duration, now func() time.Time,
	sleep func(context.Context, time.Duration) error) *Gate {
	return &Gate{slots: semaphore.NewWeighted(int64(inFlight)), maxWait: maxWait, now: now, sleep: sleep,
		windows: map[string]*window{}}
}

// Admit waits until a request of key may be sent, and returns holding a slot for [Gate.Done]. It
// reports a hold once per window through report. A block that ends by waited is not waited for
// again: the request already waited what the service asked.
func (g *Gate) Admit(ctx context.Context, key string, waited time.Time,
	report func(until time.Time, wait time.Duration)) error {
	force := false
	for {
		if err := g.slots.Acquire(ctx, 1); err != nil {
			return err
		}
		wait, until, announce, news, err := g.try(key, waited, force)
		if err == nil && wait == 0 && news == nil {
			return nil
		}
		g.slots.Release(1) // no slot is held while waiting
		if err != nil {
			return err
		}
		if announce {
			report(until, wait)
		}
		if news != nil {
			select {
			case <-news:
			case <-time.After(wait):
				force = true // no answer came to say more: go
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			continue
		}
		if err := g.sleep(ctx, wait); err != nil {
			return err
		}
		waited = until // wait again only if the block grew meanwhile
	}
}

// try decides on a request of key: it may go now (wait 0, news nil: counted against the window),
// or must wait until the window's reset, or for news of a window whose reset is not known yet.
func (g *Gate) try(key string, waited time.Time, force bool) (time.Duration, time.Time, bool, <-chan struct{}, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w := g.window(key)
	now := g.now()
	if !w.reset.IsZero() && !now.Before(w.reset) { // a new window
		w.reset, w.remaining = time.Time{}, -1
		if w.limit > 0 {
			w.remaining = max(w.limit-w.pending, 0)
		}
	}
	if w.remaining == 0 && !w.reset.IsZero() && w.blocked.Before(w.reset) {
		w.blocked = w.reset
	}
	switch {
	case now.Before(w.blocked) && w.blocked.After(waited):
		wait := w.blocked.Sub(now) + rand.N(jitter)
		if wait > g.maxWait {
			return 0, w.blocked, false, nil, &WaitError{w.blocked}
		}
		announce := !w.announced.Equal(w.blocked)
		w.announced = w.blocked
		return wait, w.blocked, announce, nil, nil
	case w.remaining == 0 && !force && w.pending > 0: // spent, its reset not known yet: wait for an answer
		return recheck, time.Time{}, false, w.news, nil
	}
	if w.remaining > 0 {
		w.remaining--
	}
	w.pending++
	return 0, time.Time{}, false, nil, nil
}

// window returns key's window; call it with g.mu held.
func (g *Gate) window(key string) *window {
	w := g.windows[key]
	if w == nil {
		w = &window{remaining: -1, news: make(chan struct{})}
		g.windows[key] = w
	}
	return w
}

// Done gives back the slot of a request of key and learns from its answer's x-rate-limit-* headers
// and a 429 (status 0 and h nil: no answer).
func (g *Gate) Done(key string, status int, h http.Header) {
	defer g.slots.Release(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	w := g.window(key)
	w.pending = max(w.pending-1, 0)
	close(w.news) // those waiting for news look again once g.mu is free
	w.news = make(chan struct{})
	limit, lerr := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Limit")))
	remaining, rerr := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")))
	resetSecs, serr := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	limited := status == http.StatusTooManyRequests
	if !limited && (lerr != nil || rerr != nil || serr != nil) {
		return
	}
	now := g.now()
	reset := time.Unix(resetSecs, 0)
	if lerr == nil && limit > 0 {
		w.limit = limit
	}
	if serr == nil && rerr == nil && reset.After(now) {
		remaining = max(remaining-w.pending, 0) // requests in flight may not be counted in the answer yet
		switch known := !w.reset.IsZero(); {
		case !known && w.remaining < 0, known && reset.After(w.reset): // nothing known, or a later window
			w.reset, w.remaining = reset, remaining
		case !known, reset.Equal(w.reset): // a new window counted since its start, or the one known
			w.reset, w.remaining = reset, min(w.remaining, remaining)
		}
	}
	// A 429 spends the known window only when its own headers say so (above); one without them is
	// another, shorter limit, and its Retry-After says how long to hold back.
	if at := wire.ResetAt(status, h, now); limited && at.After(w.blocked) {
		w.blocked = at
	}
}

// Budget hands out buffers, at most limit bytes of them in all, and reuses those given back. A
// buffer over the limit counts as the limit: it goes alone.
type Budget struct {
	limit int64
	inUse *semaphore.Weighted // the bytes of the buffers handed out

	mu    sync.Mutex
	owned int64    // bytes of the buffers allocated and kept: in use and free
	free  [][]byte // buffers given back, kept for reuse, smallest first
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
	// The smallest free buffer big enough, if the weight of its extra bytes can be had too.
	if i := slices.IndexFunc(b.free, func(f []byte) bool { return cap(f) >= n }); i >= 0 {
		if more := b.weight(cap(b.free[i])) - w; more == 0 || b.inUse.TryAcquire(more) {
			buf := b.free[i]
			b.free = slices.Delete(b.free, i, i+1)
			return buf[:n], nil
		}
	}
	// A new buffer, after dropping the smallest free ones if that makes room.
	b.owned += w
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
	i, _ := slices.BinarySearchFunc(b.free, cap(buf), func(f []byte, c int) int { return cap(f) - c })
	b.free = slices.Insert(b.free, i, buf) // kept smallest first
	b.inUse.Release(b.weight(cap(buf)))
}

// Stats returns the bytes of the buffers allocated and kept, and the free ones.
func (b *Budget) Stats() (owned int64, free [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.owned, slices.Clone(b.free)
}

// Pool is one user's share of a budget: at most a number of buffers at once.
type Pool struct {
	turns  chan struct{} // one per buffer the user may hold
	budget *Budget
}

// Pool returns a share of b of n buffers.
func (b *Budget) Pool(n int) *Pool { return &Pool{turns: make(chan struct{}, n), budget: b} }

// Get waits for a buffer of n bytes, or for ctx to end.
func (p *Pool) Get(ctx context.Context, n int) ([]byte, error) {
	select {
	case p.turns <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	b, err := p.budget.Get(ctx, n)
	if err != nil {
		<-p.turns
	}
	return b, err
}

// Put gives a buffer back; call it only once nothing reads it any more.
func (p *Pool) Put(buf []byte) {
	p.budget.Put(buf)
	<-p.turns
}

// weight is what a buffer of n bytes counts against the limit.
func (b *Budget) weight(n int) int64 { return min(int64(n), b.limit) }
