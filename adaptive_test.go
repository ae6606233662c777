package mediaupload

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/internal/wire"
)

// memStore is a ResumeStore in memory that keeps the last state saved.
type memStore struct {
	mu   sync.Mutex
	last *resumeState
}

func (m *memStore) Load(context.Context) ([]byte, error) { return nil, nil }
func (m *memStore) Save(_ context.Context, b []byte) error {
	st := decodeState(b)
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *st
	c.Segments = append([]segmentState(nil), st.Segments...)
	m.last = &c
	return nil
}
func (m *memStore) Remove(context.Context) error { return nil }

// TestAdaptiveChunkSizeFollowsBandwidth uploads to a server that reads at
// full speed at first and at 4 MiB/s after 12 MiB: the segments grow while
// fast and shrink once slow. The resume state records
// every segment's offset and size. (Assertions are on direction, not on
// sizes reached, so that a loaded machine cannot fail them.)
func TestAdaptiveChunkSizeFollowsBandwidth(t *testing.T) {
	t.Parallel()
	var received atomic.Int64
	const fastBytes = 12 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		for {
			n, err := r.Body.Read(buf)
			if received.Add(int64(n)) > fastBytes && n > 0 {
				time.Sleep(time.Duration(n) * time.Second / (4 << 20)) // the link got slow
			}
			if err != nil {
				break
			}
		}
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") != wire.FormContentType {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, `{"media_id_string":"1880028106020515841","expires_after_secs":86400}`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/u"), WithConcurrency(1),
		withAdaptiveTarget(200*time.Millisecond))
	require.NoError(t, err)
	store := &memStore{}
	data := randomBytes(t, fastBytes+12<<20)
	_, err = c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(store))
	require.NoError(t, err)

	segs := store.last.Segments
	var next int64
	largest, largestAt := int64(0), 0
	for i, s := range segs {
		assert.Equal(t, next, s.Offset, "segment %d", i)
		assert.NotEmpty(t, s.SHA256)
		next += s.Size
		if s.Size > largest {
			largest, largestAt = s.Size, i
		}
	}
	t.Logf("segment sizes: %v", sizes(segs))
	assert.Equal(t, int64(len(data)), next, "the segments cover the input")
	assert.Equal(t, int64(512<<10), segs[0].Size, "starts small")
	assert.Greater(t, largest, int64(512<<10), "grows while fast")
	shrunk := false
	for _, s := range segs[largestAt+1 : len(segs)-1] { // the last one is whatever is left
		shrunk = shrunk || s.Size <= largest/2
	}
	assert.True(t, shrunk, "shrinks once slow")
}

func sizes(segs []segmentState) []int64 {
	var out []int64
	for _, s := range segs {
		out = append(out, s.Size)
	}
	return out
}

func TestAdaptiveExcludesAFixedChunkSize(t *testing.T) {
	t.Parallel()
	_, err := NewClient(http.DefaultClient, WithChunkSize(1<<20), WithAdaptiveChunkSize())
	require.ErrorIs(t, err, ErrChunkSize)
}
