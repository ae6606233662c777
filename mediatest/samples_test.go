package mediatest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image/png"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload"
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
	for _, size := range []int{40, 1000, 3 << 20} {
		b := mediatest.MP4(size)
		require.Len(t, b, size)
		assert.Equal(t, "video/mp4", http.DetectContentType(b))
		assert.Equal(t, uint32(32), binary.BigEndian.Uint32(b[0:4]))
		assert.Equal(t, "ftypisom", string(b[4:12]))
		assert.Equal(t, uint32(size-32), binary.BigEndian.Uint32(b[32:36]), "mdat holds the rest")
		assert.Equal(t, "mdat", string(b[36:40]))
		assert.Equal(t, b, mediatest.MP4(size), "deterministic")
	}
	assert.NotEqual(t, mediatest.MP4(1000)[40:], make([]byte, 960), "filler is not zeros")
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
