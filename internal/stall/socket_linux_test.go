package stall

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
		after func(w *Watchdog)
	}{
		{"expire sees the socket moved", (*Watchdog).expire},
		{"a late touch", (*Watchdog).Touch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, w := Start(t.Context(), time.Hour)
			w.mu.Lock()
			w.conn, w.moved = conn, 0 // as GotConn left it, long ago
			w.mu.Unlock()
			w.Stop()
			tc.after(w)
			assert.False(t, w.timer.Stop(), "the stopped watchdog was re-armed")
		})
	}
}
