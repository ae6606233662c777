package mediatest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediacheck"
	"github.com/mediaupload/mediaupload/mediatest"
)

func TestPNG(t *testing.T) {
	t.Parallel()
	b := mediatest.PNG()
	assert.Less(t, len(b), 100)
	assert.Equal(t, "image/png", http.DetectContentType(b))
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 1, img.Bounds().Dx())
	assert.Equal(t, 1, img.Bounds().Dy())
	b[0] = 0
	assert.Equal(t, byte(0x89), mediatest.PNG()[0], "each call returns a new slice")
}

func TestMP4(t *testing.T) {
	t.Parallel()
	for _, size := range []int{40, 856, 857, 1000, 3 << 20} {
		b := mediatest.MP4(size)
		require.Len(t, b, size)
		assert.Equal(t, "video/mp4", http.DetectContentType(b))
		assert.Equal(t, b, mediatest.MP4(size), "deterministic")
		info, err := mediacheck.Inspect(t.Context(), bytes.NewReader(b), int64(size))
		require.NoError(t, err)
		findings := mediacheck.Check(info, "tweet_video", mediacheck.Limits{})
		if size < 857 {
			assert.Equal(t, "mdat", string(b[36:40]), "too small for the video: a head and filler")
			assert.NotEmpty(t, findings.Only(mediacheck.Warn), "no playable video")
			continue
		}
		assert.Empty(t, findings, "X's rules accept it: %v", findings)
		assert.Equal(t, time.Second, info.Duration)
		assert.Equal(t, "free", string(b[853:857]), "the rest is padding")
	}
	assert.NotEqual(t, mediatest.MP4(2000)[857:], make([]byte, 2000-857), "filler is not zeros")
	assert.Panics(t, func() { mediatest.MP4(39) })
}

// The samples upload through the SDK as what they claim to be, and the
// server processes and posts them.
func TestSamples_upload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, mediaType, category string
		data                      []byte
	}{
		{"png", "image/png", "tweet_image", mediatest.PNG()},
		{"mp4", "video/mp4", "tweet_video", mediatest.MP4(3 << 20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
			t.Cleanup(srv.Close)
			client, err := mediaupload.NewClient(srv.Client(), mediaupload.WithEndpoint(srv.UploadURL()))
			require.NoError(t, err)
			media, err := client.Upload(t.Context(), bytes.NewReader(tc.data))
			require.NoError(t, err)
			assert.Equal(t, tc.mediaType, media.MediaType)
			assert.Equal(t, tc.category, media.Category)
			got, ok := srv.Media(media.ID)
			require.True(t, ok)
			sum := sha256.Sum256(tc.data)
			assert.Equal(t, hex.EncodeToString(sum[:]), got.SHA256)
			assert.Equal(t, "succeeded", got.State)
		})
	}
}
