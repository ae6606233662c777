package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/mediacheck"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	random := writeFile(t, bytes.Repeat([]byte{7, 1, 9, 3}, 2000))
	missing := filepath.Join(t.TempDir(), "missing.mp4")
	fps120, err := os.ReadFile(fixturePath("fps120.mp4"))
	require.NoError(t, err)
	tests := []struct {
		name     string
		args     []string
		stdin    []byte
		code     int
		inStdout []string // lines of stdout, each whole
		stderr   string   // the whole of stderr
	}{
		{"valid video", []string{fixturePath("ok.mp4")}, nil, 0, []string{
			fixturePath("ok.mp4") + ": passes for tweet_video",
			"  format    mp4 (isom), 9.7 kB (9886 bytes)",
			"  video     h264 High 1.0 64×64 30 fps 4:2:0 8-bit progressive",
			"  audio     aac LC stereo 48000 Hz",
		}, ""},
		{"frame rate", []string{fixturePath("fps120.mp4")}, nil, 2, []string{
			fixturePath("fps120.mp4") + ": refused for tweet_video",
			"  refuse    frame rate 120 fps is over X's limit of 60 fps for tweet_video",
		}, "mediaupload: 1 file of 1 refused by X's media rules\n"},
		{"random bytes pass with a warning", []string{random}, nil, 0, []string{
			random + ": passes with warnings for no known category",
			"  warn      format not recognised (not JPEG, PNG, GIF, WebP, MP4 or MOV); X will judge it",
		}, ""},
		{"random bytes as a video", []string{"--category", "TweetVideo", random}, nil, 0, []string{
			random + ": passes with warnings for tweet_video",
		}, ""},
		{"a gif", []string{fixturePath("ffmpeg.gif")}, nil, 0, []string{fixturePath("ffmpeg.gif") + ": passes for tweet_gif"}, ""},
		{"an image", []string{fixturePath("anim.png")}, nil, 0, []string{fixturePath("anim.png") + ": passes for tweet_image"}, ""},
		{"too long", []string{fixturePath("long.mp4")}, nil, 2, []string{
			"  refuse    duration 150 s is over X's limit of 140 s for tweet_video",
		}, "mediaupload: 1 file of 1 refused by X's media rules\n"},
		{"--max-duration of a premium account", []string{"--max-duration", "10m", fixturePath("long.mp4")}, nil, 0, []string{
			fixturePath("long.mp4") + ": passes for tweet_video",
		}, ""},
		{"--max-video-bytes", []string{fixturePath("ok.mp4"), "--max-video-bytes", "5000"}, nil, 2, []string{
			"  refuse    file size 9.7 kB (9886 bytes) is over X's limit of 4.9 kB for tweet_video",
		}, "mediaupload: 1 file of 1 refused by X's media rules\n"},
		{"--category", []string{"--category", "dm_video", fixturePath("short.mp4")}, nil, 2, []string{
			fixturePath("short.mp4") + ": refused for dm_video",
			"  refuse    duration 0.3 s is under X's minimum of 0.5 s for dm_video",
		}, "mediaupload: 1 file of 1 refused by X's media rules\n"},
		{"stdin", []string{"-"}, fps120, 2, []string{
			"stdin: refused for tweet_video",
		}, "mediaupload: 1 file of 1 refused by X's media rules\n"},
		{"several files, one refused", []string{fixturePath("ok.mp4"), fixturePath("fps120.mp4"), fixturePath("hevc.mp4")}, nil, 2, []string{
			fixturePath("ok.mp4") + ": passes for tweet_video",
			fixturePath("fps120.mp4") + ": refused for tweet_video",
			fixturePath("hevc.mp4") + ": passes with warnings for tweet_video",
		}, "mediaupload: 1 file of 3 refused by X's media rules\n"},
		{"a missing file", []string{missing}, nil, 1, []string{
			"  error     open " + missing + ": no such file or directory",
		}, "mediaupload: 1 file of 1 could not be read\n"},
		{"a missing file outweighs a refusal", []string{fixturePath("fps120.mp4"), missing}, nil, 1, []string{
			fixturePath("fps120.mp4") + ": refused for tweet_video",
		}, "mediaupload: 1 file of 2 could not be read\n"},
		{"no file", nil, nil, 2, nil, "mediaupload: check needs at least one FILE; run 'mediaupload help check'\n"},
		{"unknown category", []string{"--category", "tweet_audio", random}, nil, 2, nil,
			`mediaupload: --category "tweet_audio" is not one of tweet_image, tweet_gif, tweet_video, dm_image, dm_gif, dm_video, amplify_video` + "\n"},
		{"subtitles have no rules to check", []string{"--category", "subtitles", random}, nil, 2, nil,
			`mediaupload: --category "subtitles" is not one of tweet_image, tweet_gif, tweet_video, dm_image, dm_gif, dm_video, amplify_video` + "\n"},
		{"bad duration", []string{"--max-duration", "long", random}, nil, 2, nil,
			`mediaupload: invalid value "long" for flag --max-duration: invalid duration; run 'mediaupload help check'` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, bytes.NewReader(tc.stdin), append([]string{"check"}, tc.args...)...)
			assert.Equal(t, tc.code, r.code, "stdout %s\nstderr %s", r.stdout, r.stderr)
			assert.Equal(t, tc.stderr, r.stderr)
			lines := strings.Split(r.stdout, "\n")
			for _, want := range tc.inStdout {
				assert.Contains(t, lines, want, "stdout:\n%s", r.stdout)
			}
			if tc.inStdout == nil {
				assert.Empty(t, r.stdout)
			}
		})
	}
}

// One block per file, a blank line between blocks, each Result.String.
func TestCheckPrintsOneBlockPerFile(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, nil, "check", fixturePath("ok.mp4"), fixturePath("fps120.mp4"))
	require.Equal(t, 2, r.code, r.stderr)
	var want []string
	for _, name := range []string{"ok.mp4", "fps120.mp4"} {
		info, err := mediacheck.InspectFile(t.Context(), fixturePath(name))
		require.NoError(t, err)
		want = append(want, mediacheck.NewResult(fixturePath(name), info, "", mediacheck.Limits{}).String())
	}
	assert.Equal(t, strings.Join(want, "\n"), r.stdout)
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.mp4")
	r := runCLI(t, nil, nil, "check", "--json", fixturePath("ok.mp4"), fixturePath("fps120.mp4"), missing)
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "mediaupload: 1 file of 3 could not be read\n", r.stderr)
	var results []mediacheck.Result
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &results), r.stdout)
	require.Len(t, results, 3)

	assert.Equal(t, fixturePath("ok.mp4"), results[0].File)
	assert.Equal(t, "pass", results[0].Verdict)
	assert.Equal(t, "tweet_video", results[0].Category)
	require.NotNil(t, results[0].Info)
	assert.Equal(t, mediacheck.FormatMP4, results[0].Info.Format)
	assert.Empty(t, results[0].Findings)

	assert.Equal(t, "refuse", results[1].Verdict)
	require.NotEmpty(t, results[1].Findings)
	assert.Equal(t, mediacheck.RuleFrameRate, results[1].Findings[0].Rule)
	assert.Equal(t, "60 fps", results[1].Findings[0].Limit)
	assert.Equal(t, "120 fps", results[1].Findings[0].Actual)

	assert.Equal(t, missing, results[2].File)
	assert.Nil(t, results[2].Info)
	assert.Contains(t, results[2].Error, "no such file or directory")

	// Every file passing: exit 0, and the array is still an array.
	r = runCLI(t, nil, nil, "check", "--json", fixturePath("noaudio.mp4"))
	assert.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &results), r.stdout)
	require.Len(t, results, 1)
	assert.Equal(t, "pass", results[0].Verdict)
}

func TestCheckIsACommand(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, nil, "help")
	assert.Contains(t, r.stdout, "check [flags] FILE...")
	r = runCLI(t, nil, nil, "help", "check")
	require.Equal(t, 0, r.code)
	for _, want := range []string{"usage: mediaupload check [flags] FILE...", "--json", "--category CATEGORY", "--max-duration DURATION", "--max-video-bytes BYTES"} {
		assert.Contains(t, r.stdout, want)
	}
	r = runCLI(t, nil, nil, "completion", "zsh")
	assert.Contains(t, r.stdout, "\tcheck) specs=(")
	assert.Regexp(t, `check\) specs=\(.*'\*:file:_files'\)`, r.stdout, "check completes files")
}
