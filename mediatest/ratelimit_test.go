package mediatest

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithRateLimit(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := newTestServer(t, WithRateLimit(2, time.Minute), WithClock(clock.Now))
	init := url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}}
	reset := strconv.FormatInt(clock.Now().Truncate(time.Minute).Add(time.Minute).Unix(), 10)
	for i, want := range []struct {
		status    int
		remaining string
	}{{http.StatusAccepted, "1"}, {http.StatusAccepted, "0"}, {http.StatusTooManyRequests, "0"}} {
		r := postForm(t, s, init)
		require.Equal(t, want.status, r.status, "INIT %d", i)
		assert.Equal(t, "2", r.header.Get("x-rate-limit-limit"))
		assert.Equal(t, want.remaining, r.header.Get("x-rate-limit-remaining"), "INIT %d", i)
		assert.Equal(t, reset, r.header.Get("x-rate-limit-reset"))
		if r.status == http.StatusTooManyRequests {
			assert.Equal(t, 88, r.errCode(t))
		}
	}
	id := initMediaAfterReset(t, s, clock, init)
	assert.NotEmpty(t, id, "a new window lets requests through")
	r := appendSegment(t, s, id, 0, testData(10))
	assert.Equal(t, "1", r.header.Get("x-rate-limit-remaining"), "each step has its own window")
}

func initMediaAfterReset(t *testing.T, s *Server, clock *testClock, init url.Values) string {
	t.Helper()
	clock.Add(time.Minute)
	r := postForm(t, s, init)
	require.Less(t, r.status, 300)
	id, _ := r.json(t)["media_id_string"].(string)
	return id
}
