package mediaupload

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

// dialectCase is one way to talk to the service: a dialect and an auth kind.
type dialectCase struct {
	name    string
	api     API
	oauth2  bool
	dialect string // as mediatest records it
	auth    string
}

var dialectCases = []dialectCase{
	{"v1.1 with OAuth 1.0a", APIv1, false, "1.1", "oauth1"},
	{"v2 with OAuth 1.0a", APIv2, false, "2", "oauth1"},
	{"v2 with an OAuth 2.0 user token", APIv2, true, "2", "oauth2"},
}

// newDialectFake is newFake for one dialect case.
func newDialectFake(t *testing.T, dc dialectCase, srvOpts []mediatest.Option, opts ...Option) (*mediatest.Server, *Client, *sleepRecorder) {
	t.Helper()
	srv := mediatest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	rec := &sleepRecorder{}
	hc, endpoint := srv.Client(), srv.UploadURL()
	base := []Option{WithAPI(dc.api), withSleep(rec.sleep)}
	if dc.api == APIv2 {
		endpoint = srv.V2URL()
	}
	if dc.oauth2 {
		hc = &http.Client{Transport: NewTransport()}
		base = append(base, WithBearerToken(srv.OAuth2Token()))
	}
	c, err := NewClient(hc, append(append(base, WithEndpoint(endpoint)), opts...)...)
	require.NoError(t, err)
	return srv, c, rec
}

func TestDialectsUploadByteExact(t *testing.T) {
	t.Parallel()
	for _, dc := range dialectCases {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newDialectFake(t, dc, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000))
			srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503})
			srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 2, Drop: true})
			srv.InjectFault(mediatest.Fault{Step: mediatest.StepFinalize, LoseAnswer: true})
			video := append(append([]byte{}, mp4Head...), randomBytes(t, 4321)...)
			var last Progress
			m, err := c.Upload(t.Context(), bytes.NewReader(video), OnProgress(func(p Progress) { last = p }))
			require.NoError(t, err)
			assertUploaded(t, srv, m, video)
			assert.Equal(t, "tweet_video", m.Category)
			require.NotNil(t, last.Processing)
			assert.Equal(t, "succeeded", last.Processing.State)
			for _, r := range srv.Requests() {
				assert.Equal(t, dc.dialect, r.Dialect, "%s %s", r.Method, r.Path)
				assert.Equal(t, dc.auth, r.Auth, "%s %s", r.Method, r.Path)
			}
			assert.Empty(t, srv.Deviations())

			image := append(append([]byte{}, pngHead...), randomBytes(t, 2000)...)
			m, err = c.Upload(t.Context(), bytes.NewReader(image), AltText("A tiny red square"))
			require.NoError(t, err)
			assertUploaded(t, srv, m, image)
			got, _ := srv.Media(m.ID)
			assert.Equal(t, "A tiny red square", got.AltText)
		})
	}
}

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
	srv, c, _ := newDialectFake(t, dialectCases[2], nil, WithChunkSize(1000))
	m, err := c.Init(t.Context(), InitParams{TotalBytes: 3000, MediaType: "video/mp4", Category: "tweet_video"})
	require.NoError(t, err)
	require.NoError(t, c.Append(t.Context(), m.ID, 0, randomBytes(t, 1000)))
	_, err = c.Finalize(t.Context(), m.ID) // 2000 bytes missing
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Contains(t, apiErr.Message, "Invalid Request")
	assert.Contains(t, strings.ToLower(apiErr.Message), "segment")
	_ = srv
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

	v1 := v1{endpoint: mustURL(t, "https://upload.x.com/1.1/media/upload.json")}
	r, _ := v1.metadataRequest("1", "x")
	assert.Equal(t, "https://upload.x.com/1.1/media/metadata/create.json", r.url)
	r, _ = v1.subtitlesRequest("1", Subtitle{MediaID: "2", LanguageCode: "EN", DisplayName: "English"})
	assert.Equal(t, "https://upload.x.com/1.1/media/subtitles/create.json", r.url)
	v2 := v2{endpoint: mustURL(t, "https://127.0.0.1:8443/2/media/upload")}
	r, _ = v2.metadataRequest("1", "x")
	assert.Equal(t, "https://127.0.0.1:8443/2/media/metadata", r.url)
	r, _ = v2.subtitlesRequest("1", Subtitle{MediaID: "2", LanguageCode: "EN", DisplayName: "English"})
	assert.Equal(t, "https://127.0.0.1:8443/2/media/subtitles", r.url)
	assert.JSONEq(t, `{"id":"1","media_category":"TweetVideo","subtitles":{"id":"2","language_code":"EN","display_name":"English"}}`, string(r.body))
}

func TestSubtitlesInBothDialects(t *testing.T) {
	t.Parallel()
	for _, dc := range dialectCases {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newDialectFake(t, dc, []mediatest.Option{mediatest.WithCheckAfter(0)})
			video := append(append([]byte{}, mp4Head...), randomBytes(t, 3000)...)
			m, err := c.Upload(t.Context(), bytes.NewReader(video), WithSubtitles(bytes.NewReader(srtHead), "en", ""))
			require.NoError(t, err)
			got, _ := srv.Media(m.ID)
			require.Len(t, got.Subtitles, 1)
			assert.Equal(t, "EN", got.Subtitles[0].LanguageCode)
			assert.Equal(t, "English", got.Subtitles[0].DisplayName)
			srt, ok := srv.Media(got.Subtitles[0].MediaID)
			require.True(t, ok)
			assert.Equal(t, srtHead, srt.Data)
			assert.Equal(t, "subtitles", srt.Category)
		})
	}
	_, c, _ := newDialectFake(t, dialectCases[0], nil)
	_, err := c.Upload(t.Context(), bytes.NewReader(pngHead), WithSubtitles(bytes.NewReader(srtHead), "en", ""))
	require.ErrorIs(t, err, ErrMediaType, "subtitles go with videos")
	_, err = c.Upload(t.Context(), bytes.NewReader(mp4Head), WithSubtitles(bytes.NewReader(srtHead), "english", ""))
	require.ErrorContains(t, err, "two-letter")
}

func TestDMCategories(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)})
	for head, want := range map[string]string{string(pngHead): "dm_image", string(gifHead): "dm_gif", string(mp4Head): "dm_video"} {
		m, err := c.Upload(t.Context(), strings.NewReader(head), ForDM(), Shared())
		require.NoError(t, err)
		got, _ := srv.Media(m.ID)
		assert.Equal(t, want, got.Category)
		assert.True(t, got.Shared)
	}
}

func TestMediaIDsAreChecked(t *testing.T) {
	t.Parallel()
	srv, c, _ := newDialectFake(t, dialectCases[1], nil)
	for _, id := range []string{"", "../../1.1/x", "12a", "12345678901234567890"} {
		require.Error(t, c.Append(t.Context(), id, 0, []byte{1}), id)
		_, err := c.Finalize(t.Context(), id)
		require.Error(t, err, id)
		_, err = c.Status(t.Context(), id)
		require.Error(t, err, id)
	}
	assert.Empty(t, srv.Requests())
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func FuzzParseMedia(f *testing.F) {
	for _, seed := range []string{
		`{"media_id":1880028106020515841,"media_id_string":"1880028106020515841","expires_after_secs":86400}`,
		`{"media_id":1880028106020515841}`,
		`{"media_id_string":"1","processing_info":{"state":"in_progress","check_after_secs":10,"progress_percent":40}}`,
		`{"media_id_string":"1","processing_info":{"state":"failed","error":{"code":1,"name":"InvalidMedia","message":"bad"}}}`,
		`{"data":{"id":"1880028106020515840","media_key":"13_1","expires_after_secs":1295999}}`,
		`{"data":{"id":"1","processing_info":{"state":"pending","check_after_secs":-5}}}`, `{}`, `[]`, `{"data":null}`,
	} {
		f.Add(seed)
	}
	dialects := []dialect{v1{endpoint: &url.URL{}}, v2{endpoint: &url.URL{}}}
	f.Fuzz(func(t *testing.T, body string) {
		for _, d := range dialects {
			w, err := d.parseMedia([]byte(body))
			if err != nil {
				continue
			}
			m, err := w.media(time.Unix(1_700_000_000, 0))
			if err != nil {
				continue
			}
			if checkMediaID(m.ID) != nil {
				t.Fatalf("unusable id %q from %q", m.ID, body)
			}
			if p := m.Processing; p != nil && p.CheckAfter < -1 {
				t.Fatalf("negative wait %v from %q", p.CheckAfter, body)
			}
		}
	})
}
