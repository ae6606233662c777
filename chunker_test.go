package mediaupload

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanSegments(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	tests := []struct {
		name      string
		total     int64
		chunk     int64
		maxChunk  int64
		wantChunk int64
		wantSegs  int
		wantErr   error
	}{
		{name: "one byte", total: 1, wantChunk: 1, wantSegs: 1},
		{name: "exactly one default chunk", total: DefaultChunkSize, wantChunk: DefaultChunkSize, wantSegs: 1},
		{name: "one default chunk plus one", total: DefaultChunkSize + 1, wantChunk: DefaultChunkSize, wantSegs: 2},
		{name: "1000 default chunks fit", total: 1000 * DefaultChunkSize, wantChunk: DefaultChunkSize, wantSegs: 1000},
		{name: "past 1000 default chunks grows the chunk", total: 1000*DefaultChunkSize + 1, wantChunk: DefaultChunkSize + 1, wantSegs: 1000},
		{name: "largest possible input", total: 1000 * MaxChunkSize, wantChunk: MaxChunkSize, wantSegs: 1000},
		{name: "too large for 1000 segments of 5 MiB", total: 1000*MaxChunkSize + 1, wantErr: ErrTooManySegments},
		{name: "explicit chunk", total: 10 * mib, chunk: mib, wantChunk: mib, wantSegs: 10},
		{name: "explicit chunk, 1000 segments exactly", total: 1000 * 1024, chunk: 1024, wantChunk: 1024, wantSegs: 1000},
		{name: "explicit chunk, 1001 segments", total: 1000*1024 + 1, chunk: 1024, wantErr: ErrTooManySegments},
		{name: "explicit chunk over 5 MiB", total: 10 * mib, chunk: MaxChunkSize + 1, wantErr: ErrChunkSize},
		{name: "base64 cap", total: 10 * mib, chunk: 4 * mib, maxChunk: MaxChunkSize / 4 * 3, wantErr: ErrChunkSize},
		{name: "base64 cap default", total: 10 * mib, maxChunk: MaxChunkSize / 4 * 3, wantChunk: DefaultChunkSize, wantSegs: 5},
		{name: "base64 cap grown", total: 3000 * mib, maxChunk: MaxChunkSize / 4 * 3, wantChunk: 3 * mib, wantSegs: 1000},
		{name: "empty", total: 0, wantErr: ErrEmptyMedia},
		{name: "chunk larger than input", total: 100, chunk: mib, wantChunk: 100, wantSegs: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := PlanSegments(tc.total, tc.chunk, tc.maxChunk)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, Plan{TotalBytes: tc.total, ChunkSize: tc.wantChunk, Segments: tc.wantSegs}, p)
			// The segments cover the input exactly, in order, each within the cap.
			var next int64
			for i := range p.Segments {
				s := p.Segment(i)
				assert.Equal(t, next, s.Offset)
				assert.Positive(t, s.Size)
				assert.LessOrEqual(t, s.Size, int64(MaxChunkSize))
				next += s.Size
			}
			assert.Equal(t, tc.total, next)
			assert.LessOrEqual(t, p.Segments, MaxSegments)
		})
	}
}

func TestPlanSegmentsErrorSaysWhatFits(t *testing.T) {
	t.Parallel()
	_, err := PlanSegments(1000*1024+1, 1024, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1001 segments")
	assert.Contains(t, err.Error(), "at least 1025")
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func TestChunker(t *testing.T) {
	t.Parallel()
	data := randomBytes(t, 10_000)
	readers := map[string]func() io.Reader{
		"plain":    func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"bytes":    func() io.Reader { return bytes.NewReader(data) },
		"data err": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	}
	for name, mk := range readers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := NewChunker(mk(), int64(len(data)), 3000)
			require.NoError(t, err)
			assert.Equal(t, 4, c.Plan().Segments)
			buf := make([]byte, c.Plan().ChunkSize)
			var got []byte
			for i := 0; ; i++ {
				seg, b, err := c.Next(buf)
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				assert.Equal(t, i, seg.Index)
				got = append(got, b...)
			}
			assert.Equal(t, data, got)
		})
	}
}

func TestChunkerRefusesAShortBuffer(t *testing.T) {
	t.Parallel()
	data := randomBytes(t, 250)
	tests := []struct {
		name   string
		bufLen int
	}{
		{name: "nil", bufLen: 0},
		{name: "one byte short", bufLen: 99},
		{name: "as long as the last segment", bufLen: 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewChunker(bytes.NewReader(data), int64(len(data)), 100)
			require.NoError(t, err)
			var seg Segment
			var b []byte
			require.NotPanics(t, func() { seg, b, err = c.Next(make([]byte, tc.bufLen)) })
			require.ErrorIs(t, err, ErrChunkSize)
			assert.Contains(t, err.Error(), fmt.Sprintf("buffer of %d bytes", tc.bufLen))
			assert.Contains(t, err.Error(), "100-byte chunk size")
			assert.Equal(t, Segment{}, seg)
			assert.Nil(t, b)
			// Nothing was consumed: a buffer of the right size reads segment 0.
			seg, b, err = c.Next(make([]byte, 100))
			require.NoError(t, err)
			assert.Equal(t, 0, seg.Index)
			assert.Equal(t, data[:100], b)
		})
	}
}

func TestChunkerSizeMismatch(t *testing.T) {
	t.Parallel()
	data := randomBytes(t, 100)
	t.Run("short", func(t *testing.T) {
		t.Parallel()
		c, err := NewChunker(bytes.NewReader(data), 150, 60)
		require.NoError(t, err)
		buf := make([]byte, 60)
		_, _, err = c.Next(buf)
		require.NoError(t, err)
		_, _, err = c.Next(buf)
		require.ErrorIs(t, err, ErrSizeMismatch)
		assert.Contains(t, err.Error(), "ended at byte 100 of 150")
	})
	t.Run("long", func(t *testing.T) {
		t.Parallel()
		c, err := NewChunker(bytes.NewReader(data), 90, 60)
		require.NoError(t, err)
		buf := make([]byte, 60)
		_, _, err = c.Next(buf)
		require.NoError(t, err)
		_, _, err = c.Next(buf)
		require.ErrorIs(t, err, ErrSizeMismatch)
	})
}

func FuzzPlanSegments(f *testing.F) {
	for _, seed := range [][3]int64{{1, 0, 0}, {4 << 20, 0, 0}, {1000*DefaultChunkSize + 1, 0, 0}, {1000 * 1024, 1024, 0},
		{5000, 3000, 0}, {10 << 20, 0, MaxChunkSize / 4 * 3}, {-1, 5, 0}, {1 << 40, 0, 0}} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, total, chunk, maxChunk int64) {
		p, err := PlanSegments(total, chunk, maxChunk)
		if err != nil {
			return
		}
		if p.Segments < 1 || p.Segments > MaxSegments || p.ChunkSize < 1 || p.ChunkSize > MaxChunkSize {
			t.Fatalf("plan %+v out of bounds", p)
		}
		if chunk > 0 && p.ChunkSize != min(chunk, total) {
			t.Fatalf("explicit chunk %d not kept: %+v", chunk, p)
		}
		last := p.Segment(p.Segments - 1)
		if last.Offset+last.Size != total || last.Size < 1 || last.Size > p.ChunkSize {
			t.Fatalf("segments do not add up: %+v, last %+v", p, last)
		}
	})
}
