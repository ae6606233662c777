package mediatest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestV1_paramsInQuery(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	data := testData(12)

	// INIT and FINALIZE with every parameter in the query and no body, as
	// in the reference pages' examples.
	q := url.Values{"command": {"INIT"}, "total_bytes": {"12"}, "media_type": {"image/png"}}
	r := send(t, s.Client(), http.MethodPost, s.UploadURL()+"?"+q.Encode(), "", nil)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	id := r.json(t)["media_id_string"].(string)

	// APPEND with command, media_id and segment_index in the query and only
	// the media part in the body.
	ct, body := multipartBody(t, part{name: "media", value: data, file: true})
	q = url.Values{"command": {"APPEND"}, "media_id": {id}, "segment_index": {"0"}}
	r = send(t, s.Client(), http.MethodPost, s.UploadURL()+"?"+q.Encode(), ct, body)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	assert.Empty(t, r.body)

	q = url.Values{"command": {"FINALIZE"}, "media_id": {id}}
	r = send(t, s.Client(), http.MethodPost, s.UploadURL()+"?"+q.Encode(), formType, nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	m, _ := s.Media(id)
	assert.Equal(t, data, m.Data)
}

func TestV1_multipartInitAndFinalize(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	ct, body := multipartBody(t, field("command", "INIT"), field("total_bytes", "5"), field("media_type", "image/gif"),
		field("media_category", "TweetGif"), field("additional_owners", "12, 34"), field("shared", "true"))
	r := send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	id := r.json(t)["media_id_string"].(string)
	require.Equal(t, http.StatusNoContent, appendSegment(t, s, id, 0, []byte("GIF89")).status)

	ct, body = multipartBody(t, field("command", "FINALIZE"), field("media_id", id))
	r = send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	assert.Contains(t, r.json(t), "processing_info")

	m, _ := s.Media(id)
	assert.Equal(t, []string{"12", "34"}, m.AdditionalOwners)
	assert.True(t, m.Shared)
	assert.Equal(t, "tweet_gif", m.Category)
}

func TestV1_initErrors(t *testing.T) {
	t.Parallel()
	manyOwners := strings.Repeat("1,", 100) + "1"
	tests := []struct {
		name     string
		params   url.Values
		wantCode int
		wantBody string
	}{
		{name: "unknown media type", params: url.Values{"total_bytes": {"10"}, "media_type": {"image/heic"}},
			wantBody: `{"request":"/1.1/media/upload.json","error":"media type unrecognized."}`},
		{name: "missing total_bytes", params: url.Values{"media_type": {"image/png"}}, wantCode: codeMissingParam},
		{name: "zero total_bytes", params: url.Values{"total_bytes": {"0"}, "media_type": {"image/png"}}, wantCode: codeInvalidParam},
		{name: "negative total_bytes", params: url.Values{"total_bytes": {"-5"}, "media_type": {"image/png"}}, wantCode: codeInvalidParam},
		{name: "text total_bytes", params: url.Values{"total_bytes": {"ten"}, "media_type": {"image/png"}}, wantCode: codeInvalidParam},
		{name: "missing media_type", params: url.Values{"total_bytes": {"10"}}, wantCode: codeMissingParam},
		{name: "unknown category", params: url.Values{"total_bytes": {"10"}, "media_type": {"image/png"}, "media_category": {"story_image"}},
			wantCode: codeInvalidParam},
		{name: "101 owners", params: url.Values{"total_bytes": {"10"}, "media_type": {"image/png"}, "additional_owners": {manyOwners}},
			wantCode: codeInvalidParam},
		{name: "owner not a user id", params: url.Values{"total_bytes": {"10"}, "media_type": {"image/png"}, "additional_owners": {"12,@bob"}},
			wantCode: codeInvalidParam},
		{name: "shared not a boolean", params: url.Values{"total_bytes": {"10"}, "media_type": {"image/png"}, "shared": {"yes"}},
			wantCode: codeInvalidParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			tc.params.Set("command", "INIT")
			r := postForm(t, s, tc.params)
			assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			if tc.wantBody != "" {
				assert.JSONEq(t, tc.wantBody, string(r.body))
			} else {
				assert.Equal(t, tc.wantCode, r.errCode(t))
			}
			assert.Empty(t, s.AllMedia())
		})
	}
}

func TestV1_commands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, command string
		wantCode              int
	}{
		{"lower-case init", http.MethodPost, "init", codeInvalidParam},
		{"missing command", http.MethodPost, "", codeMissingParam},
		{"unknown command", http.MethodPost, "UPLOAD", codeInvalidParam},
		{"INIT with GET", http.MethodGet, "INIT", codeInvalidParam},
		{"STATUS with POST", http.MethodPost, "STATUS", codeInvalidParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			q := url.Values{"total_bytes": {"10"}, "media_type": {"image/png"}}
			if tc.command != "" {
				q.Set("command", tc.command)
			}
			r := send(t, s.Client(), tc.method, s.UploadURL()+"?"+q.Encode(), "", nil)
			assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			assert.Equal(t, tc.wantCode, r.errCode(t))
			assert.Empty(t, s.AllMedia())
			assert.Equal(t, Step(""), s.Requests()[0].Step)
		})
	}
}

func TestV1_unsupportedBody(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	r := send(t, s.Client(), http.MethodPost, s.UploadURL(), "application/json",
		[]byte(`{"command":"INIT","total_bytes":10,"media_type":"image/png"}`))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, codeInvalidParam, r.errCode(t))
	r = send(t, s.Client(), http.MethodPost, s.UploadURL(), "multipart/form-data; boundary=x", []byte("garbage"))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Empty(t, s.AllMedia())
}

func TestV1_append(t *testing.T) {
	t.Parallel()
	data := testData(100)
	b64 := base64.StdEncoding.EncodeToString(data)
	big := testData(5<<20 + 1)
	tests := []struct {
		name       string
		parts      func(id string) []part
		urlencoded bool
		wantStatus int
		wantCode   int
		wantBase64 bool
	}{
		{name: "raw file part", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"), {name: "media", value: data, file: true}}
		}, wantStatus: 204},
		{name: "raw part without file name", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"), {name: "media", value: data}}
		}, wantStatus: 204},
		{name: "base64 media_data", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"), field("media_data", b64)}
		}, wantStatus: 204, wantBase64: true},
		{name: "media and media_data", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"),
				field("media_data", b64), {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeInvalidParam, wantBase64: true},
		{name: "neither media nor media_data", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0")}
		}, wantStatus: 400, wantCode: codeMissingParam},
		{name: "raw bytes in media_data", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"), field("media_data", "\x00\x01raw")}
		}, wantStatus: 400, wantCode: codeInvalidParam, wantBase64: true},
		{name: "empty media", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"), {name: "media", file: true}}
		}, wantStatus: 400, wantCode: codeMissingParam},
		{name: "media twice", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"),
				{name: "media", value: data, file: true}, {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeInvalidParam},
		{name: "urlencoded media_data", urlencoded: true, wantStatus: 400, wantCode: codeInvalidParam, wantBase64: true},
		{name: "segment_index 1000", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "1000"), {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeInvalidParam},
		{name: "segment_index -1", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "-1"), {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeInvalidParam},
		{name: "segment_index not a number", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "one"), {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeInvalidParam},
		{name: "missing segment_index", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeMissingParam},
		{name: "missing media_id", parts: func(string) []part {
			return []part{field("command", "APPEND"), field("segment_index", "0"), {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeMissingParam},
		{name: "unknown media_id", parts: func(string) []part {
			return []part{field("command", "APPEND"), field("media_id", "1880028106020515999"), field("segment_index", "0"), {name: "media", value: data, file: true}}
		}, wantStatus: 400, wantCode: codeMedia},
		{name: "more than total_bytes", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"), {name: "media", value: testData(101), file: true}}
		}, wantStatus: 400, wantCode: codeMedia},
		{name: "segment over 5 MiB", parts: func(id string) []part {
			return []part{field("command", "APPEND"), field("media_id", id), field("segment_index", "0"), {name: "media", value: big, file: true}}
		}, wantStatus: 400, wantCode: codeMedia},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			id := initMedia(t, s, 100, "image/png", "")
			var r response
			if tc.urlencoded {
				r = postForm(t, s, url.Values{"command": {"APPEND"}, "media_id": {id}, "segment_index": {"0"}, "media_data": {b64}})
			} else {
				ct, body := multipartBody(t, tc.parts(id)...)
				r = send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
			}
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			req := s.Requests()[1]
			assert.Equal(t, StepAppend, req.Step)
			assert.Equal(t, tc.wantBase64, req.Base64)
			m, _ := s.Media(id)
			if tc.wantStatus != http.StatusNoContent {
				assert.Equal(t, tc.wantCode, r.errCode(t))
				assert.Zero(t, m.Appends)
				assert.Empty(t, s.Deviations())
				return
			}
			assert.Equal(t, 0, req.Segment)
			assert.Equal(t, 100, req.Bytes)
			assert.Equal(t, data, m.Data)
			if tc.wantBase64 {
				require.Len(t, s.Deviations(), 1)
				assert.Contains(t, s.Deviations()[0], "media_data")
			} else {
				assert.Empty(t, s.Deviations())
			}
		})
	}
}

func TestV1_segmentLimitMessage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id := initMedia(t, s, 6<<20, "video/mp4", "tweet_video")
	r := appendSegment(t, s, id, 0, testData(5<<20+1))
	assert.JSONEq(t, `{"errors":[{"code":324,"message":"File size must be <= 5242880 bytes"}]}`, string(r.body))
	assert.Equal(t, http.StatusNoContent, appendSegment(t, s, id, 0, testData(5<<20)).status)
}

func TestV1_altText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		wantText                string
	}{
		{"json", "application/json", `{"media_id":"ID","alt_text":{"text":"A cat"}}`, 200, "A cat"},
		{"json with charset", "application/json; charset=UTF-8", `{"media_id":"ID","alt_text":{"text":"A cat"}}`, 200, "A cat"},
		{"text/plain", "text/plain; charset=UTF-8", `{"media_id":"ID","alt_text":{"text":"A cat"}}`, 200, "A cat"},
		{"numeric media_id", "application/json", `{"media_id":ID,"alt_text":{"text":"A cat"}}`, 200, "A cat"},
		{"1000 runes", "application/json", `{"media_id":"ID","alt_text":{"text":"` + strings.Repeat("é", 1000) + `"}}`, 200, strings.Repeat("é", 1000)},
		{"1001 runes", "application/json", `{"media_id":"ID","alt_text":{"text":"` + strings.Repeat("a", 1001) + `"}}`, 400, ""},
		{"urlencoded", formType, `{"media_id":"ID","alt_text":{"text":"A cat"}}`, 400, ""},
		{"latin1 charset", "text/plain; charset=ISO-8859-1", `{"media_id":"ID","alt_text":{"text":"A cat"}}`, 400, ""},
		{"malformed JSON", "application/json", `{"media_id":"ID",`, 400, ""},
		{"missing alt_text", "application/json", `{"media_id":"ID"}`, 400, ""},
		{"missing media_id", "application/json", `{"alt_text":{"text":"A cat"}}`, 400, ""},
		{"unknown media", "application/json", `{"media_id":"1880028106020515999","alt_text":{"text":"A cat"}}`, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			id := uploadSegments(t, s, testData(10), 10, "image/png", "tweet_image")
			require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
			body := strings.ReplaceAll(tc.body, "ID", id)
			r := send(t, s.Client(), http.MethodPost, s.URL+v1MetadataPath, tc.contentType, []byte(body))
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			m, _ := s.Media(id)
			assert.Equal(t, tc.wantText, m.AltText)
			req := s.Requests()[len(s.Requests())-1]
			assert.Equal(t, StepMetadata, req.Step)
			if tc.wantStatus == http.StatusOK {
				assert.Empty(t, r.body)
				assert.Equal(t, id, req.MediaID)
			} else {
				assert.NotZero(t, r.errCode(t))
			}
		})
	}
}

func TestV1_altTextNeedsProcessedMedia(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(0))
	id := uploadSegments(t, s, testData(10), 10, "image/gif", "tweet_gif")
	alt := func() int {
		body := `{"media_id":"` + id + `","alt_text":{"text":"A dancing cat"}}`
		return send(t, s.Client(), http.MethodPost, s.URL+v1MetadataPath, "application/json", []byte(body)).status
	}
	assert.Equal(t, http.StatusBadRequest, alt(), "not finalized")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	assert.Equal(t, http.StatusBadRequest, alt(), "pending")
	require.Equal(t, http.StatusOK, getStatus(t, s, id).status)
	assert.Equal(t, http.StatusOK, alt(), "succeeded")
	m, _ := s.Media(id)
	assert.Equal(t, "A dancing cat", m.AltText)
}

func TestV1_altTextUnsigned(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	r := send(t, s.ts.Client(), http.MethodPost, s.URL+v1MetadataPath, "application/json", []byte(`{}`))
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, codeAuth, r.errCode(t))
}

func TestV1_simpleUpload(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), testData(100)...)

	// The one-shot upload tweepy's media_upload uses for images: no command,
	// the whole file as the "media" part, an optional media_category.
	ct, body := multipartBody(t, part{name: "media", value: png, file: true}, field("media_category", "tweet_image"))
	r := send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	id := r.json(t)["media_id_string"].(string)
	m, ok := s.Media(id)
	require.True(t, ok)
	assert.Equal(t, png, m.Data)
	assert.Equal(t, "image/png", m.MediaType)
	assert.Equal(t, "succeeded", m.State)
	assert.True(t, m.Finalized)

	// base64 media_data works too, and is a deviation.
	ct, body = multipartBody(t, field("media_data", base64.StdEncoding.EncodeToString(png)))
	r = send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Len(t, s.Deviations(), 1)

	// Videos and the asynchronous categories need the chunked upload.
	mp4 := append([]byte("\x00\x00\x00\x20ftypisom"), testData(100)...)
	ct, body = multipartBody(t, part{name: "media", value: mp4, file: true})
	r = send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	ct, body = multipartBody(t, part{name: "media", value: png, file: true}, field("media_category", "tweet_gif"))
	r = send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)

	// No media at all is still "command parameter is missing."
	ct, body = multipartBody(t, field("media_category", "tweet_image"))
	r = send(t, s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), "command parameter is missing")
}
