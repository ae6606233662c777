// Package stall watches one HTTP attempt: it abandons the attempt when
// nothing moves for a timeout, or when it is still moving past a limit, and
// guards the attempt's request bodies so that none is read after it ended.
package stall

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http/httptrace"
	"sync"
	"time"
)

// The causes with which a [Watchdog] cancels its attempt's context.
var (
	// ErrStalled: nothing moved for the timeout.
	ErrStalled = errors.New("mediaupload: connection stalled")
	// ErrTooSlow: still moving when the limit passed.
	ErrTooSlow = errors.New("mediaupload: request too slow")
)

// Watchdog abandons an attempt when nothing moves for its timeout. Bytes
// the attempt reads from its body or its answer count as movement; so do
// bytes the connection's peer acknowledges, where the system tells
// (Linux): a large body sits in kernel buffers long after it was read, and
// a slow link drains it slowly but surely. Once stopped it is done for
// good: the connection goes back to the pool for other requests, so the
// watchdog must neither look at it nor re-arm. Besides, an attempt still
// moving past its limit (see [Watchdog.Limit]) ends with [ErrTooSlow].
type Watchdog struct {
	timeout time.Duration
	cancel  context.CancelCauseFunc

	mu      sync.Mutex
	timer   *time.Timer
	limiter *time.Timer // nil until limit
	overdue bool        // the limit has passed
	stopped bool
	conn    net.Conn
	moved   uint64 // the connection's bytes acknowledged and received, when last looked
	atLimit uint64 // the same, when the limit passed
	bodies  []*body
}

// Start returns ctx for one attempt, cancelled with [ErrStalled] when
// nothing moves for timeout, and its watchdog; stop it when the attempt
// ends.
func Start(ctx context.Context, timeout time.Duration) (context.Context, *Watchdog) {
	actx, cancel := context.WithCancelCause(ctx)
	w := &Watchdog{timeout: timeout, cancel: cancel}
	w.mu.Lock()
	w.timer = time.AfterFunc(timeout, w.expire)
	w.mu.Unlock()
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.stopped {
			return
		}
		w.conn = info.Conn
		w.moved, _ = socketMoved(info.Conn)
	}})
	return actx, w
}

// Touch says bytes moved.
func (w *Watchdog) Touch() {
	w.mu.Lock()
	overdue := w.overdue && !w.stopped
	if !w.stopped {
		w.timer.Reset(w.timeout)
	}
	w.mu.Unlock()
	if overdue {
		w.cancel(ErrTooSlow)
	}
}

// Limit makes the attempt overdue d from now: from then on, the next
// movement abandons it with [ErrTooSlow]; none, for the timeout, still
// abandons it with [ErrStalled].
func (w *Watchdog) Limit(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.limiter = time.AfterFunc(d, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.overdue = true
		w.atLimit, _ = socketMoved(w.conn)
	})
}

// expire abandons the attempt, unless the socket moved since last look
// and, once overdue, since the limit passed.
func (w *Watchdog) expire() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	moved, ok := socketMoved(w.conn)
	progressed := ok && moved != w.moved
	slow := w.overdue && ok && moved != w.atLimit
	w.moved = moved
	if progressed && !slow {
		w.timer.Reset(w.timeout)
	}
	w.mu.Unlock()
	switch {
	case slow:
		w.cancel(ErrTooSlow)
	case !progressed:
		w.cancel(ErrStalled)
	}
}

// Stop ends the watchdog for good, the attempt's context, and its bodies:
// they read nothing more.
func (w *Watchdog) Stop() {
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	if w.limiter != nil {
		w.limiter.Stop()
	}
	w.conn = nil
	bodies := w.bodies
	w.mu.Unlock()
	w.cancel(nil)
	for _, b := range bodies {
		b.end()
	}
}

// Body wraps a request body of the attempt: bytes read from it count as
// movement, and once the watchdog stops it reads nothing more, so that the
// transport, which may go on reading a body after RoundTrip returned (an
// early answer, a cancelled attempt), lets go of the caller's buffer.
func (w *Watchdog) Body(r io.ReadCloser) io.ReadCloser {
	b := &body{r: r, touch: w.Touch}
	w.mu.Lock()
	stopped := w.stopped
	w.bodies = append(w.bodies, b)
	w.mu.Unlock()
	if stopped {
		b.end()
	}
	return b
}

// ErrAttemptOver is what a body read after its attempt ended returns.
var ErrAttemptOver = errors.New("mediaupload: request attempt is over")

// body calls touch whenever bytes move through it, and reads nothing more
// once ended.
type body struct {
	mu    sync.Mutex
	r     io.ReadCloser
	touch func()
	ended bool
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return 0, ErrAttemptOver
	}
	n, err := b.r.Read(p)
	if n > 0 {
		b.touch()
	}
	return n, err
}

// end waits for a Read in progress and makes later ones fail.
func (b *body) end() {
	b.mu.Lock()
	b.ended = true
	b.mu.Unlock()
}

func (b *body) Close() error { return b.r.Close() }

// netConn unwraps a TLS connection to the one beneath it.
func netConn(c net.Conn) net.Conn {
	if t, ok := c.(*tls.Conn); ok {
		return t.NetConn()
	}
	return c
}
