package mediatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// This file serves the server's state as JSON under /mediatest/, without
// authentication, for tests written in other languages (for example
// against `mediaupload serve`). The paths cannot collide with the API's,
// which start with /1.1/ or /2/.

const inspectPrefix = "/mediatest/"

func isInspectPath(path string) bool {
	return path == strings.TrimSuffix(inspectPrefix, "/") || strings.HasPrefix(path, inspectPrefix)
}

// mediaJSON is a [Media] on the inspection endpoints: without the bytes,
// with their size and SHA-256.
type mediaJSON struct {
	ID               string         `json:"id"`
	MediaKey         string         `json:"media_key"`
	TotalBytes       int64          `json:"total_bytes"`
	MediaType        string         `json:"media_type"`
	Category         string         `json:"media_category"`
	AdditionalOwners []string       `json:"additional_owners"`
	Uploader         string         `json:"uploader"`
	Shared           bool           `json:"shared"`
	State            string         `json:"state"`
	Finalized        bool           `json:"finalized"`
	Segments         int            `json:"segments"`
	SegmentSizes     map[int]int    `json:"segment_sizes"`
	Size             int            `json:"size"`
	SHA256           string         `json:"sha256"`
	AltText          string         `json:"alt_text"`
	Subtitles        []subtitleJSON `json:"subtitles"`
	Appends          int            `json:"appends"`
	Polls            int            `json:"polls"`
	EarlyPolls       int            `json:"early_polls"`
	CreatedAt        time.Time      `json:"created_at"`
	ExpiresAt        time.Time      `json:"expires_at"`
}

type subtitleJSON struct {
	MediaID      string `json:"media_id"`
	LanguageCode string `json:"language_code"`
	DisplayName  string `json:"display_name"`
}

func newMediaJSON(m Media) mediaJSON {
	subs := make([]subtitleJSON, 0, len(m.Subtitles))
	for _, s := range m.Subtitles {
		subs = append(subs, subtitleJSON(s))
	}
	owners := m.AdditionalOwners
	if owners == nil {
		owners = []string{}
	}
	return mediaJSON{
		ID: m.ID, MediaKey: m.MediaKey, TotalBytes: m.TotalBytes, MediaType: m.MediaType, Category: m.Category,
		AdditionalOwners: owners, Uploader: m.Uploader, Shared: m.Shared, State: m.State, Finalized: m.Finalized,
		Segments: m.Segments, SegmentSizes: m.SegmentSizes, Size: len(m.Data), SHA256: m.SHA256,
		AltText: m.AltText, Subtitles: subs, Appends: m.Appends, Polls: m.Polls, EarlyPolls: m.EarlyPolls,
		CreatedAt: m.CreatedAt, ExpiresAt: m.ExpiresAt,
	}
}

// requestJSON is a [Request] on the inspection endpoints.
type requestJSON struct {
	Step        Step   `json:"step"`
	Dialect     string `json:"dialect"`
	Auth        string `json:"auth"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	MediaID     string `json:"media_id"`
	Segment     int    `json:"segment"`
	Bytes       int    `json:"bytes"`
	Base64      bool   `json:"base64"`
	Nonce       string `json:"nonce"`
	Timestamp   string `json:"timestamp"`
	Status      int    `json:"status"`
	Fault       bool   `json:"fault"`
	Err         string `json:"error"`
}

// postJSON is a [Post] on the inspection endpoints.
type postJSON struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	MediaIDs  []string  `json:"media_ids"`
	UserID    string    `json:"user_id"`
	Auth      string    `json:"auth"`
	CreatedAt time.Time `json:"created_at"`
}

// faultJSON is a [Fault] posted to /mediatest/faults.
type faultJSON struct {
	Step           Step   `json:"step"`
	Dialect        string `json:"dialect"`
	Segment        int    `json:"segment"`
	Times          int    `json:"times"`
	Status         int    `json:"status"`
	RetryAfter     string `json:"retry_after"`
	RateLimitReset int64  `json:"rate_limit_reset"` // epoch seconds
	Drop           bool   `json:"drop"`
	HangMillis     int64  `json:"hang_ms"`
	LoseAnswer     bool   `json:"lose_answer"`
	reshapeJSON
}

func (f faultJSON) fault() (Fault, error) {
	if f.HangMillis < 0 {
		return Fault{}, fmt.Errorf("mediatest: hang_ms is negative")
	}
	out := Fault{
		Step: f.Step, Dialect: f.Dialect, Segment: f.Segment, Times: f.Times, Status: f.Status,
		RetryAfter: f.RetryAfter, Drop: f.Drop, Hang: time.Duration(f.HangMillis) * time.Millisecond,
		LoseAnswer: f.LoseAnswer,
	}
	if f.TrickleMillis < 0 {
		return Fault{}, fmt.Errorf("mediatest: trickle_ms is negative")
	}
	f.reshapeJSON.apply(&out)
	if f.RateLimitReset != 0 {
		out.RateLimitReset = time.Unix(f.RateLimitReset, 0)
	}
	return out, out.check()
}

// inspect serves the inspection endpoints:
//
//	GET  /mediatest/media            every media, in creation order
//	GET  /mediatest/media/{id}       one media
//	GET  /mediatest/media/{id}/data  the bytes of one media
//	GET  /mediatest/requests         every request recorded
//	GET  /mediatest/deviations       the deviations
//	GET  /mediatest/posts            every post created
//	POST /mediatest/faults           inject a fault
func (s *Server) inspect(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, inspectPrefix)
	method := http.MethodGet
	if rest == "faults" {
		method = http.MethodPost
	}
	if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", method)
		inspectError(w, http.StatusMethodNotAllowed, "%s %s is not allowed; use %s", r.Method, r.URL.Path, method)
		return
	}
	switch {
	case rest == "media":
		all := s.store.all()
		out := make([]mediaJSON, 0, len(all))
		for _, m := range all {
			out = append(out, newMediaJSON(m))
		}
		inspectJSON(w, http.StatusOK, out)
	case strings.HasPrefix(rest, "media/"):
		id, sub, _ := strings.Cut(strings.TrimPrefix(rest, "media/"), "/")
		m, ok := s.store.get(id)
		switch {
		case !ok || sub != "" && sub != "data":
			inspectError(w, http.StatusNotFound, "no media %s", r.URL.Path)
		case sub == "data":
			w.Header().Set("Content-Type", "application/octet-stream")
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(m.Data))
		default:
			inspectJSON(w, http.StatusOK, newMediaJSON(m))
		}
	case rest == "requests":
		reqs := s.Requests()
		out := make([]requestJSON, 0, len(reqs))
		for _, q := range reqs {
			out = append(out, requestJSON(q))
		}
		inspectJSON(w, http.StatusOK, out)
	case rest == "deviations":
		out := s.Deviations()
		if out == nil {
			out = []string{}
		}
		inspectJSON(w, http.StatusOK, out)
	case rest == "posts":
		posts := s.Posts()
		out := make([]postJSON, 0, len(posts))
		for _, p := range posts {
			out = append(out, postJSON(p))
		}
		inspectJSON(w, http.StatusOK, out)
	case rest == "faults":
		s.inspectFault(w, r)
	default:
		inspectError(w, http.StatusNotFound, "%s is not an inspection endpoint; see the mediatest package docs", r.URL.Path)
	}
}

func (s *Server) inspectFault(w http.ResponseWriter, r *http.Request) {
	var fj faultJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fj); err != nil {
		inspectError(w, http.StatusBadRequest, "the fault is not valid JSON: %v", err)
		return
	}
	f, err := fj.fault()
	if err != nil {
		inspectError(w, http.StatusBadRequest, "%s", strings.TrimPrefix(err.Error(), "mediatest: "))
		return
	}
	s.faults.add(f)
	inspectJSON(w, http.StatusCreated, fj)
}

func inspectJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(body)
}

func inspectError(w http.ResponseWriter, status int, format string, args ...any) {
	inspectJSON(w, status, struct {
		Error string `json:"error"`
	}{fmt.Sprintf(format, args...)})
}
