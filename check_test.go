package mediaupload

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediacheck"
	"github.com/mediaupload/mediaupload/mediatest"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("mediacheck", "testdata", name))
	require.NoError(t, err)
	return b
}

// TestUploadChecksMediaFirst: media that breaks one of X's rules is refused
// before any request, naming the rule, the limit and the value; media X
// accepts uploads byte-exact, from a file or spooled from a pipe.
func TestUploadChecksMediaFirst(t *testing.T) {
	t.Parallel()
	refused := []struct{ file, rule, msg string }{
		{"fps120.mp4", "frame_rate", "frame rate 120 fps is over X's limit of 60 fps for tweet_video"},
		{"short.mp4", "duration", "tweet_video"},
		{"long.mp4", "duration", "140"},
		{"yuv444.mp4", "chroma", "4:2:0"},
		{"10bit.mp4", "bit_depth", "8"},
		{"interlaced.mp4", "scan", "interlaced"},
		{"interlaced.mov", "scan", "interlaced"},
		{"sar4x3.mp4", "pixel_aspect", "square"},
		{"aspect4x1.mp4", "aspect_ratio", "3:1"},
		{"small16.mp4", "dimensions", "32"},
		{"mp3.mp4", "audio_codec", "AAC"},
		{"surround.mp4", "audio_channels", "2"},
	}
	for _, tc := range refused {
		t.Run("refused "+tc.file, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, nil)
			_, err := c.Upload(t.Context(), bytes.NewReader(fixture(t, tc.file)))
			var re *mediacheck.RuleError
			require.ErrorAs(t, err, &re)
			assert.ErrorIs(t, err, mediacheck.ErrRefused)
			assert.Equal(t, mediacheck.Rule(tc.rule), re.Findings[0].Rule, err.Error())
			assert.Contains(t, err.Error(), tc.msg)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Empty(t, srv.Requests(), "refused before any request")
		})
	}
	accepted := []string{"ok.mp4", "ok.mov", "ok_frag.mp4", "noaudio.mp4", "ffmpeg.gif", "anim.png", "lossy.webp", "hevc.mp4"}
	for _, name := range accepted {
		t.Run("accepted "+name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)})
			data := fixture(t, name)
			m, err := c.Upload(t.Context(), bytes.NewReader(data))
			require.NoError(t, err)
			assertUploaded(t, srv, m, data)
		})
	}
	t.Run("fragmented MP4 on a pipe is checked once spooled", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)})
		data := fixture(t, "ok_frag.mp4")
		m, err := c.Upload(t.Context(), io.MultiReader(bytes.NewReader(data))) // no Seek, no ReadAt: spooled
		require.NoError(t, err)
		assertUploaded(t, srv, m, data)

		_, err = c.Upload(t.Context(), io.MultiReader(bytes.NewReader(fixture(t, "fps120.mp4"))))
		require.ErrorIs(t, err, mediacheck.ErrRefused)
	})
}

func TestUploadCheckOptions(t *testing.T) {
	t.Parallel()
	t.Run("NoCheck uploads a refused file", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)})
		data := fixture(t, "fps120.mp4")
		m, err := c.Upload(t.Context(), bytes.NewReader(data), NoCheck())
		require.NoError(t, err)
		assertUploaded(t, srv, m, data)
	})
	t.Run("NoCheck leaves the size limit to X", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, nil)
		big := append(mediatest.PNG(), make([]byte, imageLimit)...)
		_, err := c.Upload(t.Context(), bytes.NewReader(big))
		require.ErrorIs(t, err, ErrTooLarge)
		assert.Empty(t, srv.Requests())
		_, err = c.Upload(t.Context(), bytes.NewReader(big), NoCheck())
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr, "X's INIT judges it")
		assert.Equal(t, 400, apiErr.StatusCode)
	})
	t.Run("an account's limits", func(t *testing.T) {
		t.Parallel()
		srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
		t.Cleanup(srv.Close)
		c, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithMediaLimits(mediacheck.Limits{MaxVideoDuration: 10 * time.Minute}))
		require.NoError(t, err)
		data := fixture(t, "long.mp4")
		m, err := c.Upload(t.Context(), bytes.NewReader(data))
		require.NoError(t, err, "150 s is within a Premium account's limit")
		assertUploaded(t, srv, m, data)

		c, err = NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithMediaLimits(mediacheck.Limits{MaxVideoBytes: 5000}))
		require.NoError(t, err)
		_, err = c.Upload(t.Context(), bytes.NewReader(fixture(t, "ok.mp4")))
		var le *LimitError
		require.ErrorAs(t, err, &le, "the size limit follows the account's limits")
		assert.Equal(t, int64(5000), le.Limit)
	})
	t.Run("what cannot be parsed is a warning", func(t *testing.T) {
		t.Parallel()
		var logs logRecorder
		srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
		t.Cleanup(srv.Close)
		c, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithLogger(logs.logger()))
		require.NoError(t, err)
		data := randomBytes(t, 5000)
		m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"))
		require.NoError(t, err, "random bytes declared as video/mp4 still upload")
		assertUploaded(t, srv, m, data)
		assert.Contains(t, logs.String(), "level=WARN msg=\"media check: ")
	})
	t.Run("an in-order input is not checked", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)})
		data := fixture(t, "fps120.mp4")
		m, err := c.Upload(t.Context(), onlyReader{bytes.NewReader(data)}, Size(int64(len(data))))
		require.NoError(t, err)
		assertUploaded(t, srv, m, data)
	})
}
