package mediacheck

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// inspectGIF walks a GIF's blocks, counting image descriptors (frames)
// without decompressing them. It reads the whole file, as the blocks are a
// chain: a GIF is at most a few tens of megabytes.
func inspectGIF(s *source, info *Info) error {
	info.Format = FormatGIF
	sec := &ctxSection{s: s, end: min(s.size, MaxGIFScanBytes)}
	br := bufio.NewReaderSize(sec, 64<<10)
	capped := sec.end < s.size
	end := func(info *Info, err error, where string) error {
		if capped && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			info.Animated = info.Frames > 1
			info.problem("stopped counting GIF frames after %s; frames counted so far: %d", formatBytes(MaxGIFScanBytes), info.Frames)
			return nil
		}
		return gifEnd(info, err, where)
	}
	var hdr [13]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return end(info, err, "its header")
	}
	info.Width = int(binary.LittleEndian.Uint16(hdr[6:8]))
	info.Height = int(binary.LittleEndian.Uint16(hdr[8:10]))
	if hdr[10]&0x80 != 0 { // global color table
		if _, err := br.Discard(3 << (hdr[10]&7 + 1)); err != nil {
			return end(info, err, "its color table")
		}
	}
	for blocks := 0; ; blocks++ {
		if blocks%1024 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		b, err := br.ReadByte()
		if err != nil {
			return end(info, err, "a block")
		}
		switch b {
		case 0x3B: // trailer
			info.Animated = info.Frames > 1
			return nil
		case 0x21: // extension: label, then sub-blocks
			if _, err := br.ReadByte(); err != nil {
				return end(info, err, "an extension")
			}
			if err := skipSubBlocks(br); err != nil {
				return end(info, err, "an extension")
			}
		case 0x2C: // image descriptor
			var d [9]byte
			if _, err := io.ReadFull(br, d[:]); err != nil {
				return end(info, err, "a frame")
			}
			info.Frames++
			if d[8]&0x80 != 0 { // local color table
				if _, err := br.Discard(3 << (d[8]&7 + 1)); err != nil {
					return end(info, err, "a frame")
				}
			}
			if _, err := br.ReadByte(); err != nil { // LZW minimum code size
				return end(info, err, "a frame")
			}
			if err := skipSubBlocks(br); err != nil {
				return end(info, err, "a frame")
			}
		default:
			info.Animated = info.Frames > 1
			info.problem("GIF has an unknown block 0x%02X after frame %d; frames counted so far: %d", b, info.Frames, info.Frames)
			return nil
		}
	}
}

// gifEnd ends a GIF walk that hit the end of the file (a problem) or a
// read error (an error).
func gifEnd(info *Info, err error, where string) error {
	info.Animated = info.Frames > 1
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errShort) {
		info.problem("GIF ends inside %s, with no trailer; frames counted so far: %d", where, info.Frames)
		return nil
	}
	return err
}

func skipSubBlocks(br *bufio.Reader) error {
	for {
		n, err := br.ReadByte()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := br.Discard(int(n)); err != nil {
			return err
		}
	}
}

// MaxGIFScanBytes bounds the bytes of a GIF walked to count its frames
// (X's limit for a GIF is 15 MB).
const MaxGIFScanBytes = 64 << 20

// ctxSection reads a source from its start to end, in order, as an
// io.Reader.
type ctxSection struct {
	s   *source
	off int64
	end int64
}

func (c *ctxSection) Read(p []byte) (int, error) {
	if c.off >= c.end {
		return 0, io.EOF
	}
	if rest := c.end - c.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	b, err := c.s.readAt(c.off, len(p))
	n := copy(p, b)
	c.off += int64(n)
	if errors.Is(err, errShort) {
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	return n, err
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// inspectPNG reads IHDR and, for APNG, acTL: the chunks before the first
// IDAT, skipping each chunk's data.
func inspectPNG(s *source, info *Info) error {
	info.Format = FormatPNG
	info.Frames = 1
	off := int64(len(pngSignature))
	for chunks := 0; chunks < 10000; chunks++ {
		h, err := s.readAt(off, 8)
		if errors.Is(err, errShort) {
			info.problem("PNG ends before its image data")
			return nil
		} else if err != nil {
			return err
		}
		n := int64(binary.BigEndian.Uint32(h[0:4]))
		typ := string(h[4:8])
		switch typ {
		case "IHDR", "acTL":
			d, err := s.readAt(off+8, 8)
			if errors.Is(err, errShort) {
				info.problem("PNG ends inside its %s chunk", typ)
				return nil
			} else if err != nil {
				return err
			}
			a, b := int(binary.BigEndian.Uint32(d[0:4])), int(binary.BigEndian.Uint32(d[4:8]))
			if typ == "IHDR" {
				info.Width, info.Height = a, b
			} else if a > 0 {
				info.Frames = a
				info.Animated = a > 1
			}
		case "IDAT", "IEND":
			return nil
		}
		if chunks == 0 && typ != "IHDR" {
			info.problem("PNG does not start with IHDR")
			return nil
		}
		off += 12 + n
	}
	info.problem("PNG has more than 10000 chunks before its image data")
	return nil
}

// inspectJPEG walks the marker segments to the first SOF, which holds
// the dimensions.
func inspectJPEG(s *source, info *Info) error {
	info.Format = FormatJPEG
	info.Frames = 1
	off := int64(2)
	for segs := 0; segs < 10000; segs++ {
		h, err := s.readAt(off, 4)
		if errors.Is(err, errShort) {
			info.problem("JPEG ends before its frame header (SOF)")
			return nil
		} else if err != nil {
			return err
		}
		if h[0] != 0xFF {
			info.problem("JPEG marker expected at %d", off)
			return nil
		}
		m := h[1]
		switch {
		case m == 0xFF: // fill byte
			off++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // no length
			off += 2
			continue
		case m == 0xD9 || m == 0xDA: // EOI, SOS before any SOF
			info.problem("JPEG has no frame header (SOF) before its image data")
			return nil
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			d, err := s.readAt(off+4, 5)
			if errors.Is(err, errShort) {
				info.problem("JPEG ends inside its frame header (SOF)")
				return nil
			} else if err != nil {
				return err
			}
			info.Height = int(binary.BigEndian.Uint16(d[1:3]))
			info.Width = int(binary.BigEndian.Uint16(d[3:5]))
			return nil
		}
		off += 2 + int64(binary.BigEndian.Uint16(h[2:4]))
	}
	info.problem("JPEG has more than 10000 segments before its frame header")
	return nil
}

// inspectWebP reads the first chunk (VP8, VP8L or VP8X) and, for an
// animation, counts the ANMF chunks.
func inspectWebP(s *source, info *Info) error {
	info.Format = FormatWebP
	info.Frames = 1
	h, err := s.readAt(12, 8+10)
	if err != nil && !errors.Is(err, errShort) {
		return err
	}
	if len(h) < 8+10 {
		info.problem("WebP ends inside its first chunk")
		return nil
	}
	d := h[8:]
	switch string(h[0:4]) {
	case "VP8 ":
		if d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a {
			info.problem("WebP VP8 frame has no start code")
			return nil
		}
		info.Width = int(binary.LittleEndian.Uint16(d[6:8]) & 0x3fff)
		info.Height = int(binary.LittleEndian.Uint16(d[8:10]) & 0x3fff)
	case "VP8L":
		if d[0] != 0x2f {
			info.problem("WebP VP8L chunk has no signature")
			return nil
		}
		v := binary.LittleEndian.Uint32(d[1:5])
		info.Width = int(v&0x3fff) + 1
		info.Height = int(v>>14&0x3fff) + 1
	case "VP8X":
		info.Width = int(uint32(d[4])|uint32(d[5])<<8|uint32(d[6])<<16) + 1
		info.Height = int(uint32(d[7])|uint32(d[8])<<8|uint32(d[9])<<16) + 1
		if d[0]&0x02 != 0 {
			info.Animated = true
			return countANMF(s, info)
		}
	default:
		info.problem("WebP's first chunk %q is not VP8, VP8L or VP8X", h[0:4])
	}
	return nil
}

// countANMF counts an animated WebP's frames, skipping each chunk's data.
func countANMF(s *source, info *Info) error {
	info.Frames = 0
	off := int64(12)
	for chunks := 0; off < s.size; chunks++ {
		if chunks%1024 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		h, err := s.readAt(off, 8)
		if errors.Is(err, errShort) {
			info.problem("WebP ends inside a chunk header; frames counted so far: %d", info.Frames)
			return nil
		} else if err != nil {
			return err
		}
		if string(h[0:4]) == "ANMF" {
			info.Frames++
		}
		n := int64(binary.LittleEndian.Uint32(h[4:8]))
		off += 8 + n + n&1
	}
	return nil
}
