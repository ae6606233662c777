package mediaupload

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallBufferListener accepts connections with a small receive buffer, so
// that the peer's acknowledgements follow the server's reading, as over a
// slow link.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(16 << 10)
	}
	return c, err
}

// TestSlowButMovingUploadIsNotCutOff sends a segment that fits in the
// client's kernel buffers at once to a server that reads it slowly for
// longer than the stall timeout: the bytes the peer acknowledges keep the
// attempt alive.
func TestSlowButMovingUploadIsNotCutOff(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 16<<10)
		for {
			_, err := r.Body.Read(buf)
			if err != nil {
				break
			}
			time.Sleep(10 * time.Millisecond) // about 1.6 MB/s
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Listener = smallBufferListener{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	p := DefaultRetryPolicy()
	p.MaxAttempts = 1
	c, _ := newSignedClient(t, srv.URL+"/u", withStallTimeout(300*time.Millisecond), WithRetry(p))
	start := time.Now()
	require.NoError(t, c.Append(t.Context(), "1", 0, randomBytes(t, 2<<20)))
	assert.Greater(t, time.Since(start), 300*time.Millisecond, "the upload outlasted the stall timeout")
}

func TestSocketMoved(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	before, ok := socketMoved(c)
	require.True(t, ok)
	c.Write(make([]byte, 100_000))
	assert.Eventually(t, func() bool {
		after, _ := socketMoved(c)
		return after >= before+100_000
	}, 5*time.Second, 5*time.Millisecond)
	_, ok = socketMoved(nil)
	assert.False(t, ok)
}

// TestWatchdogStopIsFinal checks that nothing re-arms a stopped watchdog:
// its connection now serves other requests.
func TestWatchdogStopIsFinal(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = conn.Write(make([]byte, 10_000))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		n, _ := socketMoved(conn)
		return n > 10_000
	}, 5*time.Second, 5*time.Millisecond)

	tests := []struct {
		name  string
		after func(w *watchdog)
	}{
		{"expire sees the socket moved", (*watchdog).expire},
		{"a late touch", (*watchdog).touch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, w := startWatchdog(t.Context(), time.Hour)
			w.mu.Lock()
			w.conn, w.moved = conn, 0 // as GotConn left it, long ago
			w.mu.Unlock()
			w.stop()
			tc.after(w)
			assert.False(t, w.timer.Stop(), "the stopped watchdog was re-armed")
		})
	}
}
