package mediacheck

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// h264 is the video track most fixtures have: ffmpeg's 64×64 testsrc2,
// 1 s at 30 fps, x264 High.
func h264() *VideoTrack {
	return &VideoTrack{
		Codec: "h264", SampleEntry: "avc1", Profile: "High", Level: "1.0",
		Width: 64, Height: 64, Duration: time.Second, Frames: 30, FrameRate: 30,
		Chroma: "4:2:0", BitDepth: 8, Scan: "progressive", PixelAspect: Ratio{1, 1},
	}
}

func aacLC(channels int, dur time.Duration) *AudioTrack {
	return &AudioTrack{Codec: "aac", SampleEntry: "mp4a", Profile: "LC", ObjectType: 2,
		Channels: channels, SampleRate: 48000, Duration: dur}
}

// mp4Info is a one-track MP4 made by make.sh, changed by mods.
func mp4Info(size int64, v *VideoTrack, mods ...func(*Info)) *Info {
	i := &Info{Format: FormatMP4, Brand: "isom", Size: size, Width: v.Width, Height: v.Height,
		Duration: v.Duration, Video: v, VideoTracks: 1}
	for _, m := range mods {
		m(i)
	}
	return i
}

func withAudio(a *AudioTrack) func(*Info) {
	return func(i *Info) {
		i.Audio, i.AudioTracks = a, 1
		if i.Video == nil { // a video's length is its video track's
			i.Duration = max(i.Duration, a.Duration)
		}
	}
}

func refuse(cat string, rule Rule, limit, actual, msg string) Finding {
	return Finding{Rule: rule, Severity: Refuse, Category: cat, Limit: limit, Actual: actual, Message: msg}
}

func warn(cat string, rule Rule, limit, actual, msg string) Finding {
	return Finding{Rule: rule, Severity: Warn, Category: cat, Limit: limit, Actual: actual, Message: msg}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

const audioDur = 1021333333 * time.Nanosecond // 49024 samples at 48 kHz: AAC priming

// TestInspectFixtures inspects each ffmpeg-made fixture and checks it for
// its category: the exact Info and the exact findings.
func TestInspectFixtures(t *testing.T) {
	t.Parallel()
	const tv = "tweet_video"
	tests := []struct {
		file     string
		category string
		want     *Info
		findings Findings
	}{
		{file: "ok.mp4", category: tv, want: mp4Info(9886, h264(), withAudio(aacLC(2, audioDur)))},
		{file: "ok.mov", category: tv, want: mp4Info(10089, h264(), withAudio(aacLC(1, audioDur)), func(i *Info) {
			i.Format, i.Brand = FormatMOV, "qt  "
		})},
		{file: "ok_frag.mp4", category: tv, want: mp4Info(9784, h264(), withAudio(aacLC(2, 1066666666*time.Nanosecond)), func(i *Info) {
			i.Brand, i.Fragmented = "iso5", true
		})},
		{file: "noaudio.mp4", category: "dm_video", want: mp4Info(4583, h264())},
		{file: "noaudio.mp4", category: "amplify_video", want: mp4Info(4583, h264())},
		{
			file: "fps120.mp4", category: tv,
			want: mp4Info(8581, func() *VideoTrack { v := h264(); v.Level, v.Frames, v.FrameRate = "1.1", 120, 120; return v }()),
			findings: Findings{refuse(tv, RuleFrameRate, "60 fps", "120 fps",
				"frame rate 120 fps is over X's limit of 60 fps for tweet_video")},
		},
		{
			file: "short.mp4", category: tv,
			want: mp4Info(2459, func() *VideoTrack { v := h264(); v.Duration, v.Frames = 300*time.Millisecond, 9; return v }()),
			findings: Findings{refuse(tv, RuleDuration, "0.5 s", "0.3 s",
				"duration 0.3 s is under X's minimum of 0.5 s for tweet_video")},
		},
		{
			file: "long.mp4", category: tv,
			want: mp4Info(5977, func() *VideoTrack {
				v := h264()
				v.Width, v.Height, v.Duration, v.Frames, v.FrameRate = 32, 32, 150*time.Second, 150, 1
				return v
			}()),
			findings: Findings{refuse(tv, RuleDuration, "140 s", "150 s",
				"duration 150 s is over X's limit of 140 s for tweet_video")},
		},
		{
			file: "yuv444.mp4", category: tv,
			want: mp4Info(5711, func() *VideoTrack { v := h264(); v.Profile, v.Chroma = "High 4:4:4 Predictive", "4:4:4"; return v }()),
			findings: Findings{refuse(tv, RuleChroma, "4:2:0", "4:4:4",
				"chroma subsampling 4:4:4 is not X's required 4:2:0 for tweet_video")},
		},
		{
			file: "10bit.mp4", category: tv,
			want: mp4Info(4531, func() *VideoTrack { v := h264(); v.Profile, v.BitDepth = "High 10", 10; return v }()),
			findings: Findings{refuse(tv, RuleBitDepth, "8 bits", "10 bits",
				"bit depth 10 bits is over X's limit of 8 bits for tweet_video")},
		},
		{
			file: "interlaced.mp4", category: tv,
			want: mp4Info(4928, func() *VideoTrack { v := h264(); v.Level, v.Scan = "2.1", "interlaced"; return v }()),
			findings: Findings{refuse(tv, RuleScan, "progressive", "interlaced",
				"scan interlaced is not X's required progressive for tweet_video")},
		},
		{
			file: "interlaced.mov", category: tv,
			want: mp4Info(4875, func() *VideoTrack { v := h264(); v.Level, v.Scan = "2.1", "interlaced"; return v }(), func(i *Info) {
				i.Format, i.Brand = FormatMOV, "qt  "
			}),
			findings: Findings{refuse(tv, RuleScan, "progressive", "interlaced",
				"scan interlaced is not X's required progressive for tweet_video")},
		},
		{
			file: "fake_interlaced.mp4", category: tv,
			want: mp4Info(4858, func() *VideoTrack { v := h264(); v.Level, v.Scan = "2.1", ""; return v }(), func(i *Info) {
				i.Problems = []string{"the H.264 stream allows field pictures (frame_mbs_only_flag 0): it may be interlaced, which X refuses"}
			}),
			findings: Findings{warn(tv, RuleUnreadable, "", "",
				"could not tell from the headers: the H.264 stream allows field pictures (frame_mbs_only_flag 0): it may be interlaced, which X refuses; X will judge it")},
		},
		{
			file: "sar4x3.mp4", category: tv,
			want: mp4Info(4583, func() *VideoTrack { v := h264(); v.PixelAspect = Ratio{4, 3}; return v }()),
			findings: Findings{refuse(tv, RulePixelAspect, "1:1 (square pixels)", "4:3",
				"pixel aspect ratio 4:3 is not X's required 1:1 (square pixels) for tweet_video")},
		},
		{
			file: "aspect4x1.mp4", category: tv,
			want: mp4Info(8816, func() *VideoTrack { v := h264(); v.Level, v.Width = "1.1", 256; return v }()),
			findings: Findings{refuse(tv, RuleAspectRatio, "3:1", "4:1 (256×64)",
				"aspect ratio 4:1 (256×64) is outside X's range of 1:3 to 3:1 for tweet_video")},
		},
		{
			file: "small16.mp4", category: tv,
			want: mp4Info(2459, func() *VideoTrack { v := h264(); v.Width, v.Height = 16, 16; return v }()),
			findings: Findings{refuse(tv, RuleDimensions, "32×32", "16×16",
				"frame size 16×16 is under X's minimum of 32×32 for tweet_video")},
		},
		{
			file: "mp3.mp4", category: tv,
			want: mp4Info(9728, h264(), withAudio(&AudioTrack{Codec: "mp3", SampleEntry: "mp4a", Channels: 2,
				SampleRate: 48000, Duration: 1023020833 * time.Nanosecond})),
			findings: Findings{refuse(tv, RuleAudioCodec, "AAC-LC", "mp3",
				"audio codec mp3 is not X's required AAC-LC for tweet_video")},
		},
		{
			file: "surround.mp4", category: tv,
			want: mp4Info(13848, h264(), withAudio(aacLC(6, audioDur))),
			findings: Findings{refuse(tv, RuleAudioChannels, "2 (stereo)", "5.1 (6 channels)",
				"audio channels 5.1 (6 channels) is over X's limit of 2 (stereo) for tweet_video")},
		},
		{
			file: "hevc.mp4", category: tv,
			want: mp4Info(5153, func() *VideoTrack { v := h264(); v.Codec, v.SampleEntry, v.Profile = "hevc", "hvc1", "Main"; return v }()),
			findings: Findings{warn(tv, RuleVideoCodec, "H.264", "HEVC",
				"video codec HEVC is not documented by X, which asks for H.264 for tweet_video; X may refuse it")},
		},
		{file: "ffmpeg.gif", category: "tweet_gif", want: &Info{Format: FormatGIF, Size: 2377, Width: 64, Height: 48, Frames: 10, Animated: true}},
		{file: "ffmpeg.gif", category: "dm_gif", want: &Info{Format: FormatGIF, Size: 2377, Width: 64, Height: 48, Frames: 10, Animated: true}},
		{file: "anim.png", category: "tweet_image", want: &Info{Format: FormatPNG, Size: 1775, Width: 64, Height: 48, Frames: 10, Animated: true}},
		{file: "lossy.webp", category: "tweet_image", want: &Info{Format: FormatWebP, Size: 978, Width: 64, Height: 48, Frames: 1}},
		{file: "lossless.webp", category: "dm_image", want: &Info{Format: FormatWebP, Size: 1164, Width: 64, Height: 48, Frames: 1}},
		{file: "anim.webp", category: "tweet_image", want: &Info{Format: FormatWebP, Size: 2646, Width: 64, Height: 48, Frames: 10, Animated: true}},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.category, func(t *testing.T) {
			t.Parallel()
			b := fixture(t, tc.file)
			got, err := Inspect(t.Context(), bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.findings, Check(got, tc.category, DefaultLimits()))
		})
	}
}

// TestInspectFile goes through the file system, as the CLI will.
func TestInspectFile(t *testing.T) {
	t.Parallel()
	got, err := InspectFile(t.Context(), filepath.Join("testdata", "ok.mp4"))
	require.NoError(t, err)
	assert.Equal(t, mp4Info(9886, h264(), withAudio(aacLC(2, audioDur))), got)

	_, err = InspectFile(t.Context(), filepath.Join("testdata", "missing.mp4"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := map[string]Format{
		"GIF87a\x01\x00":                                           FormatGIF,
		"GIF89a\x01\x00":                                           FormatGIF,
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR":                      FormatPNG,
		"\xff\xd8\xff\xe0\x00\x10JFIF":                             FormatJPEG,
		"RIFF\x24\x00\x00\x00WEBPVP8 ":                             FormatWebP,
		"\x00\x00\x00\x20ftypisom\x00\x00\x02":                     FormatMP4,
		"\x00\x00\x00\x14ftypqt  \x00\x00\x00":                     FormatMOV,
		"\x00\x00\x00\x08wide\x00\x00\x00\x08":                     FormatMOV,
		"\x00\x00\x00\x01ftyp\x00\x00\x00\x00\x00\x00\x00\x20qt  ": FormatMOV,
		"\x00\x00\x00\x01ftyp\x00\x00\x00\x00\x00\x00\x00\x20mp42": FormatMP4,
		"\x00\x00\x00\x10ftyp":                                     FormatMOV, // no brand to read
		"\x00\x00\x00\x04ftypisom":                                 FormatUnknown,
		"RIFF\x24\x00\x00\x00WAVEfmt ":                             FormatUnknown,
		"just some text":                                           FormatUnknown,
		"":                                                         FormatUnknown,
	}
	for head, want := range tests {
		assert.Equal(t, want, Sniff([]byte(head)), "%q", head)
	}
}

func TestSubtitleType(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n": "text/vtt",
		"\xef\xbb\xbfWEBVTT - a title\n":          "text/vtt",
		"WEBVTT":                                  "text/vtt",
		"WEBVTTX\n":                               "",
		"1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n":        "application/x-subrip",
		"1\r\n00:00:00,000 --> 00:00:01,000\r\nHello\r\n":       "application/x-subrip",
		"1\n00:00:00,000 --> 00:00:01,000\nHello":               "application/x-subrip",
		"1\n00:00:00,000 --> 00:00:01,000\n\n":                  "", // no text
		"1\n00:00:00.000 --> 00:00:01.000\nHello\n":             "", // WebVTT's times
		"1\n00:00:02,000 --> 00:00:01,000\nHello\n":             "", // ends before it starts
		"2\n00:00:00,000 --> 00:00:01,000\nHello\n":             "",
		"\xef\xbb\xbf1\n00:00:00,000 --> 00:00:01,000\nHello\n": "",
		"1\n00:00:00,000 ==> 00:00:01,000\nHello\n":             "",
		"just some text": "",
	}
	for head, want := range tests {
		assert.Equal(t, want, subtitleType([]byte(head)), "%q", head)
	}
}

func TestSniffType(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR":       "image/png",
		"\x00\x00\x00\x14ftypqt  \x00\x00\x00":      "video/quicktime",
		"WEBVTT\n\n":                                "text/vtt",
		"1\n00:00:00,000 --> 00:00:01,000\nHello\n": "application/x-subrip",
		"just some text":                            "",
		"\x00\x01\x02\x03":                          "",
		// Not media X takes, though their first box reads as one.
		"I'm free to do what I want\n":                                             "",
		"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic":                         "",
		"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmif1":                         "",
		"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom":                         "",
		"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00":     "",
		"\x00\x00\x00\x01ftyp\x00\x00\x00\x00\x00\x00\x00\x20heic\x00\x00\x00\x00": "", // 64-bit size
		"\x00\x00\x00\x01ftyp\x00\x00\x00\x00\x00\x00\x00\x20isom\x00\x00\x00\x00": "video/mp4",
		"\x00\x00\x00\x18ftypc he\x00\x00\x00\x00isom":                             "video/mp4", // no brand of the list
		"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2":                         "video/mp4",
		"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat":                                 "video/quicktime",
		"\x00\x00\x06\x00moov\x00\x00\x00\x6cmvhd":                                 "video/quicktime",
	}
	for head, want := range tests {
		assert.Equal(t, want, SniffType([]byte(head)), "%q", head)
	}
}
