package wire

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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

func (d v1) Init(p InitParams) Request {
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
	return d.form(v)
}

func (d v1) Append(mediaID string, index int, data []byte, asBase64 bool) (string, *Body) {
	fields := [][2]string{{"command", "APPEND"}, {"media_id", mediaID}, {"segment_index", strconv.Itoa(index)}}
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

func (d v1) Metadata(mediaID, altText string) Request {
	return jsonRequest(d.beside("metadata/create.json"),
		map[string]any{"media_id": mediaID, "alt_text": map[string]string{"text": altText}})
}

func (d v1) Subtitles(videoID string, sub Subtitle) Request {
	entry := map[string]string{"media_id": sub.MediaID, "language_code": sub.LanguageCode, "display_name": sub.DisplayName}
	return jsonRequest(d.beside("subtitles/create.json"), map[string]any{"media_id": videoID,
		"media_category": sub.videoCategory(), "subtitle_info": map[string]any{"subtitles": []any{entry}}})
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

// V2 is the X API v2 dialect at endpoint (…/2/media/upload).
func V2(endpoint *url.URL) Dialect { return v2{endpoint: endpoint} }

// v2 has a path per command, answers in a "data" envelope, metadata and subtitles at /2/media/….
type v2 struct{ endpoint *url.URL }

func (v2) Name() string { return "2" }

func (d v2) Init(p InitParams) Request { return jsonRequest(d.path("/initialize"), p) }

func (d v2) Append(mediaID string, index int, data []byte, asBase64 bool) (string, *Body) {
	u := d.path("/" + mediaID + "/append")
	if asBase64 { // {"segment_index":N,"media":"<base64>"}
		return u, &Body{ContentType: "application/json", payload: base64.StdEncoding.AppendEncode(nil, data),
			prefix: fmt.Appendf(nil, `{"segment_index":%d,"media":"`, index), suffix: []byte(`"}`)}
	}
	return u, newMultipartBody([][2]string{{"segment_index", strconv.Itoa(index)}}, data, false)
}

func (d v2) Finalize(mediaID string) Request {
	return Request{Method: http.MethodPost, URL: d.path("/" + mediaID + "/finalize")}
}

func (d v2) Status(mediaID string) Request {
	u := *d.endpoint
	u.RawQuery = url.Values{"media_id": {mediaID}, "command": {"STATUS"}}.Encode()
	return Request{Method: http.MethodGet, URL: u.String()}
}

func (d v2) Metadata(mediaID, altText string) Request {
	return jsonRequest(d.onHost("/2/media/metadata"),
		map[string]any{"id": mediaID, "metadata": map[string]any{"alt_text": map[string]string{"text": altText}}})
}

func (d v2) Subtitles(videoID string, sub Subtitle) Request {
	entry := map[string]string{"id": sub.MediaID, "language_code": sub.LanguageCode, "display_name": sub.DisplayName}
	return jsonRequest(d.onHost("/2/media/subtitles"),
		map[string]any{"id": videoID, "media_category": sub.videoCategory(), "subtitles": entry})
}

func (d v2) ParseMedia(body []byte) (*Media, error) {
	var env struct{ Data *Media }
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	return env.Data, nil
}

func (v2) Hint(status int) string {
	if status == http.StatusForbidden {
		return "v2 media upload needs an OAuth 2.0 user token with the media.write scope, or OAuth 1.0a user context"
	}
	return ""
}

// path returns the endpoint's URL, without its query, with p appended to its path.
func (d v2) path(p string) string {
	u := *d.endpoint
	u.RawQuery = ""
	u.Path += p
	return u.String()
}

// onHost returns the URL of path p on the endpoint's scheme and host.
func (d v2) onHost(p string) string {
	return (&url.URL{Scheme: d.endpoint.Scheme, Host: d.endpoint.Host, Path: p}).String()
}
