package mediatest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Answer is an answer the server is about to send, handed to
// [Fault.Reshape] to change before it goes out.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// WithoutField returns a [Fault.Reshape] that removes the JSON field at
// path, dot-separated from the top ("data.id", "processing_info",
// "data.processing_info.check_after_secs"), as the real service may omit
// it. An answer without that field is sent unchanged.
func WithoutField(path string) func(*Answer) {
	return editJSON(func(doc map[string]any) {
		parent, key := walk(doc, path, false)
		if parent != nil {
			delete(parent, key)
		}
	})
}

// SetField returns a [Fault.Reshape] that sets the JSON field at path
// (dot-separated, as for [WithoutField]) to value, creating the objects on
// the way: for example SetField("processing_info.progress_percent", 42.5)
// or SetField("data.id", "123") for an answer naming another media.
func SetField(path string, value any) func(*Answer) {
	return editJSON(func(doc map[string]any) {
		parent, key := walk(doc, path, true)
		parent[key] = value
	})
}

// ReplaceAnswer returns a [Fault.Reshape] that answers status with body
// instead (no body when empty), for example 204 with no body, or 200 with
// only {"errors":[…]}. A JSON body is sent as application/json.
func ReplaceAnswer(status int, body string) func(*Answer) {
	return func(a *Answer) {
		a.Status, a.Body = status, []byte(body)
		a.Header.Del("Content-Type")
		if json.Valid(a.Body) {
			a.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
	}
}

// editJSON applies edit to a JSON object body; other bodies are left as
// they are.
func editJSON(edit func(doc map[string]any)) func(*Answer) {
	return func(a *Answer) {
		var doc map[string]any
		if json.Unmarshal(a.Body, &doc) != nil || doc == nil {
			return
		}
		edit(doc)
		if b, err := json.Marshal(doc); err == nil {
			a.Body = b
		}
	}
}

// walk returns the object holding the last element of path and that
// element's name; nil when an object on the way is missing and create is
// false.
func walk(doc map[string]any, path string, create bool) (map[string]any, string) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := doc[k].(map[string]any)
		if !ok {
			if !create {
				return nil, ""
			}
			next = map[string]any{}
			doc[k] = next
		}
		doc = next
	}
	return doc, keys[len(keys)-1]
}

// reshaping is a fault that rewrites or trickles a processed answer: the
// handler answers into rec, and send passes that answer on to w.
type reshaping struct {
	w     http.ResponseWriter
	rec   *httptest.ResponseRecorder
	fault Fault
}

// send passes the recorded answer through the fault's Reshape and writes it,
// one byte every Trickle if set. It returns the status sent.
func (r *reshaping) send(s *Server, x *exchange) int {
	res := r.rec.Result()
	a := &Answer{Status: res.StatusCode, Header: res.Header.Clone(), Body: r.rec.Body.Bytes()}
	if r.fault.Reshape != nil {
		r.fault.Reshape(a)
	}
	h := r.w.Header()
	for k, v := range a.Header {
		h[k] = v
	}
	h.Del("Content-Length")
	if len(a.Body) > 0 {
		h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	}
	r.w.WriteHeader(a.Status)
	if r.fault.Trickle <= 0 {
		r.w.Write(a.Body)
		return a.Status
	}
	rc := http.NewResponseController(r.w)
	rc.Flush()
	for i := range a.Body {
		if !s.hang(x.r.Context(), r.fault.Trickle) {
			x.rec.Err = "trickle ended by the client or by Close"
			x.drop()
		}
		r.w.Write(a.Body[i : i+1])
		rc.Flush()
	}
	return a.Status
}

// reshapeJSON holds the fields of a fault posted to
// /mediatest/faults that reshape its answer.
type reshapeJSON struct {
	TrickleMillis int64                      `json:"trickle_ms"`
	WithoutFields []string                   `json:"without_fields"`
	SetFields     map[string]json.RawMessage `json:"set_fields"`
	AnswerStatus  int                        `json:"answer_status"`
	AnswerBody    *string                    `json:"answer_body"`
}

// apply sets the fault's Reshape and Trickle from the posted fields.
func (j reshapeJSON) apply(f *Fault) {
	f.Trickle = time.Duration(j.TrickleMillis) * time.Millisecond
	var edits []func(*Answer)
	for _, p := range j.WithoutFields {
		edits = append(edits, WithoutField(p))
	}
	for p, v := range j.SetFields {
		var val any
		if json.Unmarshal(v, &val) == nil {
			edits = append(edits, SetField(p, val))
		}
	}
	if j.AnswerStatus != 0 || j.AnswerBody != nil {
		status, body := j.AnswerStatus, ""
		if j.AnswerBody != nil {
			body = *j.AnswerBody
		}
		edits = append(edits, func(a *Answer) {
			if status == 0 {
				status = a.Status
			}
			ReplaceAnswer(status, body)(a)
		})
	}
	if len(edits) > 0 {
		f.Reshape = func(a *Answer) {
			for _, e := range edits {
				e(a)
			}
		}
	}
}
