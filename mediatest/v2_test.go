package mediatest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v2Client returns the client of an auth kind: OAuth 1.0a or OAuth 2.0.
func v2Client(s *Server, auth string) *http.Client {
	if auth == authOAuth2 {
		return s.OAuth2Client()
	}
	return s.Client()
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// problemOf decodes a problem object answer and checks its Content-Type.
func problemOf(t *testing.T, r response) problem {
	t.Helper()
	assert.Equal(t, problemType, r.header.Get("Content-Type"), "body %s", r.body)
	var p problem
	require.NoError(t, json.Unmarshal(r.body, &p), "body %s", r.body)
	require.Equal(t, r.status, p.Status, "body %s", r.body)
	return p
}

// v2InitReq sends a v2 INIT with a JSON body.
func v2InitReq(t *testing.T, c *http.Client, s *Server, body any) response {
	t.Helper()
	return send(t, c, http.MethodPost, s.V2URL()+"/initialize", jsonType, mustJSON(t, body))
}

// v2InitMedia sends a v2 INIT and returns the media id.
func v2InitMedia(t *testing.T, c *http.Client, s *Server, total int, mediaType, category string) string {
	t.Helper()
	body := map[string]any{"media_type": mediaType, "total_bytes": total}
	if category != "" {
		body["media_category"] = category
	}
	r := v2InitReq(t, c, s, body)
	require.Equal(t, http.StatusOK, r.status, "INIT: %s", r.body)
	return r.json(t)["data"].(map[string]any)["id"].(string)
}

// v2AppendReq sends a multipart v2 APPEND.
func v2AppendReq(t *testing.T, c *http.Client, s *Server, id string, index int, data []byte) response {
	t.Helper()
	ct, body := multipartBody(t, field("segment_index", strconv.Itoa(index)), part{name: "media", value: data, file: true})
	return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", ct, body)
}

func v2FinalizeReq(t *testing.T, c *http.Client, s *Server, id string) response {
	t.Helper()
	return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/finalize", "", nil)
}

func v2StatusReq(t *testing.T, c *http.Client, s *Server, query string) response {
	t.Helper()
	return send(t, c, http.MethodGet, s.V2URL()+"?"+query, "", nil)
}

// v2Upload runs INIT, APPENDs in chunks and FINALIZE over v2 and returns
// the media id.
func v2Upload(t *testing.T, c *http.Client, s *Server, data []byte, chunk int, mediaType, category string) string {
	t.Helper()
	id := v2InitMedia(t, c, s, len(data), mediaType, category)
	for i := 0; i*chunk < len(data); i++ {
		r := v2AppendReq(t, c, s, id, i, data[i*chunk:min((i+1)*chunk, len(data))])
		require.Equal(t, http.StatusOK, r.status, "APPEND %d: %s", i, r.body)
	}
	r := v2FinalizeReq(t, c, s, id)
	require.Equal(t, http.StatusOK, r.status, "FINALIZE: %s", r.body)
	return id
}

func TestServer_V2URL(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	assert.Equal(t, s.URL+"/2/media/upload", s.V2URL())
	assert.Equal(t, defaultOAuth2Token, s.OAuth2Token())
}

func TestV2_flow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		auth      string
		mediaType string
		category  string
		size      int
		chunk     int
		async     bool
		keyPrefix string
	}{
		{"image oauth1", authOAuth1, "image/png", "tweet_image", 3000, 1000, false, "3_"},
		{"image oauth2", authOAuth2, "image/png", "tweet_image", 3000, 1000, false, "3_"},
		{"image no category oauth2", authOAuth2, "image/jpeg", "", 10, 4, false, "3_"},
		{"video oauth1", authOAuth1, "video/mp4", "tweet_video", 2500, 1000, true, "7_"},
		{"video oauth2", authOAuth2, "video/mp4", "amplify_video", 2500, 1000, true, "13_"},
		{"gif oauth2", authOAuth2, "image/gif", "tweet_gif", 100, 100, true, "16_"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(1))
			c := v2Client(s, tc.auth)
			data := testData(tc.size)

			body := map[string]any{"media_type": tc.mediaType, "total_bytes": tc.size}
			if tc.category != "" {
				body["media_category"], body["additional_owners"], body["shared"] = tc.category, []string{"12", "34"}, true
			}
			r := v2InitReq(t, c, s, body)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			init := r.json(t)["data"].(map[string]any)
			id := init["id"].(string)
			assert.Equal(t, tc.keyPrefix+id, init["media_key"])
			assert.Equal(t, json.Number("86400"), init["expires_after_secs"])

			for i := 0; i*tc.chunk < len(data); i++ {
				r := v2AppendReq(t, c, s, id, i, data[i*tc.chunk:min((i+1)*tc.chunk, len(data))])
				require.Equal(t, http.StatusOK, r.status, "APPEND %d: %s", i, r.body)
				assert.Contains(t, r.json(t)["data"], "expires_at")
			}
			r = v2FinalizeReq(t, c, s, id)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			fin := r.json(t)["data"].(map[string]any)
			assert.Equal(t, id, fin["id"])
			assert.Equal(t, tc.keyPrefix+id, fin["media_key"])
			assert.Equal(t, json.Number(strconv.Itoa(tc.size)), fin["size"])
			assert.Contains(t, fin, "expires_after_secs")

			if tc.async {
				assert.Equal(t, map[string]any{"state": "pending", "check_after_secs": json.Number("0")}, fin["processing_info"])
				var states []string
				for _, q := range []string{"media_id=" + id + "&command=STATUS", "media_id=" + id} {
					r := v2StatusReq(t, c, s, q)
					require.Equal(t, http.StatusOK, r.status, "%s", r.body)
					st := r.json(t)["data"].(map[string]any)
					assert.Equal(t, id, st["id"])
					states = append(states, st["processing_info"].(map[string]any)["state"].(string))
				}
				assert.Equal(t, []string{"in_progress", "succeeded"}, states)
			} else {
				assert.NotContains(t, fin, "processing_info")
			}

			m, ok := s.Media(id)
			require.True(t, ok)
			assert.Equal(t, data, m.Data)
			assert.Equal(t, sha256Hex(data), m.SHA256)
			assert.Equal(t, "succeeded", m.State)
			assert.Equal(t, tc.keyPrefix+id, m.MediaKey)
			if tc.category != "" {
				assert.Equal(t, []string{"12", "34"}, m.AdditionalOwners)
				assert.True(t, m.Shared)
			}
			assert.Empty(t, s.Deviations())
			for _, rq := range s.Requests() {
				assert.Equal(t, dialectV2, rq.Dialect)
				assert.Equal(t, tc.auth, rq.Auth)
				assert.Equal(t, id, rq.MediaID)
				assert.Empty(t, rq.Err)
				if tc.auth == authOAuth2 {
					assert.Empty(t, rq.Nonce)
				} else {
					assert.NotEmpty(t, rq.Nonce)
				}
			}
		})
	}
}

func TestV2_requests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(0))
	c := s.OAuth2Client()
	id := v2Upload(t, c, s, testData(10), 6, "video/mp4", "tweet_video")
	require.Equal(t, http.StatusOK, v2StatusReq(t, c, s, "media_id="+id).status)

	type rec struct {
		step    Step
		method  string
		path    string
		segment int
		bytes   int
		status  int
	}
	var got []rec
	for _, r := range s.Requests() {
		got = append(got, rec{r.Step, r.Method, r.Path, r.Segment, r.Bytes, r.Status})
	}
	assert.Equal(t, []rec{
		{StepInit, "POST", "/2/media/upload/initialize", -1, 0, 200},
		{StepAppend, "POST", "/2/media/upload/" + id + "/append", 0, 6, 200},
		{StepAppend, "POST", "/2/media/upload/" + id + "/append", 1, 4, 200},
		{StepFinalize, "POST", "/2/media/upload/" + id + "/finalize", -1, 0, 200},
		{StepStatus, "GET", "/2/media/upload", -1, 0, 200},
	}, got)
}

// Both dialects work on one store: a media started in one can be finished
// in the other.
func TestV2_sharedStore(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	data := testData(20)
	id := uploadSegments(t, s, data, 10, "image/png", "") // v1.1 INIT and APPENDs
	r := v2FinalizeReq(t, s.OAuth2Client(), s, id)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	m, _ := s.Media(id)
	assert.Equal(t, data, m.Data)
	dialects := []string{}
	for _, rq := range s.Requests() {
		dialects = append(dialects, rq.Dialect)
	}
	assert.Equal(t, []string{"1.1", "1.1", "1.1", "2"}, dialects)
}

func TestV2_appendJSONBase64(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := s.OAuth2Client()
	data := testData(12)
	id := v2InitMedia(t, c, s, len(data), "image/png", "")
	body := mustJSON(t, map[string]any{"media": base64.StdEncoding.EncodeToString(data[:5]), "segment_index": 0})
	r := send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", jsonType, body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 1, data[5:]).status)
	require.Equal(t, http.StatusOK, v2FinalizeReq(t, c, s, id).status)

	m, _ := s.Media(id)
	assert.Equal(t, data, m.Data)
	reqs := s.Requests()
	assert.True(t, reqs[1].Base64)
	assert.Equal(t, 5, reqs[1].Bytes)
	assert.False(t, reqs[2].Base64)
	require.Len(t, s.Deviations(), 1)
	assert.Contains(t, s.Deviations()[0], "base64")
}

func TestV2_auth(t *testing.T) {
	t.Parallel()
	s := newTestServer(t,
		WithOAuth2Token("good-token", "tweet.read", "media.write"),
		WithOAuth2Token("read-only-token", "tweet.read", "users.read"),
		WithOAuth2Token("no-scope-token"))
	require.Equal(t, "good-token", s.OAuth2Token())
	initBody := mustJSON(t, map[string]any{"media_type": "image/png", "total_bytes": 10})
	bearer := func(token string) *http.Client {
		return &http.Client{Transport: &bearerTransport{token: token, base: http.DefaultTransport}}
	}
	wrong := Credentials{ConsumerKey: "k", ConsumerSecret: "s", AccessToken: "t", AccessTokenSecret: "ts"}
	tests := []struct {
		name       string
		client     *http.Client
		wantStatus int
		wantAuth   string
		wantDetail string
	}{
		{"oauth2 token", s.OAuth2Client(), 200, authOAuth2, ""},
		{"oauth1", s.Client(), 200, authOAuth1, ""},
		{"token without media.write", bearer("read-only-token"), 403, authOAuth2, "requires the media.write scope; the token was granted: tweet.read users.read"},
		{"token without scopes", bearer("no-scope-token"), 403, authOAuth2, "requires the media.write scope; the token was granted: none"},
		{"unknown token", bearer("mediatest-oauth2-user-token"), 401, authOAuth2, "Unauthorized"},
		{"empty bearer", bearer(""), 401, authOAuth2, "Unauthorized"},
		{"no credentials", http.DefaultClient, 401, "", "Could not authenticate you."},
		{"wrong oauth1 credentials", signedClient(s, wrong, nil, nil), 401, authOAuth1, "Could not authenticate you."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := send(t, tc.client, http.MethodPost, s.V2URL()+"/initialize", jsonType, initBody)
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			if tc.wantStatus != 200 {
				p := problemOf(t, r)
				assert.Equal(t, http.StatusText(tc.wantStatus), p.Title)
				assert.Equal(t, "about:blank", p.Type)
				assert.Contains(t, p.Detail, tc.wantDetail)
			}
			found := false
			for _, rq := range s.Requests() {
				if rq.Status == tc.wantStatus && rq.Auth == tc.wantAuth && strings.Contains(rq.Err, tc.wantDetail) {
					found = true
				}
			}
			assert.True(t, found, "request recorded with Auth %q", tc.wantAuth)
		})
	}
}

// The v1.1 endpoints refuse bearer tokens, even a valid one, as X does.
func TestV1_refusesBearer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := s.OAuth2Client()
	id := uploadSegments(t, s, testData(10), 10, "image/png", "")
	tests := []struct {
		name, method, path, contentType, body string
	}{
		{"INIT", http.MethodPost, v1UploadPath, formType, "command=INIT&total_bytes=10&media_type=image%2Fpng"},
		{"FINALIZE", http.MethodPost, v1UploadPath, formType, "command=FINALIZE&media_id=" + id},
		{"STATUS", http.MethodGet, v1UploadPath + "?command=STATUS&media_id=" + id, "", ""},
		{"metadata", http.MethodPost, v1MetadataPath, jsonType, `{"media_id":"` + id + `","alt_text":{"text":"x"}}`},
		{"subtitles", http.MethodPost, v1SubtitlesPath, jsonType, `{"media_id":"` + id + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := send(t, c, tc.method, s.URL+tc.path, tc.contentType, []byte(tc.body))
			assert.Equal(t, http.StatusForbidden, r.status)
			assert.Equal(t, codeForbiddenCredentials, r.errCode(t))
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
		})
	}
	m, _ := s.Media(id)
	assert.False(t, m.Finalized)
	for _, rq := range s.Requests()[2:] {
		assert.Equal(t, authOAuth2, rq.Auth)
		assert.Equal(t, dialectV1, rq.Dialect)
	}
}

func TestV2_errors(t *testing.T) {
	t.Parallel()
	big := testData(maxSegmentBytes + 1)
	tests := []struct {
		name       string
		request    func(t *testing.T, s *Server, c *http.Client, id string) response
		wantStatus int
		wantDetail string
	}{
		{"segments do not add up", func(t *testing.T, s *Server, c *http.Client, id string) response {
			require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 0, testData(10)).status)
			return v2FinalizeReq(t, c, s, id)
		}, 400, "Segments do not add up to provided total file size."},
		{"segment missing in the middle", func(t *testing.T, s *Server, c *http.Client, id string) response {
			require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 0, testData(50)).status)
			require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 2, testData(50)).status)
			return v2FinalizeReq(t, c, s, id)
		}, 400, "Segments do not add up"},
		{"segments exceed total", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2AppendReq(t, c, s, id, 0, testData(101))
		}, 400, "Segments exceed the provided total file size"},
		{"id not digits", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2AppendReq(t, c, s, "abc", 0, testData(1))
		}, 400, "The `id` value [abc] does not match ^[0-9]{1,19}$."},
		{"id of 20 digits", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2FinalizeReq(t, c, s, "0"+id)
		}, 400, "does not match ^[0-9]{1,19}$"},
		{"unknown id", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2FinalizeReq(t, c, s, "42")
		}, 400, "Invalid media id 42."},
		{"segment_index 1000", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2AppendReq(t, c, s, id, 1000, testData(1))
		}, 400, "segment_index parameter is invalid."},
		{"segment_index negative", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2AppendReq(t, c, s, id, -1, testData(1))
		}, 400, "segment_index parameter is invalid."},
		{"segment_index not a number", func(t *testing.T, s *Server, c *http.Client, id string) response {
			ct, body := multipartBody(t, field("segment_index", "one"), part{name: "media", value: []byte("x"), file: true})
			return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", ct, body)
		}, 400, "segment_index parameter is invalid."},
		{"segment_index missing", func(t *testing.T, s *Server, c *http.Client, id string) response {
			ct, body := multipartBody(t, part{name: "media", value: []byte("x"), file: true})
			return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", ct, body)
		}, 400, "segment_index parameter is missing."},
		{"media missing", func(t *testing.T, s *Server, c *http.Client, id string) response {
			ct, body := multipartBody(t, field("segment_index", "0"))
			return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", ct, body)
		}, 400, "media parameter is missing."},
		{"segment too large", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2AppendReq(t, c, s, id, 0, big)
		}, 400, "File size must be <= 5242880 bytes"},
		{"segment_index a string in JSON", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", jsonType, []byte(`{"media":"eA==","segment_index":"0"}`))
		}, 400, "The JSON body is invalid"},
		{"bad base64", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", jsonType, []byte(`{"media":"%%%","segment_index":0}`))
		}, 400, "media parameter is invalid."},
		{"urlencoded append", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return send(t, c, http.MethodPost, s.V2URL()+"/"+id+"/append", formType, []byte("segment_index=0&media=x"))
		}, 400, "is not supported"},
		{"total too large for the category", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "image/png", "total_bytes": imageLimit + 1, "media_category": "tweet_image"})
		}, 400, "Image file size must be <= 5242880 bytes"},
		{"total over 16 GiB", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "video/mp4", "total_bytes": int64(16<<30) + 1})
		}, 400, "total_bytes must be within 1..17179869184"},
		{"total_bytes missing", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "image/png"})
		}, 400, "total_bytes parameter is missing."},
		{"total_bytes a string", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "image/png", "total_bytes": "10"})
		}, 400, "The JSON body is invalid"},
		{"v1.1 category spelling", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "video/mp4", "total_bytes": 10, "media_category": "TweetVideo"})
		}, 400, `media_category "TweetVideo" is not one of`},
		{"undocumented media type", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "application/x-subrip", "total_bytes": 10})
		}, 400, "is not one of the documented media types"},
		{"shared a string", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "image/png", "total_bytes": 10, "shared": "true"})
		}, 400, "The JSON body is invalid"},
		{"additional_owners a comma string", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "image/png", "total_bytes": 10, "additional_owners": "1,2"})
		}, 400, "The JSON body is invalid"},
		{"bad owner id", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "image/png", "total_bytes": 10, "additional_owners": []string{"@me"}})
		}, 400, "The `additional_owners` value [@me] does not match"},
		{"unknown INIT field", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2InitReq(t, c, s, map[string]any{"media_type": "image/png", "total_bytes": 10, "command": "INIT"})
		}, 400, `unknown field "command"`},
		{"urlencoded INIT", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return send(t, c, http.MethodPost, s.V2URL()+"/initialize", formType, []byte("media_type=image%2Fpng&total_bytes=10"))
		}, 400, "use application/json"},
		{"trailing JSON", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return send(t, c, http.MethodPost, s.V2URL()+"/initialize", jsonType, []byte(`{"media_type":"image/png","total_bytes":10} {}`))
		}, 400, "data after its value"},
		{"STATUS before FINALIZE", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2StatusReq(t, c, s, "media_id="+id)
		}, 400, "is not finalized"},
		{"STATUS of an unknown id", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2StatusReq(t, c, s, "media_id=42")
		}, 404, "Invalid media id 42."},
		{"STATUS without media_id", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2StatusReq(t, c, s, "command=STATUS")
		}, 400, "media_id parameter is missing."},
		{"STATUS with another command", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2StatusReq(t, c, s, "command=FINALIZE&media_id="+id)
		}, 400, "is not one of [STATUS]"},
		{"STATUS with an unknown parameter", func(t *testing.T, s *Server, c *http.Client, id string) response {
			return v2StatusReq(t, c, s, "media_id="+id+"&media_ids="+id)
		}, 400, "The query parameters [media_ids] is not one of [media_id,command]."},
		{"FINALIZE twice", func(t *testing.T, s *Server, c *http.Client, id string) response {
			require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 0, testData(100)).status)
			require.Equal(t, http.StatusOK, v2FinalizeReq(t, c, s, id).status)
			return v2FinalizeReq(t, c, s, id)
		}, 400, "is already finalized"},
	}
	for _, auth := range []string{authOAuth1, authOAuth2} {
		for _, tc := range tests {
			t.Run(auth+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newTestServer(t)
				c := v2Client(s, auth)
				id := v2InitMedia(t, c, s, 100, "video/mp4", "")
				r := tc.request(t, s, c, id)
				require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
				p := problemOf(t, r)
				assert.Contains(t, p.Detail, tc.wantDetail)
				if tc.wantStatus == 400 {
					assert.Equal(t, "Invalid Request", p.Title)
					assert.Equal(t, "https://api.x.com/2/problems/invalid-request", p.Type)
				} else {
					assert.Equal(t, "Not Found Error", p.Title)
					assert.Equal(t, "https://api.x.com/2/problems/resource-not-found", p.Type)
				}
				reqs := s.Requests()
				last := reqs[len(reqs)-1]
				assert.Equal(t, tc.wantStatus, last.Status)
				assert.Equal(t, p.Detail, last.Err)
				assert.Equal(t, auth, last.Auth)
			})
		}
	}
}

func TestV2_notFound(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tests := []struct{ name, method, path string }{
		{"one-shot upload", http.MethodPost, "/2/media/upload"},
		{"GET initialize", http.MethodGet, "/2/media/upload/initialize"},
		{"unknown operation", http.MethodPost, "/2/media/upload/123/status"},
		{"GET append", http.MethodGet, "/2/media/upload/123/append"},
		{"old metadata path", http.MethodPost, "/2/media/metadata/create"},
		{"DELETE subtitles", http.MethodDelete, "/2/media/subtitles"},
		{"unknown", http.MethodGet, "/2/tweets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := send(t, s.OAuth2Client(), tc.method, s.URL+tc.path, "", nil)
			assert.Equal(t, http.StatusNotFound, r.status)
			assert.Equal(t, codeNotFound, r.errCode(t))
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
		})
	}
}

func TestV2_faults(t *testing.T) {
	t.Parallel()
	reset := time.Unix(1900000000, 0)
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int
		check      func(t *testing.T, r response)
	}{
		{"over capacity is a problem", Fault{Step: StepAppend, Segment: 1, Status: 503, RetryAfter: "0"}, 503, func(t *testing.T, r response) {
			p := problemOf(t, r)
			assert.Equal(t, "Service Unavailable", p.Title)
			assert.Equal(t, "Over capacity.", p.Detail)
			assert.Equal(t, "0", r.header.Get("Retry-After"))
		}},
		{"v2 only", Fault{Step: StepAppend, Dialect: "2", Segment: 1, Status: 500}, 500, func(t *testing.T, r response) {
			assert.Equal(t, "Internal Server Error", problemOf(t, r).Title)
		}},
		{"rate limit in the errors shape", Fault{Step: StepAppend, Segment: AnySegment, Status: 429, RateLimitReset: reset}, 429, func(t *testing.T, r response) {
			assert.Equal(t, codeRateLimit, r.errCode(t))
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			assert.Equal(t, "1900000000", r.header.Get("X-Rate-Limit-Reset"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			c := s.OAuth2Client()
			data := testData(20)
			id := v2InitMedia(t, c, s, len(data), "image/png", "")
			require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 0, data[:10]).status)
			s.InjectFault(tc.fault)
			r := v2AppendReq(t, c, s, id, 1, data[10:])
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			tc.check(t, r)
			m, _ := s.Media(id)
			assert.Equal(t, 1, m.Segments, "a faulted request changes nothing")

			require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 1, data[10:]).status)
			require.Equal(t, http.StatusOK, v2FinalizeReq(t, c, s, id).status)
			m, _ = s.Media(id)
			assert.Equal(t, data, m.Data)
		})
	}
}

func TestFault_dialect(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.InjectFault(Fault{Step: StepInit, Dialect: "1.1", Status: 503})
	s.InjectFault(Fault{Step: StepInit, Dialect: "2", Status: 500})
	params := url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}}
	v2Body := map[string]any{"media_type": "image/png", "total_bytes": 10}

	assert.Equal(t, 500, v2InitReq(t, s.OAuth2Client(), s, v2Body).status)
	assert.Equal(t, 200, v2InitReq(t, s.OAuth2Client(), s, v2Body).status)
	assert.Equal(t, 503, postForm(t, s, params).status)
	assert.Equal(t, 202, postForm(t, s, params).status)
	assert.Panics(t, func() { s.InjectFault(Fault{Step: StepInit, Dialect: "v2", Status: 500}) })
}

func TestV2_loseFinalizeAnswer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := s.OAuth2Client()
	id := v2InitMedia(t, c, s, 5, "image/png", "")
	require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 0, []byte("hello")).status)
	s.InjectFault(Fault{Step: StepFinalize, Dialect: "2", LoseAnswer: true})
	_, err := trySend(t.Context(), c, http.MethodPost, s.V2URL()+"/"+id+"/finalize", "", nil)
	require.Error(t, err)
	m, _ := s.Media(id)
	assert.True(t, m.Finalized, "processed before the answer was lost")
	r := v2FinalizeReq(t, c, s, id)
	assert.Contains(t, problemOf(t, r).Detail, "already finalized")
}

func TestV2_metadata(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxAltTextRunes+1)
	tests := []struct {
		name       string
		body       func(id string) string
		wantStatus int
		wantDetail string
		wantAlt    string
	}{
		{"alt text", func(id string) string { return `{"id":"` + id + `","metadata":{"alt_text":{"text":"A cat"}}}` }, 200, "", "A cat"},
		{"1000 characters", func(id string) string {
			return `{"id":"` + id + `","metadata":{"alt_text":{"text":"` + long[2:] + `"}}}`
		}, 200, "", long[2:]},
		{"with other documented fields", func(id string) string {
			return `{"id":"` + id + `","metadata":{"alt_text":{"text":"A cat"},"sensitive_media_warning":{"other":true}}}`
		}, 200, "", "A cat"},
		{"1001 characters", func(id string) string { return `{"id":"` + id + `","metadata":{"alt_text":{"text":"` + long + `"}}}` }, 400, "alt_text text must be <= 1000 characters, got 1001.", ""},
		{"unknown media", func(string) string { return `{"id":"42","metadata":{"alt_text":{"text":"x"}}}` }, 400, "Invalid media id 42.", ""},
		{"bad id", func(string) string { return `{"id":"x42","metadata":{"alt_text":{"text":"x"}}}` }, 400, "does not match ^[0-9]{1,19}$", ""},
		{"numeric id", func(id string) string { return `{"id":` + id + `,"metadata":{"alt_text":{"text":"x"}}}` }, 400, "The JSON body is invalid", ""},
		{"v1.1 shape", func(id string) string { return `{"media_id":"` + id + `","alt_text":{"text":"x"}}` }, 400, `unknown field "media_id"`, ""},
		{"no id", func(string) string { return `{"metadata":{"alt_text":{"text":"x"}}}` }, 400, "id parameter is missing.", ""},
		{"no metadata", func(id string) string { return `{"id":"` + id + `"}` }, 400, "metadata parameter is missing.", ""},
		{"no alt_text", func(id string) string { return `{"id":"` + id + `","metadata":{"upload_source":{}}}` }, 400, "metadata.alt_text parameter is missing.", ""},
		{"no text", func(id string) string { return `{"id":"` + id + `","metadata":{"alt_text":{}}}` }, 400, "metadata.alt_text.text parameter is missing.", ""},
		{"unknown metadata field", func(id string) string { return `{"id":"` + id + `","metadata":{"caption":"x"}}` }, 400, `metadata field "caption" is not supported.`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			c := s.OAuth2Client()
			id := v2Upload(t, c, s, testData(10), 10, "image/png", "")
			r := send(t, c, http.MethodPost, s.URL+v2MetadataPath, jsonType, []byte(tc.body(id)))
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			m, _ := s.Media(id)
			assert.Equal(t, tc.wantAlt, m.AltText)
			if tc.wantStatus != 200 {
				assert.Contains(t, problemOf(t, r).Detail, tc.wantDetail)
				return
			}
			assert.Equal(t, map[string]any{"data": map[string]any{"id": id,
				"associated_metadata": map[string]any{"alt_text": map[string]any{"text": tc.wantAlt}}}}, r.json(t))
			last := s.Requests()[len(s.Requests())-1]
			assert.Equal(t, StepMetadata, last.Step)
			assert.Equal(t, id, last.MediaID)
		})
	}
}

func TestV2_metadataNeedsProcessedMedia(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0))
	c := s.Client() // OAuth 1.0a on v2
	id := v2Upload(t, c, s, testData(10), 10, "image/gif", "tweet_gif")
	body := fmt.Appendf(nil, `{"id":%q,"metadata":{"alt_text":{"text":"x"}}}`, id)
	r := send(t, c, http.MethodPost, s.URL+v2MetadataPath, jsonType, body)
	assert.Contains(t, problemOf(t, r).Detail, "is not ready (state pending)")
}
