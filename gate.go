package mediaupload

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mediaupload/mediaupload/internal/wire"
)

// ErrRateLimited is the Err of the [RetryEvent] of a request held back by
// the client's rate-limit gate: the service said the window of its step
// is spent, so no request of that step is sent before the window's reset.
var ErrRateLimited = errors.New("mediaupload: rate limited")

// gateJitter is the most a request held back by the gate waits past the
// reset, at random, so that the requests held do not all leave in the same
// millisecond.
const gateJitter = 200 * time.Millisecond

// gateRecheck is how long a request waits for news when its step's window
// is known to be spent but its reset is not: the first answers of a new
// window say how much of it is left.
const gateRecheck = time.Second

// rateGate is what the client knows of the service's rate limits, per step
// (one Client is one set of credentials, and X limits each endpoint on its
// own): it counts the requests a window has left, holds back those that
// would pass it until its reset, and learns from every answer's
// x-rate-limit-* headers and from 429s.
type rateGate struct {
	mu    sync.Mutex
	steps map[Step]*rateWindow
}

type rateWindow struct {
	limit     int       // x-rate-limit-limit; 0 unknown
	remaining int       // requests the window has left, as counted; -1 unknown
	reset     time.Time // end of the window; zero unknown
	blocked   time.Time // no request before
	announced time.Time // the blocked time last reported
	pending   int       // requests let through and not answered yet
	news      chan struct{}
}

func newRateGate() *rateGate { return &rateGate{steps: map[Step]*rateWindow{}} }

// admit waits until a request of step may be sent: it takes a slot of the
// requests in flight (see [WithMaxInFlight]), then asks the gate, which
// counts the request against its window; while the window is spent it
// gives the slot back, reports the wait once per window through report
// and waits for the reset. It returns holding a slot, or an error when
// ctx ends. A block that ends by waited is not waited for again: the
// request already waited what the service asked.
func (c *Client) admit(ctx context.Context, step Step, waited time.Time, report func(until time.Time, wait time.Duration)) error {
	force := false
	for {
		if err := c.budget.acquireSlot(ctx); err != nil {
			return err
		}
		wait, until, announce, news, err := c.gateTry(step, waited, force)
		if err == nil && wait == 0 && news == nil {
			return nil
		}
		c.budget.releaseSlot()
		if err != nil {
			return err
		}
		if announce {
			report(until, wait)
		}
		if news != nil {
			t := time.NewTimer(wait)
			select {
			case <-news:
			case <-t.C:
				force = true // no answer came to say more: go
			case <-ctx.Done():
				t.Stop()
				return context.Cause(ctx)
			}
			t.Stop()
			continue
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
		waited = until // wait again only if the block grew meanwhile
	}
}

// gateTry decides on a request of step: it may go now (wait 0, news nil:
// counted against the window), or must wait until the window's reset, or
// for news of a window whose reset is not known yet.
func (c *Client) gateTry(step Step, waited time.Time, force bool) (wait time.Duration, until time.Time, announce bool, news <-chan struct{}, err error) {
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	w := g.window(step)
	now := c.now()
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
		wait = w.blocked.Sub(now) + rand.N(gateJitter)
		if wait > c.retry.MaxRetryAfter {
			return 0, w.blocked, false, nil, fmt.Errorf("%w: %w: %s, over the %v of RetryPolicy.MaxRetryAfter",
				ErrWaitTooLong, ErrRateLimited, c.resetIn(w.blocked), c.retry.MaxRetryAfter)
		}
		announce = !w.announced.Equal(w.blocked)
		w.announced = w.blocked
		return wait, w.blocked, announce, nil, nil
	case w.remaining == 0 && !force && w.pending > 0: // spent, its reset not known yet: wait for an answer
		return gateRecheck, time.Time{}, false, w.news, nil
	}
	if w.remaining > 0 {
		w.remaining--
	}
	w.pending++
	return 0, time.Time{}, false, nil, nil
}

// window returns the state of step's window; call it with g.mu held.
func (g *rateGate) window(step Step) *rateWindow {
	w := g.steps[step]
	if w == nil {
		w = &rateWindow{remaining: -1, news: make(chan struct{})}
		g.steps[step] = w
	}
	return w
}

// gateObserve learns from an answer of step: its x-rate-limit-* headers,
// and a 429.
func (c *Client) gateObserve(step Step, status int, h http.Header) {
	g := c.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	w := g.window(step)
	w.pending = max(w.pending-1, 0)
	defer func() {
		close(w.news)
		w.news = make(chan struct{})
	}()
	limit, lerr := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Limit")))
	remaining, rerr := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")))
	resetSecs, serr := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	limited := status == http.StatusTooManyRequests
	if !limited && (lerr != nil || rerr != nil || serr != nil) {
		return
	}
	now := c.now()
	reset := time.Unix(resetSecs, 0)
	if lerr == nil && limit > 0 {
		w.limit = limit
	}
	if serr == nil && rerr == nil && reset.After(now) {
		// Requests still in flight may not be counted in the answer yet.
		remaining = max(remaining-w.pending, 0)
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
	if limited {
		// A 429 spends the known window only when its own headers say so
		// (handled above); one without them is another, shorter limit, and
		// its Retry-After says how long to hold back.
		if at := wire.ResetAt(status, h, now); at.After(w.blocked) {
			w.blocked = at
		}
	}
}

// gateReport reports a request held back by the gate: at level Info and
// through [OnRetry], with [ErrRateLimited].
func (c *Client) gateReport(req request, attempt int) func(until time.Time, wait time.Duration) {
	return func(until time.Time, wait time.Duration) {
		err := fmt.Errorf("%w until %s", ErrRateLimited, c.clockTime(until))
		if c.onRetry != nil {
			c.onRetry(req.event(attempt, c.retry.MaxAttempts, err, wait))
		}
		c.log.Info("rate limited", req.attrs("until", c.clockTime(until), "wait", wait.Round(100*time.Millisecond))...)
	}
}
