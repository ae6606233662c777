package mediatest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	otherUser  = "2000000002"
	otherToken = "other-user-token"
)

// tweetReq sends POST /2/tweets with a JSON body.
func tweetReq(t *testing.T, c *http.Client, s *Server, body any) response {
	t.Helper()
	return send(t, c, http.MethodPost, s.URL+v2TweetsPath, jsonType, mustJSON(t, body))
}

// postOf is the body of a post with text and media ids.
func postOf(text string, ids ...string) map[string]any {
	return map[string]any{"text": text, "media": map[string]any{"media_ids": ids}}
}

// ready uploads a media over v2 with c, additional owners given, and
// waits for its processing to end (the server must not delay it).
func ready(t *testing.T, c *http.Client, s *Server, mediaType, category string, owners ...string) string {
	t.Helper()
	id := uploadUnprocessed(t, c, s, mediaType, category, owners...)
	if m, _ := s.Media(id); m.State != stateSucceeded {
		r := v2StatusReq(t, c, s, "media_id="+id)
		require.Equal(t, http.StatusOK, r.status, "STATUS: %s", r.body)
	}
	return id
}

// uploadUnprocessed uploads and finalizes a media over v2 with c.
func uploadUnprocessed(t *testing.T, c *http.Client, s *Server, mediaType, category string, owners ...string) string {
	t.Helper()
	data := PNG()
	switch mediaType {
	case "video/mp4":
		data = MP4(3000)
	case "image/gif":
		data = []byte("GIF89a" + strings.Repeat("x", 100))
	case "text/srt":
		data = []byte("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
	}
	body := map[string]any{"media_type": mediaType, "total_bytes": len(data), "media_category": category}
	if owners != nil {
		body["additional_owners"] = owners
	}
	r := v2InitReq(t, c, s, body)
	require.Equal(t, http.StatusOK, r.status, "INIT: %s", r.body)
	id := r.json(t)["data"].(map[string]any)["id"].(string)
	r = v2AppendReq(t, c, s, id, 0, data)
	require.Equal(t, http.StatusOK, r.status, "APPEND: %s", r.body)
	r = v2FinalizeReq(t, c, s, id)
	require.Equal(t, http.StatusOK, r.status, "FINALIZE: %s", r.body)
	return id
}

// newTweetServer is a server that processes at once and knows a second
// user, otherUser, with the OAuth 2.0 token otherToken.
func newTweetServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	opts = append([]Option{WithCheckAfter(0), WithProcessingSteps(0),
		WithOAuth2User(otherUser, otherToken, scopeMediaWrite, scopeTweetRead, scopeTweetWrite, scopeUsersRead)}, opts...)
	return newTestServer(t, opts...)
}

func bearerClient(token string) *http.Client {
	return &http.Client{Transport: &bearerTransport{token: token, base: http.DefaultTransport}}
}

func TestTweet_posts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		auth  string // who uploads and posts: authOAuth1, authOAuth2 or otherToken
		media func(t *testing.T, s *Server, c *http.Client) []string
	}{
		{"text only", authOAuth1, func(*testing.T, *Server, *http.Client) []string { return nil }},
		{"one image, oauth1", authOAuth1, func(t *testing.T, s *Server, c *http.Client) []string {
			return []string{ready(t, c, s, "image/png", "tweet_image")}
		}},
		{"four images, oauth2", authOAuth2, func(t *testing.T, s *Server, c *http.Client) []string {
			var ids []string
			for range 4 {
				ids = append(ids, ready(t, c, s, "image/png", "tweet_image"))
			}
			return ids
		}},
		{"a processed video", authOAuth1, func(t *testing.T, s *Server, c *http.Client) []string {
			return []string{ready(t, c, s, "video/mp4", "tweet_video")}
		}},
		{"a processed GIF", authOAuth2, func(t *testing.T, s *Server, c *http.Client) []string {
			return []string{ready(t, c, s, "image/gif", "tweet_gif")}
		}},
		{"GIFs uploaded as images count as images", authOAuth1, func(t *testing.T, s *Server, c *http.Client) []string {
			return []string{ready(t, c, s, "image/gif", "tweet_image"), ready(t, c, s, "image/png", "tweet_image")}
		}},
		{"media uploaded over v1.1 and v2", authOAuth1, func(t *testing.T, s *Server, c *http.Client) []string {
			id := uploadSegments(t, s, PNG(), 1<<20, "image/png", "tweet_image")
			require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
			return []string{id, ready(t, c, s, "image/png", "tweet_image")}
		}},
		{"another user's media naming the poster an additional owner", otherToken, func(t *testing.T, s *Server, _ *http.Client) []string {
			return []string{ready(t, s.Client(), s, "image/png", "tweet_image", "123", otherUser)}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTweetServer(t)
			c, user := v2Client(s, tc.auth), s.UserID()
			if tc.auth == otherToken {
				c, user = bearerClient(otherToken), otherUser
			}
			ids := tc.media(t, s, c)
			body := map[string]any{"text": "hello from " + tc.name}
			if ids != nil {
				body = postOf("hello from "+tc.name, ids...)
			}
			before := time.Now()
			r := tweetReq(t, c, s, body)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			var got struct {
				Data struct {
					ID   string `json:"id"`
					Text string `json:"text"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(r.body, &got))
			assert.Equal(t, "1880030000000000001", got.Data.ID)
			assert.Equal(t, "hello from "+tc.name, got.Data.Text)

			posts := s.Posts()
			require.Len(t, posts, 1)
			assert.False(t, posts[0].CreatedAt.Before(before.Add(-time.Second)))
			auth := tc.auth
			if auth == otherToken {
				auth = authOAuth2
			}
			assert.Equal(t, Post{ID: got.Data.ID, Text: "hello from " + tc.name, MediaIDs: ids, UserID: user,
				Auth: auth, CreatedAt: posts[0].CreatedAt}, posts[0])
			reqs := s.Requests()
			last := reqs[len(reqs)-1]
			assert.Equal(t, Request{Step: StepTweet, Dialect: dialectV2, Auth: auth, Method: http.MethodPost,
				Path: "/2/tweets", ContentType: jsonType, MediaID: strings.Join(ids, ","), Segment: -1,
				Nonce: last.Nonce, Timestamp: last.Timestamp, Status: http.StatusCreated}, last)
		})
	}
}

// invalidRequest decodes X's v2 validation error.
type invalidRequest struct {
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
}

func TestTweet_refusesMedia(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	tests := []struct {
		name    string
		opts    []Option
		body    func(t *testing.T, s *Server) any
		poster  string // "" posts with s.Client()
		wantMsg string
	}{
		{"unknown media id", nil, func(t *testing.T, s *Server) any {
			return postOf("x", "1880028106020515841")
		}, "", errMediaIDs},
		{"another user's media", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "image/png", "tweet_image", "123"))
		}, otherToken, errMediaIDs},
		{"the poster's media, posted by another user", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, bearerClient(otherToken), s, "image/png", "tweet_image"))
		}, "", errMediaIDs},
		{"media not finalized", nil, func(t *testing.T, s *Server) any {
			return postOf("x", initMedia(t, s, 10, "image/png", "tweet_image"))
		}, "", errMediaIDs},
		{"video still processing", nil, func(t *testing.T, s *Server) any {
			return postOf("x", uploadUnprocessed(t, s.Client(), s, "video/mp4", "tweet_video"))
		}, "", errMediaIDs},
		{"video whose processing failed", []Option{WithProcessingError(1, "InvalidMedia", "Unsupported video format")}, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "video/mp4", "tweet_video"))
		}, "", errMediaIDs},
		{"expired media", []Option{WithClock(clock.Now), WithExpiresAfter(60)}, func(t *testing.T, s *Server) any {
			id := ready(t, s.Client(), s, "image/png", "tweet_image")
			clock.Add(time.Minute)
			return postOf("x", id)
		}, "", errMediaIDs},
		{"subtitles", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "text/srt", "subtitles"))
		}, "", errMediaIDs},
		{"one bad id among good ones", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "image/png", "tweet_image"), "1")
		}, "", errMediaIDs},
		{"five images", nil, func(t *testing.T, s *Server) any {
			return postOf("x", "1", "2", "3", "4", "5")
		}, "", "The `media.media_ids` field must list 1 to 4 media ids, got 5."},
		{"no media ids", nil, func(t *testing.T, s *Server) any {
			return postOf("x")
		}, "", "The `media.media_ids` field must list 1 to 4 media ids, got 0."},
		{"two videos", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "video/mp4", "tweet_video"), ready(t, s.Client(), s, "video/mp4", "tweet_video"))
		}, "", "A post may have up to 4 images, or 1 video, or 1 GIF, not more nor a mix; got 0 images, 2 videos, 0 GIFs."},
		{"two GIFs", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "image/gif", "tweet_gif"), ready(t, s.Client(), s, "image/gif", "tweet_gif"))
		}, "", "A post may have up to 4 images, or 1 video, or 1 GIF, not more nor a mix; got 0 images, 0 videos, 2 GIFs."},
		{"a video and an image", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "image/png", "tweet_image"), ready(t, s.Client(), s, "video/mp4", "tweet_video"))
		}, "", "A post may have up to 4 images, or 1 video, or 1 GIF, not more nor a mix; got 1 images, 1 videos, 0 GIFs."},
		{"a GIF and an image", nil, func(t *testing.T, s *Server) any {
			return postOf("x", ready(t, s.Client(), s, "image/gif", "tweet_gif"), ready(t, s.Client(), s, "image/png", "tweet_image"))
		}, "", "A post may have up to 4 images, or 1 video, or 1 GIF, not more nor a mix; got 1 images, 0 videos, 1 GIFs."},
		{"media id not a number", nil, func(t *testing.T, s *Server) any {
			return postOf("x", "3_1880028106020515841")
		}, "", "The `media.media_ids` value [3_1880028106020515841] does not match ^[0-9]{1,19}$."},
		{"neither text nor media", nil, func(t *testing.T, s *Server) any {
			return map[string]any{"reply_settings": "following"}
		}, "", "The request needs text or media."},
		{"text not a string", nil, func(t *testing.T, s *Server) any {
			return map[string]any{"text": 42}
		}, "", "The `text` field must be a string."},
		{"unknown field", nil, func(t *testing.T, s *Server) any {
			return map[string]any{"text": "x", "status": "x"}
		}, "", "The `status` field is not one of the fields of a post."},
		{"unknown media field", nil, func(t *testing.T, s *Server) any {
			return map[string]any{"text": "x", "media": map[string]any{"media_ids": []string{"1"}, "ids": []string{"1"}}}
		}, "", `The ` + "`media`" + ` field is invalid: The JSON body is invalid: json: unknown field "ids".`},
		{"media ids as numbers", nil, func(t *testing.T, s *Server) any {
			return map[string]any{"media": map[string]any{"media_ids": []int64{1880028106020515841}}}
		}, "", "The `media` field is invalid: The JSON body is invalid: json: cannot unmarshal number into Go struct field tweetMedia.media_ids of type string."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the expiry case moves a shared clock.
			s := newTweetServer(t, tc.opts...)
			body := tc.body(t, s)
			c := s.Client()
			if tc.poster == otherToken {
				c = bearerClient(otherToken)
			}
			r := tweetReq(t, c, s, body)
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			assert.Equal(t, problemType, r.header.Get("Content-Type"))
			var p invalidRequest
			require.NoError(t, json.Unmarshal(r.body, &p), "%s", r.body)
			require.Len(t, p.Errors, 1, "%s", r.body)
			assert.Equal(t, tc.wantMsg, p.Errors[0].Message)
			assert.Equal(t, "Invalid Request", p.Title)
			assert.Equal(t, "One or more parameters to your request was invalid.", p.Detail)
			assert.Equal(t, "https://api.x.com/2/problems/invalid-request", p.Type)
			assert.Equal(t, http.StatusBadRequest, p.Status)
			assert.Empty(t, s.Posts())
			reqs := s.Requests()
			last := reqs[len(reqs)-1]
			assert.Equal(t, StepTweet, last.Step)
			assert.Equal(t, http.StatusBadRequest, last.Status)
			assert.Equal(t, tc.wantMsg, last.Err)
		})
	}
}

func TestTweet_auth(t *testing.T) {
	t.Parallel()
	s := newTweetServer(t, WithOAuth2Token("media-only", scopeMediaWrite),
		WithOAuth2Token("no-users-read", scopeTweetRead, scopeTweetWrite))
	id := ready(t, s.Client(), s, "image/png", "tweet_image")
	tests := []struct {
		name       string
		client     *http.Client
		wantStatus int
		wantDetail string
	}{
		{"no credentials", http.DefaultClient, 401, "Could not authenticate you."},
		{"unknown token", bearerClient("nope"), 401, "Unauthorized"},
		{"token with media.write only", bearerClient("media-only"), 403,
			"This endpoint requires the tweet.read scope; the token was granted: media.write."},
		{"token without users.read", bearerClient("no-users-read"), 403,
			"This endpoint requires the users.read scope; the token was granted: tweet.read tweet.write."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tweetReq(t, tc.client, s, postOf("x", id))
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			p := problemOf(t, r)
			assert.Equal(t, http.StatusText(tc.wantStatus), p.Title)
			assert.Equal(t, tc.wantDetail, p.Detail)
		})
	}
	t.Cleanup(func() { assert.Empty(t, s.Posts()) })
}

func TestTweet_routingAndFaults(t *testing.T) {
	t.Parallel()
	s := newTweetServer(t)
	id := ready(t, s.Client(), s, "image/png", "tweet_image")

	r := send(t, s.Client(), http.MethodGet, s.URL+v2TweetsPath, "", nil)
	assert.Equal(t, http.StatusNotFound, r.status, "%s", r.body)

	s.InjectFault(Fault{Step: StepTweet, Status: 503})
	r = tweetReq(t, s.Client(), s, postOf("x", id))
	require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
	assert.Empty(t, s.Posts(), "a faulted post changes nothing")

	r = tweetReq(t, s.Client(), s, postOf("x", id))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	r = tweetReq(t, s.Client(), s, postOf("again", id))
	require.Equal(t, http.StatusCreated, r.status, "a media may be posted more than once: %s", r.body)
	posts := s.Posts()
	require.Len(t, posts, 2)
	assert.Equal(t, []string{"1880030000000000001", "1880030000000000002"}, []string{posts[0].ID, posts[1].ID})
	posts[0].MediaIDs[0] = "changed"
	assert.Equal(t, []string{id}, s.Posts()[0].MediaIDs, "Posts returns copies")

	var steps []Step
	for _, q := range s.Requests() {
		steps = append(steps, q.Step)
	}
	assert.Equal(t, []Step{StepInit, StepAppend, StepFinalize, "", StepTweet, StepTweet, StepTweet}, steps)

	ir := inspectGet(t, s, "/mediatest/posts")
	require.Equal(t, http.StatusOK, ir.status)
	var got []map[string]any
	require.NoError(t, json.Unmarshal(ir.body, &got))
	require.Len(t, got, 2)
	assert.Equal(t, "again", got[1]["text"])
	assert.Equal(t, []any{id}, got[1]["media_ids"])
	assert.Equal(t, s.UserID(), got[1]["user_id"])
	assert.Equal(t, authOAuth1, got[1]["auth"])

	ir = inspectGet(t, s, "/mediatest/media/"+id)
	var m map[string]any
	require.NoError(t, json.Unmarshal(ir.body, &m))
	assert.Equal(t, s.UserID(), m["uploader"])
}

func TestUsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token, want string
	}{
		{"1000000001-mediatest-access-token", "1000000001"},
		{"42-abc", "42"},
		{"abc-42", defaultUserID},
		{"12345678901234567890-x", defaultUserID}, // 20 digits
		{"-x", defaultUserID},
		{"42", defaultUserID},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Credentials{AccessToken: tc.token}.UserID(), tc.token)
	}

	s := newTweetServer(t)
	assert.Equal(t, "1000000001", s.UserID())
	mine := ready(t, s.OAuth2Client(), s, "image/png", "tweet_image")
	theirs := ready(t, bearerClient(otherToken), s, "image/png", "tweet_image")
	m, _ := s.Media(mine)
	assert.Equal(t, "1000000001", m.Uploader, "the default token acts for the server's user")
	m, _ = s.Media(theirs)
	assert.Equal(t, otherUser, m.Uploader)

	assert.PanicsWithValue(t, "mediatest: WithOAuth2User user id x1 does not match ^[0-9]{1,19}$", func() { WithOAuth2User("x1", "t") })
	assert.Panics(t, func() { WithOAuth2User("1", "bad token") })
}
