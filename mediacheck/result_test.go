package mediacheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inspectFixture(t *testing.T, name string) *Info {
	t.Helper()
	b := fixture(t, name)
	info, err := Inspect(t.Context(), bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	return info
}

func TestResultString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, category string
		want           string
	}{
		{"ok.mp4", "", "ok.mp4: passes for tweet_video\n" +
			"  format    mp4 (isom), 9.7 kB (9886 bytes)\n" +
			"  duration  1 s\n" +
			"  video     h264 High 1.0 64×64 30 fps 4:2:0 8-bit progressive\n" +
			"  audio     aac LC stereo 48000 Hz\n"},
		{"fps120.mp4", "dm_video", "fps120.mp4: refused for dm_video\n" +
			"  format    mp4 (isom), 8.4 kB (8581 bytes)\n" +
			"  duration  1 s\n" +
			"  video     h264 High 1.1 64×64 120 fps 4:2:0 8-bit progressive\n" +
			"  audio     none\n" +
			"  refuse    frame rate 120 fps is over X's limit of 60 fps for dm_video\n"},
		{"hevc.mp4", "tweet_video", "hevc.mp4: passes with warnings for tweet_video\n" +
			"  format    mp4 (isom), 5 kB (5153 bytes)\n" +
			"  duration  1 s\n" +
			"  video     hevc Main 1.0 64×64 30 fps 4:2:0 8-bit progressive\n" +
			"  audio     none\n" +
			"  warn      video codec HEVC is not documented by X, which asks for H.264 for tweet_video; X may refuse it\n"},
		{"ok_frag.mp4", "", "ok_frag.mp4: passes for tweet_video\n" +
			"  format    mp4 (iso5), fragmented, 9.6 kB (9784 bytes)\n" +
			"  duration  1 s\n" +
			"  video     h264 High 1.0 64×64 30 fps 4:2:0 8-bit progressive\n" +
			"  audio     aac LC stereo 48000 Hz\n"},
		{"ffmpeg.gif", "", "ffmpeg.gif: passes for tweet_gif\n" +
			"  format    gif, 2.3 kB (2377 bytes)\n" +
			"  image     64×48, 10 frames\n"},
		{"sar4x3.mp4", "", "sar4x3.mp4: refused for tweet_video\n" +
			"  format    mp4 (isom), 4.5 kB (4583 bytes)\n" +
			"  duration  1 s\n" +
			"  video     h264 High 1.0 64×64 30 fps 4:2:0 8-bit progressive pixels 4:3\n" +
			"  audio     none\n" +
			"  refuse    pixel aspect ratio 4:3 is not X's required 1:1 (square pixels) for tweet_video\n"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			r := NewResult(tc.file, inspectFixture(t, tc.file), tc.category, Limits{})
			assert.Equal(t, tc.want, r.String())
		})
	}
}

func TestResultError(t *testing.T) {
	t.Parallel()
	r := Result{File: "clip.mp4", Error: "open clip.mp4: no such file or directory", Findings: Findings{}}
	assert.Equal(t, "clip.mp4: not checked\n  error     open clip.mp4: no such file or directory\n", r.String())
	assert.NoError(t, r.Err())
}

func TestInfoString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "mp4, 9.7 kB, 1 s; video h264 High 1.0 64×64 30 fps 4:2:0 8-bit progressive; audio aac LC stereo 48000 Hz",
		inspectFixture(t, "ok.mp4").String())
	assert.Equal(t, "mp4 (fragmented), 9.6 kB, 1 s; video h264 High 1.0 64×64 30 fps 4:2:0 8-bit progressive; audio aac LC stereo 48000 Hz",
		inspectFixture(t, "ok_frag.mp4").String())
	assert.Equal(t, "webp, 2.6 kB, 64×48, 10 frames", inspectFixture(t, "anim.webp").String())
	assert.Equal(t, "unknown format, 3 B", (&Info{Size: 3}).String())
	assert.Equal(t, "<nil>", (*Info)(nil).String())
}

// TestResultJSON: what --json prints, and that it reads back.
func TestResultJSON(t *testing.T) {
	t.Parallel()
	r := NewResult("fps120.mp4", inspectFixture(t, "fps120.mp4"), "", Limits{})
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"file": "fps120.mp4", "category": "tweet_video", "verdict": "refuse",
		"info": {"format": "mp4", "brand": "isom", "size": 8581, "width": 64, "height": 64, "duration": 1,
			"video": {"codec": "h264", "sample_entry": "avc1", "profile": "High", "level": "1.1",
				"width": 64, "height": 64, "duration": 1, "frames": 120, "frame_rate": 120,
				"chroma": "4:2:0", "bit_depth": 8, "scan": "progressive", "pixel_aspect": {"num": 1, "den": 1}},
			"video_tracks": 1},
		"findings": [{"rule": "frame_rate", "severity": "refuse", "category": "tweet_video",
			"limit": "60 fps", "actual": "120 fps",
			"message": "frame rate 120 fps is over X's limit of 60 fps for tweet_video"}]
	}`, string(b))

	var back Result
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back)

	ok := NewResult("ok.mp4", inspectFixture(t, "ok.mp4"), "", Limits{})
	b, err = json.Marshal(ok)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"findings":[]`, "an empty list, not null, for scripts")
	back = Result{}
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, ok, back)
	assert.Equal(t, audioDur, back.Info.Audio.Duration)
}

func TestRuleError(t *testing.T) {
	t.Parallel()
	info := inspectFixture(t, "fps120.mp4")
	info.Video.BitDepth = 10
	info.Video.Chroma = "4:4:4"
	fs := Check(info, "tweet_video", Limits{})
	err := fs.Err()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrRefused)
	var re *RuleError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "tweet_video", re.Category)
	assert.Len(t, re.Findings, 3)
	assert.Equal(t, "frame rate 120 fps is over X's limit of 60 fps for tweet_video (and 2 more)", err.Error())

	wrapped := fmt.Errorf("mediaupload: clip.mp4: %w", err)
	assert.ErrorIs(t, wrapped, ErrRefused)
	assert.True(t, errors.As(wrapped, &re))

	two := Findings{fs[0], fs[1]}.Err()
	assert.Equal(t, "frame rate 120 fps is over X's limit of 60 fps for tweet_video (and 1 more: "+
		"chroma subsampling 4:4:4 is not X's required 4:2:0 for tweet_video)", two.Error())

	assert.NoError(t, Check(inspectFixture(t, "hevc.mp4"), "tweet_video", Limits{}).Err(), "warnings are not an error")
	assert.Equal(t, "media breaks X's rules", (&RuleError{}).Error())
}

func TestFindingsHelpers(t *testing.T) {
	t.Parallel()
	fs := Findings{
		{Rule: RuleFrameRate, Severity: Refuse, Message: "a"},
		{Rule: RuleVideoCodec, Severity: Warn, Message: "b"},
		{Rule: RuleDimensions, Severity: Note, Message: "c"},
	}
	assert.True(t, fs.Refused())
	assert.False(t, fs[1:].Refused())
	assert.Equal(t, Findings{fs[1]}, fs.Only(Warn))
	assert.Equal(t, "c", fs[2].String())
	assert.Equal(t, "warn", NewResult("x", &Info{Format: FormatMP4, Size: 1, Duration: time.Second}, "", Limits{}).Verdict)
}
