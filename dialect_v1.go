package mediaupload

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// formContentType is the exact value under which OAuth 1.0a signers include
// a body in the signature: no charset parameter.
const formContentType = "application/x-www-form-urlencoded"

// v1 is the v1.1 dialect: every command on one URL (upload.json), metadata
// beside it.
type v1 struct {
	endpoint *url.URL
}

func (v1) name() string { return "1.1" }

func (d v1) initRequest(p InitParams) (wireRequest, error) {
	v := url.Values{
		"command":     {"INIT"},
		"total_bytes": {strconv.FormatInt(p.TotalBytes, 10)},
		"media_type":  {p.MediaType},
	}
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

func (d v1) appendBody(mediaID string, index int, data []byte, asBase64 bool) (string, *framedBody) {
	fields := []formField{{"command", "APPEND"}, {"media_id", mediaID}, {"segment_index", strconv.Itoa(index)}}
	return d.endpoint.String(), newMultipartBody(fields, data, asBase64)
}

func (d v1) finalizeRequest(mediaID string) wireRequest {
	return d.form(url.Values{"command": {"FINALIZE"}, "media_id": {mediaID}})
}

func (d v1) statusRequest(mediaID string) wireRequest {
	u := *d.endpoint
	q := u.Query()
	q.Set("command", "STATUS")
	q.Set("media_id", mediaID)
	u.RawQuery = q.Encode()
	return wireRequest{method: http.MethodGet, url: u.String()}
}

func (d v1) metadataRequest(mediaID, altText string) (wireRequest, error) {
	return jsonRequest(d.beside("metadata/create.json"),
		map[string]any{"media_id": mediaID, "alt_text": map[string]string{"text": altText}})
}

func (d v1) subtitlesRequest(videoID string, sub Subtitle) (wireRequest, error) {
	return jsonRequest(d.beside("subtitles/create.json"), map[string]any{
		"media_id": videoID, "media_category": sub.videoCategory(),
		"subtitle_info": map[string]any{"subtitles": []map[string]string{
			{"media_id": sub.MediaID, "language_code": sub.LanguageCode, "display_name": sub.DisplayName},
		}},
	})
}

func (v1) hint(int) string { return "" }

// beside returns the URL of a path next to upload.json.
func (d v1) beside(path string) string {
	return d.endpoint.ResolveReference(&url.URL{Path: path}).String()
}

func (d v1) parseMedia(body []byte) (*wireMedia, error) {
	var m *wireMedia
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if m != nil && m.idOf() == "" && m.Processing == nil {
		return nil, nil // no media object: an error answer, or nothing
	}
	return m, nil
}

// form is a urlencoded POST to the endpoint, signed body and all.
func (d v1) form(v url.Values) wireRequest {
	return wireRequest{method: http.MethodPost, url: d.endpoint.String(), contentType: formContentType, body: []byte(v.Encode())}
}
