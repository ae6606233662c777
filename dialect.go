package mediaupload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between wire versions of the upload API: paths,
// request bodies and answer shapes. Retry, chunking, concurrency and polling
// are shared by all dialects.
type dialect interface {
	// name is the API version: "1.1" or "2".
	name() string
	initRequest(p InitParams) (wireRequest, error)
	// appendBody returns the URL and the body of an APPEND of data, raw or
	// in base64; the body streams data without copying it when raw.
	appendBody(mediaID string, index int, data []byte, asBase64 bool) (url string, body *framedBody)
	finalizeRequest(mediaID string) wireRequest
	statusRequest(mediaID string) wireRequest
	metadataRequest(mediaID, altText string) (wireRequest, error)
	subtitlesRequest(videoID string, sub Subtitle) (wireRequest, error)
	// parseMedia reads an INIT, FINALIZE or STATUS answer; nil and no
	// error when it holds no media object.
	parseMedia(body []byte) (*wireMedia, error)
	// hint explains an error status in this dialect's terms, if it can.
	hint(status int) string
}

// jsonRequest is a POST of v as JSON.
func jsonRequest(url string, v any) (wireRequest, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return wireRequest{}, err
	}
	return wireRequest{method: http.MethodPost, url: url, contentType: "application/json; charset=UTF-8", body: body}, nil
}

// formField is one field of a multipart form.
type formField struct{ name, value string }

// wireRequest is a request with a small body, rebuilt for every attempt.
type wireRequest struct {
	method, url, contentType string
	body                     []byte
}

func (w wireRequest) build(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if w.body != nil {
		body = bytes.NewReader(w.body)
	}
	req, err := http.NewRequestWithContext(ctx, w.method, w.url, body)
	if err != nil {
		return nil, err
	}
	if w.contentType != "" {
		req.Header.Set("Content-Type", w.contentType)
	}
	if body == nil && w.method == http.MethodGet {
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

// wireMedia is the media object of an answer, in either dialect. Ids,
// sizes and states are read strictly; hints (waits, progress, lifetime)
// leniently, as a [hint].
type wireMedia struct {
	MediaIDString string          `json:"media_id_string"`
	MediaID       json.Number     `json:"media_id"`
	ID            string          `json:"id"`
	MediaKey      string          `json:"media_key"`
	Size          int64           `json:"size"`
	ExpiresAfter  hint            `json:"expires_after_secs"`
	Processing    *wireProcessing `json:"processing_info"`
}

type wireProcessing struct {
	State           string `json:"state"`
	CheckAfterSecs  hint   `json:"check_after_secs"`
	ProgressPercent hint   `json:"progress_percent"`
	Error           *struct {
		Code    hint   `json:"code"`
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

// hint is an informational number of an answer: a JSON number, integer or
// not, or a string holding one. Anything else reads as absent, so that a
// hint of an unexpected type never fails an upload that went well.
type hint struct {
	n  int64
	ok bool
}

// maxHint bounds a hint (136 years in seconds), so that converting it to
// a time.Duration cannot overflow.
const maxHint = 1 << 32

func (h *hint) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.Trim(string(b), `"`)), 64)
	if err == nil && !math.IsNaN(f) {
		h.n, h.ok = int64(max(min(f, maxHint), -maxHint)), true
	}
	return nil
}

// idOf returns the media id an answer names, read only from its string
// forms (ids exceed 2^53 and do not survive a float64); "" when none.
func (w *wireMedia) idOf() string {
	for _, id := range []string{w.MediaIDString, w.ID, w.MediaID.String()} {
		if id != "" {
			return id
		}
	}
	return ""
}

// media converts the answer about want (the media id asked about; "" for
// INIT, whose answer names the new one). An answer that names no id is
// about want; one that names another id is refused.
func (w *wireMedia) media(now time.Time, want string) (*Media, error) {
	id := w.idOf()
	switch {
	case id == "":
		id = want
	case want != "" && id != want:
		return nil, fmt.Errorf("%w: it is about media %s, not %s", ErrBadAnswer, id, want)
	}
	if err := checkMediaID(id); err != nil {
		return nil, fmt.Errorf("%w: no usable media id: %w", ErrBadAnswer, err)
	}
	m := &Media{ID: id, Key: w.MediaKey, Size: w.Size}
	if w.ExpiresAfter.ok {
		m.ExpiresAt = now.Add(time.Duration(w.ExpiresAfter.n) * time.Second)
	}
	if p := w.Processing; p != nil {
		m.Processing = &ProcessingInfo{State: p.State, CheckAfter: -1, ProgressPercent: int(min(max(p.ProgressPercent.n, 0), 100))}
		if p.CheckAfterSecs.ok {
			m.Processing.CheckAfter = time.Duration(max(p.CheckAfterSecs.n, 0)) * time.Second
		}
		if p.Error != nil {
			m.Processing.Error = &ProcessingError{MediaID: m.ID, Code: int(p.Error.Code.n), Name: p.Error.Name, Message: p.Error.Message}
		}
	}
	return m, nil
}
