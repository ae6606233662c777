package mediacheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Bounds on what Inspect reads into memory from one file.
const (
	// MaxMoovBytes is the largest moov box read. A 20-minute 60 fps video's
	// moov is a few megabytes; a larger one is reported, not read.
	MaxMoovBytes = 64 << 20
	// MaxMoofBytes is the largest moof box read.
	MaxMoofBytes = 4 << 20
	// MaxFragmentBytes bounds the moof boxes read from one file, in all.
	// Past it the duration and frame count are what was counted so far,
	// and a problem says so.
	MaxFragmentBytes = 64 << 20
	// maxTopBoxes bounds the top-level boxes walked: one moof and one mdat
	// per frame of a 2-hour 60 fps video is 864,000.
	maxTopBoxes = 1 << 20
	// maxHeaderBytes is the most read of an image's headers.
	maxHeaderBytes = 1 << 20
)

// Inspect reads the headers and codec configurations of the size bytes of
// r, seeking past media data, and returns what it found. It recognises
// MP4 and QuickTime (progressive and fragmented), GIF, PNG (and APNG), JPEG
// and WebP; anything else is [FormatUnknown]. Content it cannot read is not
// an error but a line in [Info.Problems]; the error is for a failing r and
// for ctx ending.
func Inspect(ctx context.Context, r io.ReaderAt, size int64) (info *Info, err error) {
	s := &source{ctx: ctx, r: r, size: size}
	info = &Info{Size: size}
	if size < 0 {
		return nil, fmt.Errorf("mediacheck: negative size %d", size)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		// A parser bug on hostile input must not take the caller down:
		// what was found so far stands, and the panic is a problem.
		if p := recover(); p != nil {
			info.problem("the parser failed on malformed data (%v)", p)
			err = nil
		}
	}()
	head, err := s.readAt(0, 16) // enough: MP4 and QuickTime are parsed alike
	if err != nil && !errors.Is(err, errShort) {
		return nil, err
	}
	err = nil
	switch Sniff(head) {
	case FormatGIF:
		err = inspectGIF(s, info)
	case FormatPNG:
		err = inspectPNG(s, info)
	case FormatJPEG:
		err = inspectJPEG(s, info)
	case FormatWebP:
		err = inspectWebP(s, info)
	case FormatMP4, FormatMOV:
		err = inspectMP4(s, info)
	}
	if err != nil {
		return nil, err
	}
	return info, nil
}

// Sniff tells a file's format from its first 20 bytes as [Inspect]
// recognises it. MP4 and QuickTime are told by their first box: QuickTime
// unless it is an ftyp naming a brand other than "qt  ".
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return FormatGIF
	case bytes.HasPrefix(head, pngSignature):
		return FormatPNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return FormatWebP
	case !looksLikeMP4(head):
		return FormatUnknown
	}
	if brand, ok := ftypBrand(head); ok {
		return mp4Format(brand)
	}
	return FormatMOV
}

// ftypBrand returns the major brand of head's first box if it is an ftyp that shows one.
func ftypBrand(head []byte) (string, bool) {
	at := 8
	if len(head) >= 4 && binary.BigEndian.Uint32(head) == 1 {
		at = 16 // after a 64-bit box size
	}
	if len(head) < at+4 || string(head[4:8]) != "ftyp" {
		return "", false
	}
	return string(head[at : at+4]), true
}

// SniffType tells a file's media type from its first bytes: its [Sniff]
// format's, or text/vtt or application/x-subrip for subtitles; else "".
func SniffType(head []byte) string {
	f := Sniff(head)
	if f.Kind() == "video" && !videoBox(head) {
		f = FormatUnknown
	}
	if t := f.MediaType(); t != "" {
		return t
	}
	return subtitleType(head)
}

// videoBox reports whether the first box of head, which [Sniff] reads as MP4 or QuickTime, is
// one of a video. Unlike Inspect, which is told the media is a video, sniffing must not take text
// such as "I'm free to…" for a free box, nor an HEIF/AVIF image or M4A audio (ftyp boxes too) for
// a video: the rules are mimetype's, which the package used to sniff with.
func videoBox(head []byte) bool {
	switch typ := string(head[4:8]); {
	case typ == "ftyp":
		brand, ok := ftypBrand(head)
		return ok && head[0] == 0 && !slices.Contains(notVideoBrands, brand)
	case typ == "wide":
		return bytes.HasPrefix(head, []byte("\x00\x00\x00\x08wide"))
	}
	return len(head) > 8 && head[8] == 0
}

// notVideoBrands are the ftyp brands of HEIF/AVIF images and M4A/M4B/M4P audio.
var notVideoBrands = []string{"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis",
	"M4A ", "M4B ", "M4P "}

// subtitleType is "text/vtt" for WebVTT, "application/x-subrip" for SubRip, else "".
func subtitleType(head []byte) string {
	rest, vtt := bytes.CutPrefix(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), []byte("WEBVTT"))
	if vtt && (len(rest) == 0 || bytes.IndexByte([]byte(" \t\r\n"), rest[0]) >= 0) {
		return "text/vtt"
	}
	// SubRip starts with cue 1, its times ("00:00:01,000 --> 00:00:02,500") and its text.
	lines := strings.SplitN(string(head), "\n", 4)
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	if len(lines) < 3 || lines[0] != "1" || len(lines[1]) != 29 || strings.Contains(lines[1], ".") || lines[2] == "" {
		return ""
	}
	from, to, _ := strings.Cut(lines[1], " --> ")
	t0, err0 := time.Parse("15:04:05,000", from)
	t1, err1 := time.Parse("15:04:05,000", to)
	if err0 != nil || err1 != nil || t0.After(t1) {
		return ""
	}
	return "application/x-subrip"
}

// InspectFile inspects the named file.
func InspectFile(ctx context.Context, name string) (*Info, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return Inspect(ctx, f, st.Size())
}

func (i *Info) problem(format string, args ...any) {
	if len(i.Problems) < 20 {
		i.Problems = append(i.Problems, fmt.Sprintf(format, args...))
	}
}

// errShort is a read that ended before the bytes asked for: the file is
// shorter than its structure says. It is a problem, not an error.
var errShort = errors.New("file ends early")

// source reads the file through ctx.
type source struct {
	ctx  context.Context
	r    io.ReaderAt
	size int64
}

// readAt reads n bytes at off, fewer if the file ends first (with
// errShort). Other read errors, and ctx ending, are returned as they are.
func (s *source) readAt(off int64, n int) ([]byte, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	if off < 0 || off >= s.size {
		return nil, errShort
	}
	short := false
	if rest := s.size - off; int64(n) > rest {
		n, short = int(rest), true
	}
	b := make([]byte, n)
	got, err := s.r.ReadAt(b, off)
	if got == n {
		err = nil
	}
	switch {
	case err == nil:
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return b[:got], errShort
	default:
		return b[:got], fmt.Errorf("mediacheck: read at %d: %w", off, err)
	}
	if short {
		return b, errShort
	}
	return b, nil
}
