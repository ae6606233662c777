// Package source turns upload input into bytes of known size that can be
// read segment by segment: files and byte slices at offsets, other readers
// in order, and readers of unknown size (pipes) spooled to a temporary file
// first, within a limit.
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

// ErrSizeMismatch means the input yielded a different number of bytes than
// it announced.
var ErrSizeMismatch = errors.New("mediaupload: input size changed")

// Source is upload input of known size: read at offsets when ra is set
// (files, byte slices), otherwise in order from r.
type Source struct {
	ra    io.ReaderAt
	r     io.Reader
	size  int64       // see Size
	whole io.ReaderAt // the input ra is a section of, from base, if any
	base  int64
	close func() error // removes a spool file; nil when there is none
}

// InOrder is input of size bytes read in order from r.
func InOrder(r io.Reader, size int64) *Source { return &Source{r: r, size: size} }

// Open sizes r: size >= 0 is taken as given; a seekable reader is measured
// from its current offset; anything else (a pipe) is spooled to a
// temporary file, which Close removes, no further than limit allows (see
// [spool]; nil: none).
func Open(ctx context.Context, r io.Reader, size int64, tempDir string, limit Limit) (*Source, error) {
	if size >= 0 {
		return &Source{r: r, size: size}, nil
	}
	if s, ok := r.(io.Seeker); ok {
		if cur, err := s.Seek(0, io.SeekCurrent); err == nil {
			end, err := s.Seek(0, io.SeekEnd)
			if err != nil {
				return nil, fmt.Errorf("mediaupload: measuring input: %w", err)
			}
			if _, err := s.Seek(cur, io.SeekStart); err != nil {
				return nil, fmt.Errorf("mediaupload: measuring input: %w", err)
			}
			if ra, ok := r.(io.ReaderAt); ok {
				return &Source{ra: io.NewSectionReader(ra, cur, end-cur), whole: ra, base: cur, size: end - cur}, nil
			}
			return &Source{r: r, size: end - cur}, nil
		}
	}
	return spool(ctx, r, tempDir, limit)
}

// HeadLen is how many first bytes a [Limit] is shown.
const HeadLen = 3072

// Limit judges an input of unknown size by its first bytes (up to HeadLen
// of them; fewer only if that is all): it refuses the input with err, or
// returns the most bytes it may have and the error to give for more.
type Limit func(head []byte) (most int64, tooLarge, err error)

// spool copies r to a temporary file, stopping when ctx ends, when limit
// refuses the first bytes, or as soon as the input grows past the most it
// may have. The file is unlinked at once where
// the system allows, so that not even a crash leaves it behind; elsewhere
// the source's Close removes it.
//
// The copy runs in a goroutine, so that spool returns as soon as ctx ends
// even while a Read blocks (a pipe that sends nothing): a blocked Read
// cannot be interrupted. The goroutine then ends, and the file is closed
// and removed, when that Read returns.
func spool(ctx context.Context, r io.Reader, dir string, limit Limit) (*Source, error) {
	f, err := os.CreateTemp(dir, "mediaupload-*.spool")
	if err != nil {
		return nil, fmt.Errorf("mediaupload: spooling input: %w", err)
	}
	unlinked := os.Remove(f.Name()) == nil
	remove := func() error {
		cerr := f.Close()
		if unlinked {
			return cerr
		}
		return errors.Join(cerr, os.Remove(f.Name()))
	}
	type result struct {
		n   int64
		err error
	}
	done := make(chan result) // unbuffered: a result is handed over, or abandoned
	abandoned := make(chan struct{})
	go func() {
		n, err := fill(ctx, f, r, limit)
		select {
		case done <- result{n, err}:
		case <-abandoned:
			remove()
		}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			remove()
			return nil, res.err
		}
		return &Source{ra: f, size: res.n, close: remove}, nil
	case <-ctx.Done():
		close(abandoned)
		return nil, fmt.Errorf("mediaupload: spooling input: %w", context.Cause(ctx))
	}
}

// fill copies r to f: its first bytes, then, once limit has judged them,
// the rest up to the most allowed. It returns how many bytes it wrote.
func fill(ctx context.Context, f *os.File, r io.Reader, limit Limit) (int64, error) {
	r = CtxReader{ctx, r}
	head := make([]byte, HeadLen)
	k, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return 0, fmt.Errorf("mediaupload: spooling input: %w", err)
	}
	head = head[:k]
	most, tooLarge := int64(math.MaxInt64-1), error(nil)
	if limit != nil {
		if most, tooLarge, err = limit(head); err != nil {
			return 0, err
		}
	}
	if _, err := f.Write(head); err != nil {
		return 0, fmt.Errorf("mediaupload: spooling input: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, most-int64(k)+1))
	n += int64(k)
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

// ReaderAt returns the input as an io.ReaderAt; nil when it is read in
// order.
func (s *Source) ReaderAt() io.ReaderAt { return s.ra }

// Sequential reports whether segments must be read in order.
func (s *Source) Sequential() bool { return s.ra == nil }

// Read fills buf with seg's bytes and returns them.
func (s *Source) Read(seg segments.Segment, buf []byte) ([]byte, error) {
	buf = buf[:seg.Size]
	var n int
	var err error
	if s.ra != nil {
		n, err = s.ra.ReadAt(buf, seg.Offset)
		if n == len(buf) {
			err = nil
		}
	} else {
		n, err = io.ReadFull(s.r, buf)
	}
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("%w: input ended at byte %d of %d", ErrSizeMismatch, seg.Offset+int64(n), s.size)
	case err != nil:
		return nil, fmt.Errorf("mediaupload: reading segment %d: %w", seg.Index, err)
	}
	return buf, nil
}

// ReadInOrder reads the next segment of an in-order input and, after the
// last one, checks that the input ends there.
func (s *Source) ReadInOrder(seg segments.Segment, buf []byte) ([]byte, error) {
	data, err := s.Read(seg, buf)
	if err == nil && seg.Offset+seg.Size == s.size {
		err = s.CheckEnd()
	}
	return data, err
}

// Peek returns up to n bytes from the start of the input without consuming
// them.
func (s *Source) Peek(n int) ([]byte, error) {
	buf := make([]byte, min(int64(n), s.size))
	if s.ra != nil {
		k, err := s.ra.ReadAt(buf, 0)
		if k == len(buf) {
			err = nil
		}
		return buf[:k], err
	}
	k, err := io.ReadFull(s.r, buf)
	s.r = io.MultiReader(bytes.NewReader(buf[:k]), s.r)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return buf[:k], err
}

// CheckEnd reports [ErrSizeMismatch] if the input holds more bytes than
// its size: an in-order reader that runs long (call it after the last
// segment was read), or a file that grew while it was being uploaded.
func (s *Source) CheckEnd() error {
	var b [1]byte
	var n int
	switch {
	case s.whole != nil:
		n, _ = s.whole.ReadAt(b[:], s.base+s.size)
	case s.ra == nil:
		n, _ = io.ReadFull(s.r, b[:])
	}
	if n > 0 {
		return fmt.Errorf("%w: the input has grown past the %d bytes it had when the upload began", ErrSizeMismatch, s.size)
	}
	return nil
}
