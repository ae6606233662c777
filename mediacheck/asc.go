package mediacheck

import (
	"errors"
	"fmt"
)

// asc is what matters of an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3
// 1.6.2.1): the object type, and whether SBR (HE-AAC) or PS (HE-AACv2) is
// signalled, explicitly (object type 5 or 29) or backward compatibly (a
// sync extension after the GASpecificConfig).
type asc struct {
	objectType int
	sampleRate int
	channels   int
	sbr, ps    bool
}

var ascRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// ascChannels maps channelConfiguration to a channel count (0: given by a
// program config element).
var ascChannels = [...]int{0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8}

var aotNames = map[int]string{
	1: "Main", 2: "LC", 3: "SSR", 4: "LTP", 6: "Scalable", 17: "ER LC", 19: "ER LTP",
	23: "LD", 39: "ELD", 42: "USAC (xHE-AAC)",
}

func (a asc) profile() string {
	switch {
	case a.ps:
		return "HE-AACv2"
	case a.sbr:
		return "HE-AAC"
	}
	if n, ok := aotNames[a.objectType]; ok {
		return n
	}
	return fmt.Sprintf("object type %d", a.objectType)
}

type bitReader struct {
	b   []byte
	pos int // in bits
	err bool
}

func (r *bitReader) left() int { return len(r.b)*8 - r.pos }

func (r *bitReader) read(n int) int {
	if n > r.left() {
		r.err = true
		r.pos = len(r.b) * 8
		return 0
	}
	v := 0
	for i := 0; i < n; i++ {
		v = v<<1 | int(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}

func (r *bitReader) objectType() int {
	t := r.read(5)
	if t == 31 {
		t = 32 + r.read(6)
	}
	return t
}

func (r *bitReader) rate() int {
	i := r.read(4)
	if i == 15 {
		return r.read(24)
	}
	if i < len(ascRates) {
		return ascRates[i]
	}
	return 0
}

var errASCShort = errors.New("AudioSpecificConfig too short")

// parseASC reads b. What it could read before an error is returned too.
func parseASC(b []byte) (asc, error) {
	r := &bitReader{b: b}
	var a asc
	a.objectType = r.objectType()
	a.sampleRate = r.rate()
	cc := r.read(4)
	if cc < len(ascChannels) {
		a.channels = ascChannels[cc]
	}
	if r.err {
		return asc{}, errASCShort
	}
	base := a.objectType
	if base == 5 || base == 29 { // explicit hierarchical SBR signalling
		a.sbr, a.ps = true, base == 29
		if ext := r.rate(); ext > 0 {
			a.sampleRate = ext
		}
		base = r.objectType()
		if r.err {
			return a, errASCShort
		}
	}
	switch base {
	case 1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23:
	default:
		return a, nil // no GASpecificConfig to look past
	}
	// GASpecificConfig
	r.read(1) // frameLengthFlag
	if r.read(1) == 1 {
		r.read(14) // coreCoderDelay
	}
	ext := r.read(1)
	if cc == 0 {
		return a, nil // a program_config_element follows: stop here
	}
	if base == 6 || base == 20 {
		r.read(3) // layerNr
	}
	if ext == 1 {
		if base == 22 {
			r.read(5 + 11)
		}
		if base == 17 || base == 19 || base == 20 || base == 23 {
			r.read(3)
		}
		r.read(1) // extensionFlag3
	}
	if r.err {
		return a, errASCShort
	}
	// Backward-compatible extension signalling.
	if !a.sbr && r.left() >= 16 && r.read(11) == 0x2b7 {
		if r.objectType() == 5 {
			if r.read(1) == 1 {
				a.sbr = true
				if ext := r.rate(); ext > 0 {
					a.sampleRate = ext
				}
				if r.left() >= 12 && r.read(11) == 0x548 {
					a.ps = r.read(1) == 1
				}
			}
		}
	}
	return a, nil
}
