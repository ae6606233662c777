package mediatest

import (
	"bytes"
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

// MP4 returns size bytes (at least 40) that start like an MP4 file: an
// ftyp box, then an mdat box holding the rest, deterministic
// pseudo-random bytes that do not compress. Type sniffing (the SDK's
// and http.DetectContentType) takes it for video/mp4, and the server
// processes it as a video; it is not a playable video. The bytes are the
// same in every call for a size. It panics when size is below 40.
func MP4(size int) []byte {
	if size < len(mp4Head)+8 {
		panic("mediatest: MP4 needs a size of at least 40 bytes")
	}
	b := make([]byte, size)
	r := rand.NewChaCha8([32]byte{'m', 'e', 'd', 'i', 'a'})
	_, _ = r.Read(b)
	n := copy(b, mp4Head)
	copy(b[n+4:], "mdat")
	if mdat := size - n; mdat <= 0xffffffff {
		binary.BigEndian.PutUint32(b[n:], uint32(mdat))
	} else {
		binary.BigEndian.PutUint32(b[n:], 0) // size 0: the box extends to the end of the file
	}
	return b
}
