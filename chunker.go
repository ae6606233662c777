package mediaupload

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/mediaupload/mediaupload/internal/source"
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
	src  *source.Source
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
	return &Chunker{src: source.InOrder(r, total), plan: plan, lay: lay}, nil
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
	data, err := c.src.ReadInOrder(source.Segment(seg), buf)
	return seg, data, err
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
