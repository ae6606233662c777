package mediaupload

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestV1Requests(t *testing.T) {
	t.Parallel()
	d := v1{endpoint: mustURL(t, "https://upload.x.com/1.1/media/upload.json")}

	r, err := d.initRequest(InitParams{TotalBytes: 10, MediaType: "video/mp4", Category: "tweet_video",
		AdditionalOwners: []string{"1", "2"}, Shared: true})
	require.NoError(t, err)
	assert.Equal(t, "POST", r.method)
	assert.Equal(t, "application/x-www-form-urlencoded", r.contentType, "exactly this, or the body goes unsigned")
	form, err := url.ParseQuery(string(r.body))
	require.NoError(t, err)
	assert.Equal(t, url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"video/mp4"},
		"media_category": {"tweet_video"}, "additional_owners": {"1,2"}, "shared": {"true"}}, form)

	r = d.finalizeRequest("123")
	assert.Equal(t, "command=FINALIZE&media_id=123", string(r.body))
	r = d.statusRequest("123")
	assert.Equal(t, "GET", r.method)
	assert.Equal(t, "https://upload.x.com/1.1/media/upload.json?command=STATUS&media_id=123", r.url)

	u, body := d.appendBody("123", 4, []byte("abc"), false)
	assert.Equal(t, "https://upload.x.com/1.1/media/upload.json", u)
	assert.Contains(t, string(body.prefix), `name="segment_index"`)
	assert.Contains(t, string(body.prefix), `name="media"; filename="media"`)

	r, err = d.metadataRequest("1", "x")
	require.NoError(t, err)
	assert.Equal(t, "https://upload.x.com/1.1/media/metadata/create.json", r.url)
	assert.JSONEq(t, `{"media_id":"1","alt_text":{"text":"x"}}`, string(r.body))
	r, err = d.subtitlesRequest("1", Subtitle{MediaID: "2", LanguageCode: "EN", DisplayName: "English"})
	require.NoError(t, err)
	assert.Equal(t, "https://upload.x.com/1.1/media/subtitles/create.json", r.url)
	assert.JSONEq(t, `{"media_id":"1","media_category":"TweetVideo","subtitle_info":{"subtitles":[{"media_id":"2","language_code":"EN","display_name":"English"}]}}`, string(r.body))
}
