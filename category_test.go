package mediaupload

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediacheck"
)

func TestNormalizeCategory(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"tweet_video": "tweet_video", "TweetVideo": "tweet_video", "TWEET_VIDEO": "tweet_video",
		"DmGif": "dm_gif", "amplify_video": "amplify_video", "AmplifyVideo": "amplify_video",
		"Subtitles": "subtitles", "SUBTITLES": "subtitles", "tweet_image": "tweet_image",
	}
	for in, want := range tests {
		got, err := normalizeCategory(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "video", "tweet-video", "TweetMovie"} {
		_, err := normalizeCategory(bad)
		require.ErrorIs(t, err, ErrUnknownCategory, bad)
	}
}

// X's default size limits, which the tests assert.
var (
	imageLimit = mediacheck.DefaultLimits().MaxImageBytes
	gifLimit   = mediacheck.DefaultLimits().MaxGIFBytes
	videoLimit = mediacheck.DefaultLimits().MaxVideoBytes
)

// Leading bytes of each format, as the files really start.
var (
	pngHead  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	jpegHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	gifHead  = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04")
	webpHead = []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00")
	mp4Head  = []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41\x00\x00\x00\x08free")
	movHead  = []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  \x00\x00\x00\x08wide")
	srtHead  = []byte("1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> 00:00:02,000\nWorld\n")
)

func TestResolveType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		head         []byte
		size         int64
		mediaType    string
		category     string
		wantType     string
		wantCategory string
		wantErr      error
	}{
		{name: "png", head: pngHead, wantType: "image/png", wantCategory: "tweet_image"},
		{name: "jpeg", head: jpegHead, wantType: "image/jpeg", wantCategory: "tweet_image"},
		{name: "gif", head: gifHead, wantType: "image/gif", wantCategory: "tweet_gif"},
		{name: "webp", head: webpHead, wantType: "image/webp", wantCategory: "tweet_image"},
		{name: "mp4", head: mp4Head, wantType: "video/mp4", wantCategory: "tweet_video"},
		{name: "mov", head: movHead, wantType: "video/quicktime", wantCategory: "tweet_video"},
		{name: "srt", head: srtHead, mediaType: "application/x-subrip", wantType: "application/x-subrip", wantCategory: "subtitles"},
		{name: "sniffed srt", head: srtHead, wantType: "application/x-subrip", wantCategory: "subtitles"},
		{name: "sniffed vtt", head: []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"), wantType: "text/vtt", wantCategory: "subtitles"},
		{name: "apng is png", head: append(append([]byte{}, pngHead...), "\x00\x00\x00\x08acTL\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"...),
			wantType: "image/png", wantCategory: "tweet_image"},
		{name: "given type wins", head: pngHead, mediaType: "image/jpeg", wantType: "image/jpeg", wantCategory: "tweet_image"},
		{name: "given category kept", head: mp4Head, category: "dm_video", wantType: "video/mp4", wantCategory: "dm_video"},
		{name: "gif as image", head: gifHead, category: "tweet_image", wantType: "image/gif", wantCategory: "tweet_image"},
		{name: "video in image category", head: mp4Head, category: "tweet_image", wantErr: ErrMediaType},
		{name: "unknown content", head: []byte("just some text"), wantErr: ErrMediaType},
		{name: "image over 5 MiB", head: pngHead, size: imageLimit + 1, wantErr: ErrTooLarge},
		{name: "gif at 15 MiB", head: gifHead, size: gifLimit, wantType: "image/gif", wantCategory: "tweet_gif"},
		{name: "gif over 15 MiB", head: gifHead, size: gifLimit + 1, wantErr: ErrTooLarge},
		{name: "video over 512 MiB", head: mp4Head, size: videoLimit + 1, wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			size := tc.size
			if size == 0 {
				size = int64(len(tc.head))
			}
			cfg := uploadConfig{mediaType: tc.mediaType, category: tc.category}
			err := cfg.resolveType(tc.head, size)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantType, cfg.mediaType)
			assert.Equal(t, tc.wantCategory, cfg.category)
		})
	}
	for head, want := range map[string]string{
		"just some text": "text/plain",
		"\x00\x01\x02":   "application/octet-stream",
		// Boxes that are no video's: HEIF, and M4A audio naming mp42, which DetectContentType calls video.
		"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic":                     "application/octet-stream",
		"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00": "application/octet-stream",
	} {
		cfg := uploadConfig{}
		assert.ErrorContains(t, cfg.resolveType([]byte(head), int64(len(head))), "content looks like "+want+", not an image")
	}
}
