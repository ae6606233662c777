package wire

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestV2Requests(t *testing.T) {
	t.Parallel()
	d := V2(mustURL(t, "https://127.0.0.1:8443/2/media/upload"))
	r := d.Init(InitParams{TotalBytes: 10, MediaType: "video/mp4", Category: "tweet_video",
		AdditionalOwners: []string{"1", "2"}, Shared: true})
	assert.Equal(t, "https://127.0.0.1:8443/2/media/upload/initialize", r.URL)
	assert.JSONEq(t, `{"media_type":"video/mp4","total_bytes":10,"media_category":"tweet_video","additional_owners":["1","2"],"shared":true}`, string(r.Body))
	assert.Equal(t, "https://127.0.0.1:8443/2/media/upload/123/finalize", d.Finalize("123").URL)
	assert.Equal(t, "https://127.0.0.1:8443/2/media/upload?command=STATUS&media_id=123", d.Status("123").URL)
	u, body := d.Append("123", 4, []byte("abc"), true)
	assert.Equal(t, "https://127.0.0.1:8443/2/media/upload/123/append", u)
	raw, _ := io.ReadAll(body.Reader())
	assert.JSONEq(t, `{"segment_index":4,"media":"YWJj"}`, string(raw))

	r = d.Metadata("1", "x")
	assert.Equal(t, "https://127.0.0.1:8443/2/media/metadata", r.URL)
	assert.JSONEq(t, `{"id":"1","metadata":{"alt_text":{"text":"x"}}}`, string(r.Body))
	r = d.Subtitles("1", Subtitle{MediaID: "2", LanguageCode: "EN", DisplayName: "English"})
	assert.Equal(t, "https://127.0.0.1:8443/2/media/subtitles", r.URL)
	assert.JSONEq(t, `{"id":"1","media_category":"TweetVideo","subtitles":{"id":"2","language_code":"EN","display_name":"English"}}`, string(r.Body))

	m, err := d.ParseMedia([]byte(`{"data":{"id":"1880028106020515840","media_key":"13_1880028106020515840","expires_after_secs":1295999}}`))
	require.NoError(t, err)
	assert.Equal(t, "1880028106020515840", m.ID)
	m, err = d.ParseMedia([]byte(`{"errors":[{"message":"x"}]}`))
	require.NoError(t, err)
	assert.Nil(t, m, "no data: the client reads the errors (TestAnswerShapes)")
}
