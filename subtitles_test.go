package mediaupload

import (
	"bytes"
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
	assert.Equal(t, "AmplifyVideo", Subtitle{VideoCategory: "amplify_video"}.videoCategory())
	assert.Equal(t, "TweetVideo", Subtitle{VideoCategory: "dm_video"}.videoCategory())
}
