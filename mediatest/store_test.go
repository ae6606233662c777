package mediatest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestUpload_sync(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, mediaType, category, wantCategory string }{
		{"image with category", "image/png", "tweet_image", "tweet_image"},
		{"image without category", "image/jpeg", "", ""},
		{"gif as image", "image/gif", "dm_image", "dm_image"},
		{"gif without category", "image/gif", "", ""},
		{"video without category", "video/mp4", "", ""},
		{"subtitles", "text/srt", "Subtitles", "subtitles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			data := testData(2500)
			id := uploadSegments(t, s, data, 1000, tc.mediaType, tc.category)

			r := finalize(t, s, id)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			body := r.json(t)
			assert.Equal(t, id, body["media_id_string"])
			assert.Equal(t, json.Number(id), body["media_id"])
			assert.Equal(t, json.Number("2500"), body["size"])
			left, err := body["expires_after_secs"].(json.Number).Int64()
			require.NoError(t, err)
			assert.InDelta(t, 86400, left, 2, "seconds left")
			assert.NotContains(t, body, "processing_info")

			m, ok := s.Media(id)
			require.True(t, ok)
			assert.Equal(t, data, m.Data)
			assert.Equal(t, sha256Hex(data), m.SHA256)
			assert.Equal(t, "succeeded", m.State)
			assert.True(t, m.Finalized)
			assert.Equal(t, 3, m.Segments)
			assert.Equal(t, map[int]int{0: 1000, 1: 1000, 2: 500}, m.SegmentSizes)
			assert.Equal(t, tc.wantCategory, m.Category)
			assert.Equal(t, tc.mediaType, m.MediaType)
			assert.Empty(t, s.Deviations())

			// STATUS without processing_info is answered but discouraged.
			st := getStatus(t, s, id)
			require.Equal(t, http.StatusOK, st.status, "%s", st.body)
			assert.NotContains(t, st.json(t), "processing_info")
			require.Len(t, s.Deviations(), 1)
			assert.Contains(t, s.Deviations()[0], "no processing_info")
		})
	}
}

func TestUpload_async(t *testing.T) {
	t.Parallel()
	tests := []struct{ mediaType, category string }{
		{"video/mp4", "tweet_video"},
		{"video/quicktime", "DmVideo"},
		{"video/mp4", "AMPLIFY_VIDEO"},
		{"image/gif", "tweet_gif"},
		{"image/gif", "dm_gif"},
	}
	for _, tc := range tests {
		t.Run(tc.category, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, WithCheckAfter(0))
			data := testData(3000)
			id := uploadSegments(t, s, data, 1024, tc.mediaType, tc.category)

			r := finalize(t, s, id)
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			assert.Equal(t, map[string]any{"state": "pending", "check_after_secs": json.Number("0")},
				r.json(t)["processing_info"])
			m, _ := s.Media(id)
			assert.Equal(t, "pending", m.State)

			want := []map[string]any{
				{"state": "in_progress", "check_after_secs": json.Number("0"), "progress_percent": json.Number("33")},
				{"state": "in_progress", "check_after_secs": json.Number("0"), "progress_percent": json.Number("66")},
				{"state": "succeeded", "progress_percent": json.Number("100")},
			}
			for i, w := range want {
				st := getStatus(t, s, id)
				require.Equal(t, http.StatusOK, st.status, "%s", st.body)
				assert.Equal(t, w, st.json(t)["processing_info"], "poll %d", i)
			}
			m, _ = s.Media(id)
			assert.Equal(t, "succeeded", m.State)
			assert.Equal(t, 3, m.Polls)
			assert.Equal(t, 0, m.EarlyPolls)
			assert.Equal(t, data, m.Data)
			assert.Equal(t, sha256Hex(data), m.SHA256)
			assert.Empty(t, s.Deviations())

			// Polling after the end is answered but discouraged.
			st := getStatus(t, s, id)
			assert.Equal(t, "succeeded", st.json(t)["processing_info"].(map[string]any)["state"])
			require.Len(t, s.Deviations(), 1)
			assert.Contains(t, s.Deviations()[0], "after processing ended")
		})
	}
}

func TestUpload_processingError(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0), WithProcessingSteps(1),
		WithProcessingError(1, "InvalidMedia", "Unsupported video format"))
	id := uploadSegments(t, s, testData(10), 10, "video/mp4", "tweet_video")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)

	assert.Equal(t, "in_progress", getStatus(t, s, id).json(t)["processing_info"].(map[string]any)["state"])
	st := getStatus(t, s, id)
	require.Equal(t, http.StatusOK, st.status)
	body := st.json(t)
	assert.Equal(t, map[string]any{
		"state":            "failed",
		"progress_percent": json.Number("50"),
		"error":            map[string]any{"code": json.Number("1"), "name": "InvalidMedia", "message": "Unsupported video format"},
	}, body["processing_info"])
	assert.NotContains(t, body, "expires_after_secs")
	m, _ := s.Media(id)
	assert.Equal(t, "failed", m.State)

	r := send(t, s.Client(), http.MethodPost, s.URL+v1MetadataPath, "application/json",
		[]byte(`{"media_id":"`+id+`","alt_text":{"text":"a cat"}}`))
	assert.Equal(t, http.StatusBadRequest, r.status, "alt text on failed media")
}

func TestAppend_outOfOrderAndResend(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	data := testData(25)
	id := initMedia(t, s, len(data), "image/png", "tweet_image")
	for _, i := range []int{2, 0, 1} {
		require.Equal(t, http.StatusNoContent, appendSegment(t, s, id, i, data[i*10:min(i*10+10, 25)]).status)
	}
	m, _ := s.Media(id)
	assert.Equal(t, data, m.Data, "contiguous data before FINALIZE")

	// A re-sent index replaces the segment, even with another size.
	require.Equal(t, http.StatusNoContent, appendSegment(t, s, id, 1, []byte("short")).status)
	m, _ = s.Media(id)
	assert.Equal(t, 5, m.SegmentSizes[1])
	assert.Equal(t, 3, m.Segments)
	assert.Equal(t, 4, m.Appends)
	assert.Equal(t, http.StatusBadRequest, finalize(t, s, id).status, "20 of 25 bytes")

	require.Equal(t, http.StatusNoContent, appendSegment(t, s, id, 1, data[10:20]).status)
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	m, _ = s.Media(id)
	assert.Equal(t, data, m.Data)
	assert.Equal(t, 5, m.Appends)
}

func TestAppend_partialData(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id := initMedia(t, s, 30, "image/png", "")
	require.Equal(t, http.StatusNoContent, appendSegment(t, s, id, 0, []byte("0123456789")).status)
	require.Equal(t, http.StatusNoContent, appendSegment(t, s, id, 2, []byte("abcdefghij")).status)
	m, _ := s.Media(id)
	assert.Equal(t, []byte("0123456789"), m.Data, "only the contiguous prefix")
	assert.Equal(t, "uploading", m.State)
	assert.False(t, m.Finalized)
}

func TestInit_categories(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mediaType, category, want string
		wantStatus                int
	}{
		{"video/mp4", "tweet_video", "tweet_video", 202},
		{"video/mp4", "TWEET_VIDEO", "tweet_video", 202},
		{"video/mp4", "TweetVideo", "tweet_video", 202},
		{"image/jpeg", "DmImage", "dm_image", 202},
		{"image/gif", "TweetGif", "tweet_gif", 202},
		{"video/webm", "amplify_video", "amplify_video", 202},
		{"text/vtt", "SUBTITLES", "subtitles", 202},
		{"application/x-subrip", "subtitles", "subtitles", 202},
		{"video/mp4", "tweet_audio", "", 400},
		{"video/mp4", "tweet_image", "", 400},
		{"image/png", "tweet_video", "", 400},
		{"image/png", "tweet_gif", "", 400},
		{"text/srt", "tweet_video", "", 400},
		{"video/mp4", "subtitles", "", 400},
	}
	for _, tc := range tests {
		t.Run(tc.mediaType+" "+tc.category, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			r := postForm(t, s, url.Values{"command": {"INIT"}, "total_bytes": {"100"},
				"media_type": {tc.mediaType}, "media_category": {tc.category}})
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			if tc.wantStatus != 202 {
				assert.Empty(t, s.AllMedia())
				return
			}
			m, ok := s.Media(r.json(t)["media_id_string"].(string))
			require.True(t, ok)
			assert.Equal(t, tc.want, m.Category)
		})
	}
}

func TestInit_limits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mediaType, category string
		limit               int
	}{
		{"image/png", "tweet_image", 5242880},
		{"image/jpeg", "dm_image", 5242880},
		{"image/gif", "tweet_gif", 15 << 20},
		{"image/gif", "dm_gif", 15 << 20},
		{"video/mp4", "tweet_video", 512 << 20},
		{"video/mp4", "dm_video", 512 << 20},
		{"video/mp4", "amplify_video", 512 << 20},
		{"image/webp", "", 5242880},
		{"image/gif", "", 15 << 20},
		{"video/mp4", "", 512 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.mediaType+" "+tc.category, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			init := func(n int) response {
				return postForm(t, s, url.Values{"command": {"INIT"}, "total_bytes": {strconv.Itoa(n)},
					"media_type": {tc.mediaType}, "media_category": {tc.category}})
			}
			assert.Equal(t, http.StatusAccepted, init(tc.limit).status)
			r := init(tc.limit + 1)
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Equal(t, codeMedia, r.errCode(t))
			assert.Contains(t, string(r.body), strconv.Itoa(tc.limit))
		})
	}
}

func TestInit_mediaIDs(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	r := postForm(t, s, url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}})
	require.Equal(t, http.StatusAccepted, r.status)
	assert.JSONEq(t, `{"media_id":1880028106020515841,"media_id_string":"1880028106020515841","expires_after_secs":86400}`, string(r.body))
	assert.Contains(t, string(r.body), `"media_id":1880028106020515841,`, "exact digits, not a float")
	assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))

	second := initMedia(t, s, 10, "image/png", "")
	assert.Equal(t, "1880028106020515842", second)
	id, err := strconv.ParseUint(second, 10, 64)
	require.NoError(t, err)
	assert.Greater(t, id, uint64(1)<<53)
	assert.NotEqual(t, id, uint64(float64(id)), "not representable as a float64")

	all := s.AllMedia()
	require.Len(t, all, 2)
	assert.Equal(t, "1880028106020515841", all[0].ID)
	assert.Equal(t, second, all[1].ID)
	_, ok := s.Media("1")
	assert.False(t, ok)
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := newTestServer(t, WithClock(clock.Now), WithExpiresAfter(30), WithCheckAfter(0))
	data := testData(20)
	live := uploadSegments(t, s, data, 10, "video/mp4", "tweet_video")
	idle := initMedia(t, s, 20, "image/png", "")
	m, _ := s.Media(idle)
	assert.Equal(t, clock.Now(), m.CreatedAt)
	assert.Equal(t, clock.Now().Add(30*time.Second), m.ExpiresAt)

	clock.Add(10 * time.Second)
	r := finalize(t, s, live)
	require.Equal(t, http.StatusCreated, r.status)
	assert.Equal(t, json.Number("20"), r.json(t)["expires_after_secs"], "seconds left")

	clock.Add(20 * time.Second)
	for name, r := range map[string]response{
		"APPEND":   appendSegment(t, s, idle, 0, data[:10]),
		"FINALIZE": finalize(t, s, idle),
		"STATUS":   getStatus(t, s, live),
	} {
		assert.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Contains(t, string(r.body), "expired", name)
	}
	m, _ = s.Media(idle)
	assert.Zero(t, m.Segments)
}

func TestStatus_earlyPolls(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := newTestServer(t, WithClock(clock.Now), WithCheckAfter(5), WithProcessingSteps(4))
	id := uploadSegments(t, s, testData(10), 10, "video/mp4", "tweet_video")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)

	steps := []struct {
		wait  time.Duration
		early bool
	}{
		{0, true},                // right after FINALIZE's check_after_secs 5
		{5 * time.Second, false}, // exactly on time
		{4 * time.Second, true},
		{6 * time.Second, false},
	}
	for i, st := range steps {
		clock.Add(st.wait)
		r := getStatus(t, s, id)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Equal(t, json.Number("5"), r.json(t)["processing_info"].(map[string]any)["check_after_secs"], i)
	}
	m, _ := s.Media(id)
	assert.Equal(t, 4, m.Polls)
	assert.Equal(t, 2, m.EarlyPolls)
	devs := s.Deviations()
	require.Len(t, devs, 2)
	for _, d := range devs {
		assert.Contains(t, d, "before check_after_secs")
		assert.Contains(t, d, id)
	}
}

func TestStatus_errors(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id := initMedia(t, s, 10, "video/mp4", "tweet_video")
	tests := []struct {
		name, id   string
		wantStatus int
		wantCode   int
	}{
		{"not finalized", id, 400, codeMedia},
		{"unknown media", "1880028106020515999", 404, codeMedia},
		{"missing media_id", "", 400, codeMissingParam},
		{"malformed media_id", "12x", 400, codeInvalidParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := getStatus(t, s, tc.id)
			assert.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			assert.Equal(t, tc.wantCode, r.errCode(t))
		})
	}
}

func TestFinalize_rules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		total    int
		segments map[int]int // index -> size
	}{
		{"no segment", 10, nil},
		{"gap", 30, map[int]int{0: 10, 2: 20}},
		{"not from 0", 10, map[int]int{1: 10}},
		{"short", 30, map[int]int{0: 10, 1: 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			id := initMedia(t, s, tc.total, "image/png", "")
			for i, n := range tc.segments {
				require.Equal(t, http.StatusNoContent, appendSegment(t, s, id, i, testData(n)).status)
			}
			r := finalize(t, s, id)
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.JSONEq(t, `{"errors":[{"code":1,"message":"Segments do not add up to provided total file size."}]}`, string(r.body))
			m, _ := s.Media(id)
			assert.False(t, m.Finalized)
			assert.Equal(t, "uploading", m.State)
		})
	}
}

func TestFinalize_twice(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id := uploadSegments(t, s, testData(10), 10, "image/png", "")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	r := finalize(t, s, id)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, codeMedia, r.errCode(t))
	assert.Contains(t, string(r.body), "already finalized")

	r = appendSegment(t, s, id, 0, testData(10))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), "already finalized")

	r = finalize(t, s, "1880028106020515999")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.True(t, strings.Contains(string(r.body), "Invalid media id"), "%s", r.body)
}

// The store works without the HTTP layer, for any wire dialect.
func TestStore_direct(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	st := newStore(storeConfig{checkAfter: 2, steps: 1, expiresAfter: 60, now: clock.Now})

	a, err := st.init(initParams{totalBytes: 6, mediaType: "video/MP4", category: "TweetVideo", owners: []string{"1"}})
	require.Nil(t, err)
	assert.Equal(t, answer{id: firstMediaID, idStr: "1880028106020515841", key: "7_1880028106020515841", size: 6, expiresIn: 60}, a)
	require.Nil(t, st.appendSegment(a.idStr, 1, []byte("def")))
	require.Nil(t, st.appendSegment(a.idStr, 0, []byte("abc")))

	clock.Add(10 * time.Second)
	f, err := st.finalize(a.idStr)
	require.Nil(t, err)
	assert.Equal(t, 50, f.expiresIn)
	assert.Equal(t, &processingInfo{State: "pending", CheckAfterSecs: intPtr(2)}, f.info)

	clock.Add(2 * time.Second)
	s1, err := st.status(a.idStr)
	require.Nil(t, err)
	assert.Equal(t, &processingInfo{State: "in_progress", CheckAfterSecs: intPtr(2), ProgressPercent: intPtr(50)}, s1.info)
	s2, err := st.status(a.idStr) // early
	require.Nil(t, err)
	assert.Equal(t, &processingInfo{State: "succeeded", ProgressPercent: intPtr(100)}, s2.info)

	m, ok := st.get(a.idStr)
	require.True(t, ok)
	assert.Equal(t, []byte("abcdef"), m.Data)
	assert.Equal(t, "video/mp4", m.MediaType)
	assert.Equal(t, "tweet_video", m.Category)
	assert.Equal(t, []string{"1"}, m.AdditionalOwners)
	assert.Equal(t, 1, m.EarlyPolls)
	assert.Len(t, st.deviationList(), 1)

	_, err = st.status("42")
	require.NotNil(t, err)
	assert.Equal(t, http.StatusNotFound, err.status)
	assert.Equal(t, http.StatusBadRequest, st.appendSegment(a.idStr, 2, []byte("x")).status)
}
