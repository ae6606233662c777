package mediaupload

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// v2 is the X API v2 dialect: /2/media/upload/initialize, /{id}/append,
// /{id}/finalize and GET /2/media/upload for STATUS, answers in a "data"
// envelope; metadata and subtitles at /2/media/… on the same host.
type v2 struct {
	endpoint *url.URL // …/2/media/upload
}

func (v2) name() string { return string(APIv2) }

func (d v2) initRequest(p InitParams) (wireRequest, error) {
	body := map[string]any{"media_type": p.MediaType, "total_bytes": p.TotalBytes}
	if p.Category != "" {
		body["media_category"] = p.Category
	}
	if len(p.AdditionalOwners) > 0 {
		body["additional_owners"] = p.AdditionalOwners
	}
	if p.Shared {
		body["shared"] = true
	}
	return jsonRequest(d.path("/initialize"), body)
}

func (d v2) appendBody(mediaID string, index int, data []byte, asBase64 bool) (string, *framedBody) {
	u := d.path("/" + mediaID + "/append")
	if asBase64 {
		return u, newJSONAppendBody(index, data)
	}
	return u, newMultipartBody([]formField{{"segment_index", strconv.Itoa(index)}}, data, false)
}

func (d v2) finalizeRequest(mediaID string) wireRequest {
	return wireRequest{method: http.MethodPost, url: d.path("/" + mediaID + "/finalize")}
}

func (d v2) statusRequest(mediaID string) wireRequest {
	u := *d.endpoint
	u.RawQuery = url.Values{"media_id": {mediaID}, "command": {"STATUS"}}.Encode()
	return wireRequest{method: http.MethodGet, url: u.String()}
}

func (d v2) metadataRequest(mediaID, altText string) (wireRequest, error) {
	return jsonRequest(d.onHost("/2/media/metadata"),
		map[string]any{"id": mediaID, "metadata": map[string]any{"alt_text": map[string]string{"text": altText}}})
}

func (d v2) subtitlesRequest(videoID string, sub Subtitle) (wireRequest, error) {
	return jsonRequest(d.onHost("/2/media/subtitles"), map[string]any{
		"id": videoID, "media_category": sub.videoCategory(),
		"subtitles": map[string]string{"id": sub.MediaID, "language_code": sub.LanguageCode, "display_name": sub.DisplayName},
	})
}

func (d v2) parseMedia(body []byte) (*wireMedia, error) {
	var env struct {
		Data *wireMedia `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	return env.Data, nil
}

func (v2) hint(status int) string {
	if status == http.StatusForbidden {
		return "v2 media upload needs an OAuth 2.0 user token with the media.write scope, or OAuth 1.0a user context"
	}
	return ""
}

// path returns the endpoint's URL with p appended to its path.
func (d v2) path(p string) string {
	u := *d.endpoint
	u.RawQuery = ""
	u.Path += p
	return u.String()
}

// onHost returns the URL of path p on the endpoint's scheme, host and port.
func (d v2) onHost(p string) string {
	u := url.URL{Scheme: d.endpoint.Scheme, Host: d.endpoint.Host, Path: p}
	return u.String()
}
