// Package segments is the one model of an upload's segments: consecutive byte ranges indexed from
// 0, at most [Max] of them, planned one by one by a [Sizer], fixed or adaptive.
package segments

import (
	"slices"
	"sync"
	"time"
)

// Max is how many segments one upload may have (indexes 0–999).
const Max = 1000

// Segment is one byte range of an upload.
type Segment struct {
	Index        int
	Offset, Size int64
}

// CeilDiv is a/b rounded up.
func CeilDiv(a, b int64) int64 { return (a + b - 1) / b }

// Sizer decides how large each next segment is (NextSize), learning from those sent (Observe).
type Sizer interface {
	NextSize(index int, remaining int64) int64
	Observe(seg Segment, took time.Duration, attempts int)
}

// Fixed gives every segment Size bytes, grown up to Max when the rest must fit the segments left.
type Fixed struct{ Size, Max int64 }

// NextSize is Size, grown to fit, and no more than remaining.
func (f Fixed) NextSize(index int, remaining int64) int64 {
	room := CeilDiv(remaining, int64(max(Max-index, 1)))
	return min(max(f.Size, min(room, f.Max)), remaining)
}

// Observe learns nothing.
func (Fixed) Observe(Segment, time.Duration, int) {}

// Layout is an upload's segments as planned so far, one by one as asked, so that an adaptive sizer
// learns from those sent. Segments planned by an interrupted run keep their ranges.
type Layout struct {
	mu     sync.Mutex
	total  int64
	segs   []Segment
	cursor int
	sizer  Sizer
}

// NewLayout plans total bytes with sizer.
func NewLayout(total int64, sizer Sizer) *Layout { return &Layout{total: total, sizer: sizer} }

// Adopt continues from segments planned by an interrupted run, sized anew by sizer after them.
func (l *Layout) Adopt(segs []Segment, sizer Sizer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.segs, l.cursor, l.sizer = slices.Clone(segs), 0, sizer
}

// Next returns the next segment and whether it was planned now (not adopted); !ok after the last.
func (l *Layout) Next() (seg Segment, fresh, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cursor == len(l.segs) {
		off, n := l.end(), len(l.segs)
		if off >= l.total {
			return Segment{}, false, false
		}
		l.segs = append(l.segs, Segment{Index: n, Offset: off, Size: l.sizer.NextSize(n, l.total-off)})
		fresh = true
	}
	l.cursor++
	return l.segs[l.cursor-1], fresh, true
}

// Rewind makes Next start again from the first segment planned.
func (l *Layout) Rewind() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cursor = 0
}

// end is where the segments planned so far end.
func (l *Layout) end() int64 {
	if n := len(l.segs); n > 0 {
		return l.segs[n-1].Offset + l.segs[n-1].Size
	}
	return 0
}

// Expected is how many segments the upload will have: exact if fixed, planned so far if adaptive.
func (l *Layout) Expected() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.segs)
	if f, ok := l.sizer.(Fixed); ok && l.end() < l.total {
		n += int(CeilDiv(l.total-l.end(), f.Size))
	}
	return n
}

// Deterministic reports whether replanning gives the same segments: none need saving before sent.
func (l *Layout) Deterministic() bool {
	_, ok := l.sizer.(Fixed)
	return ok
}

// Planned returns a copy of the segments planned so far.
func (l *Layout) Planned() []Segment {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.segs)
}

// Observe passes what a segment sent taught to the sizer.
func (l *Layout) Observe(seg Segment, took time.Duration, attempts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sizer.Observe(seg, took, attempts)
}

const (
	adaptiveStart = 512 << 10
	adaptiveMin   = 64 << 10
	// AdaptiveTarget is the time an adaptive segment aims to take.
	AdaptiveTarget = time.Second
)

// Adaptive sizes segments to the network, as TCP sizes its window: a segment sent in under half the
// target time doubles the next ones; one that took over twice the target, or a retry, halves them.
type Adaptive struct {
	Fixed  // Size is the size learned so far
	target time.Duration
}

// NewAdaptive returns an adaptive sizer of segments up to max bytes that aim to take target.
func NewAdaptive(max int64, target time.Duration) *Adaptive {
	return &Adaptive{Fixed: Fixed{Size: min(adaptiveStart, max), Max: max}, target: target}
}

// Observe halves the size after a slow or retried segment, doubles it after a fast one.
func (a *Adaptive) Observe(seg Segment, took time.Duration, attempts int) {
	switch {
	case attempts > 1 || took > 2*a.target:
		a.Size = max(seg.Size/2, adaptiveMin)
	case took < a.target/2 && seg.Size >= a.Size:
		a.Size = min(2*a.Size, a.Max)
	}
}
