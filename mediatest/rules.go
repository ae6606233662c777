package mediatest

import (
	"context"
	"errors"
	"io"
	"sort"

	"github.com/mediaupload/mediaupload/mediacheck"
)

// This file makes the fake process media as X does: with WithMediaRules,
// FINALIZE inspects the bytes received and refuses what X's media rules
// refuse (see package mediacheck).

// Processing failures use X's error of a media it cannot process:
// {"code":1,"name":"InvalidMedia","message":…}.
const (
	invalidMediaCode = 1
	invalidMediaName = "InvalidMedia"
)

// WithMediaRules makes the server process media like X: at FINALIZE it
// inspects the bytes received ([mediacheck.Inspect]) and checks them
// ([mediacheck.Check]) for the media's category, or, for a media uploaded
// without one, for tweet_image, tweet_gif or tweet_video by its media
// type. A media the rules refuse fails, with the first refusal's message
// ("frame rate 120 fps is over X's limit of 60 fps for tweet_video"):
//
//   - An asynchronous media (tweet_video, dm_video, amplify_video,
//     tweet_gif, dm_gif) is answered "pending" at FINALIZE, as any other,
//     and its processing ends "failed" instead of "succeeded", with X's
//     error shape: "processing_info":{"state":"failed","progress_percent":…,
//     "error":{"code":1,"name":"InvalidMedia","message":…}}.
//   - A synchronous media (tweet_image, dm_image, or no category) has no
//     processing to fail: its FINALIZE is answered 400 with X's media
//     error, code 324 ({"errors":[{"code":324,"message":…}]} in v1.1, a
//     problem object in v2), as X answers a media over its size limit. The
//     media's State becomes "failed" and it is not finalized.
//
// Either way the media cannot be posted. Warnings and notes (what cannot
// be read, HEVC, a frame larger than X's published maximum) never fail a
// media, as X would accept it: random bytes declared as video/mp4 succeed.
// Subtitles are not inspected.
//
// limits are the account's limits; the zero Limits are
// [mediacheck.DefaultLimits], a negative field means no limit. The size
// limits of INIT stay X's published ones. A media the rules refuse fails
// with the refusal's message even under [WithProcessingError], which then
// applies to the others. By default media are not inspected and
// processing succeeds.
func WithMediaRules(limits mediacheck.Limits) Option {
	return func(cfg *config) { cfg.rules = &limits }
}

// refusal inspects the bytes of m, all received, and returns the first
// refusal of X's rules for its category, or nil when it passes or when
// limits is nil.
func refusal(m *media, limits *mediacheck.Limits) *mediacheck.Finding {
	if limits == nil {
		return nil
	}
	category := m.category
	if category == "" {
		kind, _ := kindOf(m.mediaType)
		category = map[mediaKind]string{kindImage: "tweet_image", kindGIF: "tweet_gif", kindVideo: "tweet_video"}[kind]
	}
	if category == "" || category == "subtitles" {
		return nil
	}
	r := newSegmentReader(m.segments)
	info, err := mediacheck.Inspect(context.Background(), r, r.size)
	if err != nil {
		return nil // cannot happen: the bytes are in memory
	}
	refused := mediacheck.Check(info, category, *limits).Only(mediacheck.Refuse)
	if len(refused) == 0 {
		return nil
	}
	return &refused[0]
}

var errNegativeOffset = errors.New("mediatest: negative offset")

// segmentReader reads the segments 0, 1, … of a media as one file, without
// copying them.
type segmentReader struct {
	segs   [][]byte
	starts []int64 // offset of each segment in the file
	size   int64
}

func newSegmentReader(segments map[int][]byte) *segmentReader {
	r := &segmentReader{}
	for i := 0; ; i++ {
		b, ok := segments[i]
		if !ok {
			return r
		}
		r.segs = append(r.segs, b)
		r.starts = append(r.starts, r.size)
		r.size += int64(len(b))
	}
}

// ReadAt reads as io.ReaderAt does.
func (r *segmentReader) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case off < 0:
		return 0, errNegativeOffset
	case off >= r.size:
		return 0, io.EOF
	}
	// The last segment starting at or before off.
	i := sort.Search(len(r.starts), func(i int) bool { return r.starts[i] > off }) - 1
	n := 0
	for ; i >= 0 && i < len(r.segs) && n < len(p); i++ {
		skip := off + int64(n) - r.starts[i]
		n += copy(p[n:], r.segs[i][skip:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
