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

func (d v1) appendForm(mediaID string, index int) (string, []formField) {
	return d.endpoint.String(), []formField{
		{"command", "APPEND"},
		{"media_id", mediaID},
		{"segment_index", strconv.Itoa(index)},
	}
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
	body, err := json.Marshal(map[string]any{"media_id": mediaID, "alt_text": map[string]string{"text": altText}})
	if err != nil {
		return wireRequest{}, err
	}
	u := d.endpoint.ResolveReference(&url.URL{Path: "metadata/create.json"})
	return wireRequest{method: http.MethodPost, url: u.String(), contentType: "application/json; charset=UTF-8", body: body}, nil
}

func (d v1) parseMedia(body []byte) (*wireMedia, error) {
	var m wireMedia
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// form is a urlencoded POST to the endpoint, signed body and all.
func (d v1) form(v url.Values) wireRequest {
	return wireRequest{method: http.MethodPost, url: d.endpoint.String(), contentType: formContentType, body: []byte(v.Encode())}
}
