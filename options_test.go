package mediaupload

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientOptionsAreValidated(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"chunk 0":         WithChunkSize(0),
		"chunk too large": WithChunkSize(MaxChunkSize + 1),
		"concurrency 0":   WithConcurrency(0),
		"retry":           WithRetry(RetryPolicy{}),
		"user agent":      WithUserAgent(""),
		"processing wait": WithMaxProcessingWait(0),
		"stall":           WithStallTimeout(-1),
		"stall 1ns":       WithStallTimeout(time.Nanosecond),
		"stall under min": WithStallTimeout(MinStallTimeout - 1),
	}
	for name, opt := range bad {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(http.DefaultClient, opt)
			require.Error(t, err)
		})
	}
	_, err := NewClient(nil)
	require.Error(t, err)
	_, err = NewClient(http.DefaultClient, WithStallTimeout(time.Nanosecond))
	assert.ErrorContains(t, err, "the minimum is 1s")
	_, err = NewClient(http.DefaultClient, WithStallTimeout(MinStallTimeout))
	assert.NoError(t, err)
}

func TestDefaultEndpointFollowsTheAPI(t *testing.T) {
	t.Parallel()
	c, err := NewClient(http.DefaultClient, WithAPI(APIv2))
	require.NoError(t, err)
	assert.Equal(t, DefaultV2Endpoint, c.endpoint.String())
	c, err = NewClient(http.DefaultClient)
	require.NoError(t, err)
	assert.Equal(t, DefaultEndpoint, c.endpoint.String())
	_, err = NewClient(http.DefaultClient, WithAPI("3"))
	require.Error(t, err)
	_, err = NewClient(http.DefaultClient, WithBearerToken(""))
	require.ErrorIs(t, err, ErrMissingCredentials)

}
