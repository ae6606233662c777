package mediacheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/Eyevinn/mp4ff/aac"
	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pngStill(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))))
	return buf.Bytes()
}

func jpegStill(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil))
	return buf.Bytes()
}

// gifFrames encodes a GIF with a w×h logical screen and n frames of
// fw×fh each (frames may be smaller than the screen).
func gifFrames(t *testing.T, w, h, n, fw, fh int) []byte {
	t.Helper()
	g := &gif.GIF{Config: image.Config{Width: w, Height: h, ColorModel: color.Palette(palette.Plan9)}}
	for i := range n {
		frame := image.NewPaletted(image.Rect(0, 0, fw, fh), palette.Plan9)
		frame.Pix[0] = uint8(i)
		g.Image = append(g.Image, frame)
		g.Delay = append(g.Delay, 2)
	}
	var buf bytes.Buffer
	require.NoError(t, gif.EncodeAll(&buf, g))
	return buf.Bytes()
}

// remux decodes an MP4 fixture with mp4ff, lets change edit it and encodes
// it again: media that breaks a rule ffmpeg cannot produce.
func remux(t *testing.T, name string, change func(*mp4.File)) []byte {
	t.Helper()
	f, err := mp4.DecodeFile(bytes.NewReader(fixture(t, name)))
	require.NoError(t, err)
	change(f)
	var buf bytes.Buffer
	require.NoError(t, f.Encode(&buf))
	return buf.Bytes()
}

func setASC(t *testing.T, asc []byte) func(*mp4.File) {
	return func(f *mp4.File) {
		for _, trak := range f.Moov.Traks {
			if e := trak.Mdia.Minf.Stbl.Stsd.Mp4a; e != nil {
				e.Esds.DecConfigDescriptor.DecSpecificInfo.DecConfig = asc
				return
			}
		}
		t.Fatal("no mp4a")
	}
}

func addToAvc1(box mp4.Box) func(*mp4.File) {
	return func(f *mp4.File) {
		f.Moov.Trak.Mdia.Minf.Stbl.Stsd.AvcX.AddChild(box)
	}
}

// bitString packs a string of '0' and '1' (spaces ignored) into bytes.
func bitString(s string) []byte {
	var out []byte
	n := 0
	for _, c := range s {
		if c != '0' && c != '1' {
			continue
		}
		if n%8 == 0 {
			out = append(out, 0)
		}
		if c == '1' {
			out[n/8] |= 0x80 >> (n % 8)
		}
		n++
	}
	return out
}

func encodeASC(t *testing.T, a aac.AudioSpecificConfig) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, a.Encode(&buf))
	return buf.Bytes()
}

// TestInspectGenerated inspects media made at test time: Go's image
// encoders, and MP4 fixtures remuxed with mp4ff to break rules ffmpeg
// cannot.
func TestInspectGenerated(t *testing.T) {
	t.Parallel()
	const tv = "tweet_video"
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}

	heAAC := encodeASC(t, aac.AudioSpecificConfig{ObjectType: aac.HEAACv1, ChannelConfiguration: 2,
		SamplingFrequency: 24000, ExtensionFrequency: 48000})
	// AAC-LC at 24 kHz, then the backward-compatible sync extension
	// 0x2b7 saying SBR at 48 kHz: HE-AAC that old decoders play as LC.
	heAACCompat := bitString("00010 0110 0010 000  01010110111 00101 1 0011  000")
	aacMain := bitString("00001 0011 0010 000")

	tests := []struct {
		name     string
		category string
		media    func(t *testing.T) []byte
		want     func(size int64) *Info
		findings Findings
	}{
		{
			name: "png", category: "tweet_image", media: func(t *testing.T) []byte { return pngStill(t, 320, 200) },
			want: func(n int64) *Info { return &Info{Format: FormatPNG, Size: n, Width: 320, Height: 200, Frames: 1} },
		},
		{
			name: "jpeg", category: "tweet_image", media: func(t *testing.T) []byte { return jpegStill(t, 300, 100) },
			want: func(n int64) *Info { return &Info{Format: FormatJPEG, Size: n, Width: 300, Height: 100, Frames: 1} },
		},
		{
			name: "gif still as image", category: "tweet_image", media: func(t *testing.T) []byte { return gifFrames(t, 40, 30, 1, 40, 30) },
			want: func(n int64) *Info { return &Info{Format: FormatGIF, Size: n, Width: 40, Height: 30, Frames: 1} },
		},
		{
			name: "gif 350 frames", category: "tweet_gif", media: func(t *testing.T) []byte { return gifFrames(t, 8, 8, 350, 8, 8) },
			want: func(n int64) *Info {
				return &Info{Format: FormatGIF, Size: n, Width: 8, Height: 8, Frames: 350, Animated: true}
			},
		},
		{
			name: "gif 400 frames", category: "tweet_gif", media: func(t *testing.T) []byte { return gifFrames(t, 8, 8, 400, 8, 8) },
			want: func(n int64) *Info {
				return &Info{Format: FormatGIF, Size: n, Width: 8, Height: 8, Frames: 400, Animated: true}
			},
			findings: Findings{refuse("tweet_gif", RuleGIFFrames, "350", "400",
				"GIF frame count 400 is over X's limit of 350 for tweet_gif")},
		},
		{
			name: "gif 1400×1000", category: "tweet_gif", media: func(t *testing.T) []byte { return gifFrames(t, 1400, 1000, 2, 1400, 1000) },
			want: func(n int64) *Info {
				return &Info{Format: FormatGIF, Size: n, Width: 1400, Height: 1000, Frames: 2, Animated: true}
			},
			findings: Findings{refuse("tweet_gif", RuleGIFDimensions, "1280×1080", "1400×1000",
				"GIF dimensions 1400×1000 is over X's limit of 1280×1080 for tweet_gif")},
		},
		{
			name: "gif over 300 M pixels", category: "dm_gif", media: func(t *testing.T) []byte { return gifFrames(t, 1280, 1080, 220, 1, 1) },
			want: func(n int64) *Info {
				return &Info{Format: FormatGIF, Size: n, Width: 1280, Height: 1080, Frames: 220, Animated: true}
			},
			findings: Findings{refuse("dm_gif", RuleGIFPixels, "300 M", "304.1 M",
				"GIF pixels (width × height × frames) 304.1 M is over X's limit of 300 M for dm_gif")},
		},
		{
			name: "animated gif as image", category: "tweet_image", media: func(t *testing.T) []byte { return gifFrames(t, 8, 8, 3, 8, 8) },
			want: func(n int64) *Info {
				return &Info{Format: FormatGIF, Size: n, Width: 8, Height: 8, Frames: 3, Animated: true}
			},
			findings: Findings{{Rule: RuleFormat, Severity: Note, Category: "tweet_image", Actual: "animated GIF",
				Message: "an animated GIF uploaded as tweet_image may show as a still image; use tweet_gif to keep it animated"}},
		},
		{
			name: "random bytes as video", category: tv, media: func(*testing.T) []byte { return random },
			want: func(n int64) *Info { return &Info{Size: n} },
			findings: Findings{warn(tv, RuleFormat, "MP4 or MOV", "unknown",
				"format not recognised (X takes MP4 or MOV for tweet_video); X will judge it")},
		},
		{
			name: "empty file as image", category: "tweet_image", media: func(*testing.T) []byte { return nil },
			want: func(n int64) *Info { return &Info{Size: n} },
			findings: Findings{warn("tweet_image", RuleFormat, "JPEG, PNG, GIF or WebP", "unknown",
				"format not recognised (X takes JPEG, PNG, GIF or WebP for tweet_image); X will judge it")},
		},
		{
			name: "HE-AAC", category: tv,
			media: func(t *testing.T) []byte { return remux(t, "ok.mp4", setASC(t, heAAC)) },
			want: func(n int64) *Info {
				return mp4Info(n, h264(), withAudio(&AudioTrack{Codec: "aac", SampleEntry: "mp4a", Profile: "HE-AAC",
					ObjectType: 5, Channels: 2, SampleRate: 48000, Duration: audioDur}))
			},
			findings: Findings{refuse(tv, RuleAudioCodec, "AAC-LC", "AAC HE-AAC",
				"audio codec AAC HE-AAC is not X's required AAC-LC for tweet_video")},
		},
		{
			name: "HE-AAC, backward-compatible signalling", category: tv,
			media: func(t *testing.T) []byte { return remux(t, "ok.mp4", setASC(t, heAACCompat)) },
			want: func(n int64) *Info {
				return mp4Info(n, h264(), withAudio(&AudioTrack{Codec: "aac", SampleEntry: "mp4a", Profile: "HE-AAC",
					ObjectType: 2, Channels: 2, SampleRate: 48000, Duration: audioDur}))
			},
			findings: Findings{refuse(tv, RuleAudioCodec, "AAC-LC", "AAC HE-AAC",
				"audio codec AAC HE-AAC is not X's required AAC-LC for tweet_video")},
		},
		{
			name: "AAC Main", category: tv,
			media: func(t *testing.T) []byte { return remux(t, "ok.mp4", setASC(t, aacMain)) },
			want: func(n int64) *Info {
				return mp4Info(n, h264(), withAudio(&AudioTrack{Codec: "aac", SampleEntry: "mp4a", Profile: "Main",
					ObjectType: 1, Channels: 2, SampleRate: 48000, Duration: audioDur}))
			},
			findings: Findings{refuse(tv, RuleAudioCodec, "AAC-LC", "AAC Main",
				"audio codec AAC Main is not X's required AAC-LC for tweet_video")},
		},
		{
			name: "fiel says two fields", category: tv,
			media: func(t *testing.T) []byte {
				return remux(t, "noaudio.mp4", addToAvc1(&mp4.FielBox{FieldCount: 2, FieldOrdering: 9}))
			},
			want: func(n int64) *Info {
				v := h264()
				v.Scan = "interlaced"
				return mp4Info(n, v)
			},
			findings: Findings{refuse(tv, RuleScan, "progressive", "interlaced",
				"scan interlaced is not X's required progressive for tweet_video")},
		},
		{
			name: "pasp disagrees with the SPS", category: tv,
			media: func(t *testing.T) []byte {
				return remux(t, "noaudio.mp4", addToAvc1(&mp4.PaspBox{HSpacing: 4, VSpacing: 3}))
			},
			want: func(n int64) *Info {
				v := h264()
				v.PixelAspect, v.PixelAspectConflict = Ratio{4, 3}, true
				return mp4Info(n, v)
			},
			findings: Findings{warn(tv, RulePixelAspect, "1:1 (square pixels)", "4:3",
				"pixel aspect ratio 4:3 is not X's required 1:1 (square pixels) for tweet_video")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.media(t)
			got, err := Inspect(t.Context(), bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			assert.Equal(t, tc.want(int64(len(b))), got)
			assert.Equal(t, tc.findings, Check(got, tc.category, Limits{}))
		})
	}
}

// TestInspectTruncated cuts the fixtures short: what is left is described,
// what is missing is a problem, and nothing fails.
func TestInspectTruncated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		keep    int
		problem string
	}{
		{"ok.mp4", 36, "file ends inside a box header at byte 32"},
		{"ok.mp4", 20, "ftyp box at byte 0 ends 12 bytes past the end of the file"},
		{"ok.mp4", 100, "moov box at byte 32 ends 2390 bytes past the end of the file"},
		{"noaudio.mp4", 200, "mdat ends 3210 bytes past the end of the file: the file looks truncated"},
		{"ffmpeg.gif", 900, "GIF ends inside a frame, with no trailer; frames counted so far: 1"},
		{"anim.png", 20, "PNG ends inside its IHDR chunk"},
		{"lossy.webp", 20, "WebP ends inside its first chunk"},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+fmt.Sprint(tc.keep), func(t *testing.T) {
			t.Parallel()
			b := fixture(t, tc.file)[:tc.keep]
			got, err := Inspect(t.Context(), bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			require.NotEmpty(t, got.Problems)
			assert.Equal(t, tc.problem, got.Problems[0])
			fs := Check(got, "", Limits{})
			assert.False(t, fs.Refused(), "a truncated file is not refused for what is missing: %v", fs)
		})
	}
}

// TestInspectContext: a done context ends Inspect with its error.
func TestInspectContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	b := fixture(t, "ok.mp4")
	_, err := Inspect(ctx, bytes.NewReader(b), int64(len(b)))
	assert.ErrorIs(t, err, context.Canceled)
}

// TestInspectReadError: a failing reader is an error, not a problem.
func TestInspectReadError(t *testing.T) {
	t.Parallel()
	_, err := Inspect(t.Context(), failingReader{}, 1000)
	require.Error(t, err)
	assert.ErrorIs(t, err, errDisk)
	assert.Equal(t, "mediacheck: read at 0: disk on fire", err.Error())
}

var errDisk = errors.New("disk on fire")

type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errDisk }
