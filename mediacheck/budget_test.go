package mediacheck

import (
	"encoding/binary"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sparseFile is a large file held as a few pieces of real bytes with
// zeros between them, which cost no memory. It counts what is read.
type sparseFile struct {
	size   int64
	pieces []piece
	read   atomic.Int64
	calls  atomic.Int64
}

type piece struct {
	off  int64
	data []byte
}

func (f *sparseFile) ReadAt(p []byte, off int64) (int, error) {
	f.calls.Add(1)
	if off >= f.size {
		return 0, errShort
	}
	n := len(p)
	if rest := f.size - off; int64(n) > rest {
		n = int(rest)
	}
	clear(p[:n])
	for _, pc := range f.pieces {
		lo, hi := max(off, pc.off), min(off+int64(n), pc.off+int64(len(pc.data)))
		if lo < hi {
			copy(p[lo-off:hi-off], pc.data[lo-pc.off:hi-pc.off])
		}
	}
	f.read.Add(int64(n))
	if n < len(p) {
		return n, errShort
	}
	return n, nil
}

// add appends data at the end of the file.
func (f *sparseFile) add(data []byte) {
	f.pieces = append(f.pieces, piece{f.size, data})
	f.size += int64(len(data))
}

// addMdat appends an mdat header claiming n payload bytes, and the
// payload, as zeros.
func (f *sparseFile) addMdat(n int64) {
	h := make([]byte, 8)
	binary.BigEndian.PutUint32(h, uint32(8+n))
	copy(h[4:], "mdat")
	f.add(h)
	f.size += n
}

// addMdat64 appends an mdat with a 64-bit size, as files over 4 GB have.
func (f *sparseFile) addMdat64(n int64) {
	h := make([]byte, 16)
	binary.BigEndian.PutUint32(h, 1)
	copy(h[4:], "mdat")
	binary.BigEndian.PutUint64(h[8:], uint64(16+n))
	f.add(h)
	f.size += n
}

// topBoxes splits an MP4 fixture into its top-level boxes.
func topBoxes(t *testing.T, b []byte) map[string][][]byte {
	t.Helper()
	out := map[string][][]byte{}
	for off := 0; off < len(b); {
		n := int(binary.BigEndian.Uint32(b[off:]))
		require.GreaterOrEqual(t, n, 8)
		typ := string(b[off+4 : off+8])
		out[typ] = append(out[typ], b[off:off+n])
		off += n
	}
	return out
}

// TestInspectReadBudget inspects 500 MB MP4s — moov before the media
// data, moov after it, and fragmented — and a 5 GB one with a 64-bit mdat
// size, and checks that well under 1% of the bytes are read.
func TestInspectReadBudget(t *testing.T) {
	t.Parallel()
	const size = 500 << 20
	prog := topBoxes(t, fixture(t, "noaudio.mp4"))
	frag := topBoxes(t, fixture(t, "ok_frag.mp4"))
	const nFrags = 250 // of 2 MB each

	tests := []struct {
		name   string
		file   func() *sparseFile
		frames int64
		dur    time.Duration
	}{
		{
			name: "moov first",
			file: func() *sparseFile {
				f := &sparseFile{}
				f.add(prog["ftyp"][0])
				f.add(prog["moov"][0])
				f.addMdat(size - f.size - 8)
				return f
			},
			frames: 30, dur: time.Second,
		},
		{
			name: "moov last",
			file: func() *sparseFile {
				f := &sparseFile{}
				f.add(prog["ftyp"][0])
				f.addMdat(size - int64(len(prog["ftyp"][0])+len(prog["moov"][0])) - 8)
				f.add(prog["moov"][0])
				return f
			},
			frames: 30, dur: time.Second,
		},
		{
			name: "5 GB, 64-bit mdat size, moov last",
			file: func() *sparseFile {
				f := &sparseFile{}
				f.add(prog["ftyp"][0])
				f.addMdat64(5 << 30)
				f.add(prog["moov"][0])
				return f
			},
			frames: 30, dur: time.Second,
		},
		{
			name: "fragmented",
			file: func() *sparseFile {
				f := &sparseFile{}
				f.add(frag["ftyp"][0])
				f.add(frag["moov"][0])
				moof := frag["moof"][0]
				per := (size-f.size)/nFrags - int64(len(moof)) - 8
				for range nFrags {
					f.add(moof)
					f.addMdat(per)
				}
				return f
			},
			// Each copy of the first fragment holds 15 frames, half a second.
			frames: 15 * nFrags, dur: nFrags * 500 * time.Millisecond,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.file()
			info, err := Inspect(t.Context(), f, f.size)
			require.NoError(t, err)
			require.Empty(t, info.Problems)
			require.NotNil(t, info.Video)
			assert.Equal(t, tc.frames, info.Video.Frames)
			assert.Equal(t, tc.dur, info.Video.Duration)
			share := float64(f.read.Load()) / float64(f.size)
			t.Logf("%s: read %d of %d bytes (%.4f%%) in %d reads", tc.name, f.read.Load(), f.size, 100*share, f.calls.Load())
			assert.Less(t, share, 0.001, "reads must stay well under 1%% of the file")
		})
	}
}

func BenchmarkInspectFragmented500MB(b *testing.B) {
	frag := map[string][][]byte{}
	raw, err := os.ReadFile("testdata/ok_frag.mp4")
	if err != nil {
		b.Fatal(err)
	}
	for off := 0; off < len(raw); {
		n := int(binary.BigEndian.Uint32(raw[off:]))
		frag[string(raw[off+4:off+8])] = append(frag[string(raw[off+4:off+8])], raw[off:off+n])
		off += n
	}
	f := &sparseFile{}
	f.add(frag["ftyp"][0])
	f.add(frag["moov"][0])
	for range 250 {
		f.add(frag["moof"][0])
		f.addMdat(2 << 20)
	}
	b.ReportAllocs()
	for b.Loop() {
		f.read.Store(0)
		if _, err := Inspect(b.Context(), f, f.size); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.read.Load()), "bytes-read/op")
	b.ReportMetric(float64(f.size), "file-bytes")
}

// endlessComment is a GIF of size bytes whose one comment extension never
// ends: 255-byte sub-blocks to the end of the file.
type endlessComment struct {
	size int64
	read atomic.Int64
}

const gifHead = "GIF89a\x08\x00\x08\x00\x00\x00\x00!\xFE"

func (e *endlessComment) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for ; n < len(p) && off+int64(n) < e.size; n++ {
		pos := off + int64(n)
		switch {
		case pos < int64(len(gifHead)):
			p[n] = gifHead[pos]
		case (pos-int64(len(gifHead)))%256 == 0:
			p[n] = 0xFF
		default:
			p[n] = 1
		}
	}
	e.read.Add(int64(n))
	if n < len(p) {
		return n, errShort
	}
	return n, nil
}

// TestInspectHugeGIF: a GIF's blocks are walked for at most
// MaxGIFScanBytes, however large the file is.
func TestInspectHugeGIF(t *testing.T) {
	t.Parallel()
	f := &endlessComment{size: 100 << 20}
	info, err := Inspect(t.Context(), f, f.size)
	require.NoError(t, err)
	assert.LessOrEqual(t, f.read.Load(), int64(MaxGIFScanBytes+16))
	assert.Equal(t, &Info{Format: FormatGIF, Size: 100 << 20, Width: 8, Height: 8,
		Problems: []string{"stopped counting GIF frames after 64 MB; frames counted so far: 0"}}, info)
}
