package mediacheck

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/Eyevinn/mp4ff/bits"
	"github.com/Eyevinn/mp4ff/mp4"
)

// topLevel are the box types an MP4 or QuickTime file may start with.
var topLevel = map[string]bool{
	"ftyp": true, "moov": true, "mdat": true, "free": true, "skip": true,
	"wide": true, "pnot": true, "styp": true, "sidx": true,
}

func looksLikeMP4(head []byte) bool {
	if len(head) < 8 || !topLevel[string(head[4:8])] {
		return false
	}
	n := binary.BigEndian.Uint32(head[0:4])
	return n == 0 || n == 1 || n >= 8
}

// boxHeader is a box's type, its size (header included) and the header's
// length.
type boxHeader struct {
	typ    string
	size   int64
	hdrLen int64
}

// readBoxHeader reads the header at off, of a box that must end by end. A
// size of 0 means "to end".
func readBoxHeader(s *source, off, end int64) (boxHeader, error) {
	b, err := s.readAt(off, 16)
	if len(b) < 8 {
		if err == nil {
			err = errShort
		}
		return boxHeader{}, err
	}
	h := boxHeader{typ: string(b[4:8]), size: int64(binary.BigEndian.Uint32(b[0:4])), hdrLen: 8}
	switch h.size {
	case 0:
		h.size = end - off
	case 1:
		if len(b) < 16 {
			return boxHeader{}, errShort
		}
		large := binary.BigEndian.Uint64(b[8:16])
		if large > math.MaxInt64 {
			return boxHeader{}, fmt.Errorf("%w: box %q at %d has size %d", errBadBox, h.typ, off, large)
		}
		h.size, h.hdrLen = int64(large), 16
	}
	if h.size < h.hdrLen {
		return boxHeader{}, fmt.Errorf("%w: box %q at %d has size %d", errBadBox, printable(h.typ), off, h.size)
	}
	return h, nil
}

var errBadBox = errors.New("invalid box")

// printable shows a four-character code with unprintable bytes escaped.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

// fragTrack adds up one track's fragments.
type fragTrack struct {
	samples int64
	ticks   float64
}

// mp4Walk is the state of one walk over an MP4's top-level boxes.
type mp4Walk struct {
	s         *source
	info      *Info
	moov      *mp4.MoovBox
	trex      map[uint32]*mp4.TrexBox
	frags     map[uint32]*fragTrack
	fragBytes int64
	fragStop  bool
}

func inspectMP4(s *source, info *Info) error {
	info.Format = FormatMOV // until an ftyp says otherwise
	w := &mp4Walk{s: s, info: info, frags: map[uint32]*fragTrack{}}
	off := int64(0)
	for n := 0; off < s.size; n++ {
		if n >= maxTopBoxes {
			info.problem("more than %d top-level boxes; stopped at %d", maxTopBoxes, off)
			break
		}
		if n%1024 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		h, err := readBoxHeader(s, off, s.size)
		if errors.Is(err, errShort) {
			info.problem("file ends inside a box header at byte %d", off)
			break
		} else if errors.Is(err, errBadBox) {
			info.problem("%v", err)
			break
		} else if err != nil {
			return err
		}
		if h.size > s.size-off {
			if h.typ == "mdat" {
				info.problem("mdat ends %d bytes past the end of the file: the file looks truncated", h.size-(s.size-off))
			} else {
				info.problem("%s box at byte %d ends %d bytes past the end of the file", printable(h.typ), off, h.size-(s.size-off))
			}
			break
		}
		if n == 0 && h.typ == "ftyp" {
			if err := w.ftyp(off, h); err != nil {
				return err
			}
		}
		switch h.typ {
		case "moov":
			if err := w.readMoov(off, h); err != nil {
				return err
			}
		case "moof":
			if err := w.readMoof(off, h); err != nil {
				return err
			}
		}
		off += h.size
	}
	if w.moov == nil {
		info.problem("no moov box: the file's tracks are not described")
		return nil
	}
	w.finish()
	return nil
}

func (w *mp4Walk) ftyp(off int64, h boxHeader) error {
	b, err := w.s.readAt(off+h.hdrLen, 4)
	if errors.Is(err, errShort) {
		return nil
	} else if err != nil {
		return err
	}
	w.info.Brand = string(b)
	w.info.Format = mp4Format(w.info.Brand)
	return nil
}

// mp4Format is the format an ftyp brand names: QuickTime for "qt  ", else MP4.
func mp4Format(brand string) Format {
	if brand == "qt  " {
		return FormatMOV
	}
	return FormatMP4
}

// readBox reads a whole box into memory and decodes it with mp4ff.
func (w *mp4Walk) readBox(off int64, h boxHeader) (mp4.Box, error) {
	b, err := w.s.readAt(off, int(h.size))
	if errors.Is(err, errShort) {
		return nil, fmt.Errorf("%w: file ends inside %s", errBadBox, h.typ)
	} else if err != nil {
		return nil, err
	}
	if h.hdrLen == 16 { // mp4ff takes a large size only for mdat
		return nil, fmt.Errorf("%w: %s box with a 64-bit size", errBadBox, h.typ)
	}
	box, err := mp4.DecodeBoxSR(uint64(off), bits.NewFixedSliceReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadBox, err)
	}
	return box, nil
}

// readMoov reads moov child by child, so that one box mp4ff cannot decode
// (a vendor's udta, say) costs only that box.
func (w *mp4Walk) readMoov(off int64, h boxHeader) error {
	if w.moov != nil {
		w.info.problem("a second moov box at byte %d is ignored", off)
		return nil
	}
	if h.size > MaxMoovBytes {
		w.info.problem("moov box is %s, over the %s this check reads", formatBytes(h.size), formatBytes(MaxMoovBytes))
		return nil
	}
	b, err := w.s.readAt(off, int(h.size))
	if errors.Is(err, errShort) {
		w.info.problem("file ends inside moov")
		return nil
	} else if err != nil {
		return err
	}
	moov := &mp4.MoovBox{}
	w.trex = map[uint32]*mp4.TrexBox{}
	for pos := h.hdrLen; pos < int64(len(b)); {
		if len(b)-int(pos) < 8 {
			w.info.problem("moov has %d stray bytes at its end", int64(len(b))-pos)
			break
		}
		n := int64(binary.BigEndian.Uint32(b[pos:]))
		typ := string(b[pos+4 : pos+8])
		if n < 8 || n > int64(len(b))-pos {
			w.info.problem("box %s in moov has an invalid size %d", printable(typ), n)
			break
		}
		switch typ {
		case "mvhd", "trak", "mvex":
			box, err := mp4.DecodeBoxSR(uint64(off+pos), bits.NewFixedSliceReader(b[pos:pos+n]))
			if err != nil {
				w.info.problem("could not decode %s: %v", typ, err)
				break
			}
			switch box := box.(type) {
			case *mp4.MvhdBox:
				moov.Mvhd = box
			case *mp4.TrakBox:
				moov.Traks = append(moov.Traks, box)
			case *mp4.MvexBox:
				moov.Mvex = box
				w.info.Fragmented = true
				for _, t := range box.Trexs {
					w.trex[t.TrackID] = t
				}
			}
		}
		pos += n
	}
	w.moov = moov
	return nil
}

// readMoof adds a fragment's sample counts and durations to its tracks.
func (w *mp4Walk) readMoof(off int64, h boxHeader) error {
	if w.fragStop {
		return nil
	}
	w.info.Fragmented = true
	if w.moov == nil {
		w.info.problem("moof at byte %d comes before moov", off)
		w.fragStop = true
		return nil
	}
	if h.size > MaxMoofBytes || w.fragBytes+h.size > MaxFragmentBytes {
		w.info.problem("stopped reading fragments at byte %d (over the %s this check reads); duration and frames are those counted so far",
			off, formatBytes(MaxFragmentBytes))
		w.fragStop = true
		return nil
	}
	w.fragBytes += h.size
	box, err := w.readBox(off, h)
	if errors.Is(err, errBadBox) {
		w.info.problem("could not decode moof at byte %d: %v", off, err)
		w.fragStop = true
		return nil
	} else if err != nil {
		return err
	}
	moof, ok := box.(*mp4.MoofBox)
	if !ok {
		return nil
	}
	for _, traf := range moof.Trafs {
		if traf.Tfhd == nil {
			continue
		}
		id := traf.Tfhd.TrackID
		var def uint32
		if traf.Tfhd.HasDefaultSampleDuration() {
			def = traf.Tfhd.DefaultSampleDuration
		} else if t := w.trex[id]; t != nil {
			def = t.DefaultSampleDuration
		}
		ft := w.frags[id]
		if ft == nil {
			ft = &fragTrack{}
			w.frags[id] = ft
		}
		for _, trun := range traf.Truns {
			ft.samples += int64(trun.SampleCount())
			ft.ticks += float64(trun.Duration(def))
		}
	}
	return nil
}

// finish describes the tracks found in moov and the fragments.
func (w *mp4Walk) finish() {
	info := w.info
	var longest time.Duration
	for _, trak := range w.moov.Traks {
		t := w.track(trak)
		if t.dur > longest {
			longest = t.dur
		}
		switch {
		case t.video != nil:
			info.VideoTracks++
			if info.Video == nil {
				info.Video = t.video
				info.Width, info.Height = t.video.Width, t.video.Height
			}
		case t.audio != nil:
			info.AudioTracks++
			if info.Audio == nil {
				info.Audio = t.audio
			}
		}
	}
	// The video's length is the video track's: an audio track's media
	// runs longer by the encoder's priming samples (AAC's 1024), which its
	// edit list trims, so "longest track" would make an exact 140 s clip
	// 140.021 s long.
	info.Duration = longest
	if info.Video != nil && info.Video.Duration > 0 {
		info.Duration = info.Video.Duration
	}
	if mvhd := w.moov.Mvhd; longest == 0 && mvhd != nil && mvhd.Timescale > 0 {
		info.Duration = ticks(float64(mvhd.Duration), mvhd.Timescale)
	}
	if mvex := w.moov.Mvex; mvex != nil && mvex.Mehd != nil && longest == 0 && w.moov.Mvhd != nil && w.moov.Mvhd.Timescale > 0 {
		info.Duration = ticks(float64(mvex.Mehd.FragmentDuration), w.moov.Mvhd.Timescale)
	}
}

func ticks(n float64, timescale uint32) time.Duration {
	s := n / float64(timescale)
	if s > float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second))
}

type trackDesc struct {
	video *VideoTrack
	audio *AudioTrack
	dur   time.Duration
}

// track describes one trak: its handler, timing and first sample entry.
func (w *mp4Walk) track(trak *mp4.TrakBox) trackDesc {
	var d trackDesc
	mdia := trak.Mdia
	if mdia == nil || mdia.Hdlr == nil || mdia.Minf == nil || mdia.Minf.Stbl == nil || mdia.Minf.Stbl.Stsd == nil {
		return d
	}
	handler := mdia.Hdlr.HandlerType
	if handler != "vide" && handler != "soun" {
		return d
	}
	stbl := mdia.Minf.Stbl
	var timescale uint32
	var mdhdTicks float64
	if mdia.Mdhd != nil {
		timescale = mdia.Mdhd.Timescale
		mdhdTicks = float64(mdia.Mdhd.Duration)
	}
	var samples int64
	var sttsTicks float64
	if stts := stbl.Stts; stts != nil {
		for i, c := range stts.SampleCount {
			samples += int64(c)
			sttsTicks += float64(c) * float64(stts.SampleTimeDelta[i])
		}
	}
	if trak.Tkhd != nil {
		if ft := w.frags[trak.Tkhd.TrackID]; ft != nil {
			samples += ft.samples
			sttsTicks += ft.ticks
			mdhdTicks += ft.ticks
		}
	}
	if timescale == 0 {
		w.info.problem("%s track has no timescale", handler)
	} else {
		d.dur = ticks(math.Max(mdhdTicks, sttsTicks), timescale)
	}
	var entry mp4.Box
	if len(stbl.Stsd.Children) > 0 {
		entry = stbl.Stsd.Children[0]
	}
	if entry == nil {
		w.info.problem("%s track has no sample description", handler)
		return d
	}
	switch handler {
	case "vide":
		v := w.videoEntry(entry)
		v.Duration = d.dur
		v.Frames = samples
		if sttsTicks > 0 && timescale > 0 {
			v.FrameRate = math.Round(float64(samples)/(sttsTicks/float64(timescale))*1000) / 1000
		}
		if (v.Width == 0 || v.Height == 0) && trak.Tkhd != nil {
			v.Width, v.Height = int(trak.Tkhd.Width>>16), int(trak.Tkhd.Height>>16)
		}
		d.video = v
	case "soun":
		a := w.audioEntry(entry)
		a.Duration = d.dur
		d.audio = a
	}
	return d
}
