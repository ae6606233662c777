package mediatest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFault_reshape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		reshape    func(*Answer)
		wantStatus int
		want       string // the body, exactly
	}{
		{"field removed", WithoutField("media_id_string"), 202, ""},
		{"nested field set", SetField("processing_info.progress_percent", 42.5), 202, ""},
		{"another status, no body", ReplaceAnswer(204, ""), 204, ""},
		{"only errors", ReplaceAnswer(200, `{"errors":[{"detail":"no"}]}`), 200, `{"errors":[{"detail":"no"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			s.InjectFault(Fault{Step: StepInit, Reshape: tc.reshape})
			r := postForm(t, s, url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}})
			require.Equal(t, tc.wantStatus, r.status)
			if tc.want != "" || tc.wantStatus == 204 {
				assert.Equal(t, tc.want, string(r.body))
			}
			require.Len(t, s.AllMedia(), 1, "the request was processed")
			assertRecorded(t, s, tc.wantStatus)
		})
	}

	t.Run("fields", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		s.InjectFault(Fault{Step: StepInit, Reshape: WithoutField("media_id_string")})
		s.InjectFault(Fault{Step: StepInit, Reshape: SetField("processing_info.progress_percent", 42.5)})
		init := url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}}
		m := postForm(t, s, init).json(t)
		assert.NotContains(t, m, "media_id_string")
		assert.Contains(t, m, "media_id")
		m = postForm(t, s, init).json(t)
		assert.Equal(t, json.Number("42.5"), m["processing_info"].(map[string]any)["progress_percent"])
		m = postForm(t, s, init).json(t)
		assert.Contains(t, m, "media_id_string", "faults are used up")
	})
}

func TestFault_reshapeV2(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0))
	id := uploadSegments(t, s, testData(20), 10, "video/mp4", "tweet_video")
	s.InjectFault(Fault{Step: StepFinalize, Dialect: "2", Reshape: WithoutField("data.id")})
	r := send(t, s.Client(), http.MethodPost, s.URL+"/2/media/upload/"+id+"/finalize", "", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	data := r.json(t)["data"].(map[string]any)
	assert.NotContains(t, data, "id")
	assert.Contains(t, data, "processing_info")
	m, _ := s.Media(id)
	assert.True(t, m.Finalized)
}

func TestFault_trickle(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.InjectFault(Fault{Step: StepInit, Trickle: 5 * time.Millisecond})
	start := time.Now()
	r := postForm(t, s, url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}})
	require.Equal(t, http.StatusAccepted, r.status)
	assert.Contains(t, r.json(t), "media_id_string")
	assert.GreaterOrEqual(t, time.Since(start), time.Duration(len(r.body))*5*time.Millisecond, "one byte per 5 ms")
	assertRecorded(t, s, http.StatusAccepted)
}

// assertRecorded checks that the first request is recorded as faulted and
// answered status (the record is written once the handler returns, which
// may be just after the client has read the answer).
func assertRecorded(t *testing.T, s *Server, status int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.Requests()[0].Status != 0 }, 5*time.Second, time.Millisecond)
	r := s.Requests()[0]
	assert.True(t, r.Fault)
	assert.Equal(t, status, r.Status)
}

func TestFault_trickleEndsWithClient(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.InjectFault(Fault{Step: StepInit, Trickle: time.Hour})
	body := []byte(url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}}.Encode())
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.UploadURL(), bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", formType)
	c := s.Client()
	c.Timeout = 200 * time.Millisecond
	resp, err := c.Do(req)
	if err == nil { // headers came at once; the body never does
		_, err = resp.Body.Read(make([]byte, 1))
		resp.Body.Close()
	}
	require.Error(t, err)
	require.Eventually(t, func() bool { return strings.Contains(s.Requests()[0].Err, "trickle ended") },
		5*time.Second, 10*time.Millisecond)
}

func TestFault_reshapeMisuse(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	assert.Panics(t, func() { s.InjectFault(Fault{Step: StepInit, Status: 503, Reshape: WithoutField("x")}) })
	assert.Panics(t, func() { s.InjectFault(Fault{Step: StepInit, LoseAnswer: true, Trickle: time.Second}) })
	assert.Panics(t, func() { s.InjectFault(Fault{Step: StepInit, Trickle: -1}) })
}

func TestInspectFaults_reshape(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	post := func(body string) int {
		resp, err := http.Post(s.URL+"/mediatest/faults", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusCreated, post(`{"step":"INIT","without_fields":["media_id_string"],"set_fields":{"processing_info.state":"odd"}}`))
	require.Equal(t, http.StatusCreated, post(`{"step":"INIT","answer_status":204,"answer_body":""}`))
	require.Equal(t, http.StatusBadRequest, post(`{"step":"INIT","trickle_ms":-1}`))
	init := url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}}
	m := postForm(t, s, init).json(t)
	assert.NotContains(t, m, "media_id_string")
	assert.Equal(t, "odd", m["processing_info"].(map[string]any)["state"])
	r := postForm(t, s, init)
	assert.Equal(t, 204, r.status)
	assert.Empty(t, r.body)
}

func TestPostWithoutContentLength(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	body := url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}}.Encode()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.UploadURL(), struct{ io.Reader }{strings.NewReader(body)})
	require.NoError(t, err)
	req.Header.Set("Content-Type", formType)
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusLengthRequired, resp.StatusCode, "a chunked POST is refused, as proxies may")
	assert.Empty(t, s.AllMedia())
}
