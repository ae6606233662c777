package mediatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// This file attaches subtitles to videos, in both dialects:
// POST /1.1/media/subtitles/create.json and POST /2/media/subtitles.

const v1SubtitlesPath = "/1.1/media/subtitles/create.json"

// Subtitle is a subtitle track attached to a video, as recorded in
// [Media.Subtitles].
type Subtitle struct {
	MediaID      string // id of the subtitle media, uploaded with media_category subtitles
	LanguageCode string // language_code as sent, for example "EN"
	DisplayName  string // display_name as sent, for example "English"
}

// attachSubtitles attaches subs to video id and returns all its subtitles.
// The video must be a finalized, successfully processed video; each
// subtitle media must have been uploaded with category subtitles and
// finalized. A language already attached is replaced.
func (st *store) attachSubtitles(id string, subs []Subtitle) ([]Subtitle, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.cfg.now()
	video, err := st.lookup(id, now, http.StatusBadRequest)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(video.mediaType, "video/") {
		return nil, badRequest(codeMedia, "Media id %s is not a video (%s).", id, video.mediaType)
	}
	if !video.finalized || video.state != stateSucceeded {
		return nil, badRequest(codeMedia, "Media id %s is not ready (state %s).", id, video.state)
	}
	for _, sub := range subs {
		m, err := st.lookup(sub.MediaID, now, http.StatusBadRequest)
		if err != nil {
			return nil, err
		}
		if m.category != "subtitles" {
			return nil, badRequest(codeMedia, "Media id %s was not uploaded with media_category subtitles.", sub.MediaID)
		}
		if !m.finalized {
			return nil, badRequest(codeMedia, "Media id %s is not finalized.", sub.MediaID)
		}
	}
	for _, sub := range subs {
		i := slices.IndexFunc(video.subtitles, func(s Subtitle) bool { return strings.EqualFold(s.LanguageCode, sub.LanguageCode) })
		if i >= 0 {
			video.subtitles[i] = sub
		} else {
			video.subtitles = append(video.subtitles, sub)
		}
	}
	return slices.Clone(video.subtitles), nil
}

// jsonID returns a media id given in JSON as a string or a number, in
// canonical form; "" when absent or null.
func jsonID(name string, raw json.RawMessage) (string, *apiError) {
	v := string(raw)
	if unquoted, err := strconv.Unquote(v); err == nil {
		v = unquoted
	}
	if v == "" || v == "null" {
		return "", missingParam(name)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return "", invalidParam(name)
	}
	return strconv.FormatUint(n, 10), nil
}

// isLanguageTag reports whether s looks like a BCP 47 tag ("EN", "pt-BR").
func isLanguageTag(s string) bool {
	primary, rest, _ := strings.Cut(s, "-")
	if len(primary) < 2 || len(primary) > 3 || !isAlnum(primary, false) {
		return false
	}
	for rest != "" {
		var sub string
		sub, rest, _ = strings.Cut(rest, "-")
		if len(sub) == 0 || len(sub) > 8 || !isAlnum(sub, true) {
			return false
		}
	}
	return !strings.HasSuffix(s, "-")
}

// isAlnum reports whether s has only ASCII letters, and digits if digits.
func isAlnum(s string, digits bool) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || digits && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isTwoUpper reports whether s matches ^[A-Z]{2}$, v2's language_code.
func isTwoUpper(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

// v1SubtitlesBody is the JSON body of subtitles/create.
type v1SubtitlesBody struct {
	MediaID       json.RawMessage `json:"media_id"` // a string, or a number
	MediaCategory *string         `json:"media_category"`
	SubtitleInfo  *struct {
		Subtitles []struct {
			MediaID      json.RawMessage `json:"media_id"`
			LanguageCode string          `json:"language_code"`
			DisplayName  string          `json:"display_name"`
		} `json:"subtitles"`
	} `json:"subtitle_info"`
}

// v1Subtitles serves /1.1/media/subtitles/create.json.
func (s *Server) v1Subtitles(x *exchange) {
	var req v1SubtitlesBody
	o, parseErr, ok := x.readJSON(&req, decodeV1JSON)
	if !ok {
		return
	}
	x.rec.MediaID = strings.Trim(string(req.MediaID), `"`)
	if !x.gate(StepSubtitles, o) || x.failed(parseErr) {
		return
	}
	id, subs, err := req.parse()
	if err == nil {
		_, err = s.store.attachSubtitles(id, subs)
	}
	if !x.failed(err) {
		x.respond(http.StatusOK, nil)
	}
}

func (b *v1SubtitlesBody) parse() (string, []Subtitle, *apiError) {
	id, err := jsonID("media_id", b.MediaID)
	if err != nil {
		return "", nil, err
	}
	if b.MediaCategory == nil || *b.MediaCategory == "" {
		return "", nil, missingParam("media_category")
	}
	if rule, ok := categoryOf(*b.MediaCategory); !ok || rule.name != "tweet_video" && rule.name != "amplify_video" {
		return "", nil, badRequest(codeInvalidParam, "media_category %q is invalid; use TweetVideo or AmplifyVideo.", *b.MediaCategory)
	}
	if b.SubtitleInfo == nil || len(b.SubtitleInfo.Subtitles) == 0 {
		return "", nil, missingParam("subtitle_info.subtitles")
	}
	var subs []Subtitle
	for _, sub := range b.SubtitleInfo.Subtitles {
		subID, err := jsonID("subtitles.media_id", sub.MediaID)
		switch {
		case err != nil:
			return "", nil, err
		case !isLanguageTag(sub.LanguageCode):
			return "", nil, badRequest(codeInvalidParam, "language_code %q is not a BCP 47 language code.", sub.LanguageCode)
		case sub.DisplayName == "":
			return "", nil, missingParam("display_name")
		}
		subs = append(subs, Subtitle{MediaID: subID, LanguageCode: sub.LanguageCode, DisplayName: sub.DisplayName})
	}
	return id, subs, nil
}

// v2SubtitlesBody is the JSON body of POST /2/media/subtitles.
type v2SubtitlesBody struct {
	ID            *string `json:"id"`
	MediaCategory *string `json:"media_category"`
	Subtitles     *struct {
		ID           *string `json:"id"`
		LanguageCode *string `json:"language_code"`
		DisplayName  *string `json:"display_name"`
	} `json:"subtitles"`
}

// v2Subtitle is an element of associated_subtitles.
type v2Subtitle struct {
	ID           string `json:"id"`
	LanguageCode string `json:"language_code"`
	DisplayName  string `json:"display_name"`
}

func (s *Server) v2Subtitles(x *exchange) {
	var req v2SubtitlesBody
	o, parseErr, ok := x.readJSON(&req, decodeV2JSON)
	if !ok {
		return
	}
	if req.ID != nil {
		x.rec.MediaID = *req.ID
	}
	if !x.gate(StepSubtitles, o) || x.failed(parseErr) {
		return
	}
	id, sub, err := req.parse()
	var all []Subtitle
	if err == nil {
		all, err = s.store.attachSubtitles(id, []Subtitle{sub})
	}
	if x.failed(err) {
		return
	}
	out := make([]v2Subtitle, 0, len(all))
	for _, a := range all {
		out = append(out, v2Subtitle{a.MediaID, a.LanguageCode, a.DisplayName})
	}
	x.respond(http.StatusOK, data[any]{struct {
		ID                  string       `json:"id"`
		MediaCategory       string       `json:"media_category"`
		AssociatedSubtitles []v2Subtitle `json:"associated_subtitles"`
	}{id, *req.MediaCategory, out}})
}

func (b *v2SubtitlesBody) parse() (string, Subtitle, *apiError) {
	var sub Subtitle
	if b.ID == nil {
		return "", sub, missingParam("id")
	}
	id, err := v2ID("id", *b.ID)
	if err != nil {
		return "", sub, err
	}
	switch {
	case b.MediaCategory == nil:
		return "", sub, missingParam("media_category")
	case *b.MediaCategory != "TweetVideo" && *b.MediaCategory != "AmplifyVideo":
		return "", sub, badRequest(codeInvalidParam, "The `media_category` value [%s] is not one of [AmplifyVideo,TweetVideo].", *b.MediaCategory)
	case b.Subtitles == nil:
		return "", sub, missingParam("subtitles")
	case b.Subtitles.ID == nil:
		return "", sub, missingParam("subtitles.id")
	case b.Subtitles.LanguageCode == nil:
		return "", sub, missingParam("subtitles.language_code")
	case !isTwoUpper(*b.Subtitles.LanguageCode):
		return "", sub, badRequest(codeInvalidParam, "The `language_code` value [%s] does not match ^[A-Z]{2}$.", *b.Subtitles.LanguageCode)
	case b.Subtitles.DisplayName == nil || *b.Subtitles.DisplayName == "":
		return "", sub, missingParam("subtitles.display_name")
	}
	subID, err := v2ID("subtitles.id", *b.Subtitles.ID)
	if err != nil {
		return "", sub, err
	}
	return id, Subtitle{MediaID: subID, LanguageCode: *b.Subtitles.LanguageCode, DisplayName: *b.Subtitles.DisplayName}, nil
}
