package mediatest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the v2 wire dialect: it parses requests under /2/media/ into
// the same store calls as v1.1 and renders the answers in v2's JSON shapes,
// with errors as RFC 7807 problem objects.

const (
	dialectV1       = "1.1"
	dialectV2       = "2"
	v2UploadPath    = "/2/media/upload"
	v2MetadataPath  = "/2/media/metadata"
	v2SubtitlesPath = "/2/media/subtitles"
	jsonType        = "application/json"
	problemType     = "application/problem+json"
	// maxV2TotalBytes is the largest total_bytes of the v2 spec (16 GiB);
	// the category limits of the store are lower.
	maxV2TotalBytes = 16 << 30
)

func isV2Path(path string) bool { return strings.HasPrefix(path, "/2/") }

// problem is an RFC 7807 problem object, the v2 error shape.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
}

func (problem) contentType() string { return problemType }

// v2Errors is the {"errors":[…]} shape X v2 uses for unknown paths and
// rate limits.
type v2Errors struct {
	Errors []v2ErrorItem `json:"errors"`
}

type v2ErrorItem struct {
	Message string `json:"message"`
	Code    int    `json:"code,omitempty"`
}

// v2ErrorBody renders e as a problem object, or for unknown paths and
// rate limits in X's {"errors":[{"message","code"}]} shape.
func v2ErrorBody(e *apiError, _ string) any {
	if e.code == codeNotFound || e.code == codeRateLimit {
		return v2Errors{[]v2ErrorItem{{Message: e.message, Code: e.code}}}
	}
	p := problem{Title: http.StatusText(e.status), Detail: e.message, Type: "about:blank", Status: e.status}
	switch e.status {
	case http.StatusBadRequest:
		p.Title, p.Type = "Invalid Request", "https://api.x.com/2/problems/invalid-request"
	case http.StatusNotFound:
		p.Title, p.Type = "Not Found Error", "https://api.x.com/2/problems/resource-not-found"
	}
	return p
}

// v2Media is the data object of FINALIZE and STATUS answers.
type v2Media struct {
	ID               string          `json:"id"`
	MediaKey         string          `json:"media_key"`
	Size             int64           `json:"size"`
	ExpiresAfterSecs int             `json:"expires_after_secs"`
	ProcessingInfo   *processingInfo `json:"processing_info,omitempty"`
}

func newV2Media(a answer) v2Media {
	return v2Media{ID: a.idStr, MediaKey: a.key, Size: a.size, ExpiresAfterSecs: a.expiresIn, ProcessingInfo: a.info}
}

// data wraps an answer in v2's {"data":…} envelope.
type data[T any] struct {
	Data T `json:"data"`
}

// mediaKeyPrefix returns the type prefix of a v2 media_key.
func mediaKeyPrefix(kind mediaKind, category string) string {
	switch {
	case kind == kindImage:
		return "3_"
	case kind == kindGIF:
		return "16_"
	case category == "amplify_video":
		return "13_"
	}
	return "7_"
}

// v2ID checks a media id given in a v2 path or body against
// ^[0-9]{1,19}$ and returns it in canonical form.
func v2ID(name, v string) (string, *apiError) {
	if v == "" {
		return "", missingParam(name)
	}
	if len(v) > 19 || strings.Trim(v, "0123456789") != "" {
		return "", badRequest(codeInvalidParam, "The `%s` value [%s] does not match ^[0-9]{1,19}$.", name, v)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return "", invalidParam(name)
	}
	return strconv.FormatUint(n, 10), nil
}

// signedForm returns the parameters of a urlencoded body, which the OAuth
// 1.0a signature covers; nil for other bodies.
func signedForm(contentType string, body []byte) url.Values {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == formType {
		form, _ := url.ParseQuery(string(body))
		return form
	}
	return nil
}

// decodeV2JSON decodes a JSON body into v, rejecting other content types,
// unknown fields and trailing data.
func decodeV2JSON(contentType string, body []byte, v any) *apiError {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != jsonType {
		return badRequest(codeInvalidParam, "Content-Type %q is not supported; use %s.", contentType, jsonType)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return badRequest(codeInvalidParam, "charset %q is not supported; use UTF-8.", cs)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest(codeInvalidParam, "The JSON body is invalid: %v.", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest(codeInvalidParam, "The JSON body has data after its value.")
	}
	return nil
}

// v2 routes a request under /2/.
func (s *Server) v2(x *exchange) {
	r := x.r
	path := r.URL.Path
	switch {
	case path == v2UploadPath+"/initialize" && r.Method == http.MethodPost:
		s.v2Init(x)
	case path == v2UploadPath && r.Method == http.MethodGet:
		s.v2Status(x)
	case path == v2MetadataPath && r.Method == http.MethodPost:
		s.v2Metadata(x)
	case path == v2SubtitlesPath && r.Method == http.MethodPost:
		s.v2Subtitles(x)
	case strings.HasPrefix(path, v2UploadPath+"/") && r.Method == http.MethodPost:
		id, op, _ := strings.Cut(strings.TrimPrefix(path, v2UploadPath+"/"), "/")
		switch op {
		case "append":
			s.v2Append(x, id)
		case "finalize":
			s.v2Finalize(x, id)
		default:
			x.fail(errNotFound())
		}
	default:
		x.fail(errNotFound())
	}
}

// v2InitBody is the JSON body of POST /2/media/upload/initialize.
type v2InitBody struct {
	MediaType        *string  `json:"media_type"`
	TotalBytes       *int64   `json:"total_bytes"`
	MediaCategory    *string  `json:"media_category"`
	AdditionalOwners []string `json:"additional_owners"`
	Shared           *bool    `json:"shared"`
}

func (s *Server) v2Init(x *exchange) {
	var req v2InitBody
	o, parseErr, ok := x.readJSON(&req, decodeV2JSON)
	if !ok || !x.gate(StepInit, o) || x.failed(parseErr) {
		return
	}
	a, ok := x.startUpload(req.initParams())
	if !ok {
		return
	}
	x.respond(http.StatusOK, data[any]{struct {
		ID               string `json:"id"`
		MediaKey         string `json:"media_key"`
		ExpiresAfterSecs int    `json:"expires_after_secs"`
	}{a.idStr, a.key, a.expiresIn}})
}

func (b *v2InitBody) initParams() (initParams, *apiError) {
	var p initParams
	switch {
	case b.MediaType == nil:
		return p, missingParam("media_type")
	case b.TotalBytes == nil:
		return p, missingParam("total_bytes")
	case *b.TotalBytes <= 0 || *b.TotalBytes > maxV2TotalBytes:
		return p, badRequest(codeInvalidParam, "total_bytes must be within 1..%d, got %d.", int64(maxV2TotalBytes), *b.TotalBytes)
	}
	switch *b.MediaType {
	case "video/mp4", "video/webm", "video/mp2t", "video/quicktime", "text/srt", "text/vtt",
		"image/jpeg", "image/gif", "image/bmp", "image/png", "image/webp", "image/pjpeg", "image/tiff",
		"model/gltf-binary", "model/vnd.usdz+zip":
	default:
		return p, badRequest(codeInvalidParam, "media_type %q is not one of the documented media types.", *b.MediaType)
	}
	p.mediaType, p.totalBytes = *b.MediaType, *b.TotalBytes
	if b.MediaCategory != nil {
		switch c := *b.MediaCategory; c {
		case "amplify_video", "tweet_gif", "tweet_image", "tweet_video", "dm_gif", "dm_image", "dm_video", "subtitles":
			p.category = c
		default:
			return p, badRequest(codeInvalidParam, "media_category %q is not one of amplify_video, tweet_gif, tweet_image, tweet_video, dm_gif, dm_image, dm_video, subtitles.", c)
		}
	}
	for _, o := range b.AdditionalOwners {
		if _, err := v2ID("additional_owners", o); err != nil {
			return p, err
		}
	}
	p.owners = slices.Clone(b.AdditionalOwners)
	if b.Shared != nil {
		p.shared = *b.Shared
	}
	return p, nil
}

// v2AppendJSON is the JSON form of an APPEND body, with base64 media.
type v2AppendJSON struct {
	Media        *string `json:"media"`
	SegmentIndex *int    `json:"segment_index"`
}

// v2AppendBody is a parsed APPEND body.
type v2AppendBody struct {
	media      []byte
	segment    int  // -1 when absent
	hasSegment bool // segment_index was given (a negative one is invalid, not missing)
	base64     bool // JSON with base64 media
}

// parseV2Append parses an APPEND body: multipart with a "media" part and
// a "segment_index" field, or JSON with base64 media.
func parseV2Append(contentType string, body []byte) (v2AppendBody, *apiError) {
	b := v2AppendBody{segment: -1}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case multipartType:
		p, err := parseV1Body(contentType, body)
		if err != nil {
			return b, err
		}
		switch vs := p.body["segment_index"]; {
		case len(vs) > 1:
			return b, badRequest(codeInvalidParam, "segment_index parameter is given more than once.")
		case len(vs) == 1:
			b.hasSegment = true
			i, convErr := strconv.Atoi(vs[0])
			if convErr != nil {
				return b, invalidParam("segment_index")
			}
			b.segment = i
		}
		switch {
		case len(p.media) > 1:
			return b, badRequest(codeInvalidParam, "media parameter is given more than once.")
		case len(p.media) == 1:
			b.media = p.media[0]
		}
	case jsonType:
		var req v2AppendJSON
		if err := decodeV2JSON(contentType, body, &req); err != nil {
			return b, err
		}
		if req.SegmentIndex != nil {
			b.segment, b.hasSegment = *req.SegmentIndex, true
		}
		if req.Media != nil {
			b.base64 = true
			var decErr error
			if b.media, decErr = base64.StdEncoding.DecodeString(*req.Media); decErr != nil {
				return b, invalidParam("media")
			}
		}
	default:
		return b, badRequest(codeInvalidParam, "Content-Type %q is not supported; use %s or %s.", contentType, multipartType, jsonType)
	}
	return b, nil
}

func (s *Server) v2Append(x *exchange, rawID string) {
	x.rec.MediaID = rawID
	body, err := readBody(x.r)
	if x.failed(err) {
		return
	}
	ct := x.r.Header.Get("Content-Type")
	b, parseErr := parseV2Append(ct, body)
	x.rec.Segment, x.rec.Bytes, x.rec.Base64 = b.segment, len(b.media), b.base64
	if !x.gate(StepAppend, oauthRequestOf(x.r, signedForm(ct, body))) {
		return
	}
	id, err := v2ID("id", rawID)
	switch {
	case err != nil:
	case parseErr != nil:
		err = parseErr
	case !b.hasSegment:
		err = missingParam("segment_index")
	case b.media == nil:
		err = missingParam("media")
	default:
		err = s.store.appendSegment(id, b.segment, b.media)
	}
	if x.failed(err) {
		return
	}
	if b.base64 {
		s.store.deviate("APPEND of media %s segment %d sent base64 media in JSON; multipart raw media is preferred", id, b.segment)
	}
	expires, _ := s.store.expiresAt(id)
	x.respond(http.StatusOK, data[any]{struct {
		ExpiresAt int64 `json:"expires_at"`
	}{expires.Unix()}})
}

func (s *Server) v2Finalize(x *exchange, rawID string) {
	x.rec.MediaID = rawID
	body, err := readBody(x.r)
	if x.failed(err) || !x.gate(StepFinalize, oauthRequestOf(x.r, signedForm(x.r.Header.Get("Content-Type"), body))) {
		return
	}
	id, err := v2ID("id", rawID)
	if x.failed(err) {
		return
	}
	a, err := s.store.finalize(id)
	if x.failed(err) {
		return
	}
	x.respond(http.StatusOK, data[v2Media]{newV2Media(a)})
}

func (s *Server) v2Status(x *exchange) {
	q := x.r.URL.Query()
	x.rec.MediaID = q.Get("media_id")
	if !x.gate(StepStatus, oauthRequestOf(x.r, nil)) {
		return
	}
	var unknown []string
	for k := range q {
		if k != "media_id" && k != "command" && !strings.HasPrefix(k, "oauth_") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		x.fail(badRequest(codeInvalidParam, "The query parameters [%s] is not one of [media_id,command].", strings.Join(unknown, ",")))
		return
	}
	if c, ok := q["command"]; ok && (len(c) != 1 || c[0] != string(StepStatus)) {
		x.fail(badRequest(codeInvalidParam, "The `command` query parameter value [%s] is not one of [STATUS].", strings.Join(c, ",")))
		return
	}
	if len(q["media_id"]) > 1 {
		x.fail(badRequest(codeInvalidParam, "media_id parameter is given more than once."))
		return
	}
	id, err := v2ID("media_id", q.Get("media_id"))
	if x.failed(err) {
		return
	}
	a, err := s.store.status(id)
	if x.failed(err) {
		return
	}
	x.respond(http.StatusOK, data[v2Media]{newV2Media(a)})
}

// v2MetadataBody is the JSON body of POST /2/media/metadata.
type v2MetadataBody struct {
	ID       *string                    `json:"id"`
	Metadata map[string]json.RawMessage `json:"metadata"`
}

// v2AltText is metadata.alt_text.
type v2AltText struct {
	Text *string `json:"text"`
}

func (s *Server) v2Metadata(x *exchange) {
	var req v2MetadataBody
	o, parseErr, ok := x.readJSON(&req, decodeV2JSON)
	if !ok {
		return
	}
	if req.ID != nil {
		x.rec.MediaID = *req.ID
	}
	if !x.gate(StepMetadata, o) || x.failed(parseErr) {
		return
	}
	text, err := req.altText()
	if x.failed(err) {
		return
	}
	id, err := v2ID("id", x.rec.MediaID)
	if err == nil {
		err = s.store.setAltText(id, text)
	}
	if x.failed(err) {
		return
	}
	type altText struct {
		Text string `json:"text"`
	}
	type metadata struct {
		AltText altText `json:"alt_text"`
	}
	x.respond(http.StatusOK, data[any]{struct {
		ID                 string   `json:"id"`
		AssociatedMetadata metadata `json:"associated_metadata"`
	}{id, metadata{altText{text}}}})
}

// altText checks the metadata object and returns its alt text. The other
// documented metadata fields are accepted and ignored; the fake requires
// alt_text, the only one it models.
func (b *v2MetadataBody) altText() (string, *apiError) {
	if b.ID == nil {
		return "", missingParam("id")
	}
	if b.Metadata == nil {
		return "", missingParam("metadata")
	}
	for k := range b.Metadata {
		switch k {
		case "alt_text", "allow_download_status", "audience_policy", "content_expiration", "domain_restrictions",
			"found_media_origin", "geo_restrictions", "management_info", "preview_image",
			"sensitive_media_warning", "shared_info", "sticker_info", "upload_source":
		default:
			return "", badRequest(codeInvalidParam, "metadata field %q is not supported.", k)
		}
	}
	raw, ok := b.Metadata["alt_text"]
	if !ok {
		return "", missingParam("metadata.alt_text")
	}
	var alt v2AltText
	if err := decodeV2JSON(jsonType, raw, &alt); err != nil {
		return "", badRequest(codeInvalidParam, "metadata.alt_text is invalid: %s", err.message)
	}
	if alt.Text == nil {
		return "", missingParam("metadata.alt_text.text")
	}
	return *alt.Text, nil
}

// expiresAt returns when media id expires.
func (st *store) expiresAt(id string) (time.Time, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m, ok := st.media[id]
	if !ok {
		return time.Time{}, false
	}
	return m.expiresAt, true
}
