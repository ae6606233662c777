package mediacheck

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// largestRead records the largest single read asked of it.
type largestRead struct {
	r   *bytes.Reader
	max atomic.Int64
}

func (l *largestRead) ReadAt(p []byte, off int64) (int, error) {
	for {
		m := l.max.Load()
		if int64(len(p)) <= m || l.max.CompareAndSwap(m, int64(len(p))) {
			break
		}
	}
	return l.r.ReadAt(p, off)
}

// FuzzInspect feeds Inspect the fixtures and mutations of them: it must
// not panic (a recovered parser panic counts as one), must not read more
// than the file holds in one go, and Check must not refuse for what
// Inspect could not read.
func FuzzInspect(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	require.NoError(f, err)
	for _, name := range files {
		if strings.HasSuffix(name, ".sh") || strings.HasSuffix(name, ".md") {
			continue
		}
		b, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(b)
	}
	for _, b := range hostileMedia() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &largestRead{r: bytes.NewReader(b)}
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				panic("slow input " + hex.EncodeToString(b))
			}
		}()
		info, err := Inspect(t.Context(), r, int64(len(b)))
		close(done)
		require.NoError(t, err)
		for _, p := range info.Problems {
			if strings.HasPrefix(p, "the parser failed") {
				t.Fatalf("parser panic: %s", p)
			}
		}
		assert.LessOrEqual(t, r.max.Load(), int64(len(b))+16)
		for _, cat := range []string{"", "tweet_video", "tweet_gif", "tweet_image"} {
			fs := Check(info, cat, Limits{})
			for _, f := range fs {
				assert.NotEmpty(t, f.Message)
				assert.NotContains(t, f.Message, "\n")
			}
		}
		_ = info.String()
		_ = NewResult("fuzz", info, "", Limits{}).String()
	})
}

// box builds a box of type typ around the payloads.
func box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	b := make([]byte, 8, 8+len(body))
	binary.BigEndian.PutUint32(b, uint32(8+len(body)))
	copy(b[4:], typ)
	return append(b, body...)
}

// boxSized is a box whose size field says n, whatever it holds.
func boxSized(typ string, n uint32, payload ...[]byte) []byte {
	b := box(typ, payload...)
	binary.BigEndian.PutUint32(b, n)
	return b
}

func u32(vs ...uint32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return b
}

var ftypIsom = box("ftyp", []byte("isom"), u32(512), []byte("isomavc1"))

// hostileMedia are files whose boxes lie: sizes past the end, counts that
// would allocate gigabytes, self-similar nesting, GIF blocks without end.
func hostileMedia() [][]byte {
	return [][]byte{
		// moov claims 4 GB in a 40-byte file
		append(append([]byte{}, ftypIsom...), boxSized("moov", 0xFFFFFFF0)...),
		// a 64-bit mdat size of 2^62
		append(append([]byte{}, ftypIsom...), append(u32(1), append([]byte("mdat"), 0x40, 0, 0, 0, 0, 0, 0, 0)...)...),
		// stsz and stts claiming 2^32-1 entries inside a tiny trak
		append(append([]byte{}, ftypIsom...), box("moov", box("trak", box("mdia",
			box("hdlr", u32(0, 0), []byte("vide"), u32(0, 0, 0), []byte{0}),
			box("minf", box("stbl",
				box("stsd", u32(0, 1), box("avc1", make([]byte, 78))),
				box("stts", u32(0, 0xFFFFFFFF)),
				box("stsz", u32(0, 0, 0xFFFFFFFF)))))))...),
		// a trun with 2^32-1 samples and no per-sample fields
		append(append(append([]byte{}, ftypIsom...), box("moov", box("mvex", box("trex", u32(0, 1, 1, 0, 0, 0))))...),
			box("moof", box("traf", box("tfhd", u32(0x020000, 1)), box("trun", u32(0, 0xFFFFFFFF))))...),
		// zero-size boxes and boxes of size 1 with no large size
		append(append([]byte{}, ftypIsom...), u32(0)...),
		append(append([]byte{}, ftypIsom...), append(u32(1), []byte("moov")...)...),
		// moov whose only child claims more than moov holds
		append(append([]byte{}, ftypIsom...), box("moov", boxSized("trak", 1<<20))...),
		// GIF: a frame whose sub-blocks never end, and an extension loop
		append([]byte("GIF89a\x08\x00\x08\x00\x00\x00\x00,\x00\x00\x00\x00\x08\x00\x08\x00\x00\x02"), bytes.Repeat([]byte{0xFF}, 300)...),
		append([]byte("GIF89a\x08\x00\x08\x00\x00\x00\x00"), bytes.Repeat([]byte("!\xF9\x00"), 100)...),
		// PNG and WebP with chunk lengths near 4 GB
		append(append([]byte{}, pngSignature...), append(u32(0xFFFFFFF0), []byte("IHDR")...)...),
		[]byte("RIFF\xff\xff\xff\xffWEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\xff\xff\xff\xff\xff\xffANMF\xf0\xff\xff\xff"),
		// JPEG with a segment length of 0
		{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00},
	}
}

// TestInspectHostile: boxes that lie give problems, bounded memory and no
// refusal.
func TestInspectHostile(t *testing.T) {
	t.Parallel()
	for i, b := range hostileMedia() {
		r := &largestRead{r: bytes.NewReader(b)}
		info, err := Inspect(t.Context(), r, int64(len(b)))
		require.NoError(t, err, "case %d", i)
		assert.LessOrEqual(t, r.max.Load(), int64(len(b))+16, "case %d", i)
		for _, p := range info.Problems {
			assert.NotContains(t, p, "the parser failed", "case %d", i)
		}
		assert.False(t, Check(info, "", Limits{}).Refused(), "case %d: %v", i, info)
	}
}

// TestInspectHugeMoov: a moov over MaxMoovBytes in a sparse 1 GB file is
// not read, and a 60 MB one (under the cap) is read once and then freed.
// Not parallel: it measures the process's allocations.
func TestInspectHugeMoov(t *testing.T) {
	for _, n := range []int64{MaxMoovBytes + 1, 900 << 20} {
		f := &sparseFile{}
		f.add(ftypIsom)
		h := make([]byte, 8)
		binary.BigEndian.PutUint32(h, uint32(n))
		copy(h[4:], "moov")
		f.add(h)
		f.size += n - 8
		info, err := Inspect(t.Context(), f, f.size)
		require.NoError(t, err)
		assert.Less(t, f.read.Load(), int64(1024))
		assert.Contains(t, info.Problems[0], "over the 64 MB this check reads")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f := &sparseFile{}
	f.add(ftypIsom)
	f.add(boxSized("moov", 60<<20))
	f.size += 60<<20 - 8
	info, err := Inspect(t.Context(), f, f.size)
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(200<<20), "one copy of moov, give or take")
	assert.Equal(t, []string{`box "\x00\x00\x00\x00" in moov has an invalid size 0`}, info.Problems)
}
