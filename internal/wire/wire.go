// Package wire is the upload API on the wire, in its v1.1 and v2 dialects: the requests of
// every step, the framing of APPEND bodies, and the reading of answers and error answers.
package wire

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// Dialect is what differs between the wire versions of the upload API.
type Dialect interface {
	// Name is the API version: "1.1" or "2".
	Name() string
	Init(p InitParams) Request
	// Append returns an APPEND's URL and body; a raw body streams data without copying it.
	Append(mediaID string, index int, data []byte, asBase64 bool) (url string, body *Body)
	Finalize(mediaID string) Request
	Status(mediaID string) Request
	Metadata(mediaID, altText string) Request
	Subtitles(videoID string, sub Subtitle) Request
	// ParseMedia reads an INIT, FINALIZE or STATUS answer; nil, nil when it holds no media.
	ParseMedia(body []byte) (*Media, error)
	// Hint explains an error status in this dialect's terms, if it can.
	Hint(status int) string
}

// Media is an answer's media object, in either dialect; hints are read leniently ([Hint]).
type Media struct {
	MediaIDString string      `json:"media_id_string"`
	MediaID       json.Number `json:"media_id"`
	ID            string      `json:"id"`
	MediaKey      string      `json:"media_key"`
	Size          int64       `json:"size"`
	ExpiresAfter  Hint        `json:"expires_after_secs"`
	Processing    *Processing `json:"processing_info"`
}

// Processing is an answer's processing_info.
type Processing struct {
	State           string `json:"state"`
	CheckAfterSecs  Hint   `json:"check_after_secs"`
	ProgressPercent Hint   `json:"progress_percent"`
	Error           *struct {
		Code          Hint
		Name, Message string
	} `json:"error"`
}

// Hint is an informational number of an answer: a JSON number or a string holding one.
// Anything else reads as absent, so that an odd hint never fails an upload that went well.
type Hint struct {
	N  int64 // the value, truncated to an integer and bounded by MaxHint
	OK bool  // whether the answer gave one
}

// MaxHint bounds a Hint (136 years in seconds), so that a time.Duration of it cannot overflow.
const MaxHint = 1 << 32

// UnmarshalJSON reads a number or a numeric string, and anything else as absent.
func (h *Hint) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.Trim(string(b), `"`)), 64)
	if err == nil && !math.IsNaN(f) {
		h.N, h.OK = int64(max(min(f, MaxHint), -MaxHint)), true
	}
	return nil
}

// IDOf returns the media id, from its string forms only (ids exceed 2^53); "" when none.
func (w *Media) IDOf() string { return cmp.Or(w.MediaIDString, w.ID, w.MediaID.String()) }

// InitParams describe an upload to INIT; the tags are v2's INIT body.
type InitParams struct {
	TotalBytes       int64    `json:"total_bytes"`
	MediaType        string   `json:"media_type"`
	Category         string   `json:"media_category,omitempty"`
	AdditionalOwners []string `json:"additional_owners,omitempty"`
	Shared           bool     `json:"shared,omitempty"`
}

// Subtitle links an uploaded subtitle file to a video.
type Subtitle struct {
	MediaID, LanguageCode, DisplayName string
	VideoCategory                      string // e.g. "tweet_video"
}

// videoCategory is the video's category as the subtitles endpoints spell it.
func (s Subtitle) videoCategory() string {
	if s.VideoCategory == "amplify_video" {
		return "AmplifyVideo"
	}
	return "TweetVideo"
}

// jsonRequest is a POST of v as JSON; v is plain data (no floats, no Marshalers): it cannot fail.
func jsonRequest(url string, v any) Request {
	body, _ := json.Marshal(v)
	return Request{Method: http.MethodPost, URL: url, ContentType: "application/json; charset=UTF-8", Body: body}
}

// Request is a request with a small body, rebuilt for every attempt.
type Request struct {
	Method, URL, ContentType string
	Body                     []byte
}

// Build makes the request of one attempt.
func (w Request) Build(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if w.Body != nil {
		body = bytes.NewReader(w.Body)
	} else if w.Method == http.MethodGet {
		// Go replays a bodiless GET on a broken connection, nonce and all; an unrewindable body
		// makes the retry ours, signed anew. POSTs keep Content-Length: 0, which proxies may want.
		body = io.NopCloser(strings.NewReader(""))
	}
	req, err := http.NewRequestWithContext(ctx, w.Method, w.URL, body)
	if err == nil && w.ContentType != "" {
		req.Header.Set("Content-Type", w.ContentType)
	}
	return req, err
}

// Body is an APPEND body: a small prefix and suffix around the caller's chunk, never copied.
type Body struct {
	ContentType             string
	prefix, payload, suffix []byte
}

// newMultipartBody frames data after fields (name, value) as file "media" or base64 "media_data".
func newMultipartBody(fields [][2]string, data []byte, asBase64 bool) *Body {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		w.WriteField(f[0], f[1]) // writes to memory: cannot fail
	}
	payload := data
	if asBase64 {
		payload = base64.StdEncoding.AppendEncode(nil, data)
		w.CreateFormField("media_data")
	} else {
		w.CreateFormFile("media", "media")
	}
	n := buf.Len()
	w.Close()
	return &Body{ContentType: w.FormDataContentType(), prefix: buf.Bytes()[:n:n], payload: payload, suffix: buf.Bytes()[n:]}
}

// Len is the body's length in bytes.
func (b *Body) Len() int64 { return int64(len(b.prefix) + len(b.payload) + len(b.suffix)) }

// Reader returns a fresh reader over the whole body, for one attempt.
func (b *Body) Reader() io.ReadCloser {
	return io.NopCloser(io.MultiReader(bytes.NewReader(b.prefix), bytes.NewReader(b.payload), bytes.NewReader(b.suffix)))
}

// Build makes the POST of one attempt to url; GetBody lets a same-host 307 resend it.
func (b *Body) Build(ctx context.Context, url string) (*http.Request, error) {
	req, err := Request{Method: http.MethodPost, URL: url, ContentType: b.ContentType}.Build(ctx)
	if err == nil {
		req.Body, req.ContentLength = b.Reader(), b.Len()
		req.GetBody = func() (io.ReadCloser, error) { return b.Reader(), nil }
	}
	return req, err
}
