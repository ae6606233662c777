package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediacheck"
	"github.com/mediaupload/mediaupload/mediatest"
)

// fixturePath is a media file of mediacheck's test data.
func fixturePath(name string) string {
	return filepath.Join("..", "..", "mediacheck", "testdata", name)
}

// TestUploadRefusesMediaXWouldRefuse: each broken rule is refused before
// any request, exit 2, one line naming the file, the rule, the limit and
// the value; --no-check uploads it anyway; accepted kinds upload
// byte-exact, a fragmented MP4 on stdin too.
func TestUploadRefusesMediaXWouldRefuse(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"fps120.mp4":     "fps120.mp4: frame rate 120 fps is over X's limit of 60 fps for tweet_video",
		"long.mp4":       "long.mp4: duration",
		"short.mp4":      "short.mp4: duration",
		"yuv444.mp4":     "yuv444.mp4: chroma",
		"10bit.mp4":      "10bit.mp4: bit depth",
		"interlaced.mp4": "interlaced",
		"sar4x3.mp4":     "pixel aspect",
		"aspect4x1.mp4":  "aspect ratio",
		"mp3.mp4":        "audio codec",
		"surround.mp4":   "audio channels",
	}
	for name, want := range refused {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newServer0(t)
			r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), fixturePath(name))
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			require.Len(t, lines, 1, r.stderr)
			assert.Contains(t, lines[0], want)
			assert.Contains(t, lines[0], "--no-check")
			assert.Empty(t, srv.Requests(), "nothing sent")
		})
	}
	t.Run("--no-check uploads a refused file", func(t *testing.T) {
		t.Parallel()
		srv := newServer0(t)
		r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--no-check", fixturePath("fps120.mp4"))
		require.Equal(t, 0, r.code, r.stderr)
		assertUploadedFile(t, srv, r, fixturePath("fps120.mp4"))
	})
	t.Run("--max-duration for an account with longer videos", func(t *testing.T) {
		t.Parallel()
		srv := newServer0(t)
		r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--max-duration", "10m", fixturePath("long.mp4"))
		require.Equal(t, 0, r.code, r.stderr)
		assertUploadedFile(t, srv, r, fixturePath("long.mp4"))
	})
	for _, name := range []string{"ok.mp4", "ok.mov", "noaudio.mp4", "ffmpeg.gif", "anim.png", "lossy.webp"} {
		t.Run("accepts "+name, func(t *testing.T) {
			t.Parallel()
			srv := newServer0(t)
			r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), fixturePath(name))
			require.Equal(t, 0, r.code, r.stderr)
			assertUploadedFile(t, srv, r, fixturePath(name))
		})
	}
	t.Run("a fragmented MP4 on stdin", func(t *testing.T) {
		t.Parallel()
		srv := newServer0(t)
		data, err := os.ReadFile(fixturePath("ok_frag.mp4"))
		require.NoError(t, err)
		r := runCLI(t, envFor(srv), bytes.NewReader(data), "upload", "--endpoint", srv.UploadURL(), "--type", "video/mp4", "-")
		require.Equal(t, 0, r.code, r.stderr)
		assertUploadedFile(t, srv, r, fixturePath("ok_frag.mp4"))

		fps, err := os.ReadFile(fixturePath("fps120.mp4"))
		require.NoError(t, err)
		r = runCLI(t, envFor(srv), bytes.NewReader(fps), "upload", "--endpoint", srv.UploadURL(), "-")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "stdin: frame rate 120 fps")
	})
	t.Run("random bytes declared as video upload with a warning", func(t *testing.T) {
		t.Parallel()
		srv := newServer0(t)
		path := writeFile(t, bytes.Repeat([]byte{7, 1, 9, 3}, 2000))
		r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--type", "video/mp4", path)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stderr, "level=WARN msg=\"media check: ")
		assertUploadedFile(t, srv, r, path)
	})
}

// assertUploadedFile checks that the media id printed holds the file's
// bytes.
func assertUploadedFile(t *testing.T, srv *mediatest.Server, r result, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	m, ok := srv.Media(strings.TrimSpace(r.stdout))
	require.True(t, ok, "no media %q", r.stdout)
	assert.Equal(t, hexSHA(data), m.SHA256)
	assert.Equal(t, "succeeded", m.State)
}

// TestUploadSizeRefusal: an image over its category's limit is refused
// like a broken rule (one line naming the file, exit 2, nothing sent);
// --no-check leaves the judgement to X, whose INIT refuses it.
func TestUploadSizeRefusal(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	big := append(mediatest.PNG(), make([]byte, mediacheck.DefaultLimits().MaxImageBytes)...)
	path := writeFile(t, big)
	r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), path)
	assert.Equal(t, 2, r.code)
	assert.Equal(t, fmt.Sprintf("%s: media is too large: %d bytes is over the 5242880-byte limit of tweet_image by %d bytes (--no-check uploads it anyway)\n",
		path, len(big), len(big)-int(mediacheck.DefaultLimits().MaxImageBytes)), r.stderr)
	assert.Empty(t, srv.Requests())

	r = runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--no-check", path)
	assert.Equal(t, 1, r.code, "X refuses it")
	assert.Contains(t, r.stderr, "HTTP 400")
	require.NotEmpty(t, srv.Requests())
	assert.Equal(t, mediatest.StepInit, srv.Requests()[0].Step)
}
