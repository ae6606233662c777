package mediatest_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediacheck"
	"github.com/mediaupload/mediaupload/mediatest"
)

// The README's WithMediaRules snippet, verbatim, so that it compiles and
// passes.
func TestMyBotHandlesAProcessingFailure(t *testing.T) {
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0), mediatest.WithMediaRules(mediacheck.DefaultLimits()))
	t.Cleanup(srv.Close)

	clip, err := os.ReadFile("../mediacheck/testdata/fps120.mp4") // a real MP4 at 120 fps; X's limit is 60
	require.NoError(t, err)
	client, err := mediaupload.NewClient(srv.Client(), mediaupload.WithEndpoint(srv.UploadURL()))
	require.NoError(t, err)
	// NoCheck sends it anyway, as a bot without the preflight would.
	_, err = client.Upload(t.Context(), bytes.NewReader(clip), mediaupload.NoCheck())

	var failed *mediaupload.ProcessingError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "InvalidMedia", failed.Name)
	assert.Equal(t, "frame rate 120 fps is over X's limit of 60 fps for tweet_video", failed.Message)

	// Beyond the README: the fake got every byte, and the media is dead.
	got, ok := srv.Media(failed.MediaID)
	require.True(t, ok)
	assert.Equal(t, clip, got.Data)
	assert.Equal(t, "failed", got.State)
}

// The README's snippet is the start of the test above, line for line.
func TestReadmeSnippetIsVerbatim(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("readme_test.go")
	require.NoError(t, err)
	const start = "func TestMyBotHandlesAProcessingFailure("
	_, snippet, ok := strings.Cut(string(readme), start)
	require.True(t, ok, "the README has the snippet")
	snippet, _, ok = strings.Cut(snippet, "\n}\n```")
	require.True(t, ok, "the snippet ends")
	assert.Contains(t, string(src), start+snippet+"\n")
}
