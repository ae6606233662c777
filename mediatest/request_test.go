package mediatest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequest_String(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"append with a fault", Request{Step: StepAppend, Dialect: dialectV1, Auth: authOAuth1, Method: "POST",
			Path: "/1.1/media/upload.json", ContentType: "multipart/form-data; boundary=x", MediaID: "1880028106020515841",
			Segment: 1, Bytes: 65536, Nonce: "secret-nonce", Timestamp: "1700000000", Status: 503, Fault: true, Err: "Service Unavailable"},
			`APPEND v1.1 POST /1.1/media/upload.json media=1880028106020515841 segment=1 bytes=65536 status=503 fault error="Service Unavailable"`},
		{"base64 segment 0", Request{Step: StepAppend, Dialect: dialectV2, Method: "POST", Path: "/2/media/upload/1/append",
			MediaID: "1", Segment: 0, Bytes: 3, Base64: true, Status: 200},
			`APPEND v2 POST /2/media/upload/1/append media=1 segment=0 bytes=3 base64 status=200`},
		{"init", Request{Step: StepInit, Dialect: dialectV2, Method: "POST", Path: "/2/media/upload/initialize", MediaID: "7", Segment: -1, Status: 200},
			`INIT v2 POST /2/media/upload/initialize media=7 status=200`},
		{"unknown path, dropped", Request{Method: "GET", Path: "/nope", Segment: -1},
			`- - GET /nope status=0`},
		{"error with quotes and newline", Request{Step: StepTweet, Dialect: dialectV2, Method: "POST", Path: "/2/tweets",
			MediaID: "1,2", Segment: -1, Status: 400, Err: "bad \"x\"\nline"},
			`TWEET v2 POST /2/tweets media=1,2 status=400 error="bad \"x\"\nline"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.req.String()
			assert.Equal(t, tc.want, got)
			assert.NotContains(t, got, "\n")
			assert.NotContains(t, got, "secret-nonce")
		})
	}
}

// t.Log(r) and fmt print the readable line, for every request recorded.
func TestRequest_StringOfRecorded(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.InjectFault(Fault{Step: StepAppend, Status: 503})
	id := initMedia(t, s, 4, "image/png", "tweet_image")
	require.Equal(t, http.StatusServiceUnavailable, appendSegment(t, s, id, 0, []byte("abcd")).status)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "INIT v1.1 POST /1.1/media/upload.json media="+id+" status=202", fmt.Sprint(reqs[0]))
	assert.True(t, strings.HasPrefix(fmt.Sprint(reqs[1]), "APPEND v1.1 POST /1.1/media/upload.json media="+id+" segment=0 bytes=4 status=503 fault error="),
		fmt.Sprint(reqs[1]))
	assert.Equal(t, "["+reqs[0].String()+" "+reqs[1].String()+"]", fmt.Sprint(reqs))
}
