package mediaupload

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

func TestSubtitlesInBothDialects(t *testing.T) {
	t.Parallel()
	for _, dc := range dialectCases {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newDialectFake(t, dc, []mediatest.Option{mediatest.WithCheckAfter(0)})
			video := append(append([]byte{}, mp4Head...), randomBytes(t, 3000)...)
			m, err := c.Upload(t.Context(), bytes.NewReader(video), Subtitles(bytes.NewReader(srtHead), "en", ""))
			require.NoError(t, err)
			got, _ := srv.Media(m.ID)
			require.Len(t, got.Subtitles, 1)
			assert.Equal(t, "EN", got.Subtitles[0].LanguageCode)
			assert.Equal(t, "EN", got.Subtitles[0].DisplayName, "the code, unless a name is given")
			srt, ok := srv.Media(got.Subtitles[0].MediaID)
			require.True(t, ok)
			assert.Equal(t, srtHead, srt.Data)
			assert.Equal(t, "subtitles", srt.Category)
		})
	}
	_, c, _ := newDialectFake(t, dialectCases[0], nil)
	_, err := c.Upload(t.Context(), bytes.NewReader(pngHead), Subtitles(bytes.NewReader(srtHead), "en", ""))
	require.ErrorIs(t, err, ErrMediaType, "subtitles go with videos")
	_, err = c.Upload(t.Context(), bytes.NewReader(mp4Head), Subtitles(bytes.NewReader(srtHead), "english", ""))
	require.ErrorContains(t, err, "two-letter")
}

func TestSubtitleNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      Subtitle
		want    Subtitle
		wantErr bool
	}{
		{Subtitle{LanguageCode: "en"}, Subtitle{LanguageCode: "EN", DisplayName: "EN"}, false},
		{Subtitle{LanguageCode: "PT", DisplayName: "Português"}, Subtitle{LanguageCode: "PT", DisplayName: "Português"}, false},
		{Subtitle{LanguageCode: "ja", DisplayName: "日本語"}, Subtitle{LanguageCode: "JA", DisplayName: "日本語"}, false},
		{Subtitle{LanguageCode: "zz"}, Subtitle{LanguageCode: "ZZ", DisplayName: "ZZ"}, false},
		{Subtitle{LanguageCode: "eng"}, Subtitle{}, true},
		{Subtitle{LanguageCode: "pt-BR"}, Subtitle{}, true},
		{Subtitle{LanguageCode: "ıd"}, Subtitle{}, true}, // its capital is ASCII, it is not
		{Subtitle{LanguageCode: "e1"}, Subtitle{}, true},
		{Subtitle{}, Subtitle{}, true},
	}
	for _, tc := range tests {
		got := tc.in
		err := got.normalize()
		if tc.wantErr {
			assert.Error(t, err, "%+v", tc.in)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

// TestSubtitlesVideoCategory: the subtitles request names the video's
// category as those endpoints spell it, in both dialects.
func TestSubtitlesVideoCategory(t *testing.T) {
	t.Parallel()
	bodies := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- string(b)
	}))
	t.Cleanup(srv.Close)
	for _, endpoint := range []string{srv.URL + "/1.1/media/upload.json", srv.URL + "/2/media/upload"} {
		c, err := NewClient(srv.Client(), WithEndpoint(endpoint))
		require.NoError(t, err)
		for cat, want := range map[string]string{"amplify_video": "AmplifyVideo", "dm_video": "TweetVideo", "": "TweetVideo"} {
			sub := Subtitle{MediaID: "2", LanguageCode: "en", VideoCategory: cat}
			require.NoError(t, c.AttachSubtitles(t.Context(), "1", sub))
			assert.Contains(t, <-bodies, `"media_category":"`+want+`"`, "%s, %q", endpoint, cat)
		}
	}
}
