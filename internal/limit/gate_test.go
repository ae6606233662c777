package limit

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGateLearnsFromAnswers checks the gate's bookkeeping on a clock that
// the test moves.
func TestGateLearnsFromAnswers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	reset := now.Add(10 * time.Second)
	hdr := func(remaining string) http.Header {
		return http.Header{"X-Rate-Limit-Limit": {"3"}, "X-Rate-Limit-Remaining": {remaining},
			"X-Rate-Limit-Reset": {"1796126410"}} // reset
	}
	require.Equal(t, int64(1796126410), reset.Unix())
	tests := []struct {
		name       string
		answers    []http.Header
		status     int
		wantWaited bool
	}{
		{"nothing known: go", nil, 200, false},
		{"remaining left: go", []http.Header{hdr("2")}, 200, false},
		{"remaining 0: wait for the reset", []http.Header{hdr("0")}, 200, true},
		{"one left: it goes", []http.Header{hdr("1")}, 200, false},
		{"a 429: wait", []http.Header{hdr("1")}, http.StatusTooManyRequests, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var slept []time.Duration
			g := NewGate(32, 15*time.Minute, func() time.Time { return now }, func(_ context.Context, d time.Duration) error {
				slept = append(slept, d)
				return nil
			})
			for _, h := range tc.answers {
				require.True(t, g.slots.TryAcquire(1))
				g.Done("APPEND", tc.status, h) // as if answered, nothing else in flight
			}
			var reported time.Time
			require.NoError(t, g.Admit(t.Context(), "APPEND", time.Time{}, func(until time.Time, _ time.Duration) { reported = until }))
			g.slots.Release(1)
			if !tc.wantWaited {
				assert.Empty(t, slept)
				return
			}
			require.Len(t, slept, 1)
			assert.GreaterOrEqual(t, slept[0], 10*time.Second)
			assert.Less(t, slept[0], 10*time.Second+jitter)
			assert.Equal(t, reset, reported.UTC())
			assert.NoError(t, g.Admit(t.Context(), "INIT", time.Time{}, nil), "another step is not held")
		})
	}
}

// TestGateRefusesToHoldPastMaxWait: a request that would be held past the
// gate's maxWait is not held at all; Admit says until when, at once.
func TestGateRefusesToHoldPastMaxWait(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	spent := func(reset time.Time) http.Header {
		return http.Header{"X-Rate-Limit-Limit": {"3"}, "X-Rate-Limit-Remaining": {"0"},
			"X-Rate-Limit-Reset": {strconv.FormatInt(reset.Unix(), 10)}}
	}
	tests := []struct {
		name      string
		status    int
		header    http.Header
		wantUntil time.Time // zero: held, then admitted
	}{
		{"window resets past maxWait", http.StatusOK, spent(now.Add(time.Hour)), now.Add(time.Hour)},
		{"a 429 asks past maxWait", http.StatusTooManyRequests, http.Header{"Retry-After": {"3600"}}, now.Add(time.Hour)},
		{"window resets within maxWait", http.StatusOK, spent(now.Add(30 * time.Second)), time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var slept []time.Duration
			g := NewGate(32, time.Minute, func() time.Time { return now }, func(_ context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				slept = append(slept, d)
				return nil
			})
			require.True(t, g.slots.TryAcquire(1))
			g.Done("APPEND", tc.status, tc.header) // as if answered, nothing else in flight
			reported := 0
			err := g.Admit(t.Context(), "APPEND", time.Time{}, func(time.Time, time.Duration) { reported++ })
			mu.Lock()
			defer mu.Unlock()
			if tc.wantUntil.IsZero() {
				require.NoError(t, err)
				g.slots.Release(1)
				assert.Len(t, slept, 1, "held until the reset")
				assert.Equal(t, 1, reported)
				return
			}
			var long *WaitError
			require.ErrorAs(t, err, &long)
			assert.True(t, tc.wantUntil.Equal(long.Until), "Until %v, want %v", long.Until, tc.wantUntil)
			assert.Empty(t, slept, "not held at all")
			assert.Zero(t, reported, "no hold to report")
			assert.True(t, g.slots.TryAcquire(32), "no slot kept")
		})
	}
}
