package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
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
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv("BOT_ARGS")), &args); err != nil {
			panic(err)
		}
		os.Args = append(os.Args[:1], args...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runBot runs the bot as a process with srv's credentials.
func runBot(t *testing.T, srv *mediatest.Server, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	c := srv.Credentials()
	argsJSON, err := json.Marshal(args)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), os.Args[0])
	cmd.Env = []string{
		"BOT_RUN_MAIN=1", "BOT_ARGS=" + string(argsJSON),
		"TWITTER_CONSUMER_KEY=" + c.ConsumerKey, "TWITTER_CONSUMER_SECRET=" + c.ConsumerSecret,
		"TWITTER_ACCESS_TOKEN=" + c.AccessToken, "TWITTER_ACCESS_TOKEN_SECRET=" + c.AccessTokenSecret,
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestBotUploadsAndPosts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, alt string
		data            []byte
		category        string
	}{
		{"image with alt text", "cat.png", "cat", mediatest.PNG(), "tweet_image"},
		{"video", "cat.mp4", "", mediatest.MP4(300_000), "tweet_video"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
			t.Cleanup(srv.Close)
			args := []string{"-endpoint", srv.UploadURL(), "-post", srv.URL + "/2/tweets", "-text", "Look: a cat"}
			if tc.alt != "" {
				args = append(args, "-alt", tc.alt)
			}
			stdout, stderr, err := runBot(t, srv, append(args, writeFile(t, tc.file, tc.data))...)
			require.NoError(t, err, stderr)

			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			require.Len(t, lines, 2, "stdout %q: the media id, then the post id", stdout)
			m, ok := srv.Media(lines[0])
			require.True(t, ok, "stdout %q", stdout)
			sum := sha256.Sum256(tc.data)
			assert.Equal(t, hex.EncodeToString(sum[:]), m.SHA256)
			assert.Equal(t, tc.category, m.Category)
			assert.Equal(t, "succeeded", m.State)
			assert.Equal(t, tc.alt, m.AltText)

			posts := srv.Posts()
			require.Len(t, posts, 1)
			assert.Equal(t, mediatest.Post{ID: lines[1], Text: "Look: a cat", MediaIDs: []string{m.ID},
				UserID: srv.UserID(), Auth: "oauth1", CreatedAt: posts[0].CreatedAt}, posts[0])
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			assert.Equal(t, mediatest.StepTweet, last.Step, "the post comes after the upload")
			assert.Equal(t, http.StatusCreated, last.Status)
			assert.Empty(t, srv.Deviations())
			assert.Contains(t, stderr, "sent 1/1 segments")
			assert.NotContains(t, stdout+stderr, srv.Credentials().AccessTokenSecret)
		})
	}
}

func TestBotOnlyUploads(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer()
	t.Cleanup(srv.Close)
	stdout, stderr, err := runBot(t, srv, "-endpoint", srv.UploadURL(), "-post", "", writeFile(t, "cat.png", mediatest.PNG()))
	require.NoError(t, err, stderr)
	_, ok := srv.Media(strings.TrimSpace(stdout))
	assert.True(t, ok, "stdout %q is the media id alone", stdout)
	assert.Empty(t, srv.Posts())
}

// A refused post fails the bot with X's reason, after the upload.
func TestBotReportsARefusedPost(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer()
	t.Cleanup(srv.Close)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepTweet, Status: http.StatusForbidden})
	stdout, stderr, err := runBot(t, srv, "-endpoint", srv.UploadURL(), "-post", srv.URL+"/2/tweets", writeFile(t, "cat.png", mediatest.PNG()))
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "stdout %q stderr %q", stdout, stderr)
	assert.Contains(t, stderr, "post: 403 Forbidden: Forbidden")
	assert.NotContains(t, stderr, srv.Credentials().AccessTokenSecret)
	require.Len(t, srv.AllMedia(), 1, "uploaded before posting")
	assert.Empty(t, srv.Posts())
}
