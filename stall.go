package mediaupload

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"sync"
	"time"
)

// watchdog abandons an attempt when nothing moves for its timeout. Bytes
// the attempt reads from its body or its answer count as movement; so do
// bytes the connection's peer acknowledges, where the system tells
// (Linux): a large body sits in kernel buffers long after it was read, and
// a slow link drains it slowly but surely. Once stopped it is done for
// good: the connection goes back to the pool for other requests, so the
// watchdog must neither look at it nor re-arm. Besides, an attempt still
// moving past its limit (see [watchdog.limit]) ends with [ErrTooSlow].
type watchdog struct {
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
}

// startWatchdog returns ctx for one attempt, cancelled with [ErrStalled]
// when nothing moves for timeout, and the watchdog; stop it when the
// attempt ends.
func startWatchdog(ctx context.Context, timeout time.Duration) (context.Context, *watchdog) {
	actx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{timeout: timeout, cancel: cancel}
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

// touch says bytes moved.
func (w *watchdog) touch() {
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

// limit makes the attempt overdue d from now: from then on, the next
// movement abandons it with [ErrTooSlow]; none, for the stall timeout,
// still abandons it with [ErrStalled].
func (w *watchdog) limit(d time.Duration) {
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
func (w *watchdog) expire() {
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

// stop ends the watchdog for good, and the attempt's context.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	if w.limiter != nil {
		w.limiter.Stop()
	}
	w.conn = nil
	w.mu.Unlock()
	w.cancel(nil)
}

// netConn unwraps a TLS connection to the one beneath it.
func netConn(c net.Conn) net.Conn {
	if t, ok := c.(*tls.Conn); ok {
		return t.NetConn()
	}
	return c
}
