package mediatest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// subtitleFixture is a server with a processed video, a finalized
// subtitle media, a subtitle media not finalized and a finalized image.
type subtitleFixture struct {
	s                                     *Server
	video, srt, srtUnfinished, image, vtt string
	pendingVideo                          string
}

func newSubtitleFixture(t *testing.T) subtitleFixture {
	t.Helper()
	s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(0))
	f := subtitleFixture{s: s}
	f.video = uploadSegments(t, s, testData(100), 60, "video/mp4", "tweet_video")
	require.Equal(t, http.StatusCreated, finalize(t, s, f.video).status)
	require.Equal(t, http.StatusOK, getStatus(t, s, f.video).status)
	f.pendingVideo = uploadSegments(t, s, testData(10), 10, "video/mp4", "amplify_video")
	require.Equal(t, http.StatusCreated, finalize(t, s, f.pendingVideo).status)
	srt := []byte("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
	f.srt = uploadSegments(t, s, srt, 100, "text/srt", "subtitles")
	require.Equal(t, http.StatusCreated, finalize(t, s, f.srt).status)
	f.vtt = v2Upload(t, s.OAuth2Client(), s, []byte("WEBVTT\n"), 100, "text/vtt", "subtitles")
	f.srtUnfinished = uploadSegments(t, s, srt, 100, "text/srt", "subtitles")
	f.image = uploadSegments(t, s, testData(10), 10, "image/png", "")
	require.Equal(t, http.StatusCreated, finalize(t, s, f.image).status)
	return f
}

func v1SubtitlesJSON(video, category, srt, lang, name string) string {
	return fmt.Sprintf(`{"media_id":%q,"media_category":%q,"subtitle_info":{"subtitles":[{"media_id":%q,"language_code":%q,"display_name":%q}]}}`,
		video, category, srt, lang, name)
}

func v2SubtitlesJSON(video, category, srt, lang, name string) string {
	return fmt.Sprintf(`{"id":%q,"media_category":%q,"subtitles":{"id":%q,"language_code":%q,"display_name":%q}}`,
		video, category, srt, lang, name)
}

func TestV1_subtitles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       func(f subtitleFixture) string
		wantStatus int
		wantCode   int
		wantErr    string
	}{
		{"attached", func(f subtitleFixture) string { return v1SubtitlesJSON(f.video, "TweetVideo", f.srt, "EN", "English") }, 200, 0, ""},
		{"snake case category, BCP 47 region", func(f subtitleFixture) string {
			return v1SubtitlesJSON(f.video, "tweet_video", f.srt, "pt-BR", "Português")
		}, 200, 0, ""},
		{"numeric ids", func(f subtitleFixture) string {
			return fmt.Sprintf(`{"media_id":%s,"media_category":"TweetVideo","subtitle_info":{"subtitles":[{"media_id":%s,"language_code":"EN","display_name":"English"}]}}`, f.video, f.srt)
		}, 200, 0, ""},
		{"unknown video", func(f subtitleFixture) string { return v1SubtitlesJSON("42", "TweetVideo", f.srt, "EN", "English") }, 400, codeMedia, "Invalid media id 42."},
		{"unknown subtitle media", func(f subtitleFixture) string { return v1SubtitlesJSON(f.video, "TweetVideo", "43", "EN", "English") }, 400, codeMedia, "Invalid media id 43."},
		{"video still processing", func(f subtitleFixture) string {
			return v1SubtitlesJSON(f.pendingVideo, "AmplifyVideo", f.srt, "EN", "English")
		}, 400, codeMedia, "is not ready (state pending)"},
		{"not a video", func(f subtitleFixture) string { return v1SubtitlesJSON(f.image, "TweetVideo", f.srt, "EN", "English") }, 400, codeMedia, "is not a video"},
		{"subtitle media not finalized", func(f subtitleFixture) string {
			return v1SubtitlesJSON(f.video, "TweetVideo", f.srtUnfinished, "EN", "English")
		}, 400, codeMedia, "is not finalized"},
		{"subtitle media of another category", func(f subtitleFixture) string {
			return v1SubtitlesJSON(f.video, "TweetVideo", f.image, "EN", "English")
		}, 400, codeMedia, "was not uploaded with media_category subtitles"},
		{"image category", func(f subtitleFixture) string { return v1SubtitlesJSON(f.video, "TweetImage", f.srt, "EN", "English") }, 400, codeInvalidParam, "use TweetVideo or AmplifyVideo"},
		{"bad language code", func(f subtitleFixture) string {
			return v1SubtitlesJSON(f.video, "TweetVideo", f.srt, "English", "English")
		}, 400, codeInvalidParam, "not a BCP 47 language code"},
		{"no display name", func(f subtitleFixture) string { return v1SubtitlesJSON(f.video, "TweetVideo", f.srt, "EN", "") }, 400, codeMissingParam, "display_name parameter is missing."},
		{"no media_id", func(f subtitleFixture) string { return v1SubtitlesJSON("", "TweetVideo", f.srt, "EN", "English") }, 400, codeMissingParam, "media_id parameter is missing."},
		{"no subtitles", func(f subtitleFixture) string {
			return fmt.Sprintf(`{"media_id":%q,"media_category":"TweetVideo","subtitle_info":{"subtitles":[]}}`, f.video)
		}, 400, codeMissingParam, "subtitle_info.subtitles parameter is missing."},
		{"malformed JSON", func(f subtitleFixture) string { return `{"media_id":` }, 400, codeInvalidParam, "The JSON body is malformed."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newSubtitleFixture(t)
			r := send(t, f.s.Client(), http.MethodPost, f.s.URL+v1SubtitlesPath, "application/json; charset=UTF-8", []byte(tc.body(f)))
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			m, _ := f.s.Media(f.video)
			last := f.s.Requests()[len(f.s.Requests())-1]
			assert.Equal(t, StepSubtitles, last.Step)
			assert.Equal(t, dialectV1, last.Dialect)
			if tc.wantStatus != 200 {
				assert.Equal(t, tc.wantCode, r.errCode(t))
				assert.Contains(t, last.Err, tc.wantErr)
				assert.Empty(t, m.Subtitles)
				return
			}
			assert.Empty(t, r.body)
			assert.Equal(t, f.video, last.MediaID)
			require.Len(t, m.Subtitles, 1)
			assert.Equal(t, f.srt, m.Subtitles[0].MediaID)
		})
	}
}

func TestSubtitles_replaceAndAdd(t *testing.T) {
	t.Parallel()
	f := newSubtitleFixture(t)
	s := f.s
	r := send(t, s.Client(), http.MethodPost, s.URL+v1SubtitlesPath, jsonType,
		fmt.Appendf(nil, `{"media_id":%q,"media_category":"TweetVideo","subtitle_info":{"subtitles":[`+
			`{"media_id":%q,"language_code":"EN","display_name":"English"},{"media_id":%q,"language_code":"FR","display_name":"Français"}]}}`,
			f.video, f.srt, f.vtt))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	r = send(t, s.OAuth2Client(), http.MethodPost, s.URL+v2SubtitlesPath, jsonType,
		[]byte(v2SubtitlesJSON(f.video, "TweetVideo", f.vtt, "EN", "English (US)")))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, map[string]any{"data": map[string]any{"id": f.video, "media_category": "TweetVideo",
		"associated_subtitles": []any{
			map[string]any{"id": f.vtt, "language_code": "EN", "display_name": "English (US)"},
			map[string]any{"id": f.vtt, "language_code": "FR", "display_name": "Français"},
		}}}, r.json(t))

	m, _ := s.Media(f.video)
	assert.Equal(t, []Subtitle{{f.vtt, "EN", "English (US)"}, {f.vtt, "FR", "Français"}}, m.Subtitles)
}

func TestV2_subtitles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       func(f subtitleFixture) string
		wantStatus int
		wantDetail string
	}{
		{"attached", func(f subtitleFixture) string { return v2SubtitlesJSON(f.video, "TweetVideo", f.srt, "EN", "English") }, 200, ""},
		{"amplify video category", func(f subtitleFixture) string {
			return v2SubtitlesJSON(f.video, "AmplifyVideo", f.vtt, "DE", "Deutsch")
		}, 200, ""},
		{"snake case category", func(f subtitleFixture) string { return v2SubtitlesJSON(f.video, "tweet_video", f.srt, "EN", "English") }, 400, "is not one of [AmplifyVideo,TweetVideo]"},
		{"lower-case language", func(f subtitleFixture) string { return v2SubtitlesJSON(f.video, "TweetVideo", f.srt, "en", "English") }, 400, "The `language_code` value [en] does not match ^[A-Z]{2}$."},
		{"region subtag", func(f subtitleFixture) string {
			return v2SubtitlesJSON(f.video, "TweetVideo", f.srt, "PT-BR", "Português")
		}, 400, "does not match ^[A-Z]{2}$"},
		{"unknown video", func(f subtitleFixture) string { return v2SubtitlesJSON("42", "TweetVideo", f.srt, "EN", "English") }, 400, "Invalid media id 42."},
		{"bad video id", func(f subtitleFixture) string { return v2SubtitlesJSON("v1", "TweetVideo", f.srt, "EN", "English") }, 400, "The `id` value [v1] does not match"},
		{"bad subtitle id", func(f subtitleFixture) string { return v2SubtitlesJSON(f.video, "TweetVideo", "s1", "EN", "English") }, 400, "The `subtitles.id` value [s1] does not match"},
		{"video still processing", func(f subtitleFixture) string {
			return v2SubtitlesJSON(f.pendingVideo, "AmplifyVideo", f.srt, "EN", "English")
		}, 400, "is not ready (state pending)"},
		{"subtitle media not finalized", func(f subtitleFixture) string {
			return v2SubtitlesJSON(f.video, "TweetVideo", f.srtUnfinished, "EN", "English")
		}, 400, "is not finalized"},
		{"subtitle media of another category", func(f subtitleFixture) string {
			return v2SubtitlesJSON(f.video, "TweetVideo", f.image, "EN", "English")
		}, 400, "was not uploaded with media_category subtitles"},
		{"subtitles as an array (v1.1 habit)", func(f subtitleFixture) string {
			return fmt.Sprintf(`{"id":%q,"media_category":"TweetVideo","subtitles":[{"id":%q,"language_code":"EN","display_name":"English"}]}`, f.video, f.srt)
		}, 400, "The JSON body is invalid"},
		{"no subtitles", func(f subtitleFixture) string { return fmt.Sprintf(`{"id":%q,"media_category":"TweetVideo"}`, f.video) }, 400, "subtitles parameter is missing."},
		{"no display name", func(f subtitleFixture) string { return v2SubtitlesJSON(f.video, "TweetVideo", f.srt, "EN", "") }, 400, "subtitles.display_name parameter is missing."},
		{"no category", func(f subtitleFixture) string {
			return fmt.Sprintf(`{"id":%q,"subtitles":{"id":%q,"language_code":"EN","display_name":"English"}}`, f.video, f.srt)
		}, 400, "media_category parameter is missing."},
	}
	for _, auth := range []string{authOAuth1, authOAuth2} {
		for _, tc := range tests {
			t.Run(auth+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f := newSubtitleFixture(t)
				r := send(t, v2Client(f.s, auth), http.MethodPost, f.s.URL+v2SubtitlesPath, jsonType, []byte(tc.body(f)))
				require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
				last := f.s.Requests()[len(f.s.Requests())-1]
				assert.Equal(t, StepSubtitles, last.Step)
				assert.Equal(t, dialectV2, last.Dialect)
				assert.Equal(t, auth, last.Auth)
				m, _ := f.s.Media(f.video)
				if tc.wantStatus != 200 {
					assert.Contains(t, problemOf(t, r).Detail, tc.wantDetail)
					assert.Empty(t, m.Subtitles)
					return
				}
				data := r.json(t)["data"].(map[string]any)
				assert.Equal(t, f.video, data["id"])
				require.Len(t, m.Subtitles, 1)
				sub := m.Subtitles[0]
				assert.Equal(t, []any{map[string]any{"id": sub.MediaID, "language_code": sub.LanguageCode, "display_name": sub.DisplayName}},
					data["associated_subtitles"])
			})
		}
	}
}

func TestSubtitles_fault(t *testing.T) {
	t.Parallel()
	f := newSubtitleFixture(t)
	f.s.InjectFault(Fault{Step: StepSubtitles, Status: 503})
	r := send(t, f.s.OAuth2Client(), http.MethodPost, f.s.URL+v2SubtitlesPath, jsonType,
		[]byte(v2SubtitlesJSON(f.video, "TweetVideo", f.srt, "EN", "English")))
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	m, _ := f.s.Media(f.video)
	assert.Empty(t, m.Subtitles)
}

func TestIsLanguageTag(t *testing.T) {
	t.Parallel()
	for tag, want := range map[string]bool{
		"EN": true, "en": true, "pt-BR": true, "zh-Hant-TW": true, "yue": true,
		"": false, "E": false, "English": false, "en-": false, "en--US": false, "e1": false, "en_US": false,
	} {
		assert.Equal(t, want, isLanguageTag(tag), tag)
	}
}
