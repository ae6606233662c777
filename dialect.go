package mediaupload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	// parseMedia reads an INIT, FINALIZE or STATUS answer.
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
	if body == nil {
		// Go's transport replays a bodiless GET on a broken kept-alive
		// connection with the same signature, which the service refuses as a
		// reused nonce. An empty body it cannot rewind makes the request
		// non-replayable (it still goes out without a body), so the retry
		// is ours, signed anew.
		req.Body = io.NopCloser(strings.NewReader(""))
	}
	return req, nil
}

// wireMedia is the media object of an answer, in either dialect.
type wireMedia struct {
	MediaIDString string          `json:"media_id_string"`
	MediaID       json.Number     `json:"media_id"`
	ID            string          `json:"id"`
	MediaKey      string          `json:"media_key"`
	Size          int64           `json:"size"`
	ExpiresAfter  *int64          `json:"expires_after_secs"`
	Processing    *wireProcessing `json:"processing_info"`
}

type wireProcessing struct {
	State           string `json:"state"`
	CheckAfterSecs  *int64 `json:"check_after_secs"`
	ProgressPercent int    `json:"progress_percent"`
	Error           *struct {
		Code    int    `json:"code"`
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

// media converts the answer, reading the id only from its string forms
// (ids exceed 2^53 and do not survive a float64).
func (w *wireMedia) media(now time.Time) (*Media, error) {
	m := &Media{ID: w.MediaIDString, Key: w.MediaKey, Size: w.Size}
	if m.ID == "" {
		m.ID = w.ID
	}
	if m.ID == "" {
		m.ID = w.MediaID.String()
	}
	if err := checkMediaID(m.ID); err != nil {
		return nil, fmt.Errorf("mediaupload: answer has no usable media id: %w", err)
	}
	if w.ExpiresAfter != nil {
		m.ExpiresAt = now.Add(time.Duration(*w.ExpiresAfter) * time.Second)
	}
	if p := w.Processing; p != nil {
		m.Processing = &ProcessingInfo{State: p.State, CheckAfter: -1, ProgressPercent: p.ProgressPercent}
		if p.CheckAfterSecs != nil {
			m.Processing.CheckAfter = time.Duration(max(*p.CheckAfterSecs, 0)) * time.Second
		}
		if p.Error != nil {
			m.Processing.Error = &ProcessingError{MediaID: m.ID, Code: p.Error.Code, Name: p.Error.Name, Message: p.Error.Message}
		}
	}
	return m, nil
}
