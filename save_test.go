package mediaupload

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

// slowStore is a ResumeStore whose Save takes a while, as an fsync or a
// remote store does; it records how many segments each saved state has
// acknowledged, and how many segments were acknowledged while it saved.
type slowStore struct {
	delay time.Duration
	acked func() int // segments the upload has acknowledged, from OnProgress

	mu     sync.Mutex
	saves  []int // acknowledged segments in each saved state
	during int   // segments acknowledged while a Save ran, at most
}

func (s *slowStore) Load(context.Context) ([]byte, error) { return nil, nil }
func (s *slowStore) Remove(context.Context) error         { return nil }
func (s *slowStore) Save(_ context.Context, b []byte) error {
	before := s.acked()
	time.Sleep(s.delay)
	n := 0
	for _, seg := range decodeState(b).Segments {
		if seg.SHA256 != "" {
			n++
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saves = append(s.saves, n)
	s.during = max(s.during, s.acked()-before)
	return nil
}

// TestSavesDoNotHoldUpSegments: while the store saves, segments keep being
// acknowledged, and the next save takes them all: fewer saves than
// segments, each holding at least what the one before held, the last one
// all of them.
func TestSavesDoNotHoldUpSegments(t *testing.T) {
	t.Parallel()
	const segs = 40
	var mu sync.Mutex
	acked := 0
	store := &slowStore{delay: 20 * time.Millisecond, acked: func() int { mu.Lock(); defer mu.Unlock(); return acked }}
	_, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000))
	data := randomBytes(t, segs*1000)
	_, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), NoCheck(), Resume(store),
		OnProgress(func(p Progress) { mu.Lock(); acked = p.SegmentsDone; mu.Unlock() }))
	require.NoError(t, err)
	store.mu.Lock()
	defer store.mu.Unlock()
	t.Logf("%d saves for %d segments; up to %d segments acknowledged during one save", len(store.saves), segs, store.during)
	assert.Less(t, len(store.saves), segs, "acknowledgements made during a save are saved together")
	assert.Positive(t, store.during, "segments are acknowledged while a save runs")
	assert.IsNonDecreasing(t, store.saves)
	assert.Contains(t, store.saves, segs, "a save holds every segment")
}
