package mediaupload

import (
	"context"
	"errors"
	"net/http"
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
