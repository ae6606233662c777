package mediaupload

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

func TestDialectV2Paths(t *testing.T) {
	t.Parallel()
	srv, c, _ := newDialectFake(t, dialectCases[2], []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000))
	m, err := c.Upload(t.Context(), bytes.NewReader(append(append([]byte{}, gifHead...), randomBytes(t, 1500)...)))
	require.NoError(t, err)
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Method+" "+strings.Replace(r.Path, m.ID, "{id}", 1))
	}
	assert.Equal(t, []string{
		"POST /2/media/upload/initialize",
		"POST /2/media/upload/{id}/append", "POST /2/media/upload/{id}/append",
		"POST /2/media/upload/{id}/finalize",
		"GET /2/media/upload", "GET /2/media/upload", "GET /2/media/upload",
	}, got)
}

func TestDialectV2Base64IsJSON(t *testing.T) {
	t.Parallel()
	srv, c, _ := newDialectFake(t, dialectCases[1], nil, WithChunkSize(1000))
	data := append(append([]byte{}, pngHead...), randomBytes(t, 2500)...)
	m, err := c.Upload(t.Context(), bytes.NewReader(data), Base64())
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)
	for _, r := range srv.Requests() {
		if r.Step == mediatest.StepAppend {
			assert.True(t, r.Base64)
			assert.Equal(t, "application/json", r.ContentType)
		}
	}
}

func TestDialectV2TokenWithoutScope(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer(mediatest.WithOAuth2Token("read-only-token", "tweet.read"))
	t.Cleanup(srv.Close)
	c, err := NewClient(&http.Client{Transport: NewTransport()}, WithAPI(APIv2), WithEndpoint(srv.V2URL()), WithBearerToken("read-only-token"))
	require.NoError(t, err)
	_, err = c.Upload(t.Context(), bytes.NewReader(pngHead))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 403, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "media.write")
	assert.Contains(t, apiErr.Message, "Forbidden")
	assert.NotContains(t, err.Error(), "read-only-token", "tokens never reach errors")
	assert.Len(t, srv.Requests(), 1, "403 is not retried")
}

func TestDialectV2ProblemObjects(t *testing.T) {
	t.Parallel()
	_, c, _ := newDialectFake(t, dialectCases[2], nil, WithChunkSize(1000))
	m, err := c.Init(t.Context(), InitParams{TotalBytes: 3000, MediaType: "video/mp4", Category: "tweet_video"})
	require.NoError(t, err)
	require.NoError(t, c.Append(t.Context(), m.ID, 0, randomBytes(t, 1000)))
	_, err = c.Finalize(t.Context(), m.ID) // 2000 bytes missing
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Contains(t, apiErr.Message, "Invalid Request")
	assert.Contains(t, strings.ToLower(apiErr.Message), "segment")
}
