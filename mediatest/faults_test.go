package mediatest

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trySend is send for requests that may fail at the transport level.
func trySend(ctx context.Context, c *http.Client, method, rawURL, contentType string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

func TestFault_status(t *testing.T) {
	t.Parallel()
	reset := time.Unix(1900000000, 0)
	tests := []struct {
		name       string
		fault      Fault
		wantCode   int
		wantHeader map[string]string
	}{
		{"rate limit with headers", Fault{Step: StepInit, Status: 429, RetryAfter: "1", RateLimitReset: reset}, codeRateLimit,
			map[string]string{"Retry-After": "1", "X-Rate-Limit-Reset": "1900000000", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Limit": "180"}},
		{"rate limit reset only", Fault{Step: StepInit, Status: 429, RateLimitReset: reset}, codeRateLimit,
			map[string]string{"Retry-After": "", "X-Rate-Limit-Reset": "1900000000"}},
		{"over capacity", Fault{Step: StepInit, Status: 503, RetryAfter: "2"}, codeOverCapacity,
			map[string]string{"Retry-After": "2", "X-Rate-Limit-Reset": ""}},
		{"internal error", Fault{Step: StepInit, Status: 500}, codeInternal, map[string]string{"Retry-After": ""}},
		{"bad request", Fault{Step: StepInit, Status: 400}, codeInternal, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			s.InjectFault(tc.fault)
			params := url.Values{"command": {"INIT"}, "total_bytes": {"10"}, "media_type": {"image/png"}}
			r := postForm(t, s, params)
			require.Equal(t, tc.fault.Status, r.status)
			assert.Equal(t, tc.wantCode, r.errCode(t))
			assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			for k, v := range tc.wantHeader {
				assert.Equal(t, v, r.header.Get(k), k)
			}
			assert.Empty(t, s.AllMedia(), "a faulted request changes nothing")

			// Used up: the next INIT goes through.
			assert.Equal(t, http.StatusAccepted, postForm(t, s, params).status)
			reqs := s.Requests()
			require.Len(t, reqs, 2)
			assert.True(t, reqs[0].Fault)
			assert.Equal(t, tc.fault.Status, reqs[0].Status)
			assert.NotEmpty(t, reqs[0].Err)
			assert.False(t, reqs[1].Fault)
		})
	}
}

func TestFault_matching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults []Fault
		// statuses of APPENDs of segments 0, 1, 2, three times over
		want []int
	}{
		{"segment 1 once", []Fault{{Step: StepAppend, Segment: 1, Status: 503}},
			[]int{204, 503, 204, 204, 204, 204, 204, 204, 204}},
		{"zero Segment is segment 0", []Fault{{Step: StepAppend, Status: 500}},
			[]int{500, 204, 204, 204, 204, 204, 204, 204, 204}},
		{"any segment twice", []Fault{{Step: StepAppend, Segment: AnySegment, Times: 2, Status: 503}},
			[]int{503, 503, 204, 204, 204, 204, 204, 204, 204}},
		{"in order injected", []Fault{
			{Step: StepAppend, Segment: AnySegment, Status: 500},
			{Step: StepAppend, Segment: AnySegment, Times: 3, Status: 429},
		}, []int{500, 429, 429, 429, 204, 204, 204, 204, 204}},
		{"other steps do not match", []Fault{{Step: StepFinalize, Status: 500}, {Step: StepStatus, Status: 500}},
			[]int{204, 204, 204, 204, 204, 204, 204, 204, 204}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			data := testData(30)
			id := initMedia(t, s, len(data), "image/png", "")
			for _, f := range tc.faults {
				s.InjectFault(f)
			}
			var got []int
			for i := range 9 {
				seg := i % 3
				got = append(got, appendSegment(t, s, id, seg, data[seg*10:seg*10+10]).status)
			}
			assert.Equal(t, tc.want, got)
			m, _ := s.Media(id)
			assert.Equal(t, data, m.Data)
			ok := 0
			for _, st := range got {
				if st == 204 {
					ok++
				}
			}
			assert.Equal(t, ok, m.Appends, "faulted APPENDs are not counted")
		})
	}
}

func TestFault_drop(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id := initMedia(t, s, 10, "image/png", "")
	s.InjectFault(Fault{Step: StepAppend, Segment: AnySegment, Drop: true})

	ct, body := multipartBody(t, field("command", "APPEND"), field("media_id", id),
		field("segment_index", "0"), part{name: "media", value: testData(10), file: true})
	_, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	require.Error(t, err)

	m, _ := s.Media(id)
	assert.Zero(t, m.Segments)
	assert.Zero(t, m.Appends)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, StepAppend, reqs[1].Step)
	assert.Zero(t, reqs[1].Status)
	assert.True(t, reqs[1].Fault)
	assert.Equal(t, 10, reqs[1].Bytes)

	// The dropped request's nonce was not used up: the client may retry.
	status, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, status)
}

func TestFault_hang(t *testing.T) {
	t.Parallel()
	initBody := []byte("command=INIT&total_bytes=10&media_type=image%2Fpng")

	t.Run("then served", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		s.InjectFault(Fault{Step: StepInit, Hang: 20 * time.Millisecond})
		start := time.Now()
		status, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), formType, initBody)
		require.NoError(t, err)
		assert.Equal(t, http.StatusAccepted, status)
		assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
		assert.Len(t, s.AllMedia(), 1)
	})

	t.Run("then status", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		s.InjectFault(Fault{Step: StepInit, Hang: 10 * time.Millisecond, Status: 503})
		status, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), formType, initBody)
		require.NoError(t, err)
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Empty(t, s.AllMedia())
	})

	t.Run("ended by the client", func(t *testing.T) {
		t.Parallel()
		s := NewServer()
		s.InjectFault(Fault{Step: StepInit, Hang: time.Hour})
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := trySend(ctx, s.Client(), http.MethodPost, s.UploadURL(), formType, initBody)
		require.ErrorIs(t, err, context.DeadlineExceeded)

		require.Eventually(t, func() bool {
			reqs := s.Requests()
			return len(reqs) == 1 && reqs[0].Err != ""
		}, 5*time.Second, 5*time.Millisecond)
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close waited for the hang")
		}
		assert.Empty(t, s.AllMedia())
		assert.Zero(t, s.Requests()[0].Status)
	})

	t.Run("ended by Close", func(t *testing.T) {
		t.Parallel()
		s := NewServer()
		s.InjectFault(Fault{Step: StepInit, Hang: time.Hour})
		errc := make(chan error, 1)
		go func() {
			_, err := trySend(context.Background(), s.Client(), http.MethodPost, s.UploadURL(), formType, initBody)
			errc <- err
		}()
		require.Eventually(t, func() bool { return len(s.Requests()) == 1 }, 5*time.Second, time.Millisecond)
		s.Close()
		select {
		case err := <-errc:
			assert.Error(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("the hung request outlived Close")
		}
		s.Close()
	})
}

func TestFault_loseAnswer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0))
	data := testData(20)
	id := uploadSegments(t, s, data, 10, "video/mp4", "tweet_video")
	s.InjectFault(Fault{Step: StepFinalize, LoseAnswer: true})

	body := []byte(url.Values{"command": {"FINALIZE"}, "media_id": {id}}.Encode())
	_, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), formType, body)
	require.Error(t, err)

	m, _ := s.Media(id)
	assert.True(t, m.Finalized, "the lost FINALIZE was processed")
	assert.Equal(t, "pending", m.State)
	reqs := s.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, StepFinalize, last.Step)
	assert.Zero(t, last.Status)
	assert.True(t, last.Fault)
	assert.Contains(t, last.Err, "201")

	// The retry learns it is already finalized, then STATUS goes on.
	r := finalize(t, s, id)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), "already finalized")
	assert.Equal(t, http.StatusOK, getStatus(t, s, id).status)
}

func TestFault_loseAnswerAppend(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id := initMedia(t, s, 10, "image/png", "")
	s.InjectFault(Fault{Step: StepAppend, Segment: AnySegment, LoseAnswer: true})
	ct, body := multipartBody(t, field("command", "APPEND"), field("media_id", id),
		field("segment_index", "0"), part{name: "media", value: testData(10), file: true})
	_, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), ct, body)
	require.Error(t, err)
	m, _ := s.Media(id)
	assert.Equal(t, 1, m.Appends)
	assert.Equal(t, testData(10), m.Data)
}

func TestFault_metadataAndStatus(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithCheckAfter(0))
	id := uploadSegments(t, s, testData(10), 10, "image/png", "tweet_image")
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	s.InjectFault(Fault{Step: StepStatus, Status: 503})
	s.InjectFault(Fault{Step: StepMetadata, Status: 500})

	assert.Equal(t, http.StatusServiceUnavailable, getStatus(t, s, id).status)
	alt := []byte(`{"media_id":"` + id + `","alt_text":{"text":"a cat"}}`)
	r := send(t, s.Client(), http.MethodPost, s.URL+v1MetadataPath, "application/json", alt)
	assert.Equal(t, http.StatusInternalServerError, r.status)
	m, _ := s.Media(id)
	assert.Empty(t, m.AltText)
	assert.Zero(t, m.Polls)

	r = send(t, s.Client(), http.MethodPost, s.URL+v1MetadataPath, "application/json", alt)
	assert.Equal(t, http.StatusOK, r.status)
}

func TestInjectFault_panicsOnMisuse(t *testing.T) {
	t.Parallel()
	tests := map[string]Fault{
		"no step":                {Status: 503},
		"unknown step":           {Step: "UPLOAD", Status: 503},
		"does nothing":           {Step: StepInit},
		"status and drop":        {Step: StepInit, Status: 503, Drop: true},
		"drop and lose":          {Step: StepInit, Drop: true, LoseAnswer: true},
		"success status":         {Step: StepInit, Status: 200},
		"negative times":         {Step: StepInit, Status: 503, Times: -1},
		"bad segment":            {Step: StepAppend, Segment: -2, Status: 503},
		"retry-after, no status": {Step: StepInit, Drop: true, RetryAfter: "1"},
	}
	s := newTestServer(t)
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.Panics(t, func() { s.InjectFault(f) })
		})
	}
}

// randomRun uploads 20 segments with retries against a server with random
// faults and returns the status of every request (0 for drops).
func randomRun(t *testing.T, seed int64, rate float64, steps ...Step) ([]int, *Server, string) {
	t.Helper()
	s := newTestServer(t, WithRandomFaults(rate, seed, steps...))
	data := testData(200)
	var id string
	for id == "" {
		params := url.Values{"command": {"INIT"}, "total_bytes": {"200"}, "media_type": {"image/png"}}
		status, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), formType, []byte(params.Encode()))
		if err == nil && status == http.StatusAccepted {
			id = s.AllMedia()[0].ID
		}
	}
	for i := range 20 {
		for attempt := 0; ; attempt++ {
			require.Less(t, attempt, 100)
			ct, body := multipartBody(t, field("command", "APPEND"), field("media_id", id),
				field("segment_index", strconv.Itoa(i)), part{name: "media", value: data[i*10 : i*10+10], file: true})
			status, err := trySend(t.Context(), s.Client(), http.MethodPost, s.UploadURL(), ct, body)
			if err == nil && status == http.StatusNoContent {
				break
			}
		}
	}
	require.Equal(t, http.StatusCreated, finalize(t, s, id).status)
	m, _ := s.Media(id)
	require.Equal(t, data, m.Data, "random faults change no state")
	var statuses []int
	for _, r := range s.Requests() {
		statuses = append(statuses, r.Status)
	}
	return statuses, s, id
}

func TestRandomFaults(t *testing.T) {
	t.Parallel()
	a, s, _ := randomRun(t, 42, 0.4)
	b, _, _ := randomRun(t, 42, 0.4)
	assert.Equal(t, a, b, "same seed, same faults")
	c, _, _ := randomRun(t, 7, 0.4)
	assert.NotEqual(t, a, c, "another seed, other faults")

	for _, r := range s.Requests() {
		if r.Fault {
			assert.Equal(t, StepAppend, r.Step, "APPEND only by default")
		}
	}

	none, _, _ := randomRun(t, 42, 0)
	for _, st := range none {
		assert.NotZero(t, st)
		assert.Less(t, st, 300)
	}

	all, s2, _ := randomRun(t, 1, 0.5, StepInit, StepAppend)
	initFaulted := false
	for _, r := range s2.Requests() {
		initFaulted = initFaulted || r.Step == StepInit && r.Fault
	}
	assert.True(t, initFaulted || all[0] == http.StatusAccepted)
}

func TestRandomFaults_concurrentDeterminism(t *testing.T) {
	t.Parallel()
	// The decision depends on (step, media, segment, attempt), not on
	// arrival order.
	decide := func(seed int64) []bool {
		rf := &randomFaults{rate: 0.5, seed: seed, steps: []Step{StepAppend}, seen: map[string]uint64{}}
		var out []bool
		for seg := range 10 {
			for range 3 {
				_, ok := rf.pick(StepAppend, "1880028106020515841", seg)
				out = append(out, ok)
			}
		}
		return out
	}
	reversed := func(seed int64) []bool {
		rf := &randomFaults{rate: 0.5, seed: seed, steps: []Step{StepAppend}, seen: map[string]uint64{}}
		out := make([]bool, 30)
		for attempt := range 3 {
			for seg := 9; seg >= 0; seg-- {
				_, ok := rf.pick(StepAppend, "1880028106020515841", seg)
				out[seg*3+attempt] = ok
			}
		}
		return out
	}
	assert.Equal(t, decide(3), reversed(3))

	rf := &randomFaults{rate: 0.3, seed: 9, steps: []Step{StepAppend}, seen: map[string]uint64{}}
	type kind struct {
		status int
		drop   bool
	}
	kinds := map[kind]int{}
	for seg := range 1000 {
		if f, ok := rf.pick(StepAppend, "1", seg); ok {
			kinds[kind{f.Status, f.Drop}]++
		}
	}
	assert.Len(t, kinds, 4, "500, 503, 429 and drops: %v", kinds)
	total := 0
	for _, n := range kinds {
		total += n
	}
	assert.InDelta(t, 300, total, 60, "about rate of the requests")
	_, ok := (&randomFaults{rate: 1, steps: []Step{StepAppend}, seen: map[string]uint64{}}).pick(StepInit, "", -1)
	assert.False(t, ok, "steps not listed are never faulted")
}
