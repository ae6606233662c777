// Package limit holds what all requests of a client share: the gate that admits them (slots in
// flight, the service's rate-limit windows) and the budget of chunk buffers. Both serve in the
// order asked.
package limit

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/mediaupload/mediaupload/internal/wire"
)

// jitter is the most a request held until a reset waits past it, at random, so that the requests
// held do not all leave in the same millisecond.
const jitter = 200 * time.Millisecond

// recheck is how long a request waits for news of a window known to be spent whose reset is not:
// the first answers of a new window say how much of it is left.
const recheck = time.Second

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
func NewGate(inFlight int, maxWait time.Duration, now func() time.Time, sleep func(context.Context, time.Duration) error) *Gate {
	return &Gate{slots: semaphore.NewWeighted(int64(inFlight)), maxWait: maxWait, now: now, sleep: sleep,
		windows: map[string]*window{}}
}

// Admit waits until a request of key may be sent, and returns holding a slot for [Gate.Done]. It
// reports a hold once per window through report. A block that ends by waited is not waited for
// again: the request already waited what the service asked.
func (g *Gate) Admit(ctx context.Context, key string, waited time.Time, report func(until time.Time, wait time.Duration)) error {
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

// Done gives back the slot of a request of key and learns from its answer (status 0 and h nil: none).
func (g *Gate) Done(key string, status int, h http.Header) {
	g.observe(key, status, h)
	g.slots.Release(1)
}

// observe learns from an answer of key: its x-rate-limit-* headers, and a 429.
func (g *Gate) observe(key string, status int, h http.Header) {
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
		switch {
		case w.reset.IsZero() && w.remaining < 0: // nothing known
			w.reset, w.remaining = reset, remaining
		case w.reset.IsZero(): // a new window, counted since its start
			w.reset, w.remaining = reset, min(w.remaining, remaining)
		case reset.After(w.reset): // a later window than the one known
			w.reset, w.remaining = reset, remaining
		case reset.Equal(w.reset):
			w.remaining = min(w.remaining, remaining)
		}
	}
	// A 429 spends the known window only when its own headers say so (above); one without them is
	// another, shorter limit, and its Retry-After says how long to hold back.
	if at := wire.ResetAt(status, h, now); limited && at.After(w.blocked) {
		w.blocked = at
	}
}
