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
// a slow link drains it slowly but surely.
type watchdog struct {
	timeout time.Duration
	cancel  context.CancelCauseFunc
	timer   *time.Timer

	mu    sync.Mutex
	conn  net.Conn
	moved uint64 // the connection's bytes acknowledged and received, when last looked
}

// startWatchdog returns ctx for one attempt, cancelled with [ErrStalled]
// when nothing moves for timeout, and the watchdog; stop it when the
// attempt ends.
func startWatchdog(ctx context.Context, timeout time.Duration) (context.Context, *watchdog) {
	actx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{timeout: timeout, cancel: cancel}
	w.timer = time.AfterFunc(timeout, w.expire)
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		w.mu.Lock()
		w.conn = info.Conn
		w.moved, _ = socketMoved(info.Conn)
		w.mu.Unlock()
	}})
	return actx, w
}

// touch says bytes moved.
func (w *watchdog) touch() { w.timer.Reset(w.timeout) }

// expire abandons the attempt, unless the socket moved since last look.
func (w *watchdog) expire() {
	w.mu.Lock()
	moved, ok := socketMoved(w.conn)
	progressed := ok && moved != w.moved
	w.moved = moved
	w.mu.Unlock()
	if progressed {
		w.touch()
		return
	}
	w.cancel(ErrStalled)
}

// stop ends the watchdog and the attempt's context.
func (w *watchdog) stop() {
	w.timer.Stop()
	w.cancel(nil)
}

// netConn unwraps a TLS connection to the one beneath it.
func netConn(c net.Conn) net.Conn {
	if t, ok := c.(*tls.Conn); ok {
		return t.NetConn()
	}
	return c
}
