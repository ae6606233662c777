package wire

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// V2 is the X API v2 dialect at endpoint (…/2/media/upload).
func V2(endpoint *url.URL) Dialect { return v2{endpoint: endpoint} }

// v2 has a path per command, answers in a "data" envelope, metadata and subtitles at /2/media/….
type v2 struct{ endpoint *url.URL }

func (v2) Name() string { return "2" }

func (d v2) Init(p InitParams) (Request, error) { return jsonRequest(d.path("/initialize"), p) }

func (d v2) Append(mediaID string, index int, data []byte, asBase64 bool) (string, *Body) {
	u := d.path("/" + mediaID + "/append")
	if asBase64 {
		return u, newJSONAppendBody(index, data)
	}
	return u, newMultipartBody([]formField{{"segment_index", strconv.Itoa(index)}}, data, false)
}

func (d v2) Finalize(mediaID string) Request {
	return Request{Method: http.MethodPost, URL: d.path("/" + mediaID + "/finalize")}
}

func (d v2) Status(mediaID string) Request {
	u := *d.endpoint
	u.RawQuery = url.Values{"media_id": {mediaID}, "command": {"STATUS"}}.Encode()
	return Request{Method: http.MethodGet, URL: u.String()}
}

func (d v2) Metadata(mediaID, altText string) (Request, error) {
	return jsonRequest(d.onHost("/2/media/metadata"),
		map[string]any{"id": mediaID, "metadata": map[string]any{"alt_text": map[string]string{"text": altText}}})
}

func (d v2) Subtitles(videoID string, sub Subtitle) (Request, error) {
	return jsonRequest(d.onHost("/2/media/subtitles"), map[string]any{
		"id": videoID, "media_category": sub.videoCategory(),
		"subtitles": map[string]string{"id": sub.MediaID, "language_code": sub.LanguageCode, "display_name": sub.DisplayName},
	})
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
