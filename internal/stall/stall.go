// Package stall watches one HTTP attempt: it abandons it when nothing moves for a timeout or it is
// still moving past a limit, and guards its request bodies so that none is read after it ended.
package stall

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptrace"
	"sync"
	"time"
)

// The causes with which a [Watchdog] cancels its attempt's context, and a late body read's error.
var (
	ErrStalled     = errors.New("mediaupload: connection stalled")      // nothing moved for the timeout
	ErrTooSlow     = errors.New("mediaupload: request too slow")        // still moving when the limit passed
	ErrAttemptOver = errors.New("mediaupload: request attempt is over") // a body read after its attempt ended
)

// Watchdog abandons an attempt when nothing moves for its timeout: neither its bodies nor, where
// the system tells (Linux), the bytes its peer acknowledges (a body sits in kernel buffers long
// after it was read). Once stopped it is done for good: its connection serves other requests.
type Watchdog struct {
	timeout time.Duration
	cancel  context.CancelCauseFunc
	mu      sync.Mutex
	timer   *time.Timer
	limiter *time.Timer // nil until Limit
	overdue bool        // the limit has passed
	stopped bool
	conn    net.Conn
	moved   uint64 // the connection's bytes acknowledged and received, when last looked
	atLimit uint64 // the same, when the limit passed
	bodies  []*body
}

// Start returns ctx for one attempt, cancelled with [ErrStalled] when nothing moves for timeout,
// and its watchdog; stop it when the attempt ends.
func Start(ctx context.Context, timeout time.Duration) (context.Context, *Watchdog) {
	actx, cancel := context.WithCancelCause(ctx)
	w := &Watchdog{timeout: timeout, cancel: cancel}
	w.running(func() { w.timer = time.AfterFunc(timeout, w.expire) }) // may fire before it is set
	return httptrace.WithClientTrace(actx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		w.running(func() {
			w.conn = info.Conn
			w.moved, _ = socketMoved(info.Conn)
		})
	}}), w
}

// running runs f under w.mu unless the watchdog has stopped.
func (w *Watchdog) running(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		f()
	}
}

// Touch says bytes moved.
func (w *Watchdog) Touch() {
	w.running(func() {
		w.timer.Reset(w.timeout)
		if w.overdue {
			w.cancel(ErrTooSlow)
		}
	})
}

// Limit makes the attempt overdue d from now: from then on, the next movement abandons it with
// [ErrTooSlow]; none, for the timeout, still abandons it with [ErrStalled].
func (w *Watchdog) Limit(d time.Duration) {
	w.running(func() {
		w.limiter = time.AfterFunc(d, func() {
			w.running(func() {
				w.overdue = true
				w.atLimit, _ = socketMoved(w.conn)
			})
		})
	})
}

// expire abandons the attempt unless the socket moved since last look (once overdue: the limit).
func (w *Watchdog) expire() {
	w.running(func() {
		moved, ok := socketMoved(w.conn)
		switch {
		case w.overdue && ok && moved != w.atLimit:
			w.cancel(ErrTooSlow)
		case !ok || moved == w.moved:
			w.cancel(ErrStalled)
		default:
			w.moved = moved
			w.timer.Reset(w.timeout)
		}
	})
}

// Stop ends the watchdog for good, the attempt's context, and its bodies: they read nothing more.
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
	for _, b := range bodies { // not under w.mu: a Read in progress touches
		b.mu.Lock() // waits for a Read in progress
		b.ended = true
		b.mu.Unlock()
	}
}

// Body wraps a request body of the attempt: reading it is movement; after Stop it reads nothing, so
// that the transport, which may read it after RoundTrip returned, lets go of the buffer.
func (w *Watchdog) Body(r io.ReadCloser) io.ReadCloser {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := &body{ReadCloser: r, touch: w.Touch, ended: w.stopped}
	w.bodies = append(w.bodies, b)
	return b
}

// body calls touch whenever bytes move through it, and reads nothing more once ended.
type body struct {
	io.ReadCloser
	mu    sync.Mutex
	touch func()
	ended bool
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return 0, ErrAttemptOver
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.touch()
	}
	return n, err
}
