package mediatest

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
)

// This file makes tiny media for tests: content the client's media type
// sniffing and the server's checks take for what it says it is.

// PNG returns a valid 1×1 PNG image (image/png, under 100 bytes), the
// smallest media a tweet_image upload accepts. Each call returns a new
// slice with the same bytes.
func PNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{R: 0x1d, G: 0x9b, B: 0xf0, A: 0xff})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("mediatest: PNG: " + err.Error()) // cannot happen: the writer is memory
	}
	return b.Bytes()
}

// mp4Head is an ISO BMFF ftyp box (major brand isom, compatible brands
// isom, iso2, avc1, mp41), which http.DetectContentType takes for
// video/mp4.
const mp4Head = "\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"

// video is a valid 849-byte MP4 that X's media rules accept: one second of
// 32×32 black H.264 (Constrained Baseline, 4:2:0, 8-bit, progressive) at
// 2 fps, no audio, moov first. Made with
//
//	ffmpeg -f lavfi -i color=black:s=32x32:r=2:d=1 -c:v libx264 -profile:v baseline \
//	  -pix_fmt yuv420p -x264-params keyint=2:bframes=0 -bsf:v filter_units=remove_types=6 \
//	  -movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact video.mp4
//
//go:embed video.mp4
var video []byte

// MP4 returns an MP4 file of size bytes (at least 40): from 857 bytes on,
// a valid one-second video that X's media rules (and package mediacheck)
// accept, padded with a "free" box of deterministic pseudo-random bytes
// that do not compress; below that, an ftyp box and an mdat box of such
// bytes, which sniffs as video/mp4 but is no playable video (the checks
// before an upload warn about it). The bytes are the same in every call
// for a size. It panics when size is below 40.
func MP4(size int) []byte {
	if size < len(mp4Head)+8 {
		panic("mediatest: MP4 needs a size of at least 40 bytes")
	}
	b := make([]byte, size)
	r := rand.NewChaCha8([32]byte{'m', 'e', 'd', 'i', 'a'})
	_, _ = r.Read(b)
	head, box := mp4Head, "mdat"
	if size >= len(video)+8 {
		head, box = string(video), "free"
	}
	n := copy(b, head)
	copy(b[n+4:], box)
	if rest := size - n; rest <= 0xffffffff {
		binary.BigEndian.PutUint32(b[n:], uint32(rest))
	} else {
		binary.BigEndian.PutUint32(b[n:], 0) // size 0: the box extends to the end of the file
	}
	return b
}
