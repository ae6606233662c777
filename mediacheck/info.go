package mediacheck

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Format is a container or image format that [Inspect] recognises.
type Format string

// The formats [Inspect] recognises. [FormatUnknown] is anything else,
// including a file too damaged to recognise.
const (
	FormatUnknown Format = ""
	FormatMP4     Format = "mp4"
	FormatMOV     Format = "mov"
	FormatGIF     Format = "gif"
	FormatPNG     Format = "png"
	FormatJPEG    Format = "jpeg"
	FormatWebP    Format = "webp"
)

// Kind says what a format holds as X's categories see it: "image", "gif" or
// "video", or "" when the format is unknown.
func (f Format) Kind() string {
	switch f {
	case FormatMP4, FormatMOV:
		return "video"
	case FormatGIF:
		return "gif"
	case FormatPNG, FormatJPEG, FormatWebP:
		return "image"
	}
	return ""
}

// MediaType is the format's MIME type, or "" when it is unknown.
func (f Format) MediaType() string {
	switch f {
	case FormatMP4:
		return "video/mp4"
	case FormatMOV:
		return "video/quicktime"
	case FormatGIF:
		return "image/gif"
	case FormatPNG:
		return "image/png"
	case FormatJPEG:
		return "image/jpeg"
	case FormatWebP:
		return "image/webp"
	}
	return ""
}

// Info is what [Inspect] found in a file. A zero field means "not found";
// what could not be read is said in Problems.
type Info struct {
	Format Format `json:"format"`
	// Brand is an MP4's major brand ("isom", "qt  "), if it has an ftyp box.
	Brand string `json:"brand,omitempty"`
	// Size is the file's size in bytes, as given to Inspect.
	Size int64 `json:"size"`
	// Width and Height are an image's or GIF's dimensions in pixels. For a
	// video they are the video track's (see Video).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Frames is the number of frames of a GIF, an APNG or an animated WebP
	// (1 for a still image; 0 for video: see Video.Frames).
	Frames int `json:"frames,omitempty"`
	// Animated reports an animated GIF (more than one frame), APNG or WebP.
	Animated bool `json:"animated,omitempty"`
	// Fragmented reports an MP4 whose samples are described in moof boxes.
	Fragmented bool `json:"fragmented,omitempty"`
	// Duration is the media's length: the video track's when there is one
	// (an audio track runs longer by its encoder priming), else the longest.
	Duration time.Duration `json:"-"`
	// Video is the first video track, nil if there is none.
	Video *VideoTrack `json:"video,omitempty"`
	// Audio is the first audio track, nil if there is none.
	Audio *AudioTrack `json:"audio,omitempty"`
	// VideoTracks and AudioTracks count the tracks of each kind.
	VideoTracks int `json:"video_tracks,omitempty"`
	AudioTracks int `json:"audio_tracks,omitempty"`
	// Problems lists, one short sentence each, what could not be read or
	// looks wrong in the structure (truncated boxes, unparsable codec
	// configurations). Check reports each as a warning.
	Problems []string `json:"problems,omitempty"`
}

// VideoTrack describes a video track from its sample entry, codec
// configuration and sample tables.
type VideoTrack struct {
	// Codec is "h264", "hevc", "av1", "vp9", "vp8", "mpeg4", "mjpeg", or
	// the sample entry's four-character code for anything else.
	Codec string `json:"codec"`
	// SampleEntry is the sample entry's four-character code ("avc1", "hvc1").
	SampleEntry string `json:"sample_entry,omitempty"`
	// Profile is the codec profile by name ("High", "Main 10"), and Level
	// its level ("3.1").
	Profile string `json:"profile,omitempty"`
	Level   string `json:"level,omitempty"`
	// Width and Height are the coded picture's dimensions after cropping.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Duration is the track's duration.
	Duration time.Duration `json:"-"`
	// Frames is the number of samples (frames) in the track.
	Frames int64 `json:"frames,omitempty"`
	// FrameRate is Frames / Duration, in frames per second.
	FrameRate float64 `json:"frame_rate,omitempty"`
	// Chroma is the chroma subsampling: "4:2:0", "4:2:2", "4:4:4" or
	// "4:0:0" (monochrome); "" when unknown.
	Chroma string `json:"chroma,omitempty"`
	// BitDepth is the luma bit depth (8, 10…), 0 when unknown.
	BitDepth int `json:"bit_depth,omitempty"`
	// Scan is "progressive" or "interlaced", "" when unknown.
	Scan string `json:"scan,omitempty"`
	// PixelAspect is the sample (pixel) aspect ratio, from the pasp box or
	// else the codec configuration; zero when not signalled (square).
	PixelAspect Ratio `json:"pixel_aspect"`
	// PixelAspectConflict reports a pasp box and a codec configuration
	// that give different pixel aspect ratios.
	PixelAspectConflict bool `json:"pixel_aspect_conflict,omitempty"`
}

// AudioTrack describes an audio track from its sample entry and decoder
// configuration.
type AudioTrack struct {
	// Codec is "aac", "mp3", "ac3", "eac3", "opus", "flac", "alac", "pcm",
	// or the sample entry's four-character code for anything else.
	Codec string `json:"codec"`
	// SampleEntry is the sample entry's four-character code ("mp4a").
	SampleEntry string `json:"sample_entry,omitempty"`
	// Profile is the AAC profile: "LC", "HE-AAC", "HE-AACv2", "Main",
	// "LTP"…, "" when not AAC or unknown.
	Profile string `json:"profile,omitempty"`
	// ObjectType is the AAC audio object type (2 is AAC-LC), 0 if unknown.
	ObjectType int `json:"object_type,omitempty"`
	// Channels is the number of channels, 0 if unknown.
	Channels int `json:"channels,omitempty"`
	// SampleRate is in Hz.
	SampleRate int `json:"sample_rate,omitempty"`
	// Duration is the track's duration.
	Duration time.Duration `json:"-"`
}

// Ratio is a ratio of two integers, such as a pixel aspect ratio. The zero
// Ratio means "not given".
type Ratio struct {
	Num uint32 `json:"num"`
	Den uint32 `json:"den"`
}

// Known reports whether r is set.
func (r Ratio) Known() bool { return r.Num != 0 && r.Den != 0 }

// Square reports whether r is 1:1 or not given (square pixels by default).
func (r Ratio) Square() bool { return !r.Known() || r.Num == r.Den }

// String gives "4:3", or "" for the zero Ratio.
func (r Ratio) String() string {
	if !r.Known() {
		return ""
	}
	return fmt.Sprintf("%d:%d", r.Num, r.Den)
}

// jsonSeconds is how durations are written in JSON: seconds, as a number.
func jsonSeconds(d time.Duration) float64 { return d.Seconds() }

// MarshalJSON writes Duration as "duration" in seconds.
func (i Info) MarshalJSON() ([]byte, error) {
	type plain Info
	return json.Marshal(struct {
		plain
		Duration float64 `json:"duration,omitempty"`
	}{plain(i), jsonSeconds(i.Duration)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (i *Info) UnmarshalJSON(b []byte) error {
	type plain Info
	v := struct {
		*plain
		Duration float64 `json:"duration,omitempty"`
	}{plain: (*plain)(i)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	i.Duration = seconds(v.Duration)
	return nil
}

// MarshalJSON writes Duration as "duration" in seconds.
func (v VideoTrack) MarshalJSON() ([]byte, error) {
	type plain VideoTrack
	return json.Marshal(struct {
		plain
		Duration float64 `json:"duration"`
	}{plain(v), jsonSeconds(v.Duration)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (v *VideoTrack) UnmarshalJSON(b []byte) error {
	type plain VideoTrack
	w := struct {
		*plain
		Duration float64 `json:"duration"`
	}{plain: (*plain)(v)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	v.Duration = seconds(w.Duration)
	return nil
}

// MarshalJSON writes Duration as "duration" in seconds.
func (a AudioTrack) MarshalJSON() ([]byte, error) {
	type plain AudioTrack
	return json.Marshal(struct {
		plain
		Duration float64 `json:"duration"`
	}{plain(a), jsonSeconds(a.Duration)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *AudioTrack) UnmarshalJSON(b []byte) error {
	type plain AudioTrack
	w := struct {
		*plain
		Duration float64 `json:"duration"`
	}{plain: (*plain)(a)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	a.Duration = seconds(w.Duration)
	return nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// String is a one-line summary, such as
// "mp4, 9.9 kB, 1 s; video h264 High 64×64 30 fps 4:2:0 8-bit progressive; audio aac LC stereo 48000 Hz".
func (i *Info) String() string {
	if i == nil {
		return "<nil>"
	}
	var parts []string
	head := string(i.Format)
	if head == "" {
		head = "unknown format"
	}
	if i.Fragmented {
		head += " (fragmented)"
	}
	head += ", " + formatBytes(i.Size)
	switch i.Format.Kind() {
	case "video":
		if i.Duration > 0 {
			head += ", " + formatDuration(i.Duration)
		}
		parts = append(parts, head)
		if i.Video != nil {
			parts = append(parts, "video "+i.Video.String())
		} else {
			parts = append(parts, "no video track")
		}
		if i.Audio != nil {
			parts = append(parts, "audio "+i.Audio.String())
		}
	case "image", "gif":
		if i.Width > 0 || i.Height > 0 {
			head += fmt.Sprintf(", %d×%d", i.Width, i.Height)
		}
		if i.Animated || i.Frames > 1 {
			head += fmt.Sprintf(", %d frames", i.Frames)
		}
		parts = append(parts, head)
	default:
		parts = append(parts, head)
	}
	return strings.Join(parts, "; ")
}

// String summarises the track, as in "h264 High 3.1 64×64 30 fps 4:2:0 8-bit progressive".
func (v *VideoTrack) String() string {
	if v == nil {
		return "<nil>"
	}
	w := []string{v.Codec}
	if v.Profile != "" {
		w = append(w, v.Profile)
	}
	if v.Level != "" {
		w = append(w, v.Level)
	}
	w = append(w, fmt.Sprintf("%d×%d", v.Width, v.Height))
	if v.FrameRate > 0 {
		w = append(w, formatFPS(v.FrameRate)+" fps")
	}
	if v.Chroma != "" {
		w = append(w, v.Chroma)
	}
	if v.BitDepth > 0 {
		w = append(w, fmt.Sprintf("%d-bit", v.BitDepth))
	}
	if v.Scan != "" {
		w = append(w, v.Scan)
	}
	if !v.PixelAspect.Square() {
		w = append(w, "pixels "+v.PixelAspect.String())
	}
	return strings.Join(w, " ")
}

// String summarises the track, as in "aac LC stereo 48000 Hz".
func (a *AudioTrack) String() string {
	if a == nil {
		return "<nil>"
	}
	w := []string{a.Codec}
	if a.Profile != "" {
		w = append(w, a.Profile)
	}
	if a.Channels > 0 {
		w = append(w, channelsName(a.Channels))
	}
	if a.SampleRate > 0 {
		w = append(w, fmt.Sprintf("%d Hz", a.SampleRate))
	}
	return strings.Join(w, " ")
}

func channelsName(n int) string {
	switch n {
	case 1:
		return "mono"
	case 2:
		return "stereo"
	case 6:
		return "5.1 (6 channels)"
	case 8:
		return "7.1 (8 channels)"
	}
	return fmt.Sprintf("%d channels", n)
}
