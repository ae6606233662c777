package mediaupload

import (
	"fmt"
	"io"

	"github.com/mediaupload/mediaupload/internal/segments"
	"github.com/mediaupload/mediaupload/internal/source"
)

// Plan divides media of TotalBytes bytes into Segments consecutive byte ranges, indexed from 0.
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

// PlanSegments plans total bytes in chunks of at most maxChunk (0: [MaxChunkSize]); chunkSize 0 is
// [DefaultChunkSize] grown to fit [MaxSegments], a chunkSize too small is [ErrTooManySegments].
func PlanSegments(total, chunkSize, maxChunk int64) (Plan, error) {
	if maxChunk <= 0 || maxChunk > MaxChunkSize {
		maxChunk = MaxChunkSize
	}
	fit := segments.CeilDiv(total, MaxSegments) // the smallest chunk that fits
	switch {
	case total <= 0:
		return Plan{}, ErrEmptyMedia
	case chunkSize < 0 || chunkSize > maxChunk:
		return Plan{}, fmt.Errorf("%w: %d bytes; it must be 1 to %d", ErrChunkSize, chunkSize, maxChunk)
	case fit > maxChunk:
		return Plan{}, fmt.Errorf("%w: %d bytes need more than %d segments of %d bytes", ErrTooManySegments, total, MaxSegments, maxChunk)
	case chunkSize == 0:
		chunkSize = min(max(DefaultChunkSize, fit), maxChunk)
	case chunkSize < fit:
		return Plan{}, fmt.Errorf("%w: %d bytes in chunks of %d bytes need %d segments, over %d; use a chunk size of at least %d",
			ErrTooManySegments, total, chunkSize, segments.CeilDiv(total, chunkSize), MaxSegments, fit)
	}
	chunkSize = min(chunkSize, total)
	return Plan{TotalBytes: total, ChunkSize: chunkSize, Segments: int(segments.CeilDiv(total, chunkSize))}, nil
}

// Segment returns segment i of the plan.
func (p Plan) Segment(i int) Segment {
	off := int64(i) * p.ChunkSize
	return Segment{Index: i, Offset: off, Size: min(p.ChunkSize, p.TotalBytes-off)}
}

// Chunker reads the segments of a [Plan] from a reader, in order.
type Chunker struct {
	src  *source.Source
	plan Plan
	lay  *segments.Layout
}

// NewChunker returns a Chunker of r's total bytes, planned by [PlanSegments](total, chunkSize, 0).
func NewChunker(r io.Reader, total, chunkSize int64) (*Chunker, error) {
	plan, err := PlanSegments(total, chunkSize, 0)
	if err != nil {
		return nil, err
	}
	lay := segments.NewLayout(total, segments.Fixed{Size: plan.ChunkSize, Max: plan.ChunkSize})
	return &Chunker{src: source.InOrder(r, total), plan: plan, lay: lay}, nil
}

// Plan returns the plan the Chunker follows.
func (c *Chunker) Plan() Plan { return c.plan }

// Next reads the next segment into buf: [io.EOF] after the last, [ErrSizeMismatch] if the input
// is not as long as planned, [ErrChunkSize] (reading nothing) if buf is under ChunkSize.
func (c *Chunker) Next(buf []byte) (Segment, []byte, error) {
	if int64(len(buf)) < c.plan.ChunkSize {
		return Segment{}, nil, fmt.Errorf("%w: a buffer of %d bytes cannot hold a segment of the plan's %d-byte chunk size",
			ErrChunkSize, len(buf), c.plan.ChunkSize)
	}
	seg, _, ok := c.lay.Next()
	if !ok {
		return Segment{}, nil, io.EOF
	}
	data, err := c.src.ReadInOrder(seg, buf)
	return Segment(seg), data, err
}
