package mediatest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// WithRateLimit limits every user to n requests per window for each step
// (INIT, APPEND, FINALIZE, STATUS… each on its own), in fixed windows
// aligned to the clock (for a 1 s window: whole seconds), as X does per
// endpoint and user. Every answer of a limited step then carries X's
// headers x-rate-limit-limit, x-rate-limit-remaining and x-rate-limit-reset
// (epoch seconds, rounded up); a request past the limit is answered 429
// with code 88, "Rate limit exceeded", and changes nothing. Requests
// refused by an injected fault or by authentication do not count. By
// default there is no limit.
func WithRateLimit(n int, window time.Duration) Option {
	if n < 1 || window <= 0 {
		panic("mediatest: WithRateLimit needs a positive limit and window")
	}
	return func(cfg *config) { cfg.rate = &rateLimit{n: n, window: window, used: map[rateKey]*rateWindow{}} }
}

type rateLimit struct {
	n      int
	window time.Duration

	mu   sync.Mutex
	used map[rateKey]*rateWindow
}

type rateKey struct {
	step Step
	user string
}

type rateWindow struct {
	start time.Time
	count int
}

// take counts a request of key at now and says whether it is within the
// limit, setting X's headers on h.
func (l *rateLimit) take(key rateKey, now time.Time, h http.Header) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := now.Truncate(l.window)
	w := l.used[key]
	if w == nil || !w.start.Equal(start) {
		w = &rateWindow{start: start}
		l.used[key] = w
	}
	w.count++
	reset := start.Add(l.window)
	h.Set("x-rate-limit-limit", strconv.Itoa(l.n))
	h.Set("x-rate-limit-remaining", strconv.Itoa(max(l.n-w.count, 0)))
	h.Set("x-rate-limit-reset", strconv.FormatInt((reset.UnixNano()+int64(time.Second)-1)/int64(time.Second), 10))
	return w.count <= l.n
}
