package mediaupload

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/internal/wire"
)

func TestParseAPIError(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantErrors []ErrorDetail
		wantMsg    string
		wantRetry  time.Duration
	}{
		{
			name:       "errors array",
			status:     400,
			body:       `{"errors":[{"code":324,"message":"Image file size must be <= 5242880 bytes"}]}`,
			wantErrors: []ErrorDetail{{324, "Image file size must be <= 5242880 bytes"}},
			wantMsg:    "Image file size must be <= 5242880 bytes",
		},
		{
			name:    "upload host error string",
			status:  400,
			body:    `{"request":"\/1.1\/media\/upload.json","error":"media type unrecognized."}`,
			wantMsg: "media type unrecognized.",
		},
		{
			name:    "v2 problem object",
			status:  400,
			body:    `{"title":"Invalid Request","detail":"Segments do not add up to provided total file size.","type":"https://api.x.com/2/problems/invalid-request"}`,
			wantMsg: "Invalid Request: Segments do not add up to provided total file size.",
		},
		{
			name:       "v2 errors of problems",
			status:     403,
			body:       `{"errors":[{"title":"Forbidden","detail":"needs media.write"}]}`,
			wantErrors: []ErrorDetail{{0, "Forbidden: needs media.write"}},
			wantMsg:    "Forbidden: needs media.write",
		},
		{
			name:    "a proxy's HTML page",
			status:  502,
			body:    "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			wantMsg: "an HTML page: 502 Bad Gateway",
		},
		{
			name:    "an HTML page without a title",
			status:  400,
			body:    "<!DOCTYPE html><html><body><pre>request rejected by WAF rule 942100</pre></body></html>",
			wantMsg: "an HTML page: request rejected by WAF rule 942100",
		},
		{
			name:    "plain string errors",
			status:  500,
			body:    `{"errors":"Internal error"}`,
			wantMsg: "Internal error",
		},
		{
			name:    "plain string errors beside a null error",
			status:  500,
			body:    `{"errors":"x","error":null}`,
			wantMsg: "x",
		},
		{
			name:    "html body",
			status:  502,
			body:    "<html>\n<body>Bad   Gateway</body></html>",
			wantMsg: "an HTML page: Bad Gateway",
		},
		{
			name:    "empty body",
			status:  503,
			body:    "",
			wantMsg: "",
		},
		{
			name:       "rate limit with retry-after seconds",
			status:     429,
			header:     http.Header{"Retry-After": {"7"}},
			body:       `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`,
			wantErrors: []ErrorDetail{{88, "Rate limit exceeded"}},
			wantMsg:    "Rate limit exceeded",
			wantRetry:  7 * time.Second,
		},
		{
			name:      "rate limit reset epoch, the longer wait wins",
			status:    429,
			header:    http.Header{"Retry-After": {"2"}, "X-Rate-Limit-Reset": {fmt.Sprint(now.Unix() + 30)}},
			wantRetry: 30 * time.Second,
		},
		{
			name:      "rate-limit headers on a 503 with quota left are not a reason to wait",
			status:    503,
			header:    http.Header{"X-Rate-Limit-Remaining": {"1799"}, "X-Rate-Limit-Reset": {fmt.Sprint(now.Unix() + 840)}},
			wantRetry: 0,
		},
		{
			name:      "rate-limit reset on a 503 with no quota left",
			status:    503,
			header:    http.Header{"X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Reset": {fmt.Sprint(now.Unix() + 60)}},
			wantRetry: time.Minute,
		},
		{
			name:    "body echoing the request's credentials",
			status:  502,
			body:    "GET /1.1/media/upload.json\nAuthorization: OAuth oauth_consumer_key=\"k\", oauth_signature=\"s%3D\"",
			wantMsg: "(answer withheld: it echoes credentials)",
		},
		{
			name:       "JSON message echoing a signature",
			status:     401,
			body:       `{"errors":[{"code":32,"message":"bad oauth_signature=\"c2ln\""}]}`,
			wantErrors: []ErrorDetail{{32, "(answer withheld: it echoes credentials)"}},
			wantMsg:    "(answer withheld: it echoes credentials)",
		},
		{
			name:      "reset in the past",
			status:    429,
			header:    http.Header{"X-Rate-Limit-Reset": {fmt.Sprint(now.Unix() - 30)}},
			wantRetry: 0,
		},
		{
			name:      "retry-after of decades",
			status:    429,
			header:    http.Header{"Retry-After": {"1000000000"}},
			wantRetry: 1_000_000_000 * time.Second,
		},
		{
			name:      "retry-after past what a duration holds",
			status:    429,
			header:    http.Header{"Retry-After": {"99999999999999999"}},
			wantRetry: math.MaxInt64 / time.Second * time.Second,
		},
		{
			name:      "retry-after http date",
			status:    503,
			header:    http.Header{"Retry-After": {now.Add(90 * time.Second).UTC().Format(http.TimeFormat)}},
			wantRetry: 90 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header := tc.header
			if header == nil {
				header = http.Header{}
			}
			got := parseAPIError(StepAppend, tc.status, header, []byte(tc.body), now, "")
			assert.Equal(t, tc.status, got.StatusCode)
			assert.Equal(t, tc.wantErrors, got.Errors)
			assert.Equal(t, tc.wantMsg, got.Message)
			assert.Equal(t, tc.wantRetry, got.RetryAfter)
			if tc.wantRetry > 0 {
				assert.Equal(t, now.Add(tc.wantRetry), got.ResetAt)
			} else {
				assert.Zero(t, got.ResetAt)
			}
			assert.Contains(t, got.Error(), fmt.Sprintf("HTTP %d", tc.status))
		})
	}
}

func TestAPIErrorWithholdsAnEchoedBearerToken(t *testing.T) {
	t.Parallel()
	const token = "AAAA/bearer+tok=en/xyz"
	tests := []struct {
		name  string
		body  string
		token string // default token
	}{
		{name: "as is in a JSON message", body: `{"errors":[{"code":89,"message":"Invalid token AAAA/bearer+tok=en/xyz"}]}`},
		{name: "JSON escaped slash", body: `{"errors":[{"code":89,"message":"Invalid token AAAA\/bearer+tok=en\/xyz"}]}`},
		{name: "JSON unicode escapes", body: `{"error":"token AAAA\u002fbearer\u002Btok\u003den\u002Fxyz"}`},
		{name: "v2 problem detail", body: `{"title":"Unauthorized","detail":"token AAAA\/bearer\u002btok=en\/xyz is invalid"}`},
		{name: "v2 errors title and detail", body: `{"errors":[{"title":"Forbidden","detail":"AAAA\/bearer+tok=en\/xyz"}]}`},
		{name: "percent-encoded in plain text", body: "token=AAAA%2Fbearer%2Btok%3Den%2fxyz rejected"},
		{name: "percent-encoded in a JSON string", body: `{"error":"sent access_token=AAAA%2Fbearer%2Btok%3Den%2Fxyz"}`},
		{name: "percent-encoded, then JSON escaped", body: `{"error":"AAAA%2Fbearer%2Btok%3Den\/xyz"}`},
		{name: "JSON escaped in an HTML body", body: `<html><p>AAAA\/bearer+tok=en\/xyz</p></html>`},
		{name: "percent-encoded token decoded in the body", token: "AAAA%2Bapp%3Donly", body: `{"error":"bad token AAAA+app=only"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secret := token
			if tc.token != "" {
				secret = tc.token
			}
			e := parseAPIError(StepInit, 403, http.Header{}, []byte(tc.body), time.Now(), secret)
			assert.Equal(t, wire.Withheld, e.Message)
			for _, d := range e.Errors {
				assert.Equal(t, wire.Withheld, d.Message)
			}
			for _, form := range []string{secret, "bearer", "xyz", "only"} {
				assert.NotContains(t, e.Error(), form)
			}
		})
	}
	t.Run("an answer that does not echo it is kept", func(t *testing.T) {
		t.Parallel()
		body := `{"errors":[{"code":324,"message":"AAAA\/other+token is not yours; 100% sure"}]}`
		for _, secret := range []string{token, ""} {
			e := parseAPIError(StepInit, 400, http.Header{}, []byte(body), time.Now(), secret)
			assert.Equal(t, "AAAA/other+token is not yours; 100% sure", e.Message)
		}
	})
}

func TestParseAPIErrorTruncatesLongBodies(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("é", 1000)
	got := parseAPIError(StepInit, 500, http.Header{}, []byte(body), time.Now(), "")
	assert.LessOrEqual(t, len(got.Message), 210)
	assert.True(t, strings.HasSuffix(got.Message, "…"))
}

func TestAPIErrorHints(t *testing.T) {
	t.Parallel()
	assert.Contains(t, (&APIError{Step: StepAppend, StatusCode: 413}).Error(), "smaller chunk size")
	assert.Contains(t, (&APIError{Step: StepAppend, StatusCode: 431}).Error(), "smaller chunk size")
	assert.Contains(t, (&APIError{Step: StepInit, StatusCode: 401}).Error(), "credentials")
	assert.Equal(t, "mediaupload: append: HTTP 400 Bad Request: Bad (code 7)",
		(&APIError{Step: StepAppend, StatusCode: 400, Message: "Bad", Errors: []ErrorDetail{{7, "Bad"}}}).Error())
}

func TestLimitError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *LimitError
		want string
	}{
		{"size known", &LimitError{Category: "tweet_image", Limit: imageLimit, Size: imageLimit + 10},
			"mediaupload: media is too large: 5242890 bytes is over the 5242880-byte limit of tweet_image by 10 bytes"},
		{"size unknown", &LimitError{Category: "tweet_gif", Limit: gifLimit, Size: -1},
			"mediaupload: media is too large: the input is over the 15728640-byte limit of tweet_gif (refused once past it, so its full size is unknown)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("wrapped: %w", tc.err)
			assert.ErrorIs(t, err, ErrTooLarge)
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

func TestUploadError(t *testing.T) {
	t.Parallel()
	cause := &APIError{Step: StepAppend, StatusCode: 503}
	err := error(&UploadError{Step: StepAppend, MediaID: "1880028106020515841", Segment: 3, Err: cause})
	assert.Equal(t, "mediaupload: upload failed at append of segment 3 of media 1880028106020515841: append: HTTP 503 Service Unavailable", err.Error())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	var ue *UploadError
	require.ErrorAs(t, fmt.Errorf("wrapped: %w", err), &ue)
	assert.Equal(t, 3, ue.Segment)

	init := &UploadError{Step: StepInit, Segment: -1, Err: errors.New("boom")}
	assert.Equal(t, "mediaupload: upload failed at init: boom", init.Error())

	gaveUp := &UploadError{Step: StepFinalize, MediaID: "9", Segment: -1, Err: fmt.Errorf("gave up after 8 attempts: %w", &APIError{Step: StepFinalize, StatusCode: 502})}
	assert.Equal(t, "mediaupload: upload failed at finalize of media 9: gave up after 8 attempts: finalize: HTTP 502 Bad Gateway", gaveUp.Error(),
		"the package is named once")
}

func TestProcessingError(t *testing.T) {
	t.Parallel()
	err := &ProcessingError{MediaID: "9", Code: 1, Name: "InvalidMedia", Message: "Unsupported video format"}
	assert.Equal(t, "mediaupload: processing of media 9 failed: InvalidMedia (code 1): Unsupported video format", err.Error())
}

func FuzzParseAPIError(f *testing.F) {
	for _, seed := range []string{
		`{"errors":[{"code":324,"message":"Image file size must be <= 5242880 bytes"}]}`,
		`{"request":"\/1.1\/media\/upload.json","error":"media type unrecognized."}`,
		`{"title":"Invalid Request","detail":"Segments do not add up","type":"https://api.x.com/2/problems/invalid-request"}`,
		`{"errors":"Internal error"}`, `{"errors":[{"title":"Forbidden"}]}`, `<html>bad gateway</html>`, ``, `null`, `{"errors":null}`,
		`{"error":"invalid oauth_signature=\"abc%3D\""}`, `{"title":"Unauthorized","detail":"Authorization: Bearer abc"}`,
	} {
		f.Add(503, seed, "7")
	}
	f.Fuzz(func(t *testing.T, status int, body, retry string) {
		e := parseAPIError(StepAppend, status, http.Header{"Retry-After": {retry}, "X-Rate-Limit-Reset": {retry}}, []byte(body), time.Unix(1_700_000_000, 0), "")
		msg := e.Error()
		if !strings.HasPrefix(msg, "mediaupload: append: HTTP ") {
			t.Fatalf("error %q", msg)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative retry-after %v", e.RetryAfter)
		}
		if strings.Contains(strings.ToLower(e.Message), "oauth_") {
			t.Fatalf("credentials echoed into the error: %q", msg)
		}
	})
}
