package mediaupload

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// retryEvents collects the events of OnRetry.
type retryEvents struct {
	mu     sync.Mutex
	events []RetryEvent
}

func (r *retryEvents) add(e RetryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *retryEvents) got() []RetryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RetryEvent(nil), r.events...)
}

func TestOnRetry(t *testing.T) {
	t.Parallel()
	const id = "1880028106020515840"
	tests := []struct {
		name        string
		call        func(ctx context.Context, c *Client) error
		step        Step
		segment     int
		mediaID     string
		script      []int
		wantStatus  []int // per event: the APIError's status, 0 for a dropped connection
		wantFailure bool
	}{
		{"init has no media id", func(ctx context.Context, c *Client) error {
			_, err := c.Init(ctx, InitParams{TotalBytes: 10, MediaType: "video/mp4"})
			return err
		}, StepInit, -1, "", []int{503, 0}, []int{503, 0}, false},
		{"append names its segment", func(ctx context.Context, c *Client) error {
			return c.Append(ctx, id, 3, []byte("abc"))
		}, StepAppend, 3, id, []int{429, 500}, []int{429, 500}, false},
		{"finalize", func(ctx context.Context, c *Client) error {
			_, err := c.Finalize(ctx, id)
			return err
		}, StepFinalize, -1, id, []int{502}, []int{502}, false},
		{"status", func(ctx context.Context, c *Client) error {
			_, err := c.Status(ctx, id)
			return err
		}, StepStatus, -1, id, []int{504}, []int{504}, false},
		{"no event for a refusal", func(ctx context.Context, c *Client) error {
			_, err := c.Status(ctx, id)
			return err
		}, StepStatus, -1, id, []int{400}, nil, true},
		{"no event after the last attempt", func(ctx context.Context, c *Client) error {
			_, err := c.Status(ctx, id)
			return err
		}, StepStatus, -1, id, []int{503, 503, 503}, []int{503, 503}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newScriptedServer(t, nil, tc.script...)
			var ev retryEvents
			p := RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Second, MaxBackoff: time.Second}
			c, rec := newSignedClient(t, srv.URL+"/u", WithRetry(p), OnRetry(ev.add))
			err := tc.call(t.Context(), c)
			if tc.wantFailure {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			got := ev.got()
			require.Len(t, got, len(tc.wantStatus))
			assert.Equal(t, len(rec.recorded()), len(got), "one event per wait")
			for i, e := range got {
				assert.Equal(t, tc.step, e.Step)
				assert.Equal(t, tc.segment, e.Segment)
				assert.Equal(t, tc.mediaID, e.MediaID)
				assert.Equal(t, i+1, e.Attempt)
				assert.Equal(t, 3, e.MaxAttempts)
				assert.Equal(t, rec.recorded()[i], e.Wait)
				assert.InDelta(t, time.Second, e.Wait, float64(time.Second/2), "the backoff, jittered")
				var apiErr *APIError
				if tc.wantStatus[i] == 0 {
					assert.False(t, errors.As(e.Err, &apiErr), "a dropped connection is no APIError: %v", e.Err)
					continue
				}
				require.True(t, errors.As(e.Err, &apiErr), "%v", e.Err)
				assert.Equal(t, tc.wantStatus[i], apiErr.StatusCode)
			}
		})
	}
}

func TestOnRetryWaitIsWhatTheServiceAsked(t *testing.T) {
	t.Parallel()
	srv := newScriptedServer(t, http.Header{"Retry-After": {"7"}}, 429)
	var ev retryEvents
	c, rec := newSignedClient(t, srv.URL+"/u", OnRetry(ev.add))
	require.NoError(t, c.Append(t.Context(), "1", 0, []byte("x")))
	require.Len(t, ev.got(), 1)
	assert.Equal(t, 7*time.Second, ev.got()[0].Wait)
	assert.Equal(t, []time.Duration{7 * time.Second}, rec.recorded())
	assert.Equal(t, DefaultRetryPolicy().MaxAttempts, ev.got()[0].MaxAttempts)
}

// TestOnRetryAttemptOfARequestTheGateHolds: the answer to request 1 spends
// the window, its reset 5 s away; request 2, held by the gate, reports as
// Attempt the attempts it has made so far: none when held before its first,
// one when held after a failed one (request 1 answering during its backoff).
func TestOnRetryAttemptOfARequestTheGateHolds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	type event struct {
		attempt     int
		rateLimited bool // ErrRateLimited: held by the gate; else a retry
	}
	tests := []struct {
		name        string
		spendBefore bool  // request 1 goes before request 2; else during 2's first wait
		script      []int // request 2's answers, then 200
		want        []event
	}{
		{"held before its first attempt", true, nil, []event{{0, true}}},
		{"held after a failed attempt", false, []int{503}, []event{{1, false}, {1, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			script := tc.script
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("media_id") == "1" {
					w.Header().Set("X-Rate-Limit-Limit", "3")
					w.Header().Set("X-Rate-Limit-Remaining", "0")
					w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(5*time.Second).Unix(), 10))
					io.WriteString(w, `{"media_id_string":"1"}`)
					return
				}
				mu.Lock()
				status := http.StatusOK
				if len(script) > 0 {
					status, script = script[0], script[1:]
				}
				mu.Unlock()
				w.WriteHeader(status)
				io.WriteString(w, `{"media_id_string":"2"}`)
			}))
			t.Cleanup(srv.Close)
			var ev retryEvents
			var c *Client
			var slept []time.Duration // sleeps come one at a time: requests 1 and 2 run in turn
			sleep := func(ctx context.Context, d time.Duration) error {
				slept = append(slept, d)
				if len(slept) == 1 && !tc.spendBefore {
					_, err := c.Status(ctx, "1")
					require.NoError(t, err)
				}
				return ctx.Err()
			}
			c, _ = newSignedClient(t, srv.URL+"/1.1/media/upload.json", withNow(func() time.Time { return now }),
				withSleep(sleep), OnRetry(ev.add))
			if tc.spendBefore {
				_, err := c.Status(t.Context(), "1")
				require.NoError(t, err)
			}
			_, err := c.Status(t.Context(), "2")
			require.NoError(t, err)
			got := ev.got()
			require.Len(t, got, len(tc.want), "%+v", got)
			require.Len(t, slept, len(tc.want), "one wait per event")
			for i, e := range got {
				assert.Equal(t, "2", e.MediaID)
				assert.Equal(t, tc.want[i].attempt, e.Attempt, "event %d: %v", i, e.Err)
				assert.Equal(t, tc.want[i].rateLimited, errors.Is(e.Err, ErrRateLimited), "event %d: %v", i, e.Err)
				assert.Equal(t, slept[i], e.Wait, "event %d", i)
			}
			last := got[len(got)-1]
			assert.GreaterOrEqual(t, last.Wait, 5*time.Second, "held until the reset")
			assert.Less(t, last.Wait, 6*time.Second)
		})
	}
}
