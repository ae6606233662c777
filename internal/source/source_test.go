package source

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/internal/segments"
)

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func TestOpenSource(t *testing.T) {
	t.Parallel()
	data := randomBytes(t, 5000)
	dir := t.TempDir()
	path := filepath.Join(dir, "in.bin")
	require.NoError(t, os.WriteFile(path, data, 0o600))

	readAll := func(t *testing.T, s *Source) []byte {
		t.Helper()
		buf := make([]byte, 700)
		var out []byte
		for off := int64(0); off < s.Size(); off += 700 {
			b, err := s.Read(segments.Segment{Index: int(off / 700), Offset: off, Size: min(700, s.Size()-off)}, buf)
			require.NoError(t, err)
			out = append(out, b...)
		}
		require.NoError(t, s.CheckEnd())
		return out
	}

	t.Run("file read at offsets from its current position", func(t *testing.T) {
		t.Parallel()
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		_, err = f.Seek(100, io.SeekStart)
		require.NoError(t, err)
		s, err := Open(t.Context(), f, -1, "", nil)
		require.NoError(t, err)
		assert.False(t, s.Sequential())
		assert.Equal(t, int64(4900), s.Size())
		assert.Equal(t, data[100:], readAll(t, s))
		assert.NoError(t, s.Close())
	})
	t.Run("declared size streams in order", func(t *testing.T) {
		t.Parallel()
		s, err := Open(t.Context(), strings.NewReader(string(data)), int64(len(data)), "", nil)
		require.NoError(t, err)
		assert.True(t, s.Sequential())
		head, err := s.Peek(10)
		require.NoError(t, err)
		assert.Equal(t, data[:10], head)
		assert.Equal(t, data, readAll(t, s), "peek must not consume")
	})
	t.Run("pipe is spooled and the spool removed", func(t *testing.T) {
		t.Parallel()
		spoolDir := t.TempDir()
		pr, pw := io.Pipe()
		go func() { pw.Write(data); pw.Close() }()
		s, err := Open(t.Context(), pr, -1, spoolDir, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), s.Size())
		files, _ := os.ReadDir(spoolDir)
		assert.Empty(t, files, "the spool is unlinked at once")
		assert.Equal(t, data, readAll(t, s))
		require.NoError(t, s.Close())
		files, _ = os.ReadDir(spoolDir)
		assert.Empty(t, files)
	})
	t.Run("failing pipe leaves no spool", func(t *testing.T) {
		t.Parallel()
		spoolDir := t.TempDir()
		_, err := Open(t.Context(), iotest.ErrReader(io.ErrClosedPipe), -1, spoolDir, nil)
		require.ErrorIs(t, err, io.ErrClosedPipe)
		files, _ := os.ReadDir(spoolDir)
		assert.Empty(t, files)
	})
}

func TestSpoolStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, endless{}, -1, t.TempDir(), nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// endless is an input that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestGrowingFileIsNotFinalized(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "growing.bin")
	require.NoError(t, os.WriteFile(path, randomBytes(t, 1000), 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	s, err := Open(t.Context(), f, -1, "", nil)
	require.NoError(t, err)
	require.NoError(t, s.CheckEnd())
	w, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	w.Write([]byte("more"))
	w.Close()
	require.ErrorIs(t, s.CheckEnd(), ErrSizeMismatch)
}
