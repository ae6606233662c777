package mediatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file serves POST /2/tweets, the post that uses the uploaded media:
// the test of an upload is whether X lets its user post the media.

const (
	v2TweetsPath  = "/2/tweets"
	maxPostImages = 4
	firstPostID   = 1880030000000000001 // > 2^53, like media ids
	// errMediaIDs is X's answer to media ids it will not attach, for
	// whatever reason (unknown, another user's, not processed, expired).
	errMediaIDs = "Your media IDs are invalid."
	// invalidDetail is the detail of X's v2 validation errors.
	invalidDetail = "One or more parameters to your request was invalid."
)

// Post is a post created with POST /2/tweets, as returned by
// [Server.Posts]. Changing it does not change the server.
type Post struct {
	ID        string    // post id, a decimal string above 2^53
	Text      string    // text as sent
	MediaIDs  []string  // media.media_ids as sent
	UserID    string    // the poster: the user of the credentials
	Auth      string    // "oauth1" (OAuth 1.0a) or "oauth2" (Bearer)
	CreatedAt time.Time // server clock
}

// Posts returns the posts created so far, in creation order.
func (s *Server) Posts() []Post { return s.store.postList() }

// tweetBody is the JSON body of POST /2/tweets after its check: the fake
// models text and media; the other documented fields are accepted and
// ignored.
type tweetBody struct {
	text     *string
	mediaIDs []string // nil when there is no media object
}

// tweetMedia is the media object of a post.
type tweetMedia struct {
	MediaIDs       []string        `json:"media_ids"`
	TaggedUserIDs  []string        `json:"tagged_user_ids"`
	PreviewMediaID json.RawMessage `json:"preview_media_id"`
	Title          json.RawMessage `json:"title"`
	Description    json.RawMessage `json:"description"`
	Embeddable     json.RawMessage `json:"embeddable"`
}

// decodeTweet decodes and checks a POST /2/tweets body.
func decodeTweet(contentType string, body []byte, v any) *apiError {
	var fields map[string]json.RawMessage
	if err := decodeV2JSON(contentType, body, &fields); err != nil {
		return err
	}
	if fields == nil {
		return badRequest(codeInvalidParam, "The JSON body must be an object.")
	}
	for k := range fields {
		switch k {
		case "text", "media", "card_uri", "community_id", "direct_message_deep_link", "edit_options",
			"for_super_followers_only", "geo", "made_with_ai", "nullcast", "paid_partnership", "poll",
			"quote_tweet_id", "reply", "reply_settings", "share_with_followers":
		default:
			return badRequest(codeInvalidParam, "The `%s` field is not one of the fields of a post.", k)
		}
	}
	b := v.(*tweetBody)
	if raw, ok := fields["text"]; ok {
		if err := json.Unmarshal(raw, &b.text); err != nil || b.text == nil {
			return badRequest(codeInvalidParam, "The `text` field must be a string.")
		}
	}
	raw, ok := fields["media"]
	if !ok {
		if b.text == nil {
			return badRequest(codeMissingParam, "The request needs text or media.")
		}
		return nil
	}
	var m tweetMedia
	if err := decodeV2JSON(jsonType, raw, &m); err != nil {
		return badRequest(codeInvalidParam, "The `media` field is invalid: %s", err.message)
	}
	if len(m.MediaIDs) < 1 || len(m.MediaIDs) > maxPostImages {
		return badRequest(codeInvalidParam, "The `media.media_ids` field must list 1 to %d media ids, got %d.", maxPostImages, len(m.MediaIDs))
	}
	for _, id := range m.MediaIDs {
		if _, err := v2ID("media.media_ids", id); err != nil {
			return err
		}
	}
	b.mediaIDs = m.MediaIDs
	return nil
}

// tweetErrorBody renders a refused post as X does: a 400 is a problem
// object with the reasons in errors[], other statuses as on every v2
// endpoint.
func tweetErrorBody(e *apiError, path string) any {
	body := v2ErrorBody(e, path)
	p, ok := body.(problem)
	if !ok || e.status != http.StatusBadRequest {
		return body
	}
	p.Detail = invalidDetail
	return problemWithErrors{Errors: []v2ErrorItem{{Message: e.message}}, problem: p}
}

// problemWithErrors is a problem object that lists its reasons, the shape
// of X's v2 validation errors.
type problemWithErrors struct {
	Errors []v2ErrorItem `json:"errors"`
	problem
}

func (s *Server) v2Tweet(x *exchange) {
	var req tweetBody
	o, parseErr, ok := x.readJSON(&req, decodeTweet)
	if !ok {
		return
	}
	x.rec.MediaID = strings.Join(req.mediaIDs, ",")
	if !x.gate(StepTweet, o) || x.failed(parseErr) {
		return
	}
	var text string
	if req.text != nil {
		text = *req.text
	}
	p, err := s.store.post(Post{Text: text, MediaIDs: req.mediaIDs, UserID: x.user, Auth: x.rec.Auth})
	if x.failed(err) {
		return
	}
	x.respond(http.StatusCreated, data[any]{struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}{p.ID, p.Text}})
}

// post checks that p's media may be attached by p.UserID and records p:
// each media exists, is the poster's (uploader or additional owner), has
// been processed successfully (or needed no processing) and has not
// expired; together they are up to 4 images, or 1 video, or 1 GIF.
func (st *store) post(p Post) (Post, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.cfg.now()
	var images, videos, gifs int
	for _, id := range p.MediaIDs {
		id, _ = v2ID("media.media_ids", id)
		m, ok := st.media[id]
		if !ok || !now.Before(m.expiresAt) || m.state != stateSucceeded ||
			m.uploader != p.UserID && !slices.Contains(m.owners, p.UserID) {
			return Post{}, badRequest(codeMedia, errMediaIDs)
		}
		kind, _ := kindOf(m.mediaType)
		switch {
		case kind == kindVideo:
			videos++
		case kind == kindGIF && m.category != "tweet_image" && m.category != "dm_image":
			gifs++ // a GIF uploaded as an image is posted as a still image
		case kind == kindImage || kind == kindGIF:
			images++
		default:
			return Post{}, badRequest(codeMedia, errMediaIDs) // subtitles
		}
	}
	if videos+gifs > 0 && len(p.MediaIDs) > 1 {
		return Post{}, badRequest(codeMedia, "A post may have up to %d images, or 1 video, or 1 GIF, not more nor a mix; got %d images, %d videos, %d GIFs.",
			maxPostImages, images, videos, gifs)
	}
	p.ID = strconv.FormatUint(st.nextPostID, 10)
	p.MediaIDs = slices.Clone(p.MediaIDs)
	p.CreatedAt = now
	st.nextPostID++
	st.posts = append(st.posts, p)
	return p, nil
}

func (st *store) postList() []Post {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := slices.Clone(st.posts)
	for i := range out {
		out[i].MediaIDs = slices.Clone(out[i].MediaIDs)
	}
	return out
}
