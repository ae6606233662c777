package mediatest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inspectGet GETs an inspection path without credentials.
func inspectGet(t *testing.T, s *Server, path string) response {
	t.Helper()
	return send(t, http.DefaultClient, http.MethodGet, s.URL+path, "", nil)
}

func TestInspect_media(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(0))
	data := testData(30)
	id := v2Upload(t, s.OAuth2Client(), s, data, 20, "image/png", "tweet_image")
	r := send(t, s.OAuth2Client(), http.MethodPost, s.URL+v2MetadataPath, jsonType,
		[]byte(`{"id":"`+id+`","metadata":{"alt_text":{"text":"A cat"}}}`))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	other := initMedia(t, s, 5, "video/mp4", "")
	before := len(s.Requests())

	r = inspectGet(t, s, "/mediatest/media")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	var all []mediaJSON
	require.NoError(t, json.Unmarshal(r.body, &all))
	require.Len(t, all, 2)
	m := all[0]
	assert.Equal(t, id, m.ID)
	assert.Equal(t, "3_"+id, m.MediaKey)
	assert.Equal(t, "tweet_image", m.Category)
	assert.Equal(t, "succeeded", m.State)
	assert.True(t, m.Finalized)
	assert.Equal(t, 30, m.Size)
	assert.Equal(t, int64(30), m.TotalBytes)
	assert.Equal(t, sha256Hex(data), m.SHA256)
	assert.Equal(t, map[int]int{0: 20, 1: 10}, m.SegmentSizes)
	assert.Equal(t, "A cat", m.AltText)
	assert.Equal(t, other, all[1].ID)
	assert.Equal(t, "uploading", all[1].State)
	assert.NotContains(t, string(r.body), `"data"`, "the bytes are not served in the list")

	// The raw fields, as another language sees them.
	var raw []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &raw))
	for _, k := range []string{"id", "media_key", "sha256", "size", "segment_sizes", "subtitles", "additional_owners", "created_at", "expires_at"} {
		assert.Contains(t, raw[0], k)
	}

	r = inspectGet(t, s, "/mediatest/media/"+id)
	require.Equal(t, http.StatusOK, r.status)
	var one mediaJSON
	require.NoError(t, json.Unmarshal(r.body, &one))
	assert.Equal(t, m, one)

	r = inspectGet(t, s, "/mediatest/media/"+id+"/data")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, data, r.body)
	assert.Equal(t, "application/octet-stream", r.header.Get("Content-Type"))

	assert.Equal(t, before, len(s.Requests()), "inspection requests are not recorded")
}

func TestInspect_requestsAndDeviations(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0))
	id := uploadSegments(t, s, testData(10), 10, "image/png", "")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	require.Equal(t, http.StatusOK, getStatus(t, s, id).status) // a deviation: no processing_info
	send(t, s.OAuth2Client(), http.MethodPost, s.UploadURL(), formType, []byte("command=FINALIZE&media_id="+id))

	r := inspectGet(t, s, "/mediatest/requests")
	require.Equal(t, http.StatusOK, r.status)
	var reqs []requestJSON
	require.NoError(t, json.Unmarshal(r.body, &reqs))
	require.Len(t, reqs, 5)
	for i, want := range s.Requests() {
		assert.Equal(t, requestJSON(want), reqs[i])
	}
	assert.Equal(t, StepAppend, reqs[1].Step)
	assert.Equal(t, "oauth2", reqs[4].Auth)
	assert.Equal(t, 403, reqs[4].Status)
	var raw []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &raw))
	assert.Equal(t, "1.1", raw[0]["dialect"])
	assert.Equal(t, "oauth1", raw[0]["auth"])

	r = inspectGet(t, s, "/mediatest/deviations")
	require.Equal(t, http.StatusOK, r.status)
	var devs []string
	require.NoError(t, json.Unmarshal(r.body, &devs))
	assert.Equal(t, s.Deviations(), devs)
	require.Len(t, devs, 1)

	r = inspectGet(t, newTestServer(t), "/mediatest/deviations")
	assert.JSONEq(t, "[]", string(r.body))
}

func TestInspect_faults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      string
		wantStatus int
		check      func(t *testing.T, s *Server)
	}{
		{"v1.1 INIT status", `{"step":"INIT","status":503,"retry_after":"2"}`, 201, func(t *testing.T, s *Server) {
			r := postForm(t, s, url.Values{"command": {"INIT"}, "total_bytes": {"5"}, "media_type": {"image/png"}})
			assert.Equal(t, 503, r.status)
			assert.Equal(t, "2", r.header.Get("Retry-After"))
			assert.True(t, s.Requests()[0].Fault)
		}},
		{"v2 APPEND segment rate limit, twice", `{"step":"APPEND","dialect":"2","segment":1,"times":2,"status":429,"rate_limit_reset":1900000000}`, 201, func(t *testing.T, s *Server) {
			c := s.OAuth2Client()
			id := v2InitMedia(t, c, s, 2, "image/png", "")
			assert.Equal(t, 200, v2AppendReq(t, c, s, id, 0, []byte("a")).status)
			for range 2 {
				r := v2AppendReq(t, c, s, id, 1, []byte("b"))
				assert.Equal(t, 429, r.status)
				assert.Equal(t, "1900000000", r.header.Get("X-Rate-Limit-Reset"))
			}
			assert.Equal(t, 200, v2AppendReq(t, c, s, id, 1, []byte("b")).status)
		}},
		{"hang", `{"step":"STATUS","hang_ms":50}`, 201, func(t *testing.T, s *Server) {
			id := uploadSegments(t, s, testData(5), 5, "image/png", "")
			require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
			start := time.Now()
			assert.Equal(t, 200, getStatus(t, s, id).status)
			assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
		}},
		{"drop", `{"step":"FINALIZE","drop":true}`, 201, func(t *testing.T, s *Server) {
			id := uploadSegments(t, s, testData(5), 5, "image/png", "")
			_, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), formType, []byte("command=FINALIZE&media_id="+id))
			assert.Error(t, err)
		}},
		{"unknown step", `{"step":"UPLOAD","status":503}`, 400, nil},
		{"lower-case step", `{"step":"append","status":503}`, 400, nil},
		{"does nothing", `{"step":"INIT"}`, 400, nil},
		{"status and drop", `{"step":"INIT","status":503,"drop":true}`, 400, nil},
		{"success status", `{"step":"INIT","status":200}`, 400, nil},
		{"bad dialect", `{"step":"INIT","status":503,"dialect":"v2"}`, 400, nil},
		{"negative hang", `{"step":"INIT","hang_ms":-1}`, 400, nil},
		{"unknown field", `{"step":"INIT","status":503,"segment_index":1}`, 400, nil},
		{"not JSON", `step=INIT`, 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			r := send(t, http.DefaultClient, http.MethodPost, s.URL+"/mediatest/faults", jsonType, []byte(tc.fault))
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			if tc.wantStatus != 201 {
				var e struct{ Error string }
				require.NoError(t, json.Unmarshal(r.body, &e))
				assert.NotEmpty(t, e.Error)
				// Nothing was injected.
				id := initMedia(t, s, 5, "image/png", "")
				assert.Equal(t, http.StatusNoContent, appendSegment(t, s, id, 0, testData(5)).status)
				return
			}
			tc.check(t, s)
		})
	}
}

func TestInspect_routing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
	}{
		{http.MethodGet, "/mediatest", 404, ""},
		{http.MethodGet, "/mediatest/", 404, ""},
		{http.MethodGet, "/mediatest/nothing", 404, ""},
		{http.MethodGet, "/mediatest/media/42", 404, ""},
		{http.MethodGet, "/mediatest/media/42/data", 404, ""},
		{http.MethodPost, "/mediatest/media", 405, "GET"},
		{http.MethodDelete, "/mediatest/requests", 405, "GET"},
		{http.MethodGet, "/mediatest/faults", 405, "POST"},
		{http.MethodHead, "/mediatest/media", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			r := send(t, http.DefaultClient, tc.method, s.URL+tc.path, "", nil)
			assert.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			assert.Equal(t, tc.wantAllow, r.header.Get("Allow"))
		})
	}
	assert.Empty(t, s.Requests())
}

func TestOAuth2Client_TLS(t *testing.T) {
	t.Parallel()
	s := NewTLSServer()
	t.Cleanup(s.Close)
	c := s.OAuth2Client()
	id := v2Upload(t, c, s, testData(7), 4, "image/png", "")
	m, _ := s.Media(id)
	assert.Equal(t, testData(7), m.Data)
	assert.Equal(t, strconv.Itoa(firstMediaID), id)
}

// Requests that end before authentication still record the credentials
// they carried.
func TestRequest_authBeforeRouting(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	send(t, s.OAuth2Client(), http.MethodGet, s.URL+"/2/tweets", "", nil)
	send(t, s.Client(), http.MethodGet, s.URL+"/1.1/nothing.json", "", nil)
	send(t, http.DefaultClient, http.MethodGet, s.URL+"/1.1/nothing.json", "", nil)
	var got []string
	for _, r := range s.Requests() {
		got = append(got, r.Dialect+" "+r.Auth)
	}
	assert.Equal(t, []string{"2 oauth2", " oauth1", " "}, got)
}
