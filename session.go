package mediaupload

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/mediaupload/mediaupload/internal/resume"
	"github.com/mediaupload/mediaupload/internal/segments"
	"github.com/mediaupload/mediaupload/internal/source"
)

// session is the state of one [Client.Upload] call, saved to its [ResumeStore] (if any) on changes.
type session struct {
	c        *Client
	cfg      *uploadConfig
	src      *source.Source
	lay      *segments.Layout
	maxChunk int64
	mu       sync.Mutex
	state    resume.State   // without Segments: those come from lay and acked
	acked    map[int]string // segment index → SHA-256 ("-" without a store)
	progress Progress       // MediaID, TotalBytes and Segments are filled in by emit
	changes  uint64         // changes made to the state
	saveMu   sync.Mutex     // held across the store's Save, never with mu held first
	saved    uint64         // the changes the store holds, under saveMu
}

// resume continues from a saved state that fits this input, else starts over; then saves the state.
func (s *session) resume(ctx context.Context) error {
	if s.cfg.store == nil {
		return nil
	}
	switch b, err := s.cfg.store.Load(ctx); {
	case err != nil:
		return err
	case b != nil:
		var prev resume.State
		if err := json.Unmarshal(b, &prev); err != nil {
			return fmt.Errorf("mediaupload: the saved resume state is not one: %w", err)
		}
		if reason := prev.StaleReason(&s.state, s.c.now(), s.maxChunk, s.src.ReaderAt()); reason != "" {
			s.c.log.Info("resume state not used; starting over", "reason", reason)
			break
		}
		s.state = prev
		s.state.Segments = nil
		if prev.Version == 1 {
			s.state.Version, s.state.Processing = resume.Version, prev.Finalized // v1: ask STATUS
		}
		var segs []segments.Segment
		for _, seg := range prev.Segments {
			segs = append(segs, segments.Segment{Index: seg.Index, Offset: seg.Offset, Size: seg.Size})
			if seg.SHA256 != "" {
				s.acked[seg.Index] = seg.SHA256
				s.progress.BytesSent += seg.Size
				s.progress.SegmentsDone++
			}
		}
		if prev.Finalized {
			s.progress.BytesSent, s.progress.SegmentsDone = prev.TotalBytes, len(prev.Segments)
		}
		s.lay.Adopt(segs, s.c.newSizer(prev.ChunkSize, s.maxChunk))
		s.c.log.Info("resuming upload", "media_id", prev.MediaID, "acknowledged_segments", len(s.acked), "finalized", prev.Finalized)
	}
	return s.change(ctx, func() {})
}

// change applies f under mu and returns once the store holds the state as of f or later.
func (s *session) change(ctx context.Context, f func()) error {
	s.mu.Lock()
	f()
	s.changes++
	n := s.changes
	s.mu.Unlock()
	if s.cfg.store == nil {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.saved >= n {
		return nil // a save that began after change n has finished meanwhile
	}
	s.mu.Lock()
	st := s.state
	for _, seg := range s.lay.Planned() {
		st.Segments = append(st.Segments, resume.Segment{Index: seg.Index, Offset: seg.Offset, Size: seg.Size, SHA256: s.acked[seg.Index]})
	}
	n = s.changes
	s.mu.Unlock()
	b, err := json.Marshal(st)
	if err == nil {
		err = s.cfg.store.Save(ctx, b)
	}
	if err == nil {
		s.saved = n
	}
	return err
}

func (s *session) emit() {
	if s.cfg.onProgress != nil {
		p := s.progress
		p.MediaID, p.TotalBytes, p.Segments = s.state.MediaID, s.state.TotalBytes, s.lay.Expected()
		s.cfg.onProgress(p)
	}
}

// sendSegments sends the unacknowledged segments, each in a buffer from the budget: an upload
// holds concurrency+1 at most, one per worker and the producer's next.
func (s *session) sendSegments(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.c.concurrency)
	var err error
	for err == nil && gctx.Err() == nil { // a worker failed, or ctx ended: plan and read no more
		seg, fresh, ok := s.lay.Next()
		if !ok {
			break
		}
		if fresh && !s.lay.Deterministic() {
			// Save an adaptive segment's range before sending it: a rerun must not plan others.
			if err = s.change(ctx, func() {}); err != nil {
				break
			}
		}
		s.mu.Lock()
		want, acked := s.acked[seg.Index]
		s.mu.Unlock()
		if acked && !s.src.Sequential() {
			continue // nothing to read past: no buffer, no turn in the budget
		}
		buf, gerr := s.c.budget.Get(gctx, int(seg.Size)) // the segment's size, not the largest possible
		if gerr != nil {
			break // a worker failed, or ctx is done: g.Wait says which
		}
		// The producer reads an input read in order; the workers read others at offsets.
		var data []byte
		switch {
		case acked: // an input read in order, resumed: read past it, checking it is the same as before
			if data, err = s.src.Read(seg, buf); err == nil && resume.SHA(data) != want {
				err = fmt.Errorf("%w: segment %d differs from the one uploaded before; the resume state is removed, run again to start over", ErrInputChanged, seg.Index)
			}
		case s.src.Sequential():
			data, err = s.src.ReadInOrder(seg, buf)
		}
		if err != nil {
			err = &UploadError{Step: StepAppend, MediaID: s.state.MediaID, Segment: seg.Index, Err: err}
		}
		if err != nil || acked {
			s.c.budget.Put(buf)
			continue
		}
		g.Go(func() error { return s.sendSegment(ctx, gctx, seg, data, buf) })
	}
	return cmp.Or(g.Wait(), err, context.Cause(ctx))
}

// sendSegment sends seg (data, else read into buf), frees buf, records the ack under ctx, not gctx.
func (s *session) sendSegment(ctx, gctx context.Context, seg segments.Segment, data, buf []byte) error {
	err := gctx.Err() // the upload failed meanwhile: read nothing
	if err == nil && data == nil {
		data, err = s.src.Read(seg, buf)
	}
	if err == nil {
		start, attempts := s.c.now(), 0
		attempts, err = s.c.appendSegment(gctx, s.state.MediaID, seg.Index, data, s.cfg.base64)
		s.lay.Observe(seg, s.c.now().Sub(start), attempts)
	}
	sum := "-"
	if err == nil && s.cfg.store != nil {
		sum = resume.SHA(data)
	}
	s.c.budget.Put(buf)
	if err != nil {
		return &UploadError{Step: StepAppend, MediaID: s.state.MediaID, Segment: seg.Index, Err: err}
	}
	return s.change(ctx, func() {
		s.acked[seg.Index] = sum
		s.progress.BytesSent += seg.Size
		s.progress.SegmentsDone++
		s.emit()
	})
}
