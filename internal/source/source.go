// Package source turns upload input into bytes of known size, read segment by segment: files at
// offsets, other readers in order, pipes spooled to a temporary file first, within a limit.
package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/mediaupload/mediaupload/internal/segments"
)

// ErrSizeMismatch means the input yielded a different number of bytes than it announced.
var ErrSizeMismatch = errors.New("mediaupload: input size changed")

// Source is upload input of known size, read at offsets (files, byte slices) or in order.
type Source struct {
	ra    io.ReaderAt // a section of a seekable input, or the spool file; nil: read r in order
	r     io.Reader
	size  int64
	close func() error // removes a spool file; nil when there is none
}

// InOrder is input of size bytes read in order from r.
func InOrder(r io.Reader, size int64) *Source { return &Source{r: r, size: size} }

// Open sizes r: size >= 0 is taken as given, a seekable reader is measured from its offset, and
// anything else (a pipe) is spooled to a temporary file, which Close removes, as limit allows.
func Open(ctx context.Context, r io.Reader, size int64, tempDir string, limit Limit) (*Source, error) {
	if size >= 0 {
		return InOrder(r, size), nil
	}
	if s, ok := r.(io.Seeker); ok {
		if cur, err := s.Seek(0, io.SeekCurrent); err == nil {
			end, err := s.Seek(0, io.SeekEnd)
			if err == nil {
				_, err = s.Seek(cur, io.SeekStart)
			}
			if err != nil {
				return nil, fmt.Errorf("mediaupload: measuring input: %w", err)
			}
			if ra, ok := r.(io.ReaderAt); ok {
				return &Source{ra: io.NewSectionReader(ra, cur, end-cur), size: end - cur}, nil
			}
			return InOrder(r, end-cur), nil
		}
	}
	return spool(ctx, r, tempDir, limit)
}

// HeadLen is how many first bytes a [Limit] is shown.
const HeadLen = 3072

// Limit judges an input of unknown size by its first bytes (HeadLen of them, or all if fewer): it
// refuses the input with err, or returns the most bytes it may have and the error to give for more.
type Limit func(head []byte) (most int64, tooLarge, err error)

// spool copies r to a temporary file, unlinked at once where the system allows. The copy runs in a
// goroutine, as a blocked Read cannot be interrupted: if ctx ends first, the goroutine removes it.
func spool(ctx context.Context, r io.Reader, dir string, limit Limit) (*Source, error) {
	f, err := os.CreateTemp(dir, "mediaupload-*.spool")
	if err != nil {
		return nil, fmt.Errorf("mediaupload: spooling input: %w", err)
	}
	remove := f.Close
	if os.Remove(f.Name()) != nil { // not while open (Windows): once closed
		remove = func() error { return errors.Join(f.Close(), os.Remove(f.Name())) }
	}
	var n int64
	done := make(chan struct{}) // unbuffered: n and err are handed over, or ctx ended
	go func() {
		n, err = fill(ctx, f, r, limit)
		select {
		case done <- struct{}{}:
		case <-ctx.Done():
			remove()
		}
	}()
	select {
	case <-done:
		if err != nil {
			remove()
			return nil, err
		}
		return &Source{ra: f, size: n, close: remove}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("mediaupload: spooling input: %w", context.Cause(ctx))
	}
}

// fill copies r to f: its first bytes once limit has judged them, the rest up to the most allowed.
func fill(ctx context.Context, f *os.File, r io.Reader, limit Limit) (int64, error) {
	r = CtxReader{ctx, r}
	head := make([]byte, HeadLen)
	k, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return 0, fmt.Errorf("mediaupload: spooling input: %w", err)
	}
	most, tooLarge := int64(math.MaxInt64-1), error(nil)
	if limit != nil {
		if most, tooLarge, err = limit(head[:k]); err != nil {
			return 0, err
		}
	}
	n, err := io.Copy(f, io.MultiReader(bytes.NewReader(head[:k]), io.LimitReader(r, most-int64(k)+1)))
	switch {
	case err != nil:
		return n, fmt.Errorf("mediaupload: spooling input: %w", err)
	case n > most:
		return n, tooLarge
	}
	return n, nil
}

// CtxReader reads from R until Ctx ends.
type CtxReader struct {
	Ctx context.Context
	R   io.Reader
}

func (c CtxReader) Read(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, context.Cause(c.Ctx)
	}
	return c.R.Read(p)
}

// Close releases the source's spool file, if any.
func (s *Source) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// Size is how many bytes the input has.
func (s *Source) Size() int64 { return s.size }

// ReaderAt returns the input as an io.ReaderAt; nil when it is read in order.
func (s *Source) ReaderAt() io.ReaderAt { return s.ra }

// Sequential reports whether segments must be read in order.
func (s *Source) Sequential() bool { return s.ra == nil }

// readFull reads len(buf) bytes at off, or the next ones in order; err is nil only if it read all.
func (s *Source) readFull(buf []byte, off int64) (int, error) {
	if s.ra == nil {
		return io.ReadFull(s.r, buf)
	}
	n, err := s.ra.ReadAt(buf, off)
	if n == len(buf) {
		err = nil
	}
	return n, err
}

// Read fills buf with seg's bytes and returns them.
func (s *Source) Read(seg segments.Segment, buf []byte) ([]byte, error) {
	buf = buf[:seg.Size]
	n, err := s.readFull(buf, seg.Offset)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("%w: input ended at byte %d of %d", ErrSizeMismatch, seg.Offset+int64(n), s.size)
	case err != nil:
		return nil, fmt.Errorf("mediaupload: reading segment %d: %w", seg.Index, err)
	}
	return buf, nil
}

// ReadInOrder reads the next segment of an in-order input and, after the last, calls CheckEnd.
func (s *Source) ReadInOrder(seg segments.Segment, buf []byte) ([]byte, error) {
	data, err := s.Read(seg, buf)
	if err == nil && seg.Offset+seg.Size == s.size {
		err = s.CheckEnd()
	}
	return data, err
}

// Peek returns up to n bytes from the start of the input without consuming them.
func (s *Source) Peek(n int) ([]byte, error) {
	buf := make([]byte, min(int64(n), s.size))
	k, err := s.readFull(buf, 0)
	if s.ra == nil {
		s.r = io.MultiReader(bytes.NewReader(buf[:k]), s.r)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		}
	}
	return buf[:k], err
}

// CheckEnd reports [ErrSizeMismatch] if the input holds more bytes than its size: an in-order
// reader that runs long (call it after the last segment), or a file that grew during the upload.
func (s *Source) CheckEnd() error {
	var b [1]byte
	var n int
	if sr, ok := s.ra.(*io.SectionReader); ok {
		outer, off, size := sr.Outer()
		n, _ = outer.ReadAt(b[:], off+size)
	} else if s.ra == nil {
		n, _ = io.ReadFull(s.r, b[:])
	}
	if n > 0 {
		return fmt.Errorf("%w: the input has grown past the %d bytes it had when the upload began", ErrSizeMismatch, s.size)
	}
	return nil
}
