package mediatest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// This file is the v1.1 wire dialect: it parses requests to
// /1.1/media/upload.json and /1.1/media/metadata/create.json into store
// calls and renders the answers in v1.1's JSON shapes.

const (
	v1UploadPath   = "/1.1/media/upload.json"
	v1MetadataPath = "/1.1/media/metadata/create.json"
	maxBodyBytes   = 16 << 20 // base64 of a 5 MiB segment, plus room
	formType       = "application/x-www-form-urlencoded"
	multipartType  = "multipart/form-data"
)

func errNotFound() *apiError {
	return &apiError{status: http.StatusNotFound, code: codeNotFound, message: "Sorry, that page does not exist."}
}

// v1ErrorBody renders e as {"errors":[{"code","message"}]}, or, for code 0,
// in the upload host's {"request","error"} form.
func v1ErrorBody(e *apiError, path string) any {
	if e.code == 0 {
		return struct {
			Request string `json:"request"`
			Error   string `json:"error"`
		}{path, e.message}
	}
	type item struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	return struct {
		Errors []item `json:"errors"`
	}{[]item{{e.code, e.message}}}
}

// v1Media is the media object of INIT, FINALIZE and STATUS answers.
type v1Media struct {
	MediaID          uint64          `json:"media_id"`
	MediaIDString    string          `json:"media_id_string"`
	Size             int64           `json:"size,omitempty"`
	ExpiresAfterSecs *int            `json:"expires_after_secs,omitempty"`
	ProcessingInfo   *processingInfo `json:"processing_info,omitempty"`
}

func newV1Media(a answer, withSize bool) v1Media {
	m := v1Media{MediaID: a.id, MediaIDString: a.idStr, ExpiresAfterSecs: intPtr(a.expiresIn), ProcessingInfo: a.info}
	if withSize {
		m.Size = a.size
	}
	if a.info != nil && a.info.State == stateFailed {
		m.ExpiresAfterSecs = nil // as in X's example of a failed STATUS
	}
	return m
}

// v1Params are the parameters of an upload request: form fields of the body
// take precedence over the query.
type v1Params struct {
	query     url.Values
	body      url.Values
	signed    url.Values // urlencoded body: part of the OAuth signature
	multipart bool
	media     [][]byte // file parts "media" of a multipart body
}

func (p *v1Params) get(name string) string {
	if vs := p.body[name]; len(vs) > 0 {
		return vs[0]
	}
	return p.query.Get(name)
}

// readBody reads the whole request body, up to maxBodyBytes.
func readBody(r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	switch {
	case err != nil:
		return nil, badRequest(codeInvalidRequest, "Could not read the request body.")
	case len(body) > maxBodyBytes:
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: codeMedia, message: "Request body too large."}
	}
	return body, nil
}

// parseV1Body parses a urlencoded or multipart body. A charset or other
// Content-Type parameter does not change how the body is read, as on the
// real service.
func parseV1Body(contentType string, body []byte) (*v1Params, *apiError) {
	p := &v1Params{body: url.Values{}}
	if len(body) == 0 {
		return p, nil
	}
	mt, ctParams, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, badRequest(codeInvalidParam, "Content-Type %q is invalid.", contentType)
	}
	switch mt {
	case formType:
		if p.body, err = url.ParseQuery(string(body)); err != nil {
			return nil, badRequest(codeInvalidParam, "The urlencoded body is malformed.")
		}
		p.signed = p.body
	case multipartType:
		p.multipart = true
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, badRequest(codeInvalidParam, "The multipart body is malformed.")
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, badRequest(codeInvalidParam, "The multipart body is malformed.")
			}
			switch name := part.FormName(); name {
			case "media":
				p.media = append(p.media, data)
			case "":
			default:
				p.body.Add(name, string(data))
			}
		}
	default:
		return nil, badRequest(codeInvalidParam, "Content-Type %s is not supported; use %s or %s.", mt, formType, multipartType)
	}
	return p, nil
}

// oauthRequestOf describes r for signature verification.
func oauthRequestOf(r *http.Request, signed url.Values) oauthRequest {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return oauthRequest{
		method: r.Method,
		scheme: scheme,
		host:   r.Host,
		path:   r.URL.EscapedPath(),
		query:  r.URL.Query(),
		form:   signed,
		header: r.Header.Get("Authorization"),
	}
}

// v1Upload serves /1.1/media/upload.json.
func (s *Server) v1Upload(x *exchange) {
	r := x.r
	p := &v1Params{body: url.Values{}}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		body, err := readBody(r)
		if err == nil {
			p, err = parseV1Body(r.Header.Get("Content-Type"), body)
		}
		if x.failed(err) {
			return
		}
	default:
		x.fail(errNotFound())
		return
	}
	p.query = r.URL.Query()

	command := p.get("command")
	var step Step
	switch {
	case r.Method == http.MethodGet && command == string(StepStatus):
		step = StepStatus
	case r.Method == http.MethodPost && (command == string(StepInit) || command == string(StepAppend) || command == string(StepFinalize)):
		step = Step(command)
	case r.Method == http.MethodPost && command == "" && p.multipart && (len(p.media) > 0 || p.body.Has("media_data")):
		step = StepSimple // one-shot upload: X accepts it at the same URL
	}
	x.rec.MediaID = p.get("media_id")
	var data []byte
	var dataErr *apiError
	if step == StepAppend || step == StepSimple {
		if i, err := strconv.Atoi(p.get("segment_index")); err == nil && step == StepAppend {
			x.rec.Segment = i
		}
		data, dataErr = p.appendData()
		x.rec.Bytes = len(data)
		x.rec.Base64 = p.body.Has("media_data")
	}

	if !x.gate(step, oauthRequestOf(r, p.signed)) {
		return
	}
	switch step {
	case StepInit:
		s.v1Init(x, p)
	case StepAppend:
		s.v1Append(x, p, data, dataErr)
	case StepFinalize:
		s.v1Finalize(x, p)
	case StepStatus:
		s.v1Status(x, p)
	case StepSimple:
		s.v1SimpleUpload(x, p, data, dataErr)
	case "":
		if command == "" {
			x.fail(missingParam("command"))
			return
		}
		x.fail(badRequest(codeInvalidParam, "command parameter is invalid: %q with %s.", command, r.Method))
	}
}

// appendData returns the segment bytes of an APPEND: the raw file part
// "media" or the base64 field "media_data", exactly one of them.
func (p *v1Params) appendData() ([]byte, *apiError) {
	encoded, hasData := p.body["media_data"]
	switch {
	case !p.multipart:
		return nil, badRequest(codeInvalidParam, "APPEND requires a %s body.", multipartType)
	case len(p.media) > 0 && hasData:
		return nil, badRequest(codeInvalidParam, "media and media_data cannot be used together.")
	case len(p.media) > 1 || len(encoded) > 1:
		return nil, badRequest(codeInvalidParam, "media parameter is given more than once.")
	case len(p.media) == 1:
		return p.media[0], nil
	case hasData:
		data, err := base64.StdEncoding.DecodeString(encoded[0])
		if err != nil {
			return nil, invalidParam("media_data")
		}
		return data, nil
	}
	return nil, missingParam("media")
}

// mediaID returns the canonical media_id parameter.
func (p *v1Params) mediaID() (string, *apiError) {
	v := p.get("media_id")
	if v == "" {
		return "", missingParam("media_id")
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return "", invalidParam("media_id")
	}
	return strconv.FormatUint(id, 10), nil
}

func (s *Server) v1Init(x *exchange, p *v1Params) {
	if a, ok := x.startUpload(p.initParams()); ok {
		x.respond(http.StatusAccepted, v1Media{MediaID: a.id, MediaIDString: a.idStr, ExpiresAfterSecs: intPtr(a.expiresIn)})
	}
}

// v1SimpleUpload serves the one-shot upload (no command): an image of at
// most 5 MB in one multipart request, answered 200 with the media object.
// X sniffs the type from the bytes (there is no media_type parameter) and
// requires the chunked upload for the asynchronous categories (tweet_gif,
// tweet_video, amplify_video, dm_gif, dm_video).
func (s *Server) v1SimpleUpload(x *exchange, p *v1Params, data []byte, dataErr *apiError) {
	if x.failed(dataErr) {
		return
	}
	ip := initParams{totalBytes: int64(len(data)), mediaType: http.DetectContentType(data), category: p.get("media_category")}
	if kind, ok := kindOf(ip.mediaType); !ok || kind != kindImage && kind != kindGIF {
		x.fail(&apiError{status: http.StatusBadRequest, message: "media type unrecognized."})
		return
	}
	if rule, ok := categoryOf(ip.category); ok && rule.async {
		x.fail(badRequest(codeMedia, "media_category %s requires the chunked upload (INIT/APPEND/FINALIZE).", rule.name))
		return
	}
	if len(data) > imageLimit {
		x.fail(badRequest(codeMedia, "File size must be <= %d bytes", imageLimit))
		return
	}
	var err *apiError
	if ip.owners, ip.shared, err = p.ownersAndShared(); x.failed(err) {
		return
	}
	ip.uploader = x.user
	a, err := s.store.simpleUpload(ip, data)
	if x.failed(err) {
		return
	}
	x.rec.MediaID = a.idStr
	if x.rec.Base64 {
		s.store.deviate("simple upload of media %s used base64 media_data; raw media is preferred", a.idStr)
	}
	x.respond(http.StatusOK, newV1Media(a, true))
}

func (p *v1Params) initParams() (initParams, *apiError) {
	var ip initParams
	total := p.get("total_bytes")
	if total == "" {
		return ip, missingParam("total_bytes")
	}
	n, err := strconv.ParseInt(total, 10, 64)
	if err != nil || n <= 0 {
		return ip, invalidParam("total_bytes")
	}
	ip.totalBytes = n
	if ip.mediaType = p.get("media_type"); ip.mediaType == "" {
		return ip, missingParam("media_type")
	}
	ip.category = p.get("media_category")
	var perr *apiError
	ip.owners, ip.shared, perr = p.ownersAndShared()
	return ip, perr
}

// ownersAndShared parses the optional additional_owners and shared parameters.
func (p *v1Params) ownersAndShared() (owners []string, shared bool, err *apiError) {
	if list := p.get("additional_owners"); list != "" {
		for o := range strings.SplitSeq(list, ",") {
			o = strings.TrimSpace(o)
			if _, err := strconv.ParseUint(o, 10, 64); err != nil {
				return nil, false, invalidParam("additional_owners")
			}
			owners = append(owners, o)
		}
	}
	switch v := strings.ToLower(p.get("shared")); v {
	case "", "false":
	case "true":
		shared = true
	default:
		return nil, false, invalidParam("shared")
	}
	return owners, shared, nil
}

func (s *Server) v1Append(x *exchange, p *v1Params, data []byte, dataErr *apiError) {
	id, err := p.mediaID()
	if err == nil {
		err = dataErr
	}
	if err == nil && p.get("segment_index") == "" {
		err = missingParam("segment_index")
	}
	if x.failed(err) {
		return
	}
	index, convErr := strconv.Atoi(p.get("segment_index"))
	if convErr != nil {
		x.fail(invalidParam("segment_index"))
		return
	}
	if x.failed(s.store.appendSegment(id, index, data)) {
		return
	}
	if x.rec.Base64 {
		s.store.deviate("APPEND of media %s segment %d used base64 media_data; raw media is preferred", id, index)
	}
	x.respond(http.StatusNoContent, nil)
}

func (s *Server) v1Finalize(x *exchange, p *v1Params) {
	id, err := p.mediaID()
	if x.failed(err) {
		return
	}
	a, err := s.store.finalize(id)
	if x.failed(err) {
		return
	}
	x.respond(http.StatusCreated, newV1Media(a, true))
}

func (s *Server) v1Status(x *exchange, p *v1Params) {
	id, err := p.mediaID()
	if x.failed(err) {
		return
	}
	a, err := s.store.status(id)
	if x.failed(err) {
		return
	}
	x.respond(http.StatusOK, newV1Media(a, a.info == nil))
}

// v1MetadataBody is the JSON body of metadata/create.
type v1MetadataBody struct {
	MediaID json.RawMessage `json:"media_id"` // a string, or a number
	AltText *struct {
		Text *string `json:"text"`
	} `json:"alt_text"`
}

// v1Metadata serves /1.1/media/metadata/create.json (alt text).
func (s *Server) v1Metadata(x *exchange) {
	var req v1MetadataBody
	o, parseErr, ok := x.readJSON(&req, decodeV1JSON)
	if !ok {
		return
	}
	id := string(req.MediaID)
	if unquoted, err := strconv.Unquote(id); err == nil {
		id = unquoted
	}
	x.rec.MediaID = id
	if !x.gate(StepMetadata, o) {
		return
	}
	switch {
	case parseErr != nil:
		x.fail(parseErr)
	case id == "" || id == "null":
		x.fail(missingParam("media_id"))
	case req.AltText == nil || req.AltText.Text == nil:
		x.fail(missingParam("alt_text"))
	default:
		if !x.failed(s.store.setAltText(id, *req.AltText.Text)) {
			x.respond(http.StatusOK, nil)
		}
	}
}

// decodeV1JSON decodes a JSON body into v, after checkJSONType; unknown
// fields are ignored.
func decodeV1JSON(contentType string, body []byte, v any) *apiError {
	if err := checkJSONType(contentType); err != nil {
		return err
	}
	if json.Unmarshal(body, v) != nil {
		return badRequest(codeInvalidParam, "The JSON body is malformed.")
	}
	return nil
}

// checkJSONType accepts application/json and text/plain, with no charset or
// UTF-8, as metadata/create documents.
func checkJSONType(contentType string) *apiError {
	mt, params, err := mime.ParseMediaType(contentType)
	if err == nil && (mt == "application/json" || mt == "text/plain") {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return badRequest(codeInvalidParam, "Content-Type %q is not supported; use application/json; charset=UTF-8.", contentType)
}
