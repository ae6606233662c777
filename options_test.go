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

func TestBearerTokenNeedsAPIv2(t *testing.T) {
	t.Parallel()
	const token = "AAAA/bearer+token="
	tests := []struct {
		name    string
		opts    []Option
		wantErr bool
	}{
		{name: "default API", opts: []Option{WithBearerToken(token)}, wantErr: true},
		{name: "v1.1 before", opts: []Option{WithAPI(APIv1), WithBearerToken(token)}, wantErr: true},
		{name: "v1.1 after", opts: []Option{WithBearerToken(token), WithAPI(APIv1)}, wantErr: true},
		{name: "v1.1 last", opts: []Option{WithAPI(APIv2), WithAPI(APIv1), WithBearerToken(token)}, wantErr: true},
		{name: "v2 before", opts: []Option{WithAPI(APIv2), WithBearerToken(token)}},
		{name: "v2 after", opts: []Option{WithBearerToken(token), WithAPI(APIv2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(http.DefaultClient, tc.opts...)
			if !tc.wantErr {
				require.NoError(t, err)
				assert.Equal(t, APIv2, c.api)
				return
			}
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), "WithAPI(APIv2)")
			assert.NotContains(t, err.Error(), token)
		})
	}
}
