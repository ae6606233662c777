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

	"github.com/mediaupload/mediaupload/internal/wire"
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
	dialects := []wire.Dialect{wire.V1(&url.URL{}), wire.V2(&url.URL{})}
	f.Fuzz(func(t *testing.T, body string) {
		for _, d := range dialects {
			w, err := d.ParseMedia([]byte(body))
			if err != nil || w == nil {
				continue
			}
			for _, want := range []string{"", "1"} {
				m, err := mediaOf(w, time.Unix(1_700_000_000, 0), want)
				if err != nil {
					continue
				}
				if checkMediaID(m.ID) != nil || (want != "" && m.ID != want) {
					t.Fatalf("unusable id %q (asked about %q) from %q", m.ID, want, body)
				}
				if p := m.Processing; p != nil && (p.CheckAfter < -1 || p.ProgressPercent < 0 || p.ProgressPercent > 100) {
					t.Fatalf("bad hints %+v from %q", p, body)
				}
			}
		}
	})
}
