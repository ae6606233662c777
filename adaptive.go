package mediaupload

import "time"

// Bounds of adaptive segment sizes.
const (
	adaptiveStart  = 512 << 10
	adaptiveMin    = 64 << 10
	adaptiveTarget = time.Second
)

// adaptiveSizer sizes segments to the network, the way TCP sizes its
// window: a segment that went through in less than half the target time
// doubles the next ones, one that took over twice the target, or needed a
// retry, halves them. Whatever it learns, it leaves room to finish within
// [MaxSegments] segments.
type adaptiveSizer struct {
	size, max int64
	target    time.Duration
}

func newAdaptiveSizer(max int64, target time.Duration) *adaptiveSizer {
	return &adaptiveSizer{size: min(adaptiveStart, max), max: max, target: target}
}

func (a *adaptiveSizer) nextSize(index int, remaining int64) int64 {
	return fit(a.size, a.max, index, remaining)
}

func (a *adaptiveSizer) observe(seg Segment, took time.Duration, attempts int) {
	switch {
	case attempts > 1 || took > 2*a.target:
		a.size = max(seg.Size/2, adaptiveMin)
	case took < a.target/2 && seg.Size >= a.size:
		a.size = min(2*a.size, a.max)
	}
}

func (a *adaptiveSizer) maxSize() int64 { return a.max }
