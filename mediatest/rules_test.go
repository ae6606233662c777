package mediatest

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediacheck"
)

// fixture reads a file of mediacheck's test media.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "mediacheck", "testdata", name))
	require.NoError(t, err)
	return b
}

// wideGIF is a one-frame GIF of w×h pixels, made with Go's encoder.
func wideGIF(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black}), nil))
	return b.Bytes()
}

// processed polls STATUS until processing ends and returns the last
// processing_info.
func processed(t *testing.T, s *Server, id string) map[string]any {
	t.Helper()
	for range 10 {
		r := getStatus(t, s, id)
		require.Equal(t, http.StatusOK, r.status, "STATUS: %s", r.body)
		info := r.json(t)["processing_info"].(map[string]any)
		if st := info["state"]; st == stateSucceeded || st == stateFailed {
			return info
		}
	}
	t.Fatal("processing did not end")
	return nil
}

func TestWithMediaRules_async(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, mediaType, category string
		limits                          mediacheck.Limits
		wantErr                         string // the message of the failure; "" for success
	}{
		{"valid mp4", "ok.mp4", "video/mp4", "tweet_video", mediacheck.Limits{}, ""},
		{"valid mov", "ok.mov", "video/quicktime", "dm_video", mediacheck.Limits{}, ""},
		{"fragmented mp4", "ok_frag.mp4", "video/mp4", "tweet_video", mediacheck.Limits{}, ""},
		{"video without audio", "noaudio.mp4", "video/mp4", "TweetVideo", mediacheck.Limits{}, ""},
		{"hevc is only a warning", "hevc.mp4", "video/mp4", "tweet_video", mediacheck.Limits{}, ""},
		{"gif", "ffmpeg.gif", "image/gif", "tweet_gif", mediacheck.Limits{}, ""},
		{"frame rate", "fps120.mp4", "video/mp4", "tweet_video", mediacheck.Limits{},
			"frame rate 120 fps is over X's limit of 60 fps for tweet_video"},
		{"too short", "short.mp4", "video/mp4", "dm_video", mediacheck.Limits{},
			"duration 0.3 s is under X's minimum of 0.5 s for dm_video"},
		{"too long", "long.mp4", "video/mp4", "tweet_video", mediacheck.Limits{},
			"duration 150 s is over X's limit of 140 s for tweet_video"},
		{"long is fine for amplify_video", "long.mp4", "video/mp4", "amplify_video", mediacheck.Limits{}, ""},
		{"long is fine for a premium account", "long.mp4", "video/mp4", "tweet_video",
			mediacheck.Limits{MaxVideoDuration: 3 * time.Hour}, ""},
		{"video size of the account", "ok.mp4", "video/mp4", "tweet_video", mediacheck.Limits{MaxVideoBytes: 5000},
			"file size 9.7 kB (9886 bytes) is over X's limit of 4.9 kB for tweet_video"},
		{"4:4:4", "yuv444.mp4", "video/mp4", "tweet_video", mediacheck.Limits{},
			"chroma subsampling 4:4:4 is not X's required 4:2:0 for tweet_video"},
		{"interlaced", "interlaced.mov", "video/quicktime", "tweet_video", mediacheck.Limits{},
			"scan interlaced is not X's required progressive for tweet_video"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, WithCheckAfter(0), WithMediaRules(tc.limits))
			data := fixture(t, tc.file)
			// Small segments: the inspection reads across them.
			id := uploadSegments(t, s, data, 1000, tc.mediaType, tc.category)
			r := finalize(t, s, id)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			assert.Equal(t, "pending", r.json(t)["processing_info"].(map[string]any)["state"],
				"FINALIZE is answered as any other; processing fails")

			info := processed(t, s, id)
			m, ok := s.Media(id)
			require.True(t, ok)
			assert.Equal(t, data, m.Data)
			if tc.wantErr == "" {
				assert.Equal(t, map[string]any{"state": "succeeded", "progress_percent": json.Number("100")}, info)
				assert.Equal(t, stateSucceeded, m.State)
				return
			}
			assert.Equal(t, map[string]any{
				"state":            "failed",
				"progress_percent": json.Number("66"),
				"error":            map[string]any{"code": json.Number("1"), "name": "InvalidMedia", "message": tc.wantErr},
			}, info)
			assert.Equal(t, stateFailed, m.State)
		})
	}
}

func TestWithMediaRules_sync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, mediaType, category string
		data                      func(t *testing.T) []byte
		limits                    mediacheck.Limits
		wantErr                   string // the message of the 400; "" for success
	}{
		{"png", "image/png", "tweet_image", func(t *testing.T) []byte { return fixture(t, "anim.png") }, mediacheck.Limits{}, ""},
		{"webp", "image/webp", "dm_image", func(t *testing.T) []byte { return fixture(t, "lossy.webp") }, mediacheck.Limits{}, ""},
		{"random bytes as a video", "video/mp4", "", func(*testing.T) []byte { return testData(3000) }, mediacheck.Limits{}, ""},
		{"MP4 passes the rules", "video/mp4", "", func(*testing.T) []byte { return MP4(3000) }, mediacheck.Limits{}, ""},
		{"subtitles are not inspected", "text/srt", "subtitles", func(*testing.T) []byte { return testData(100) },
			mediacheck.Limits{}, ""},
		{"image over the account's limit", "image/png", "tweet_image", func(t *testing.T) []byte { return fixture(t, "anim.png") },
			mediacheck.Limits{MaxImageBytes: 1000}, "file size 1.7 kB (1775 bytes) is over X's limit of 1000 B for tweet_image"},
		{"video without a category", "video/mp4", "", func(t *testing.T) []byte { return fixture(t, "fps120.mp4") },
			mediacheck.Limits{}, "frame rate 120 fps is over X's limit of 60 fps for tweet_video"},
		{"gif without a category", "image/gif", "", func(t *testing.T) []byte { return wideGIF(t, 1300, 2) },
			mediacheck.Limits{}, "GIF dimensions 1300×2 is over X's limit of 1280×1080 for tweet_gif"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, WithMediaRules(tc.limits))
			data := tc.data(t)
			id := uploadSegments(t, s, data, 700, tc.mediaType, tc.category)
			r := finalize(t, s, id)
			m, ok := s.Media(id)
			require.True(t, ok)
			if tc.wantErr == "" {
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				assert.NotContains(t, r.json(t), "processing_info")
				assert.Equal(t, stateSucceeded, m.State)
				assert.True(t, m.Finalized)
				return
			}
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			assert.JSONEq(t, `{"errors":[{"code":324,"message":`+mustString(t, tc.wantErr)+`}]}`, string(r.body))
			assert.Equal(t, stateFailed, m.State)
			assert.False(t, m.Finalized)
			// FINALIZE again is refused again.
			r = finalize(t, s, id)
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Equal(t, codeMedia, r.errCode(t))
		})
	}
}

func mustString(t *testing.T, s string) string { return string(mustJSON(t, s)) }

// The rules apply in the v2 dialect too, in its shapes, and a media they
// fail cannot be posted.
func TestWithMediaRules_v2(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(0), WithMediaRules(mediacheck.Limits{MaxImageBytes: 1000}))
	c := s.OAuth2Client()

	id := v2Upload(t, c, s, fixture(t, "fps120.mp4"), 4096, "video/mp4", "tweet_video")
	r := v2StatusReq(t, c, s, "media_id="+id)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, map[string]any{
		"state":            "failed",
		"progress_percent": json.Number("0"),
		"error": map[string]any{"code": json.Number("1"), "name": "InvalidMedia",
			"message": "frame rate 120 fps is over X's limit of 60 fps for tweet_video"},
	}, r.json(t)["data"].(map[string]any)["processing_info"])
	r = tweetReq(t, c, s, postOf("x", id))
	assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)

	png := fixture(t, "anim.png")
	id = v2InitMedia(t, c, s, len(png), "image/png", "tweet_image")
	require.Equal(t, http.StatusOK, v2AppendReq(t, c, s, id, 0, png).status)
	r = v2FinalizeReq(t, c, s, id)
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	assert.Equal(t, "file size 1.7 kB (1775 bytes) is over X's limit of 1000 B for tweet_image", problemOf(t, r).Detail)
}

// Without the option, media are not inspected: what breaks the rules
// succeeds.
func TestWithMediaRules_off(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0))
	id := uploadSegments(t, s, fixture(t, "fps120.mp4"), 4096, "video/mp4", "tweet_video")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	assert.Equal(t, "succeeded", processed(t, s, id)["state"])
}

// A media the rules refuse fails with their message; the others fail with
// WithProcessingError's.
func TestWithMediaRules_andProcessingError(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0), WithMediaRules(mediacheck.Limits{}),
		WithProcessingError(1, "InvalidMedia", "Unsupported video format"))
	for file, want := range map[string]string{
		"fps120.mp4": "frame rate 120 fps is over X's limit of 60 fps for tweet_video",
		"ok.mp4":     "Unsupported video format",
	} {
		id := uploadSegments(t, s, fixture(t, file), 4096, "video/mp4", "tweet_video")
		require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
		assert.Equal(t, want, processed(t, s, id)["error"].(map[string]any)["message"], file)
	}
}

func TestSegmentReader(t *testing.T) {
	t.Parallel()
	data := testData(25)
	segs := map[int][]byte{0: data[:10], 1: data[10:11], 2: data[11:25], 4: []byte("not contiguous")}
	r := newSegmentReader(segs)
	require.Equal(t, int64(25), r.size)
	tests := []struct {
		off     int64
		n       int
		wantN   int
		wantErr error
	}{
		{0, 25, 25, nil},
		{0, 5, 5, nil},
		{8, 5, 5, nil}, // across three segments
		{10, 1, 1, nil},
		{20, 10, 5, io.EOF},
		{25, 1, 0, io.EOF},
		{99, 1, 0, io.EOF},
		{-1, 1, 0, errNegativeOffset},
	}
	for _, tc := range tests {
		p := make([]byte, tc.n)
		n, err := r.ReadAt(p, tc.off)
		assert.Equal(t, tc.wantN, n, "off %d", tc.off)
		assert.ErrorIs(t, err, tc.wantErr, "off %d", tc.off)
		if tc.wantErr == nil {
			assert.Equal(t, data[tc.off:tc.off+int64(n)], p[:n], "off %d", tc.off)
		}
	}
	assert.Equal(t, int64(0), newSegmentReader(nil).size)
}
