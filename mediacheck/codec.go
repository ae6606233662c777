package mediacheck

import (
	"fmt"

	"github.com/Eyevinn/mp4ff/avc"
	"github.com/Eyevinn/mp4ff/hevc"
	"github.com/Eyevinn/mp4ff/mp4"
)

var chromaNames = [...]string{"4:0:0", "4:2:0", "4:2:2", "4:4:4"}

func chromaName(idc byte) string {
	if int(idc) < len(chromaNames) {
		return chromaNames[idc]
	}
	return ""
}

// videoCodecs maps sample entry codes to codec names.
var videoCodecs = map[string]string{
	"avc1": "h264", "avc3": "h264",
	"hvc1": "hevc", "hev1": "hevc", "dvh1": "hevc", "dvhe": "hevc",
	"av01": "av1", "vp09": "vp9", "vp08": "vp8", "mp4v": "mpeg4",
	"jpeg": "mjpeg", "mjpg": "mjpeg", "mjpa": "mjpeg", "mjpb": "mjpeg",
	"apch": "prores", "apcn": "prores", "apcs": "prores", "apco": "prores", "ap4h": "prores", "ap4x": "prores",
	"vvc1": "vvc", "vvi1": "vvc", "s263": "h263", "h263": "h263",
}

// videoEntry describes a visual sample entry and its codec configuration.
func (w *mp4Walk) videoEntry(entry mp4.Box) *VideoTrack {
	v := &VideoTrack{SampleEntry: printable(entry.Type())}
	v.Codec = videoCodecs[entry.Type()]
	if v.Codec == "" {
		v.Codec = v.SampleEntry
	}
	e, ok := entry.(*mp4.VisualSampleEntryBox)
	if !ok {
		return v
	}
	if e.Type() == "encv" && e.Sinf != nil && e.Sinf.Frma != nil {
		v.SampleEntry = e.Sinf.Frma.DataFormat
		if c := videoCodecs[v.SampleEntry]; c != "" {
			v.Codec = c
		}
	}
	v.Width, v.Height = int(e.Width), int(e.Height)
	var vui Ratio
	switch {
	case e.AvcC != nil:
		vui = w.avcConfig(v, e.AvcC)
	case e.HvcC != nil:
		vui = w.hevcConfig(v, e.HvcC)
	}
	if e.Fiel != nil {
		switch e.Fiel.FieldCount {
		case 1:
			if v.Scan == "" {
				v.Scan = "progressive"
			}
		case 2:
			v.Scan = "interlaced"
		}
	}
	var pasp Ratio
	if e.Pasp != nil {
		pasp = Ratio{e.Pasp.HSpacing, e.Pasp.VSpacing}
	}
	switch {
	case pasp.Known():
		v.PixelAspect = pasp
		v.PixelAspectConflict = vui.Known() && uint64(vui.Num)*uint64(pasp.Den) != uint64(pasp.Num)*uint64(vui.Den)
	case vui.Known():
		v.PixelAspect = vui
	}
	return v
}

var avcProfiles = map[uint32]string{
	44: "CAVLC 4:4:4 Intra", 66: "Baseline", 77: "Main", 88: "Extended", 100: "High",
	110: "High 10", 122: "High 4:2:2", 244: "High 4:4:4 Predictive",
	118: "Multiview High", 128: "Stereo High",
}

// avcConfig reads an avcC's first SPS; it returns the VUI's sample aspect
// ratio.
func (w *mp4Walk) avcConfig(v *VideoTrack, c *mp4.AvcCBox) Ratio {
	v.Profile = avcProfiles[uint32(c.AVCProfileIndication)]
	if v.Profile == "" {
		v.Profile = fmt.Sprintf("profile %d", c.AVCProfileIndication)
	} else if c.AVCProfileIndication == 66 && c.ProfileCompatibility&0x40 != 0 {
		v.Profile = "Constrained Baseline"
	}
	v.Level = fmt.Sprintf("%d.%d", c.AVCLevelIndication/10, c.AVCLevelIndication%10)
	if len(c.SPSnalus) == 0 {
		w.info.problem("avcC has no SPS: chroma format, bit depth and scan are unknown")
		return Ratio{}
	}
	sps, err := avc.ParseSPSNALUnit(c.SPSnalus[0], false)
	if err != nil || sps == nil {
		w.info.problem("could not parse the H.264 SPS: %v", err)
		return Ratio{}
	}
	v.Chroma = chromaName(sps.ChromaFormatIDC)
	v.BitDepth = int(sps.BitDepthLumaMinus8) + 8
	switch {
	case sps.FrameMbsOnlyFlag:
		v.Scan = "progressive"
	case sps.MbAdaptiveFrameFieldFlag:
		v.Scan = "interlaced" // MBAFF: field-coded macroblocks
	default:
		// Field pictures are allowed but not known to be used: x264's
		// fake-interlaced flags progressive video so (Blu-ray encodes).
		w.info.problem("the H.264 stream allows field pictures (frame_mbs_only_flag 0): it may be interlaced, which X refuses")
	}
	if sps.Width > 0 && sps.Width <= 1<<16 && sps.Height > 0 && sps.Height <= 1<<16 {
		v.Width, v.Height = int(sps.Width), int(sps.Height)
	}
	if sps.VUI != nil {
		return Ratio{uint32(sps.VUI.SampleAspectRatioWidth), uint32(sps.VUI.SampleAspectRatioHeight)}
	}
	return Ratio{}
}

var hevcProfiles = map[byte]string{
	1: "Main", 2: "Main 10", 3: "Main Still Picture", 4: "Range Extensions", 5: "High Throughput",
	9: "Screen Content Coding",
}

// hevcConfig reads an hvcC's first SPS; it returns the VUI's sample aspect
// ratio.
func (w *mp4Walk) hevcConfig(v *VideoTrack, c *mp4.HvcCBox) Ratio {
	v.Profile = hevcProfiles[c.GeneralProfileIDC]
	if v.Profile == "" {
		v.Profile = fmt.Sprintf("profile %d", c.GeneralProfileIDC)
	}
	v.Level = fmt.Sprintf("%d.%d", c.GeneralLevelIDC/30, c.GeneralLevelIDC%30/3)
	v.Chroma = chromaName(c.ChromaFormatIDC)
	v.BitDepth = int(c.BitDepthLumaMinus8) + 8
	spss := c.GetNalusForType(hevc.NALU_SPS)
	if len(spss) == 0 {
		w.info.problem("hvcC has no SPS: scan and pixel aspect ratio are unknown")
		return Ratio{}
	}
	sps, err := hevc.ParseSPSNALUnit(spss[0])
	if err != nil || sps == nil {
		w.info.problem("could not parse the HEVC SPS: %v", err)
		return Ratio{}
	}
	v.Chroma = chromaName(sps.ChromaFormatIDC)
	v.BitDepth = int(sps.BitDepthLumaMinus8) + 8
	if wd, ht := sps.ImageSize(); wd > 0 && wd <= 1<<16 && ht > 0 && ht <= 1<<16 {
		v.Width, v.Height = int(wd), int(ht)
	}
	ptl := sps.ProfileTierLevel
	switch {
	case sps.VUI != nil && sps.VUI.FieldSeqFlag, ptl.GeneralInterlacedSourceFlag && !ptl.GeneralProgressiveSourceFlag:
		v.Scan = "interlaced"
	case ptl.GeneralProgressiveSourceFlag && !ptl.GeneralInterlacedSourceFlag:
		v.Scan = "progressive"
	}
	if sps.VUI != nil {
		return Ratio{uint32(sps.VUI.SampleAspectRatioWidth), uint32(sps.VUI.SampleAspectRatioHeight)}
	}
	return Ratio{}
}

// audioCodecs maps sample entry codes to codec names; mp4a is decided by
// its esds.
var audioCodecs = map[string]string{
	".mp3": "mp3", "ac-3": "ac3", "ec-3": "eac3", "ac-4": "ac4", "Opus": "opus", "fLaC": "flac",
	"alac": "alac", "lpcm": "pcm", "sowt": "pcm", "twos": "pcm", "in24": "pcm", "in32": "pcm",
	"fl32": "pcm", "fl64": "pcm", "raw ": "pcm", "samr": "amr", "sawb": "amr", "ulaw": "pcm", "alaw": "pcm",
	"mha1": "mpegh", "mha2": "mpegh", "mhm1": "mpegh", "mhm2": "mpegh", "iamf": "iamf", "dtsc": "dts",
}

// esdsObjectTypes maps MPEG-4 object type indications to codec names.
var esdsObjectTypes = map[byte]string{
	0x40: "aac", 0x66: "aac", 0x67: "aac", 0x68: "aac",
	0x69: "mp3", 0x6B: "mp3", 0xA5: "ac3", 0xA6: "eac3", 0xA9: "dts", 0xAD: "opus", 0xDD: "vorbis",
}

// audioEntry describes an audio sample entry and its decoder configuration.
func (w *mp4Walk) audioEntry(entry mp4.Box) *AudioTrack {
	a := &AudioTrack{SampleEntry: printable(entry.Type())}
	a.Codec = audioCodecs[entry.Type()]
	e, ok := entry.(*mp4.AudioSampleEntryBox)
	if !ok {
		if a.Codec == "" {
			a.Codec = a.SampleEntry
		}
		return a
	}
	a.Channels, a.SampleRate = int(e.ChannelCount), int(e.SampleRate)
	if q := e.QuickTimeV2; q != nil {
		a.Channels, a.SampleRate = int(q.NumAudioChannels), int(q.AudioSampleRate)
	}
	esds := e.Esds
	if esds == nil && e.Wave != nil {
		esds = e.Wave.Esds
	}
	if a.Codec == "" && e.Type() != "mp4a" && e.Type() != "enca" {
		a.Codec = a.SampleEntry
	}
	if esds == nil || esds.DecConfigDescriptor == nil {
		if a.Codec == "" {
			w.info.problem("%s audio has no esds: its codec is unknown", a.SampleEntry)
		}
		return a
	}
	dcd := esds.DecConfigDescriptor
	a.Codec = esdsObjectTypes[dcd.ObjectType]
	if a.Codec == "" {
		a.Codec = fmt.Sprintf("object type 0x%02X", dcd.ObjectType)
	}
	switch dcd.ObjectType {
	case 0x66:
		a.Profile, a.ObjectType = "Main", 1
	case 0x67:
		a.Profile, a.ObjectType = "LC", 2
	case 0x68:
		a.Profile, a.ObjectType = "SSR", 3
	case 0x40:
		if dcd.DecSpecificInfo == nil || len(dcd.DecSpecificInfo.DecConfig) == 0 {
			w.info.problem("AAC audio has no AudioSpecificConfig: its profile is unknown")
			return a
		}
		asc, err := parseASC(dcd.DecSpecificInfo.DecConfig)
		if err != nil {
			w.info.problem("could not parse the AAC AudioSpecificConfig: %v", err)
		}
		if asc.objectType > 0 {
			a.ObjectType = asc.objectType
			a.Profile = asc.profile()
		}
		if asc.channels > 0 {
			a.Channels = asc.channels
		}
		if asc.sampleRate > 0 {
			a.SampleRate = asc.sampleRate
		}
	}
	return a
}
