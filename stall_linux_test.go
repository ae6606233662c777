package mediaupload

import (
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
