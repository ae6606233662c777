package mediaupload

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Options for tests: an adaptive target, any stall timeout, a clock, a sleep.
func withAdaptiveTarget(d time.Duration) Option {
	return option(func(c *Client) { c.adaptiveTarget = d })
}
func withStallTimeout(d time.Duration) Option { return option(func(c *Client) { c.stallTimeout = d }) }
func withNow(now func() time.Time) Option     { return option(func(c *Client) { c.now = now }) }
func withSleep(sleep func(context.Context, time.Duration) error) Option {
	return option(func(c *Client) { c.sleep = sleep })
}

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

func TestTheAPIFollowsTheEndpoint(t *testing.T) {
	t.Parallel()
	const token = "AAAA/bearer+token="
	const (
		v1URL     = "https://upload.example/1.1/media/upload.json"
		v2URL     = "https://api.example/2/media/upload"
		otherURL  = "https://proxy.example/upload"
		prefixed  = "http://127.0.0.1:9/x/2/media/upload"
		mismatch  = "API and endpoint do not match"
		bearerFix = "v1.1 takes OAuth 1.0a only"
	)
	tests := []struct {
		name         string
		opts         []Option
		want         API
		wantEndpoint string
		wantErr      []string // substrings; empty: no error
	}{
		{name: "nothing: v1.1", want: APIv1, wantEndpoint: DefaultEndpoint},
		{name: "v2 path", opts: []Option{WithEndpoint(v2URL)}, want: APIv2, wantEndpoint: v2URL},
		{name: "v2 path under a prefix", opts: []Option{WithEndpoint(prefixed)}, want: APIv2, wantEndpoint: prefixed},
		{name: "v1.1 path", opts: []Option{WithEndpoint(v1URL)}, want: APIv1, wantEndpoint: v1URL},
		{name: "other path: v1.1", opts: []Option{WithEndpoint(otherURL)}, want: APIv1, wantEndpoint: otherURL},
		{name: "explicit v2, other path", opts: []Option{WithAPI(APIv2), WithEndpoint(otherURL)}, want: APIv2, wantEndpoint: otherURL},
		{name: "explicit v2 matches", opts: []Option{WithEndpoint(v2URL), WithAPI(APIv2)}, want: APIv2, wantEndpoint: v2URL},
		{name: "explicit v2, no endpoint", opts: []Option{WithAPI(APIv2)}, want: APIv2, wantEndpoint: DefaultV2Endpoint},
		{name: "bearer alone: v2", opts: []Option{WithBearerToken(token)}, want: APIv2, wantEndpoint: DefaultV2Endpoint},
		{name: "bearer, v2 path", opts: []Option{WithBearerToken(token), WithEndpoint(v2URL)}, want: APIv2, wantEndpoint: v2URL},
		{name: "bearer, other path", opts: []Option{WithBearerToken(token), WithEndpoint(otherURL)}, want: APIv2, wantEndpoint: otherURL},
		{name: "bearer, v2 before", opts: []Option{WithAPI(APIv2), WithBearerToken(token)}, want: APIv2, wantEndpoint: DefaultV2Endpoint},
		{name: "bearer, v2 after", opts: []Option{WithBearerToken(token), WithAPI(APIv2)}, want: APIv2, wantEndpoint: DefaultV2Endpoint},
		{name: "v2 with a v1.1 path", opts: []Option{WithAPI(APIv2), WithEndpoint(v1URL)},
			wantErr: []string{mismatch, "WithAPI(APIv2) with endpoint " + v1URL + ", whose path is v1.1's", "drop WithAPI, or use a …/2/media/upload endpoint"}},
		{name: "v1.1 with a v2 path", opts: []Option{WithEndpoint(v2URL), WithAPI(APIv1)},
			wantErr: []string{mismatch, "WithAPI(APIv1) with endpoint " + v2URL + ", whose path is v2's", "drop WithAPI, or use a …/1.1/media/upload.json endpoint"}},
		{name: "bearer, v1.1 before", opts: []Option{WithAPI(APIv1), WithBearerToken(token)}, wantErr: []string{mismatch, "WithAPI(APIv1)", bearerFix}},
		{name: "bearer, v1.1 after", opts: []Option{WithBearerToken(token), WithAPI(APIv1)}, wantErr: []string{mismatch, bearerFix}},
		{name: "bearer, v1.1 last", opts: []Option{WithAPI(APIv2), WithAPI(APIv1), WithBearerToken(token)}, wantErr: []string{bearerFix}},
		{name: "bearer, v1.1 path", opts: []Option{WithBearerToken(token), WithEndpoint(v1URL)}, wantErr: []string{mismatch, "a v1.1 path", bearerFix, "WithAPI(APIv2)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(http.DefaultClient, tc.opts...)
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.want, c.api)
				assert.Equal(t, tc.wantEndpoint, c.endpoint.String())
				assert.Equal(t, string(tc.want), c.dialect.Name(), "the dialect is the API's")
				return
			}
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ErrAPIMismatch)
			for _, want := range tc.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			assert.NotContains(t, err.Error(), token)
		})
	}
}
