// Package wire is the upload API on the wire, in its v1.1 and v2 dialects:
// the requests of every step, the framing of APPEND bodies, and the
// reading of answers and error answers. The client's logic (retry,
// chunking, concurrency, resume, polling) lives in the root package and is
// shared by both dialects.
package wire

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// Dialect is what differs between wire versions of the upload API: paths,
// request bodies and answer shapes.
type Dialect interface {
	// Name is the API version: "1.1" or "2".
	Name() string
	Init(p InitParams) (Request, error)
	// Append returns the URL and the body of an APPEND of data, raw or in
	// base64; the body streams data without copying it when raw.
	Append(mediaID string, index int, data []byte, asBase64 bool) (url string, body *Body)
	Finalize(mediaID string) Request
	Status(mediaID string) Request
	Metadata(mediaID, altText string) (Request, error)
	Subtitles(videoID string, sub Subtitle) (Request, error)
	// ParseMedia reads an INIT, FINALIZE or STATUS answer; nil and no
	// error when it holds no media object.
	ParseMedia(body []byte) (*Media, error)
	// Hint explains an error status in this dialect's terms, if it can.
	Hint(status int) string
}

// InitParams describe an upload to INIT.
type InitParams struct {
	TotalBytes       int64
	MediaType        string
	Category         string
	AdditionalOwners []string
	Shared           bool
}

// Subtitle links an uploaded subtitle file to a video.
type Subtitle struct {
	MediaID, LanguageCode, DisplayName string
	// VideoCategory is the video's category, e.g. "tweet_video".
	VideoCategory string
}

// videoCategory is the video's category in the spelling the subtitles
// endpoints take: TweetVideo or AmplifyVideo.
func (s Subtitle) videoCategory() string {
	if s.VideoCategory == "amplify_video" {
		return "AmplifyVideo"
	}
	return "TweetVideo"
}

// jsonRequest is a POST of v as JSON.
func jsonRequest(url string, v any) (Request, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return Request{}, err
	}
	return Request{Method: http.MethodPost, URL: url, ContentType: "application/json; charset=UTF-8", Body: body}, nil
}

// formField is one field of a multipart form.
type formField struct{ name, value string }

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
	}
	req, err := http.NewRequestWithContext(ctx, w.Method, w.URL, body)
	if err != nil {
		return nil, err
	}
	if w.ContentType != "" {
		req.Header.Set("Content-Type", w.ContentType)
	}
	if body == nil && w.Method == http.MethodGet {
		// Go's transport replays a bodiless GET on a broken kept-alive
		// connection with the same signature, which the service refuses as a
		// reused nonce. An empty body it cannot rewind makes the request
		// non-replayable (it still goes out without a body), so the retry
		// is ours, signed anew. A POST without a body keeps its
		// Content-Length: 0, which proxies may require.
		req.Body = io.NopCloser(strings.NewReader(""))
	}
	return req, nil
}

// Body is an APPEND body made of a small prefix and suffix, encoded
// once, around a payload streamed from the caller's chunk, never copied.
type Body struct {
	ContentType     string
	prefix, payload []byte
	suffix          []byte
}

// newMultipartBody frames data after fields, as file part "media", or as
// field "media_data" in base64 (which costs a copy).
func newMultipartBody(fields []formField, data []byte, asBase64 bool) *Body {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		w.WriteField(f.name, f.value) // writes to memory: cannot fail
	}
	payload := data
	if asBase64 {
		payload = make([]byte, base64.StdEncoding.EncodedLen(len(data)))
		base64.StdEncoding.Encode(payload, data)
		w.CreateFormField("media_data")
	} else {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="media"; filename="media"`)
		h.Set("Content-Type", "application/octet-stream")
		w.CreatePart(h)
	}
	prefix := bytes.Clone(buf.Bytes())
	buf.Reset()
	w.Close()
	return &Body{ContentType: w.FormDataContentType(), prefix: prefix, payload: payload, suffix: bytes.Clone(buf.Bytes())}
}

// newJSONAppendBody frames data as {"segment_index":N,"media":"<base64>"}.
func newJSONAppendBody(index int, data []byte) *Body {
	payload := make([]byte, base64.StdEncoding.EncodedLen(len(data)))
	base64.StdEncoding.Encode(payload, data)
	return &Body{ContentType: "application/json", payload: payload,
		prefix: fmt.Appendf(nil, `{"segment_index":%d,"media":"`, index), suffix: []byte(`"}`)}
}

// Len is the body's length in bytes.
func (b *Body) Len() int64 { return int64(len(b.prefix) + len(b.payload) + len(b.suffix)) }

// Reader returns a fresh reader over the whole body, for one attempt.
func (b *Body) Reader() io.ReadCloser {
	return io.NopCloser(io.MultiReader(bytes.NewReader(b.prefix), bytes.NewReader(b.payload), bytes.NewReader(b.suffix)))
}

// Build makes the POST of one attempt to url; GetBody lets a same-host
// 307 resend it.
func (b *Body) Build(ctx context.Context, url string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, b.Reader())
	if err != nil {
		return nil, err
	}
	req.ContentLength = b.Len()
	req.GetBody = func() (io.ReadCloser, error) { return b.Reader(), nil }
	req.Header.Set("Content-Type", b.ContentType)
	return req, nil
}
