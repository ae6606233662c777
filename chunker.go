package mediaupload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"
)

// Plan divides media of TotalBytes bytes into Segments consecutive byte
// ranges of ChunkSize bytes (the last one shorter), indexed from 0.
type Plan struct {
	TotalBytes int64 // the input's size
	ChunkSize  int64 // the size of every segment but the last
	Segments   int   // how many segments, 1 to MaxSegments
}

// Segment is one byte range of a [Plan].
type Segment struct {
	Index  int   // segment_index, 0 to 999
	Offset int64 // where it starts in the input
	Size   int64 // how many bytes, at most MaxChunkSize
}

// PlanSegments plans the segments of total bytes. chunkSize 0 means
// [DefaultChunkSize], grown to the smallest size that fits in [MaxSegments]
// segments; an explicit chunkSize is kept, and refused with
// [ErrTooManySegments] when it does not fit. maxChunk caps the chunk size
// (0 means [MaxChunkSize]).
func PlanSegments(total, chunkSize, maxChunk int64) (Plan, error) {
	if maxChunk <= 0 || maxChunk > MaxChunkSize {
		maxChunk = MaxChunkSize
	}
	switch {
	case total <= 0:
		return Plan{}, ErrEmptyMedia
	case chunkSize < 0 || chunkSize > maxChunk:
		return Plan{}, fmt.Errorf("%w: %d bytes; it must be 1 to %d", ErrChunkSize, chunkSize, maxChunk)
	}
	fit := ceilDiv(total, MaxSegments) // the smallest chunk that fits
	if fit > maxChunk {
		return Plan{}, fmt.Errorf("%w: %d bytes need more than %d segments of %d bytes", ErrTooManySegments, total, MaxSegments, maxChunk)
	}
	if chunkSize == 0 {
		chunkSize = min(max(DefaultChunkSize, fit), maxChunk)
	} else if chunkSize < fit {
		return Plan{}, fmt.Errorf("%w: %d bytes in chunks of %d bytes need %d segments, over %d; use a chunk size of at least %d",
			ErrTooManySegments, total, chunkSize, ceilDiv(total, chunkSize), MaxSegments, fit)
	}
	chunkSize = min(chunkSize, total)
	return Plan{TotalBytes: total, ChunkSize: chunkSize, Segments: int(ceilDiv(total, chunkSize))}, nil
}

// Segment returns segment i of the plan.
func (p Plan) Segment(i int) Segment {
	off := int64(i) * p.ChunkSize
	return Segment{Index: i, Offset: off, Size: min(p.ChunkSize, p.TotalBytes-off)}
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// Chunker reads the segments of a [Plan] from a reader, in order.
type Chunker struct {
	src  *source
	plan Plan
	lay  *layout
}

// NewChunker returns a Chunker over the total bytes of r, planned with
// [PlanSegments](total, chunkSize, 0).
func NewChunker(r io.Reader, total, chunkSize int64) (*Chunker, error) {
	plan, err := PlanSegments(total, chunkSize, 0)
	if err != nil {
		return nil, err
	}
	lay := &layout{total: total, sizer: fixedSizer{size: plan.ChunkSize, max: plan.ChunkSize}}
	return &Chunker{src: &source{r: r, size: total}, plan: plan, lay: lay}, nil
}

// Plan returns the plan the Chunker follows.
func (c *Chunker) Plan() Plan { return c.plan }

// Next reads the next segment into buf, which must hold the plan's
// ChunkSize, and returns the segment and its bytes (a prefix of buf). After
// the last segment it returns [io.EOF]; an input shorter or longer than the
// plan gives [ErrSizeMismatch]. A shorter buf gives [ErrChunkSize] and
// consumes nothing, so Next may be called again with a larger one.
func (c *Chunker) Next(buf []byte) (Segment, []byte, error) {
	if int64(len(buf)) < c.plan.ChunkSize {
		return Segment{}, nil, fmt.Errorf("%w: a buffer of %d bytes cannot hold a segment of the plan's %d-byte chunk size",
			ErrChunkSize, len(buf), c.plan.ChunkSize)
	}
	seg, _, ok := c.lay.next()
	if !ok {
		return Segment{}, nil, io.EOF
	}
	data, err := c.src.readInOrder(seg, buf)
	return seg, data, err
}

// source is upload input of known size: read at offsets when ra is set
// (files, byte slices), otherwise in order from r.
type source struct {
	ra    io.ReaderAt
	r     io.Reader
	size  int64
	whole io.ReaderAt // the input ra is a section of, from base, if any
	base  int64
	close func() error // removes a spool file; nil when there is none
}

// openSource sizes r: size >= 0 is taken as given; a seekable reader is
// measured from its current offset; anything else (a pipe) is spooled to a
// temporary file, which Close removes, no further than limitFor allows
// (see [spool]; nil: no limit but what one upload can carry).
func openSource(ctx context.Context, r io.Reader, size int64, tempDir string, limitFor spoolLimit) (*source, error) {
	if size >= 0 {
		return &source{r: r, size: size}, nil
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
				return &source{ra: io.NewSectionReader(ra, cur, end-cur), whole: ra, base: cur, size: end - cur}, nil
			}
			return &source{r: r, size: end - cur}, nil
		}
	}
	return spool(ctx, r, tempDir, limitFor)
}

// maxUploadBytes is the most one upload can carry: 1000 segments of 5 MiB.
const maxUploadBytes = MaxSegments * MaxChunkSize

// spoolLimit judges an input of unknown size by its first bytes (up to
// sniffLen of them; fewer only if that is all): it refuses the input with an
// error, or returns the error for an input larger than its category allows
// (nil when the category has no limit).
type spoolLimit func(head []byte) (*LimitError, error)

// spool copies r to a temporary file, stopping when ctx ends, when limitFor
// refuses the first bytes, or as soon as the input grows past its
// category's limit or what one upload can carry. The file is unlinked at once where
// the system allows, so that not even a crash leaves it behind; elsewhere
// the source's Close removes it.
//
// The copy runs in a goroutine, so that spool returns as soon as ctx ends
// even while a Read blocks (a pipe that sends nothing): a blocked Read
// cannot be interrupted. The goroutine then ends, and the file is closed
// and removed, when that Read returns.
func spool(ctx context.Context, r io.Reader, dir string, limitFor spoolLimit) (*source, error) {
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
		n, err := fill(ctx, f, r, limitFor)
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
		return &source{ra: f, size: res.n, close: remove}, nil
	case <-ctx.Done():
		close(abandoned)
		return nil, fmt.Errorf("mediaupload: spooling input: %w", context.Cause(ctx))
	}
}

// fill copies r to f: its first bytes, then, once limitFor has judged
// them, the rest up to the limit. It returns how many bytes it wrote.
func fill(ctx context.Context, f *os.File, r io.Reader, limitFor spoolLimit) (int64, error) {
	r = ctxReader{ctx, r}
	head := make([]byte, sniffLen)
	k, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return 0, fmt.Errorf("mediaupload: spooling input: %w", err)
	}
	head = head[:k]
	var tooLarge *LimitError
	if limitFor != nil && k > 0 {
		if tooLarge, err = limitFor(head); err != nil {
			return 0, err
		}
	}
	limit := int64(maxUploadBytes)
	if tooLarge != nil {
		limit = min(limit, tooLarge.Limit)
	}
	if _, err := f.Write(head); err != nil {
		return 0, fmt.Errorf("mediaupload: spooling input: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, limit-int64(k)+1))
	n += int64(k)
	switch {
	case err != nil:
		return n, fmt.Errorf("mediaupload: spooling input: %w", err)
	case n > limit && tooLarge != nil:
		return n, tooLarge
	case n > limit:
		return n, fmt.Errorf("%w: the input is over %d bytes, the most one upload can carry", ErrTooLarge, int64(maxUploadBytes))
	}
	return n, nil
}

// ctxReader reads from r until ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

// Close releases the source's spool file, if any.
func (s *source) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// sequential reports whether segments must be read in order.
func (s *source) sequential() bool { return s.ra == nil }

// read fills buf with seg's bytes and returns them.
func (s *source) read(seg Segment, buf []byte) ([]byte, error) {
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

// readInOrder reads the next segment of an in-order input and, after the
// last one, checks that the input ends there.
func (s *source) readInOrder(seg Segment, buf []byte) ([]byte, error) {
	data, err := s.read(seg, buf)
	if err == nil && seg.Offset+seg.Size == s.size {
		err = s.checkEnd()
	}
	return data, err
}

// peek returns up to n bytes from the start of the input without consuming
// them.
func (s *source) peek(n int) ([]byte, error) {
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

// checkEnd reports [ErrSizeMismatch] if the input holds more bytes than
// its size: an in-order reader that runs long (call it after the last
// segment was read), or a file that grew while it was being uploaded.
func (s *source) checkEnd() error {
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

// sizer decides how large each next segment is.
type sizer interface {
	// nextSize returns the size of segment index, given the bytes left.
	nextSize(index int, remaining int64) int64
	// observe learns from a segment sent: how long it took, in how many
	// attempts.
	observe(seg Segment, took time.Duration, attempts int)
	// maxSize is the largest size nextSize can return.
	maxSize() int64
}

// fixedSizer gives every segment the same size, unless the rest of the
// input needs larger ones (up to max) to fit in the segments left, as after
// resuming an upload whose segments were smaller.
type fixedSizer struct{ size, max int64 }

func (f fixedSizer) nextSize(index int, remaining int64) int64 {
	return fit(f.size, f.max, index, remaining)
}
func (fixedSizer) observe(Segment, time.Duration, int) {}
func (f fixedSizer) maxSize() int64                    { return max(f.size, f.max) }

// fit returns size, grown as needed (up to max) to leave room for the
// remaining bytes in the segments left after index, and no more than
// remaining.
func fit(size, max_ int64, index int, remaining int64) int64 {
	room := ceilDiv(remaining, int64(max(MaxSegments-index, 1)))
	return min(max(size, min(room, max_)), remaining)
}

// layout is an upload's segments as planned so far: consecutive byte
// ranges indexed from 0, planned one by one as the producer asks, so that an
// adaptive sizer can learn from the segments already sent. Segments planned
// before (by an interrupted run) keep their ranges.
type layout struct {
	mu     sync.Mutex
	total  int64
	segs   []Segment
	cursor int
	sizer  sizer
}

// next returns the next segment to consider, whether it was planned just
// now (not by an interrupted run), or false after the last.
func (l *layout) next() (seg Segment, fresh, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cursor < len(l.segs) {
		l.cursor++
		return l.segs[l.cursor-1], false, true
	}
	off := l.end()
	if off >= l.total {
		return Segment{}, false, false
	}
	seg = Segment{Index: len(l.segs), Offset: off, Size: l.sizer.nextSize(len(l.segs), l.total-off)}
	l.segs = append(l.segs, seg)
	l.cursor++
	return seg, true, true
}

// rewind makes next start again from the first segment planned.
func (l *layout) rewind() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cursor = 0
}

// end is where the segments planned so far end.
func (l *layout) end() int64 {
	if n := len(l.segs); n > 0 {
		return l.segs[n-1].Offset + l.segs[n-1].Size
	}
	return 0
}

// expected is how many segments the upload will have: exact with a fixed
// size, those planned so far with adaptive ones.
func (l *layout) expected() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.segs)
	if f, ok := l.sizer.(fixedSizer); ok && l.end() < l.total {
		n += int(ceilDiv(l.total-l.end(), f.size))
	}
	return n
}

// deterministic reports whether replanning gives the same segments, so that
// they need not be saved before they are sent.
func (l *layout) deterministic() bool {
	_, ok := l.sizer.(fixedSizer)
	return ok
}

// planned returns a copy of the segments planned so far.
func (l *layout) planned() []Segment {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.segs)
}

// maxSize is the largest segment the layout may hold.
func (l *layout) maxSize() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := min(l.sizer.maxSize(), l.total)
	for _, s := range l.segs {
		m = max(m, s.Size)
	}
	return m
}

func (l *layout) observe(seg Segment, took time.Duration, attempts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sizer.observe(seg, took, attempts)
}
