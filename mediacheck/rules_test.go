package mediacheck

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// clip is a video that passes every rule, changed by mods.
func clip(mods ...func(*Info)) *Info {
	i := mp4Info(10<<20, func() *VideoTrack {
		v := h264()
		v.Width, v.Height, v.Duration, v.Frames = 1280, 720, 10*time.Second, 300
		return v
	}(), withAudio(aacLC(2, 10*time.Second)))
	for _, m := range mods {
		m(i)
	}
	return i
}

func video(f func(*VideoTrack)) func(*Info) { return func(i *Info) { f(i.Video) } }

// TestCheck applies the rules to synthetic Infos: limits, the account's
// settings, tolerances and what is only warned about.
func TestCheck(t *testing.T) {
	t.Parallel()
	const tv = "tweet_video"
	premium := Limits{MaxVideoDuration: 3 * time.Hour, MaxVideoBytes: 16 << 30}
	tests := []struct {
		name     string
		info     *Info
		category string
		limits   Limits
		want     Findings
	}{
		{name: "passes", info: clip(), category: tv},
		{name: "no category: X's default for the format", info: clip(), category: ""},
		{name: "category letter case", info: clip(), category: " Tweet_Video "},
		{
			name: "category in camel case", info: clip(func(i *Info) { i.Duration = time.Second / 4 }), category: "DmVideo",
			want: Findings{refuse("dm_video", RuleDuration, "0.5 s", "0.25 s", "duration 0.25 s is under X's minimum of 0.5 s for dm_video")},
		},
		{
			name: "file size", info: clip(func(i *Info) { i.Size = 600 << 20 }), category: tv,
			want: Findings{refuse(tv, RuleFileSize, "512 MB", "600 MB", "file size 600 MB is over X's limit of 512 MB for tweet_video")},
		},
		{name: "file size: premium", info: clip(func(i *Info) { i.Size = 600 << 20 }), category: tv, limits: premium},
		{name: "file size: no limit", info: clip(func(i *Info) { i.Size = 600 << 20 }), category: tv, limits: Limits{MaxVideoBytes: -1}},
		{
			name: "duration 150 s for amplify_video passes", info: clip(func(i *Info) { i.Duration = 150 * time.Second }),
			category: "amplify_video",
		},
		{
			name: "duration 11 min for amplify_video", info: clip(func(i *Info) { i.Duration = 11 * time.Minute }),
			category: "amplify_video",
			want: Findings{refuse("amplify_video", RuleDuration, "600 s", "660 s",
				"duration 660 s is over X's limit of 600 s for amplify_video")},
		},
		{name: "duration 150 s: premium", info: clip(func(i *Info) { i.Duration = 150 * time.Second }), category: tv, limits: premium},
		{name: "duration exactly 140 s", info: clip(func(i *Info) { i.Duration = 140 * time.Second }), category: tv},
		{
			name: "duration 140.021 s: AAC priming, a warning", info: clip(func(i *Info) { i.Duration = 140*time.Second + 21*time.Millisecond }), category: "dm_video",
			want: Findings{warn("dm_video", RuleDuration, "140 s", "140.021 s",
				"duration 140.021 s is over X's limit of 140 s for dm_video")},
		},
		{
			name: "duration 140.051 s", info: clip(func(i *Info) { i.Duration = 140*time.Second + 51*time.Millisecond }), category: "dm_video",
			want: Findings{refuse("dm_video", RuleDuration, "140 s", "140.051 s",
				"duration 140.051 s is over X's limit of 140 s for dm_video")},
		},
		{
			name: "duration 0.48 s, a warning", info: clip(func(i *Info) { i.Duration = 480 * time.Millisecond }), category: tv,
			want: Findings{warn(tv, RuleDuration, "0.5 s", "0.48 s", "duration 0.48 s is under X's minimum of 0.5 s for tweet_video")},
		},
		{
			name: "duration unknown", info: clip(func(i *Info) { i.Duration = 0 }), category: tv,
			want: Findings{warn(tv, RuleDuration, "", "", "could not find the video's duration; X allows 0.5 s to 140 s for tweet_video")},
		},
		{name: "59.94 fps", info: clip(video(func(v *VideoTrack) { v.FrameRate = 59.94 })), category: tv},
		{name: "60.2 fps average: rounding", info: clip(video(func(v *VideoTrack) { v.FrameRate = 60.2 })), category: tv},
		{
			name: "61 fps", info: clip(video(func(v *VideoTrack) { v.FrameRate = 61 })), category: tv,
			want: Findings{refuse(tv, RuleFrameRate, "60 fps", "61 fps", "frame rate 61 fps is over X's limit of 60 fps for tweet_video")},
		},
		{
			name: "frame rate unknown", info: clip(video(func(v *VideoTrack) { v.FrameRate = 0 })), category: tv,
			want: Findings{warn(tv, RuleFrameRate, "", "", "could not find the frame rate; X allows at most 60 fps for tweet_video")},
		},
		{
			name: "1920×1080 is only a note", info: clip(video(func(v *VideoTrack) { v.Width, v.Height = 1920, 1080 })), category: tv,
			want: Findings{{Rule: RuleDimensions, Severity: Note, Category: tv, Limit: "1280×1024", Actual: "1920×1080",
				Message: "frame size 1920×1080 is over the 1280×1024 X's best practices still list; X accepts larger frames"}},
		},
		{
			name: "aspect 3.005:1 from even rounding is a warning", info: clip(video(func(v *VideoTrack) { v.Width, v.Height = 1280, 426 })),
			category: tv,
			want: Findings{
				{Rule: RuleAspectRatio, Severity: Warn, Category: tv, Limit: "3:1", Actual: "3:1 (1280×426)",
					Message: "aspect ratio 3:1 (1280×426) is outside X's range of 1:3 to 3:1 for tweet_video"},
			},
		},
		{
			name: "aspect 1:4", info: clip(video(func(v *VideoTrack) { v.Width, v.Height = 180, 720 })), category: tv,
			want: Findings{refuse(tv, RuleAspectRatio, "1:3", "1:4 (180×720)",
				"aspect ratio 1:4 (180×720) is outside X's range of 1:3 to 3:1 for tweet_video")},
		},
		{
			name: "aspect with non-square pixels", info: clip(video(func(v *VideoTrack) {
				v.Width, v.Height, v.PixelAspect = 720, 480, Ratio{4, 1}
			})), category: tv,
			want: Findings{
				refuse(tv, RuleAspectRatio, "3:1", "6:1 (720×480)", "aspect ratio 6:1 (720×480) is outside X's range of 1:3 to 3:1 for tweet_video"),
				refuse(tv, RulePixelAspect, "1:1 (square pixels)", "4:1", "pixel aspect ratio 4:1 is not X's required 1:1 (square pixels) for tweet_video"),
			},
		},
		{
			name: "other codec", info: clip(video(func(v *VideoTrack) { v.Codec, v.Chroma, v.BitDepth, v.Scan = "av1", "", 0, "" })), category: tv,
			want: Findings{warn(tv, RuleVideoCodec, "H.264", "av1", "video codec av1 is not X's documented H.264 for tweet_video; X may refuse it")},
		},
		{
			name: "4:2:2 and 4:0:0", info: clip(video(func(v *VideoTrack) { v.Chroma = "4:2:2" })), category: tv,
			want: Findings{refuse(tv, RuleChroma, "4:2:0", "4:2:2", "chroma subsampling 4:2:2 is not X's required 4:2:0 for tweet_video")},
		},
		{
			name: "several refusals, refusals first", info: clip(
				video(func(v *VideoTrack) { v.FrameRate, v.BitDepth = 120, 10 }),
				func(i *Info) { i.Problems, i.VideoTracks = []string{"box \"junk\" runs past the end"}, 2 }),
			category: tv,
			want: Findings{
				refuse(tv, RuleFrameRate, "60 fps", "120 fps", "frame rate 120 fps is over X's limit of 60 fps for tweet_video"),
				refuse(tv, RuleBitDepth, "8 bits", "10 bits", "bit depth 10 bits is over X's limit of 8 bits for tweet_video"),
				warn(tv, RuleUnreadable, "", "", "could not tell from the headers: box \"junk\" runs past the end; X will judge it"),
				warn(tv, RuleTracks, "1", "2", "2 video tracks; X takes the first and may refuse the file"),
			},
		},
		{
			name: "HEVC 10-bit: warnings only", info: clip(video(func(v *VideoTrack) {
				v.Codec, v.SampleEntry, v.Profile, v.BitDepth = "hevc", "hvc1", "Main 10", 10
			})), category: tv,
			want: Findings{
				warn(tv, RuleVideoCodec, "H.264", "HEVC", "video codec HEVC is not documented by X, which asks for H.264 for tweet_video; X may refuse it"),
				warn(tv, RuleBitDepth, "8 bits", "10 bits", "bit depth 10 bits is over X's limit of 8 bits for tweet_video"),
			},
		},
		{
			name: "audio profile unknown", info: clip(func(i *Info) { i.Audio.Profile, i.Audio.ObjectType = "", 0 }), category: tv,
			want: Findings{warn(tv, RuleAudioCodec, "AAC-LC", "AAC", "could not read the AAC profile; X requires AAC-LC for tweet_video")},
		},
		{
			name: "two video tracks", info: clip(func(i *Info) { i.VideoTracks = 2 }), category: tv,
			want: Findings{warn(tv, RuleTracks, "1", "2", "2 video tracks; X takes the first and may refuse the file")},
		},
		{
			name: "audio only", info: clip(func(i *Info) { i.Video, i.VideoTracks = nil, 0 }), category: tv,
			want: Findings{warn(tv, RuleVideoCodec, "H.264", "none", "no video track found; X expects H.264 video for tweet_video")},
		},
		{
			name: "video as image", info: clip(), category: "tweet_image",
			want: Findings{
				refuse("tweet_image", RuleFileSize, "5 MB", "10 MB", "file size 10 MB is over X's limit of 5 MB for tweet_image"),
				warn("tweet_image", RuleFormat, "JPEG, PNG, GIF or WebP", "mp4", "format mp4 is not what X expects for tweet_image (JPEG, PNG, GIF or WebP)"),
			},
		},
		{
			name: "image size", info: &Info{Format: FormatPNG, Size: 5<<20 + 1, Width: 10, Height: 10, Frames: 1}, category: "dm_image",
			want: Findings{refuse("dm_image", RuleFileSize, "5 MB", "5 MB (5242881 bytes)",
				"file size 5 MB (5242881 bytes) is over X's limit of 5 MB for dm_image")},
		},
		{
			name: "gif size", info: &Info{Format: FormatGIF, Size: 16 << 20, Width: 10, Height: 10, Frames: 2, Animated: true}, category: "",
			want: Findings{refuse("tweet_gif", RuleFileSize, "15 MB", "16 MB", "file size 16 MB is over X's limit of 15 MB for tweet_gif")},
		},
		{name: "subtitles are not media", info: &Info{Size: 100}, category: "subtitles"},
		{
			name: "unknown category", info: clip(), category: "tweet_hologram",
			want: Findings{warn("tweet_hologram", RuleFormat, "", "tweet_hologram", "media category \"tweet_hologram\" is not one X documents; no rules checked")},
		},
		{
			name: "unknown format, no category", info: &Info{Size: 10}, category: "",
			want: Findings{{Rule: RuleFormat, Severity: Warn, Limit: "JPEG, PNG, GIF, WebP, MP4 or MOV", Actual: "unknown",
				Message: "format not recognised (not JPEG, PNG, GIF, WebP, MP4 or MOV); X will judge it"}},
		},
		{
			name: "nil info", info: nil, category: "",
			want: Findings{{Rule: RuleFormat, Severity: Warn, Limit: "JPEG, PNG, GIF, WebP, MP4 or MOV", Actual: "unknown",
				Message: "format not recognised (not JPEG, PNG, GIF, WebP, MP4 or MOV); X will judge it"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, Check(tc.info, tc.category, tc.limits))
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	assert.Equal(t, Limits{
		MaxImageBytes: 5242880, MaxGIFBytes: 15728640, MaxVideoBytes: 536870912, MaxAmplifyVideoBytes: 536870912,
		MinVideoDuration: 500 * time.Millisecond, MaxVideoDuration: 140 * time.Second, MaxAmplifyVideoDuration: 10 * time.Minute,
	}, DefaultLimits())
	assert.Equal(t, DefaultLimits(), Limits{}.resolved())
	assert.Equal(t, 3*time.Hour, Limits{MaxVideoDuration: 3 * time.Hour}.resolved().MaxVideoDuration)
}

func TestNormalizeCategory(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"tweet_video": "tweet_video", "TWEET_VIDEO": "tweet_video", "TweetVideo": "tweet_video",
		" AmplifyVideo ": "amplify_video", "dm_gif": "dm_gif", "Subtitles": "subtitles", "": "",
	} {
		assert.Equal(t, want, NormalizeCategory(in), in)
	}
}

func TestTypeKind(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"image/gif": "gif", "image/png": "image", "image/webp": "image", "video/mp4": "video",
		"video/quicktime": "video", "text/srt": "subtitles", "text/vtt": "subtitles",
		"application/x-subrip": "subtitles", "text/plain": "", "application/octet-stream": "", "": "",
	}
	for mediaType, want := range tests {
		assert.Equal(t, want, TypeKind(mediaType), mediaType)
	}
}

func TestKindFits(t *testing.T) {
	t.Parallel()
	assert.True(t, KindFits("image", "image"))
	assert.True(t, KindFits("gif", "image"), "a GIF may go as an image")
	assert.True(t, KindFits("gif", "gif"))
	assert.False(t, KindFits("image", "gif"))
	assert.False(t, KindFits("video", "image"))
	assert.False(t, KindFits("subtitles", "video"))
}
