package resume

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

const maxChunk = 5 << 20

// TestStaleReasonRereadsAcknowledgedSegments: given the input, acknowledged segments are hashed
// again, unless the upload was finalized; unacknowledged ones are not.
func TestStaleReasonRereadsAcknowledgedSegments(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("abcd"), 25)
	changed := bytes.Clone(data)
	changed[70] = 'x' // in segment 1
	fresh := State{Version: Version, API: "1.1", Endpoint: "https://u/x", TotalBytes: 100, MediaID: "1"}
	tests := []struct {
		name      string
		input     []byte
		finalized bool
		sum1      string // segment 1's recorded SHA-256
		want      string
	}{
		{"unchanged", data, false, SHA(data[60:]), ""},
		{"changed", changed, false, SHA(data[60:]), "segment 1 of the input changed"},
		{"changed, finalized", changed, true, SHA(data[60:]), ""},
		{"changed, not acknowledged", changed, false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := fresh
			st.Finalized = tc.finalized
			st.Segments = []Segment{{0, 0, 60, SHA(data[:60])}, {1, 60, 40, tc.sum1}}
			assert.Equal(t, tc.want, st.StaleReason(&fresh, time.Now(), maxChunk, bytes.NewReader(tc.input)))
		})
	}
}

func TestStaleReason(t *testing.T) {
	t.Parallel()
	now := time.Now()
	fresh := State{Version: Version, API: "1.1", Endpoint: "https://u/x", TotalBytes: 100,
		MediaType: "video/mp4", Category: "tweet_video", Fingerprint: "f"}
	valid := fresh
	valid.MediaID = "1"
	valid.ExpiresAt = now.Add(time.Hour)
	valid.Segments = []Segment{{0, 0, 60, "a"}, {1, 60, 40, ""}}
	tests := []struct {
		name   string
		change func(*State)
		want   string
	}{
		{"usable", func(*State) {}, ""},
		{"other size", func(s *State) { s.TotalBytes = 99 }, "the input has 100 bytes, not 99"},
		{"other content", func(s *State) { s.Fingerprint = "g" }, "content changed"},
		{"expired", func(s *State) { s.ExpiresAt = now.Add(30 * time.Second) }, "expired"},
		{"other endpoint", func(s *State) { s.Endpoint = "https://v/x" }, "https://v/x"},
		{"other category", func(s *State) { s.Category = "dm_video" }, "dm_video"},
		{"no media id", func(s *State) { s.MediaID = "" }, "INIT"},
		{"other version", func(s *State) { s.Version = 99 }, "version 99"},
		{"gap in layout", func(s *State) { s.Segments[1].Offset = 61 }, "inconsistent"},
		{"layout past the end", func(s *State) { s.Segments[1].Size = 41 }, "inconsistent"},
		{"segment over the size allowed now", func(s *State) {
			s.TotalBytes = 2 * maxChunk
			fresh := s.Segments
			fresh[0].Size, fresh[1].Offset, fresh[1].Size = maxChunk+1, maxChunk+1, 10
		}, "over the"},
		{"rest does not fit", func(s *State) {
			s.TotalBytes = 1000 * maxChunk // 998 segments of 5 MiB left for nearly all of it
		}, "does not fit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := valid
			st.Segments = append([]Segment(nil), valid.Segments...)
			tc.change(&st)
			f := fresh
			if strings.Contains(tc.name, "allowed now") || strings.Contains(tc.name, "fit") {
				f.TotalBytes = st.TotalBytes
			}
			got := st.StaleReason(&f, now, maxChunk, nil)
			if tc.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tc.want)
			}
		})
	}
}
