package mediaupload

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLayoutKeepsPlannedSegments(t *testing.T) {
	t.Parallel()
	// Two segments planned by an interrupted run, at another size.
	l := &layout{total: 10_000, sizer: fixedSizer{size: 4000, max: 4000},
		segs: []Segment{{Index: 0, Offset: 0, Size: 1500}, {Index: 1, Offset: 1500, Size: 1500}}}
	var got []Segment
	for {
		seg, _, ok := l.next()
		if !ok {
			break
		}
		got = append(got, seg)
	}
	assert.Equal(t, []Segment{
		{0, 0, 1500}, {1, 1500, 1500}, {2, 3000, 4000}, {3, 7000, 3000},
	}, got)
	assert.Equal(t, got, l.planned())
	assert.Equal(t, int64(4000), l.maxSize())
}

func TestFixedSizerLeavesRoomForTheRest(t *testing.T) {
	t.Parallel()
	f := fixedSizer{size: 1 << 20, max: MaxChunkSize}
	assert.Equal(t, int64(1<<20), f.nextSize(0, 100<<20))
	// 900 small segments were sent before: the rest must still fit.
	assert.Equal(t, int64(2<<20), f.nextSize(900, 200<<20))
	assert.Equal(t, int64(7), f.nextSize(5, 7))
}
