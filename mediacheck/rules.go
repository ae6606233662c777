package mediacheck

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
)

// X's fixed media rules, from its media best practices. The limits that
// depend on the account are in [Limits].
const (
	// MaxGIFWidth and MaxGIFHeight bound a GIF's dimensions.
	MaxGIFWidth  = 1280
	MaxGIFHeight = 1080
	// MaxGIFFrames bounds a GIF's frame count.
	MaxGIFFrames = 350
	// MaxGIFPixels bounds width × height × frames of a GIF.
	MaxGIFPixels = 300_000_000
	// MaxFrameRate is the highest video frame rate, in frames per second.
	MaxFrameRate = 60
	// MinVideoWidth and MinVideoHeight are the smallest video frame.
	MinVideoWidth  = 32
	MinVideoHeight = 32
	// PublishedMaxVideoWidth and PublishedMaxVideoHeight are the largest
	// frame X's best practices still list. X accepts larger frames, so
	// they are only noted.
	PublishedMaxVideoWidth  = 1280
	PublishedMaxVideoHeight = 1024
	// MaxAspectRatio is the widest (3:1) and, inverted, the tallest (1:3)
	// display aspect ratio of a video.
	MaxAspectRatio = 3.0
	// MaxAudioChannels is stereo.
	MaxAudioChannels = 2
)

// aspectSlack is how far past 3:1 an aspect ratio is only warned about:
// rounding to even dimensions puts a 3:1 video a little past it (1280×426).
const aspectSlack = 0.01

// frameRateSlack is how far past 60 fps a measured average is taken for
// rounding (a few samples of a long VFR video), not a violation.
const frameRateSlack = 0.5

// Limits are the limits that depend on the account or the category. A zero
// field means the [DefaultLimits] value; a negative one means no limit.
type Limits struct {
	// MaxImageBytes bounds tweet_image and dm_image (default 5 MB).
	MaxImageBytes int64 `json:"max_image_bytes,omitempty"`
	// MaxGIFBytes bounds tweet_gif and dm_gif (default 15 MB).
	MaxGIFBytes int64 `json:"max_gif_bytes,omitempty"`
	// MaxVideoBytes bounds tweet_video and dm_video (default 512 MB).
	MaxVideoBytes int64 `json:"max_video_bytes,omitempty"`
	// MaxAmplifyVideoBytes bounds amplify_video (default 512 MB).
	MaxAmplifyVideoBytes int64 `json:"max_amplify_video_bytes,omitempty"`
	// MinVideoDuration is the shortest video (default 0.5 s).
	MinVideoDuration time.Duration `json:"min_video_duration,omitempty"`
	// MaxVideoDuration bounds tweet_video and dm_video (default 140 s;
	// Premium accounts may post longer videos).
	MaxVideoDuration time.Duration `json:"max_video_duration,omitempty"`
	// MaxAmplifyVideoDuration bounds amplify_video (default 10 min, the
	// limit of promoted video).
	MaxAmplifyVideoDuration time.Duration `json:"max_amplify_video_duration,omitempty"`
}

// DefaultLimits are X's published limits for an ordinary account.
func DefaultLimits() Limits {
	return Limits{
		MaxImageBytes:           5 * mb,
		MaxGIFBytes:             15 * mb,
		MaxVideoBytes:           512 * mb,
		MaxAmplifyVideoBytes:    512 * mb,
		MinVideoDuration:        500 * time.Millisecond,
		MaxVideoDuration:        140 * time.Second,
		MaxAmplifyVideoDuration: 10 * time.Minute,
	}
}

// Bytes is the size limit of category (in any spelling [NormalizeCategory]
// takes) under l; 0 when it has none.
func (l Limits) Bytes(category string) int64 {
	l = l.resolved()
	var n int64
	switch category = NormalizeCategory(category); category {
	case "tweet_image", "dm_image":
		n = l.MaxImageBytes
	case "tweet_gif", "dm_gif":
		n = l.MaxGIFBytes
	case "tweet_video", "dm_video":
		n = l.MaxVideoBytes
	case "amplify_video":
		n = l.MaxAmplifyVideoBytes
	}
	return max(n, 0)
}

// resolved fills zero fields from DefaultLimits.
func (l Limits) resolved() Limits {
	d := DefaultLimits()
	pick := func(v, def int64) int64 {
		if v == 0 {
			return def
		}
		return v
	}
	pickD := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v
	}
	return Limits{
		MaxImageBytes:           pick(l.MaxImageBytes, d.MaxImageBytes),
		MaxGIFBytes:             pick(l.MaxGIFBytes, d.MaxGIFBytes),
		MaxVideoBytes:           pick(l.MaxVideoBytes, d.MaxVideoBytes),
		MaxAmplifyVideoBytes:    pick(l.MaxAmplifyVideoBytes, d.MaxAmplifyVideoBytes),
		MinVideoDuration:        pickD(l.MinVideoDuration, d.MinVideoDuration),
		MaxVideoDuration:        pickD(l.MaxVideoDuration, d.MaxVideoDuration),
		MaxAmplifyVideoDuration: pickD(l.MaxAmplifyVideoDuration, d.MaxAmplifyVideoDuration),
	}
}

// Severity says what a [Finding] means for the upload.
type Severity string

const (
	// Refuse is a definite violation: X would refuse the media.
	Refuse Severity = "refuse"
	// Warn is something that may make X refuse the media, or that could
	// not be checked; the upload should go on.
	Warn Severity = "warn"
	// Note is for information only.
	Note Severity = "note"
)

// Rule names one of X's media rules.
type Rule string

// The rules [Check] applies.
const (
	RuleFormat        Rule = "format"         // the file's format fits the category
	RuleFileSize      Rule = "file_size"      // bytes, per category
	RuleGIFDimensions Rule = "gif_dimensions" // ≤ 1280×1080
	RuleGIFFrames     Rule = "gif_frames"     // ≤ 350
	RuleGIFPixels     Rule = "gif_pixels"     // w·h·frames ≤ 300 M
	RuleVideoCodec    Rule = "video_codec"    // H.264 (HEVC warned)
	RuleDuration      Rule = "duration"       // 0.5–140 s
	RuleFrameRate     Rule = "frame_rate"     // ≤ 60 fps
	RuleDimensions    Rule = "dimensions"     // ≥ 32×32
	RuleAspectRatio   Rule = "aspect_ratio"   // 1:3–3:1
	RulePixelAspect   Rule = "pixel_aspect"   // 1:1
	RuleChroma        Rule = "chroma"         // 4:2:0
	RuleBitDepth      Rule = "bit_depth"      // 8
	RuleScan          Rule = "scan"           // progressive
	RuleAudioCodec    Rule = "audio_codec"    // AAC-LC
	RuleAudioChannels Rule = "audio_channels" // mono or stereo
	RuleTracks        Rule = "tracks"         // one video track
	RuleUnreadable    Rule = "unreadable"     // something could not be read
)

// Finding is one verdict of [Check].
type Finding struct {
	Rule     Rule     `json:"rule"`
	Severity Severity `json:"severity"`
	// Category is the media category the rule was applied for.
	Category string `json:"category,omitempty"`
	// Limit is X's limit and Actual the file's value, each with its unit
	// ("60 fps", "120 fps"); either may be empty.
	Limit  string `json:"limit,omitempty"`
	Actual string `json:"actual,omitempty"`
	// Message is one line naming the rule, the limit and the actual value:
	// "frame rate 120 fps is over X's limit of 60 fps for tweet_video".
	Message string `json:"message"`
}

// String is the Message.
func (f Finding) String() string { return f.Message }

// Findings are the verdicts of [Check], refusals first.
type Findings []Finding

// Refused reports whether any finding is a refusal.
func (fs Findings) Refused() bool {
	for _, f := range fs {
		if f.Severity == Refuse {
			return true
		}
	}
	return false
}

// Only returns the findings of severity s.
func (fs Findings) Only(s Severity) Findings {
	var out Findings
	for _, f := range fs {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// Err returns a [*RuleError] holding the refusals, or nil when there are none.
func (fs Findings) Err() error {
	refused := fs.Only(Refuse)
	if len(refused) == 0 {
		return nil
	}
	return &RuleError{Category: refused[0].Category, Findings: refused}
}

// CategoryKind says what a media category holds: "image", "gif", "video",
// "subtitles", or "" for an unknown category.
func CategoryKind(category string) string {
	switch category {
	case "tweet_image", "dm_image":
		return "image"
	case "tweet_gif", "dm_gif":
		return "gif"
	case "tweet_video", "dm_video", "amplify_video":
		return "video"
	case "subtitles":
		return "subtitles"
	}
	return ""
}

// TypeKind says what a MIME type holds, as [CategoryKind] says it of a
// category: "image", "gif", "video", "subtitles", or "".
func TypeKind(mediaType string) string {
	switch {
	case mediaType == "image/gif":
		return "gif"
	case strings.HasPrefix(mediaType, "image/"):
		return "image"
	case strings.HasPrefix(mediaType, "video/"):
		return "video"
	case mediaType == "text/srt", mediaType == "text/vtt", mediaType == "application/x-subrip":
		return "subtitles"
	}
	return ""
}

// KindFits reports whether media of kind ([TypeKind], [Format.Kind]) may go in
// a category of catKind ([CategoryKind]): its own kind, or a GIF as an image.
func KindFits(kind, catKind string) bool {
	return kind == catKind || (catKind == "image" && kind == "gif")
}

// NormalizeCategory gives a category in X's documented lower snake case:
// tweet_video, TWEET_VIDEO and TweetVideo (as some libraries send it) are
// all tweet_video.
func NormalizeCategory(category string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range strings.TrimSpace(category) {
		if unicode.IsUpper(r) && prevLower {
			b.WriteByte('_')
		}
		prevLower = unicode.IsLower(r)
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// DefaultCategory is the category X assumes for media uploaded without
// one: tweet_image, tweet_gif or tweet_video by format; "" when the format
// is unknown.
func DefaultCategory(f Format) string {
	switch f.Kind() {
	case "image":
		return "tweet_image"
	case "gif":
		return "tweet_gif"
	case "video":
		return "tweet_video"
	}
	return ""
}

// Check applies X's rules for category (tweet_video, dm_gif…, in any
// letter case, see [NormalizeCategory]; "" for the category X assumes from
// the format, see [DefaultCategory]) to info and
// returns what it found, refusals first. A nil or empty result means the
// media passes. The zero Limits are [DefaultLimits].
func Check(info *Info, category string, limits Limits) Findings {
	c := checker{cat: NormalizeCategory(category), lim: limits.resolved()}
	if info == nil {
		info = &Info{}
	}
	if c.cat == "" {
		c.cat = DefaultCategory(info.Format)
	}
	c.check(info)
	// Refusals first, then warnings, then notes; stable within each.
	out := make(Findings, 0, len(c.out))
	for _, s := range []Severity{Refuse, Warn, Note} {
		out = append(out, c.out.Only(s)...)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

type checker struct {
	cat string
	lim Limits
	out Findings
}

func (c *checker) add(rule Rule, sev Severity, limit, actual, format string, args ...any) {
	c.out = append(c.out, Finding{
		Rule: rule, Severity: sev, Category: c.cat, Limit: limit, Actual: actual,
		Message: fmt.Sprintf(format, args...),
	})
}

// over adds "<what> <actual> is over X's limit of <limit> for <category>".
func (c *checker) over(rule Rule, sev Severity, what, limit, actual string) {
	c.add(rule, sev, limit, actual, "%s %s is over X's limit of %s for %s", what, actual, limit, c.catName())
}

// under adds "<what> <actual> is under X's minimum of <limit> for <category>".
func (c *checker) under(rule Rule, sev Severity, what, limit, actual string) {
	c.add(rule, sev, limit, actual, "%s %s is under X's minimum of %s for %s", what, actual, limit, c.catName())
}

// not adds "<what> <actual> is not X's required <limit> for <category>".
func (c *checker) not(rule Rule, sev Severity, what, limit, actual string) {
	c.add(rule, sev, limit, actual, "%s %s is not X's required %s for %s", what, actual, limit, c.catName())
}

func (c *checker) catName() string {
	if c.cat == "" {
		return "any category"
	}
	return c.cat
}

func (c *checker) check(info *Info) {
	for _, p := range info.Problems {
		c.add(RuleUnreadable, Warn, "", "", "could not tell from the headers: %s; X will judge it", p)
	}
	kind := CategoryKind(c.cat)
	fileKind := info.Format.Kind()
	switch {
	case kind == "":
		if c.cat == "" {
			c.add(RuleFormat, Warn, "JPEG, PNG, GIF, WebP, MP4 or MOV", "unknown",
				"format not recognised (not JPEG, PNG, GIF, WebP, MP4 or MOV); X will judge it")
		} else {
			c.add(RuleFormat, Warn, "", c.cat, "media category %q is not one X documents; no rules checked", c.cat)
		}
		return
	case kind == "subtitles":
		return
	case fileKind == "":
		c.add(RuleFormat, Warn, formatsFor(kind), "unknown",
			"format not recognised (X takes %s for %s); X will judge it", formatsFor(kind), c.cat)
	case !KindFits(fileKind, kind):
		c.add(RuleFormat, Warn, formatsFor(kind), string(info.Format),
			"format %s is not what X expects for %s (%s)", info.Format, c.cat, formatsFor(kind))
	}
	switch kind {
	case "image":
		c.size(info, c.lim.MaxImageBytes)
		if info.Format == FormatGIF && info.Animated {
			c.add(RuleFormat, Note, "", "animated GIF",
				"an animated GIF uploaded as %s may show as a still image; use tweet_gif to keep it animated", c.cat)
		}
	case "gif":
		c.size(info, c.lim.MaxGIFBytes)
		if info.Format == FormatGIF {
			c.gif(info)
		}
	case "video":
		if c.cat == "amplify_video" {
			c.size(info, c.lim.MaxAmplifyVideoBytes)
		} else {
			c.size(info, c.lim.MaxVideoBytes)
		}
		if fileKind == "video" {
			c.video(info)
		}
	}
}

func formatsFor(kind string) string {
	switch kind {
	case "image":
		return "JPEG, PNG, GIF or WebP"
	case "gif":
		return "GIF"
	case "video":
		return "MP4 or MOV"
	}
	return ""
}

func (c *checker) size(info *Info, limit int64) {
	if limit > 0 && info.Size > limit {
		c.over(RuleFileSize, Refuse, "file size", formatBytes(limit), formatBytesExact(info.Size))
	}
}

func (c *checker) gif(info *Info) {
	if info.Width > MaxGIFWidth || info.Height > MaxGIFHeight {
		c.over(RuleGIFDimensions, Refuse, "GIF dimensions",
			fmt.Sprintf("%d×%d", MaxGIFWidth, MaxGIFHeight), fmt.Sprintf("%d×%d", info.Width, info.Height))
	}
	if info.Frames > MaxGIFFrames {
		c.over(RuleGIFFrames, Refuse, "GIF frame count", fmt.Sprint(MaxGIFFrames), fmt.Sprint(info.Frames))
	}
	if px := int64(info.Width) * int64(info.Height) * int64(info.Frames); px > MaxGIFPixels {
		c.over(RuleGIFPixels, Refuse, "GIF pixels (width × height × frames)",
			"300 M", trimFloat(float64(px)/1e6, 1)+" M")
	}
}

// durationSlack is how far past a duration limit is only a warning: a
// muxer may stretch the last frame to the audio's end, and AAC's priming
// adds a frame of 1024 samples (21 ms at 48 kHz, 23 ms at 44.1 kHz), so an
// export of exactly 2:20 can measure 140.02 s.
const durationSlack = 50 * time.Millisecond

// severityPast is the severity of a duration past its limit by d.
func severityPast(d time.Duration) Severity {
	if d <= durationSlack {
		return Warn
	}
	return Refuse
}

func (c *checker) video(info *Info) {
	maxDur := c.lim.MaxVideoDuration
	if c.cat == "amplify_video" {
		maxDur = c.lim.MaxAmplifyVideoDuration
	}
	switch {
	case info.Duration <= 0:
		c.add(RuleDuration, Warn, "", "", "could not find the video's duration; X allows %s to %s for %s",
			formatDuration(c.lim.MinVideoDuration), formatDuration(maxDur), c.cat)
	case c.lim.MinVideoDuration > 0 && info.Duration < c.lim.MinVideoDuration:
		c.under(RuleDuration, severityPast(c.lim.MinVideoDuration-info.Duration), "duration",
			formatDuration(c.lim.MinVideoDuration), formatDuration(info.Duration))
	case maxDur > 0 && info.Duration > maxDur:
		c.over(RuleDuration, severityPast(info.Duration-maxDur), "duration", formatDuration(maxDur), formatDuration(info.Duration))
	}
	if info.VideoTracks > 1 {
		c.add(RuleTracks, Warn, "1", fmt.Sprint(info.VideoTracks),
			"%d video tracks; X takes the first and may refuse the file", info.VideoTracks)
	}
	v := info.Video
	if v == nil {
		c.add(RuleVideoCodec, Warn, "H.264", "none", "no video track found; X expects H.264 video for %s", c.cat)
	} else {
		c.videoTrack(v)
	}
	if a := info.Audio; a != nil {
		c.audioTrack(a)
	}
}

func (c *checker) videoTrack(v *VideoTrack) {
	switch v.Codec {
	case "h264":
	case "hevc":
		c.add(RuleVideoCodec, Warn, "H.264", "HEVC",
			"video codec HEVC is not documented by X, which asks for H.264 for %s; X may refuse it", c.cat)
	default:
		c.add(RuleVideoCodec, Warn, "H.264", v.Codec,
			"video codec %s is not X's documented H.264 for %s; X may refuse it", v.Codec, c.cat)
	}
	switch {
	case v.FrameRate <= 0:
		c.add(RuleFrameRate, Warn, "", "", "could not find the frame rate; X allows at most %d fps for %s", MaxFrameRate, c.cat)
	case v.FrameRate > MaxFrameRate+frameRateSlack:
		c.over(RuleFrameRate, Refuse, "frame rate", fmt.Sprintf("%d fps", MaxFrameRate), formatFPS(v.FrameRate)+" fps")
	}
	dims := fmt.Sprintf("%d×%d", v.Width, v.Height)
	switch {
	case v.Width <= 0 || v.Height <= 0:
		c.add(RuleDimensions, Warn, "", "", "could not find the frame size; X needs at least %d×%d for %s",
			MinVideoWidth, MinVideoHeight, c.cat)
	case v.Width < MinVideoWidth || v.Height < MinVideoHeight:
		c.under(RuleDimensions, Refuse, "frame size", fmt.Sprintf("%d×%d", MinVideoWidth, MinVideoHeight), dims)
	case v.Width > PublishedMaxVideoWidth || v.Height > PublishedMaxVideoHeight:
		c.add(RuleDimensions, Note, fmt.Sprintf("%d×%d", PublishedMaxVideoWidth, PublishedMaxVideoHeight), dims,
			"frame size %s is over the %d×%d X's best practices still list; X accepts larger frames",
			dims, PublishedMaxVideoWidth, PublishedMaxVideoHeight)
	}
	if v.Width > 0 && v.Height > 0 {
		c.aspect(v, dims)
	}
	if !v.PixelAspect.Square() {
		sev := Refuse
		if v.PixelAspectConflict {
			sev = Warn // pasp and the codec disagree: players do too
		}
		c.not(RulePixelAspect, sev, "pixel aspect ratio", "1:1 (square pixels)", v.PixelAspect.String())
	}
	// X documents 4:2:0 and 8 bits for H.264; for HEVC (undocumented) and
	// other codecs the same findings are warnings: iPhones record 10-bit
	// HEVC, and no source says X refuses it.
	sev := Refuse
	if v.Codec != "h264" {
		sev = Warn
	}
	if v.Chroma != "" && v.Chroma != "4:2:0" {
		c.not(RuleChroma, sev, "chroma subsampling", "4:2:0", v.Chroma)
	}
	if v.BitDepth > 8 {
		c.over(RuleBitDepth, sev, "bit depth", "8 bits", fmt.Sprintf("%d bits", v.BitDepth))
	}
	if v.Scan == "interlaced" {
		c.not(RuleScan, Refuse, "scan", "progressive", "interlaced")
	}
}

// aspect checks the display aspect ratio: the frame's, times the pixel
// aspect ratio.
func (c *checker) aspect(v *VideoTrack, dims string) {
	r := float64(v.Width) / float64(v.Height)
	if v.PixelAspect.Known() {
		r *= float64(v.PixelAspect.Num) / float64(v.PixelAspect.Den)
	}
	wide := math.Max(r, 1/r)
	if wide <= MaxAspectRatio {
		return
	}
	actual := aspectString(r) + " (" + dims + ")"
	limit, what := "3:1", "aspect ratio"
	if r < 1 {
		limit = "1:3"
	}
	sev := Refuse
	if wide <= MaxAspectRatio*(1+aspectSlack) {
		sev = Warn
	}
	c.add(RuleAspectRatio, sev, limit, actual, "%s %s is outside X's range of 1:3 to 3:1 for %s", what, actual, c.cat)
}

func aspectString(r float64) string {
	if r >= 1 {
		return trimFloat(r, 2) + ":1"
	}
	return "1:" + trimFloat(1/r, 2)
}

func (c *checker) audioTrack(a *AudioTrack) {
	switch {
	case a.Codec == "aac" && a.Profile == "LC":
	case a.Codec == "aac" && a.Profile == "":
		c.add(RuleAudioCodec, Warn, "AAC-LC", "AAC", "could not read the AAC profile; X requires AAC-LC for %s", c.cat)
	case a.Codec == "aac":
		c.not(RuleAudioCodec, Refuse, "audio codec", "AAC-LC", "AAC "+a.Profile)
	case a.Codec == "":
		c.add(RuleAudioCodec, Warn, "AAC-LC", "unknown", "could not identify the audio codec; X requires AAC-LC for %s", c.cat)
	default:
		c.not(RuleAudioCodec, Refuse, "audio codec", "AAC-LC", a.Codec)
	}
	if a.Channels > MaxAudioChannels {
		c.over(RuleAudioChannels, Refuse, "audio channels", "2 (stereo)", channelsName(a.Channels))
	}
}
