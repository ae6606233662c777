package wire

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// FormContentType is the form type OAuth 1.0a signers sign a body under: exactly this, no charset.
const FormContentType = "application/x-www-form-urlencoded"

// V1 is the v1.1 dialect at endpoint (…/1.1/media/upload.json).
func V1(endpoint *url.URL) Dialect { return v1{endpoint: endpoint} }

// v1 sends every command to one URL (upload.json), metadata and subtitles beside it.
type v1 struct{ endpoint *url.URL }

func (v1) Name() string    { return "1.1" }
func (v1) Hint(int) string { return "" }

func (d v1) Init(p InitParams) (Request, error) {
	v := url.Values{"command": {"INIT"}, "total_bytes": {strconv.FormatInt(p.TotalBytes, 10)}, "media_type": {p.MediaType}}
	if p.Category != "" {
		v.Set("media_category", p.Category)
	}
	if len(p.AdditionalOwners) > 0 {
		v.Set("additional_owners", strings.Join(p.AdditionalOwners, ","))
	}
	if p.Shared {
		v.Set("shared", "true")
	}
	return d.form(v), nil
}

func (d v1) Append(mediaID string, index int, data []byte, asBase64 bool) (string, *Body) {
	fields := []formField{{"command", "APPEND"}, {"media_id", mediaID}, {"segment_index", strconv.Itoa(index)}}
	return d.endpoint.String(), newMultipartBody(fields, data, asBase64)
}

func (d v1) Finalize(mediaID string) Request {
	return d.form(url.Values{"command": {"FINALIZE"}, "media_id": {mediaID}})
}

func (d v1) Status(mediaID string) Request {
	u := *d.endpoint
	q := u.Query()
	q.Set("command", "STATUS")
	q.Set("media_id", mediaID)
	u.RawQuery = q.Encode()
	return Request{Method: http.MethodGet, URL: u.String()}
}

func (d v1) Metadata(mediaID, altText string) (Request, error) {
	return jsonRequest(d.beside("metadata/create.json"),
		map[string]any{"media_id": mediaID, "alt_text": map[string]string{"text": altText}})
}

func (d v1) Subtitles(videoID string, sub Subtitle) (Request, error) {
	return jsonRequest(d.beside("subtitles/create.json"), map[string]any{
		"media_id": videoID, "media_category": sub.videoCategory(),
		"subtitle_info": map[string]any{"subtitles": []map[string]string{
			{"media_id": sub.MediaID, "language_code": sub.LanguageCode, "display_name": sub.DisplayName},
		}},
	})
}

func (d v1) ParseMedia(body []byte) (*Media, error) {
	var m *Media
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if m != nil && m.IDOf() == "" && m.Processing == nil {
		return nil, nil // no media object: an error answer, or nothing
	}
	return m, nil
}

// beside returns the URL of a path next to upload.json.
func (d v1) beside(path string) string {
	return d.endpoint.ResolveReference(&url.URL{Path: path}).String()
}

// form is a urlencoded POST to the endpoint, signed body and all.
func (d v1) form(v url.Values) Request {
	return Request{Method: http.MethodPost, URL: d.endpoint.String(), ContentType: FormContentType, Body: []byte(v.Encode())}
}
