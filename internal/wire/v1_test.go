package wire

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestV1Requests(t *testing.T) {
	t.Parallel()
	d := V1(mustURL(t, "https://upload.x.com/1.1/media/upload.json"))

	r := d.Init(InitParams{TotalBytes: 10, MediaType: "video/mp4", Category: "tweet_video",
		AdditionalOwners: []string{"1", "2"}, Shared: true})
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "application/x-www-form-urlencoded", r.ContentType, "exactly this, or the body goes unsigned")
	form, err := url.ParseQuery(string(r.Body))
	require.NoError(t, err)
	assert.Equal(t, url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"video/mp4"},
		"media_category": {"tweet_video"}, "additional_owners": {"1,2"}, "shared": {"true"}}, form)

	r = d.Finalize("123")
	assert.Equal(t, "command=FINALIZE&media_id=123", string(r.Body))
	r = d.Status("123")
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, "https://upload.x.com/1.1/media/upload.json?command=STATUS&media_id=123", r.URL)

	u, body := d.Append("123", 4, []byte("abc"), false)
	assert.Equal(t, "https://upload.x.com/1.1/media/upload.json", u)
	assert.Contains(t, string(body.prefix), `name="segment_index"`)
	assert.Contains(t, string(body.prefix), `name="media"; filename="media"`)

	r = d.Metadata("1", "x")
	assert.Equal(t, "https://upload.x.com/1.1/media/metadata/create.json", r.URL)
	assert.JSONEq(t, `{"media_id":"1","alt_text":{"text":"x"}}`, string(r.Body))
	r = d.Subtitles("1", Subtitle{MediaID: "2", LanguageCode: "EN", DisplayName: "English"})
	assert.Equal(t, "https://upload.x.com/1.1/media/subtitles/create.json", r.URL)
	assert.JSONEq(t, `{"media_id":"1","media_category":"TweetVideo","subtitle_info":{"subtitles":[{"media_id":"2","language_code":"EN","display_name":"English"}]}}`, string(r.Body))
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
