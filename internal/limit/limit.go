// Package limit holds what a client's requests share, each served in the order asked: their gate
// (slots in flight, rate-limit windows) and the budget of chunk buffers.
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
	jitter  = 200 * time.Millisecond // at most this past a reset, at random: those held leave apart
	recheck = time.Second            // the wait for news of a spent window whose reset is not known
)

// Gate admits requests: so many at once and, per key (X limits each endpoint alone), none past a
// rate-limit window, learnt from answers' x-rate-limit-* and 429s.
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

// Admit waits until a request of key may go and returns holding a slot for [Gate.Done]; it reports
// a hold (until, wait) once per window. A block that ends by waited is not waited for again.
func (g *Gate) Admit(ctx context.Context, key string, waited time.Time, report func(time.Time, time.Duration)) error {
	for force := false; ; {
		if err := g.slots.Acquire(ctx, 1); err != nil {
			return err
		}
		wait, until, announce, news, err := g.try(key, waited, force)
		if err == nil && wait == 0 {
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
		} else if err := g.sleep(ctx, wait); err != nil {
			return err
		} else {
			waited = until // wait again only if the block grew meanwhile
		}
	}
}

// try lets a request of key go (wait 0), or says to wait until until, or for news up to wait.
func (g *Gate) try(key string, waited time.Time, force bool) (time.Duration, time.Time, bool, <-chan struct{}, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w, now := g.window(key), g.now()
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
	case w.remaining == 0 && !force && w.pending > 0: // spent, its reset not known yet
		return recheck, time.Time{}, false, w.news, nil
	}
	if w.remaining > 0 {
		w.remaining--
	}
	w.pending++
	return 0, time.Time{}, false, nil, nil
}

// window returns key's window, new if need be; call it with g.mu held.
func (g *Gate) window(key string) *window {
	if g.windows[key] == nil {
		g.windows[key] = &window{remaining: -1, news: make(chan struct{})}
	}
	return g.windows[key]
}

// Done gives back a request's slot and learns from its answer (status 0 and h nil: none).
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
	secs, serr := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	limited := status == http.StatusTooManyRequests
	if !limited && (lerr != nil || rerr != nil || serr != nil) {
		return
	}
	now, reset := g.now(), time.Unix(secs, 0)
	if lerr == nil && limit > 0 {
		w.limit = limit
	}
	if serr == nil && rerr == nil && reset.After(now) {
		remaining = max(remaining-w.pending, 0) // the answer may not count those in flight yet
		switch {
		case w.reset.IsZero() && w.remaining >= 0, reset.Equal(w.reset): // new, or the one known
			w.reset, w.remaining = reset, min(w.remaining, remaining)
		case reset.After(w.reset): // nothing known, or a later window
			w.reset, w.remaining = reset, remaining
		}
	}
	if !limited {
		return
	}
	// A 429 without headers of its own is another, shorter limit: its Retry-After says how long.
	if at := wire.ResetAt(status, h, now); at.After(w.blocked) {
		w.blocked = at
	}
}

// Budget hands out and reuses buffers, at most limit bytes in all; one over the limit goes alone.
// Asks are served in order: none before an older one that waits.
type Budget struct {
	limit int64

	mu      sync.Mutex
	owned   int64        // bytes of the buffers allocated and kept: in use and free
	free    [][]byte     // buffers given back, kept for reuse, smallest first
	waiters []*bufferAsk // oldest first
}

type bufferAsk struct {
	n     int
	ready chan []byte // buffered: receives the buffer
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Get waits for a buffer of n bytes, or for ctx to end.
func (b *Budget) Get(ctx context.Context, n int) ([]byte, error) {
	b.mu.Lock()
	if len(b.waiters) == 0 {
		if buf := b.take(n); buf != nil {
			b.mu.Unlock()
			return buf, nil
		}
	}
	ask := &bufferAsk{n: n, ready: make(chan []byte, 1)}
	b.waiters = append(b.waiters, ask)
	b.mu.Unlock()
	select {
	case buf := <-ask.ready:
		return buf, nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case buf := <-ask.ready: // served meanwhile: give it back
			b.free = b.keep(b.free, buf)
		default:
			b.waiters = slices.DeleteFunc(b.waiters, func(a *bufferAsk) bool { return a == ask })
		}
		b.serve() // the next ones may fit now
		return nil, context.Cause(ctx)
	}
}

// Put gives a buffer back; call it only once nothing reads it any more.
func (b *Budget) Put(buf []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free = b.keep(b.free, buf)
	b.serve()
}

// serve hands buffers to the oldest asks while they fit; call it with b.mu held.
func (b *Budget) serve() {
	for len(b.waiters) > 0 {
		buf := b.take(b.waiters[0].n)
		if buf == nil {
			return
		}
		b.waiters[0].ready <- buf
		b.waiters = slices.Delete(b.waiters, 0, 1)
	}
}

// take returns a buffer of n bytes within the limit, or nil: the smallest free one big enough,
// else a new one, after dropping the smallest free ones if that makes room. Call it with b.mu held.
func (b *Budget) take(n int) []byte {
	if i := slices.IndexFunc(b.free, func(f []byte) bool { return cap(f) >= n }); i >= 0 {
		buf := b.free[i]
		b.free = slices.Delete(b.free, i, i+1)
		return buf[:n]
	}
	inUse := b.owned
	for _, f := range b.free {
		inUse -= b.weight(cap(f))
	}
	if inUse+b.weight(n) > b.limit {
		return nil
	}
	for b.owned+b.weight(n) > b.limit {
		b.owned -= b.weight(cap(b.free[0]))
		b.free = slices.Delete(b.free, 0, 1) // clears the slot: a dropped buffer must be garbage
	}
	b.owned += b.weight(n)
	return make([]byte, n)
}

// keep adds buf to free, kept smallest first.
func (*Budget) keep(free [][]byte, buf []byte) [][]byte {
	i, _ := slices.BinarySearchFunc(free, cap(buf), func(f []byte, c int) int { return cap(f) - c })
	return slices.Insert(free, i, buf)
}

// Stats returns the bytes of the buffers allocated and kept, and the free ones.
func (b *Budget) Stats() (owned int64, free [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.owned, slices.Clone(b.free)
}

// weight is what a buffer of n bytes counts against the limit.
func (b *Budget) weight(n int) int64 { return min(int64(n), b.limit) }
