package mediaupload

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/mediaupload/mediaupload/internal/segments"
	"github.com/mediaupload/mediaupload/internal/source"
)

// session is the state of one [Client.Upload] call: its input, its segment
// layout, what the service has acknowledged, and its progress. The same
// state is saved to the [ResumeStore], when there is one, after every
// change (those made while a save runs go together into the next), so
// that a later process can continue.
type session struct {
	c        *Client
	cfg      *uploadConfig
	src      *source.Source
	lay      *segments.Layout
	store    ResumeStore
	report   func(Progress)
	maxChunk int64

	mu       sync.Mutex
	state    resumeState    // without Segments: those come from lay and acked
	acked    map[int]string // segment index → SHA-256 (empty without a store)
	progress Progress
	changes  uint64 // changes made to the state, under mu

	// saveMu serializes saves and is held across the store's Save, never
	// together with mu held first: workers keep acknowledging segments
	// while a save runs, and the next save takes them all at once.
	saveMu sync.Mutex
	saved  uint64 // the changes the store holds, under saveMu
}

func newSession(c *Client, cfg *uploadConfig, src *source.Source, chunk, maxChunk int64, head []byte) *session {
	s := &session{
		c: c, cfg: cfg, src: src, store: cfg.store, report: cfg.onProgress, maxChunk: maxChunk,
		lay:   segments.NewLayout(src.Size(), c.newSizer(chunk, maxChunk)),
		acked: map[int]string{},
		state: resumeState{
			Version: resumeVersion, API: c.dialect.Name(), Endpoint: c.endpoint.String(),
			TotalBytes: src.Size(), MediaType: cfg.mediaType, Category: cfg.category,
			ChunkSize: chunk, Fingerprint: fingerprint(src.Size(), head),
		},
	}
	s.progress = Progress{TotalBytes: src.Size()}
	return s
}

// resume loads a saved state and, if it belongs to this input and has not
// expired, continues from it; otherwise it starts over and says why. It
// saves the state it goes on with, so that the store exists from the start.
func (s *session) resume(ctx context.Context) error {
	if s.store == nil {
		return nil
	}
	prev, err := s.load(ctx)
	if err != nil {
		return err
	}
	if prev != nil {
		reason := prev.staleReason(&s.state, s.c.now(), s.maxChunk)
		if reason == "" {
			reason = s.verifyAcked(prev)
		}
		if reason == "" {
			s.adopt(prev)
			s.c.log.Info("resuming upload", "media_id", prev.MediaID, "acknowledged_segments", len(s.acked), "finalized", prev.Finalized)
		} else {
			s.c.log.Info("resume state not used; starting over", "reason", reason)
		}
	}
	return s.saveNow(ctx)
}

// load reads the saved state, if any.
func (s *session) load(ctx context.Context) (*resumeState, error) {
	b, err := s.store.Load(ctx)
	if err != nil || b == nil {
		return nil, err
	}
	var st resumeState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("mediaupload: the saved resume state is not one: %w", err)
	}
	return &st, nil
}

// verifyAcked re-reads the acknowledged segments of an input that can be
// read at offsets and compares their SHA-256 with the saved ones. An input
// read in order is checked as it is read (see skip).
func (s *session) verifyAcked(prev *resumeState) string {
	if s.src.Sequential() || prev.Finalized {
		return ""
	}
	var buf []byte
	for _, seg := range prev.Segments {
		if seg.SHA256 == "" {
			continue
		}
		if int64(cap(buf)) < seg.Size {
			buf = make([]byte, seg.Size)
		}
		data, err := s.src.Read(segments.Segment{Index: seg.Index, Offset: seg.Offset, Size: seg.Size}, buf)
		if err != nil || segmentSHA(data) != seg.SHA256 {
			return fmt.Sprintf("segment %d of the input changed", seg.Index)
		}
	}
	return ""
}

// adopt continues from a saved state.
func (s *session) adopt(prev *resumeState) {
	s.state = *prev
	s.state.Segments = nil
	if prev.Version == 1 {
		s.state.Version, s.state.Processing = resumeVersion, prev.Finalized // unknown: ask STATUS
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
	s.progress.MediaID = prev.MediaID
}

// marshal encodes the state with its segments; call it with mu held.
func (s *session) marshal() ([]byte, error) {
	st := s.state
	for _, seg := range s.lay.Planned() {
		st.Segments = append(st.Segments, segmentState{Index: seg.Index, Offset: seg.Offset, Size: seg.Size, SHA256: s.acked[seg.Index]})
	}
	return json.Marshal(st)
}

// changed counts a change of the state and returns its number, for
// persist; call it with mu held.
func (s *session) changed() uint64 {
	s.changes++
	return s.changes
}

// persist makes sure the store holds the state as of change n, or a later
// one, without holding mu across the store's Save: if a save that began
// after change n has finished meanwhile, there is nothing to do; otherwise
// it saves the newest state, covering every change made so far. A kill
// therefore loses at most the changes whose persist has not returned.
func (s *session) persist(ctx context.Context, n uint64) error {
	if s.store == nil {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.saved >= n {
		return nil
	}
	s.mu.Lock()
	b, err := s.marshal()
	upTo := s.changes
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := s.store.Save(ctx, b); err != nil {
		return err
	}
	s.saved = upTo
	return nil
}

// saveNow saves the state as it is.
func (s *session) saveNow(ctx context.Context) error {
	s.mu.Lock()
	n := s.changed()
	s.mu.Unlock()
	return s.persist(ctx, n)
}

// update changes the state under the lock and saves it.
func (s *session) update(ctx context.Context, change func(st *resumeState)) error {
	s.mu.Lock()
	change(&s.state)
	if s.state.MediaID != "" {
		s.progress.MediaID = s.state.MediaID
	}
	n := s.changed()
	s.mu.Unlock()
	return s.persist(ctx, n)
}

// forgetAcked treats every segment as not yet sent, and saves that: the
// service said it lacks some of the bytes acknowledged.
func (s *session) forgetAcked(ctx context.Context) error {
	s.mu.Lock()
	clear(s.acked)
	s.progress.BytesSent, s.progress.SegmentsDone = 0, 0
	s.lay.Rewind()
	n := s.changed()
	s.mu.Unlock()
	return s.persist(ctx, n)
}

// isAcked reports whether the service already has segment i.
func (s *session) isAcked(i int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.acked[i]
	return ok
}

// segmentDone records an acknowledged segment, reports it and saves it
// (with the others acknowledged meanwhile).
func (s *session) segmentDone(ctx context.Context, seg segments.Segment, sum string) error {
	s.mu.Lock()
	s.acked[seg.Index] = sum
	s.progress.BytesSent += seg.Size
	s.progress.SegmentsDone++
	n := s.changed()
	s.emit()
	s.mu.Unlock()
	return s.persist(ctx, n)
}

// skip reads past an acknowledged segment of an in-order input, checking
// that it is the same as before.
func (s *session) skip(seg segments.Segment, buf []byte) error {
	data, err := s.src.Read(seg, buf)
	if err != nil {
		return err
	}
	s.mu.Lock()
	want := s.acked[seg.Index]
	s.mu.Unlock()
	if want != "-" && segmentSHA(data) != want {
		return fmt.Errorf("%w: segment %d differs from the one uploaded before; the resume state is removed, run again to start over", ErrInputChanged, seg.Index)
	}
	return nil
}

// processing reports the processing state while it is awaited.
func (s *session) processing(m *Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress.Processing = m.Processing
	s.emit()
}

func (s *session) emit() {
	if s.report == nil {
		return
	}
	p := s.progress
	p.Segments = s.lay.Expected()
	s.report(p)
}

// sendSegments sends every segment not yet acknowledged, with at most
// c.concurrency in flight. It holds at most concurrency+1 chunk buffers,
// taken from the client's shared budget, so memory grows neither with the
// input nor with the number of uploads; a buffer goes back only when its
// request, retries included, has finished. The first failure cancels the
// rest.
func (s *session) sendSegments(ctx context.Context) error {
	c := s.c
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	pool := newBufferPool(c.concurrency+1, c.budget)
	mediaID := s.state.MediaID
	var producerErr error
	for producerErr == nil {
		seg, fresh, ok := s.lay.Next()
		if !ok {
			break
		}
		if fresh && !s.lay.Deterministic() {
			// An adaptive segment's range exists nowhere else: record it
			// before the service can have it, or a resumed run could plan
			// other ranges under indexes the service already holds.
			if producerErr = s.update(ctx, func(*resumeState) {}); producerErr != nil {
				break
			}
		}
		acked := s.isAcked(seg.Index)
		if acked && !s.src.Sequential() {
			continue // nothing to read past: no buffer, no turn in the budget
		}
		buf, err := pool.get(gctx, int(seg.Size)) // the segment's size, not the largest possible
		if err != nil {
			break // a worker failed, or ctx is done: g.Wait says which
		}
		data, err := s.readInOrder(seg, buf, acked)
		if err != nil || acked {
			pool.put(buf)
			producerErr = err
			continue
		}
		g.Go(func() error {
			sum, err := s.sendSegment(gctx, mediaID, seg, data, buf)
			pool.put(buf) // appendSegment has returned: nothing reads buf any more
			if err != nil {
				return &UploadError{Step: StepAppend, MediaID: mediaID, Segment: seg.Index, Err: err}
			}
			return s.segmentDone(ctx, seg, sum) // ctx, not gctx: a sibling failure must not cancel saving an acknowledged segment
		})
	}
	err := g.Wait()
	if err == nil {
		err = producerErr
	}
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	return err
}

// sendSegment sends one segment, read into buf unless data already holds
// it, and returns the checksum its resume state keeps ("-" without a
// store).
func (s *session) sendSegment(ctx context.Context, mediaID string, seg segments.Segment, data, buf []byte) (string, error) {
	if data == nil {
		var err error
		if data, err = s.src.Read(seg, buf); err != nil {
			return "", err
		}
	}
	start := s.c.now()
	attempts, err := s.c.appendSegment(ctx, mediaID, seg.Index, data, s.cfg.base64)
	s.lay.Observe(seg, s.c.now().Sub(start), attempts)
	if err != nil {
		return "", err
	}
	if s.store == nil {
		return "-", nil
	}
	return segmentSHA(data), nil
}

// readInOrder reads a segment of an in-order input in the producer (the
// workers read inputs that allow it at offsets themselves, and get nil): an
// acknowledged one is read past and checked.
func (s *session) readInOrder(seg segments.Segment, buf []byte, acked bool) ([]byte, error) {
	var err error
	switch {
	case !s.src.Sequential():
		return nil, nil
	case acked:
		err = s.skip(seg, buf)
	default:
		var data []byte
		if data, err = s.src.ReadInOrder(seg, buf); err == nil {
			return data, nil
		}
	}
	if err != nil {
		err = &UploadError{Step: StepAppend, MediaID: s.state.MediaID, Segment: seg.Index, Err: err}
	}
	return nil, err
}
