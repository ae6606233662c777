package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediatest"
)

func TestMain(m *testing.M) {
	if os.Getenv("BOT_RUN_MAIN") == "1" {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv("BOT_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestBotUploadsAFile(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer()
	t.Cleanup(srv.Close)
	image := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 5000)...)
	path := filepath.Join(t.TempDir(), "cat.png")
	require.NoError(t, os.WriteFile(path, image, 0o600))

	c := srv.Credentials()
	cmd := exec.CommandContext(t.Context(), os.Args[0])
	cmd.Env = []string{
		"BOT_RUN_MAIN=1", "BOT_ARGS=-endpoint " + srv.UploadURL() + " -alt cat " + path,
		"TWITTER_CONSUMER_KEY=" + c.ConsumerKey, "TWITTER_CONSUMER_SECRET=" + c.ConsumerSecret,
		"TWITTER_ACCESS_TOKEN=" + c.AccessToken, "TWITTER_ACCESS_TOKEN_SECRET=" + c.AccessTokenSecret,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	m, ok := srv.Media(strings.TrimSpace(stdout.String()))
	require.True(t, ok, "stdout %q", stdout.String())
	assert.Equal(t, image, m.Data)
	assert.Equal(t, "cat", m.AltText)
	assert.Contains(t, stderr.String(), "sent 1/1 segments")
}
