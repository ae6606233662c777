package limit

import (
	"context"
	"net/http"
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
