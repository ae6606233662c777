package segments

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAdaptiveSizer(t *testing.T) {
	t.Parallel()
	a := NewAdaptive(5<<20, time.Second)
	const left = 100 << 20
	assert.Equal(t, int64(adaptiveStart), a.NextSize(0, left))
	grow := []int64{1 << 20, 2 << 20, 4 << 20, (5 << 20), (5 << 20)}
	for _, want := range grow {
		a.Observe(Segment{Size: a.Size}, 100*time.Millisecond, 1)
		assert.Equal(t, want, a.NextSize(1, left))
	}
	a.Observe(Segment{Size: (5 << 20)}, 3*time.Second, 1) // slow
	assert.Equal(t, int64((5<<20)/2), a.NextSize(2, left))
	a.Observe(Segment{Size: (5 << 20) / 2}, 700*time.Millisecond, 2) // retried
	assert.Equal(t, int64((5<<20)/4), a.NextSize(3, left))
	for range 20 {
		a.Observe(Segment{Size: a.Size}, 10*time.Second, 3)
	}
	assert.Equal(t, int64(adaptiveMin), a.Size, "never below the floor")
	assert.Equal(t, int64(10), a.NextSize(4, 10), "never past the input")
	// Whatever it learned, the rest must fit in the segments left.
	assert.Equal(t, int64(4<<20), a.NextSize(990, 40<<20))
}

func TestLayoutKeepsPlannedSegments(t *testing.T) {
	t.Parallel()
	// Two segments planned by an interrupted run, at another size.
	l := NewLayout(10_000, Fixed{Size: 4000, Max: 4000})
	l.Adopt([]Segment{{Index: 0, Offset: 0, Size: 1500}, {Index: 1, Offset: 1500, Size: 1500}}, Fixed{Size: 4000, Max: 4000})
	var got []Segment
	for {
		seg, _, ok := l.Next()
		if !ok {
			break
		}
		got = append(got, seg)
	}
	assert.Equal(t, []Segment{
		{0, 0, 1500}, {1, 1500, 1500}, {2, 3000, 4000}, {3, 7000, 3000},
	}, got)
	assert.Equal(t, got, l.Planned())
}

func TestFixedSizerLeavesRoomForTheRest(t *testing.T) {
	t.Parallel()
	f := Fixed{Size: 1 << 20, Max: 5 << 20}
	assert.Equal(t, int64(1<<20), f.NextSize(0, 100<<20))
	// 900 small segments were sent before: the rest must still fit.
	assert.Equal(t, int64(2<<20), f.NextSize(900, 200<<20))
	assert.Equal(t, int64(7), f.NextSize(5, 7))
}
