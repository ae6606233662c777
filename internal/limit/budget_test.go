package limit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int64
		held  []int // sizes taken and kept
		ask   int
		fits  bool
		owned int64 // after the ask, if it fits
	}{
		{"within the limit", 100, []int{40}, 60, true, 100},
		{"past the limit waits", 100, []int{40, 40}, 30, false, 0},
		{"over the limit alone goes", 100, nil, 150, true, 100},
		{"over the limit waits for the rest", 100, []int{10}, 150, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := NewBudget(tc.limit)
			for _, n := range tc.held {
				_, err := b.Get(t.Context(), n)
				require.NoError(t, err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			buf, err := b.Get(ctx, tc.ask)
			if !tc.fits {
				require.ErrorIs(t, err, context.DeadlineExceeded)
				b.mu.Lock()
				defer b.mu.Unlock()
				assert.Empty(t, b.waiters, "a waiter that gives up leaves the queue")
				return
			}
			require.NoError(t, err)
			assert.Len(t, buf, tc.ask)
			assert.Equal(t, tc.owned, b.owned)
		})
	}
}

// TestBudgetServesInOrder: a small ask behind a big one that waits is not
// served first (no overtaking), and both are served once memory returns;
// a free buffer too small for the next ask is dropped to make room.
func TestBudgetServesInOrder(t *testing.T) {
	t.Parallel()
	b := NewBudget(100)
	held, err := b.Get(t.Context(), 80)
	require.NoError(t, err)
	order := make(chan int, 2)
	ask := func(n int) {
		buf, err := b.Get(t.Context(), n)
		if err == nil {
			order <- len(buf)
			b.Put(buf)
		}
	}
	waiting := func(n int) func() bool {
		return func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == n }
	}
	go ask(90)
	require.Eventually(t, waiting(1), 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = b.Get(ctx, 20)
	require.ErrorIs(t, err, context.DeadlineExceeded, "20 bytes are free, but the older ask waits")
	go ask(20)
	require.Eventually(t, waiting(2), 5*time.Second, time.Millisecond)
	b.Put(held)
	assert.Equal(t, 90, <-order, "the older ask first")
	assert.Equal(t, 20, <-order)
	b.mu.Lock()
	defer b.mu.Unlock()
	assert.LessOrEqual(t, b.owned, int64(100))
}

// TestBudgetReusesALargerFreeBuffer: a smaller ask served from the queue takes the smallest free
// buffer that holds it instead of allocating a new one and dropping the free one, so that mixed
// sizes (every upload's short last segment) make no garbage: 1000 uploads of 4 MiB + 100 KiB
// measured 141 MiB of RSS when they did, 115–121 MiB when they do not.
func TestBudgetReusesALargerFreeBuffer(t *testing.T) {
	t.Parallel()
	b := NewBudget(100)
	a, err := b.Get(t.Context(), 50)
	require.NoError(t, err)
	bb, err := b.Get(t.Context(), 50)
	require.NoError(t, err)
	got := map[int]chan []byte{}
	for i, n := range []int{50, 10, 50} { // queued in this order
		got[i] = make(chan []byte, 1)
		go func() {
			if buf, err := b.Get(t.Context(), n); err == nil {
				got[i] <- buf
			}
		}()
		require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == i+1 }, 5*time.Second, time.Millisecond)
	}
	b.Put(a)
	assert.Equal(t, 50, cap(<-got[0]))
	b.Put(bb)
	small := <-got[1]
	assert.Equal(t, []int{10, 50}, []int{len(small), cap(small)}, "the freed 50 is reused, not replaced")
	owned, free := b.Stats()
	assert.Equal(t, int64(100), owned)
	assert.Empty(t, free)
	b.mu.Lock()
	assert.Len(t, b.waiters, 1, "the last 50 still waits")
	b.mu.Unlock()
	b.Put(small)
	assert.Equal(t, 50, cap(<-got[2]))
}
