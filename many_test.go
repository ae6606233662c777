package mediaupload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// patternInput is size bytes computed from their offset and seed, readable
// at offsets, so that many large inputs cost no memory.
type patternInput struct {
	seed byte
}

func (p patternInput) ReadAt(b []byte, off int64) (int, error) {
	for i := range b {
		o := off + int64(i)
		b[i] = byte(o) ^ byte(o>>9) ^ p.seed
	}
	return len(b), nil
}

// patternFile returns input seed of size bytes as a file-like reader.
func patternFile(seed byte, size int64) *io.SectionReader {
	return io.NewSectionReader(patternInput{seed}, 0, size)
}

// patternSegmentSHA is the SHA-256 of segment i of patternFile(seed, size)
// cut in chunks of chunk bytes.
func patternSegmentSHA(seed byte, size, chunk int64, i int) string {
	off := int64(i) * chunk
	n := min(chunk, size-off)
	h := sha256.New()
	io.Copy(h, io.NewSectionReader(patternInput{seed}, off, n))
	return hex.EncodeToString(h.Sum(nil))
}

// hashServer answers the v1.1 flow keeping only the SHA-256 of each
// segment it receives, read as a stream, so that it holds no media in
// memory. It counts requests in flight and connections open, at most.
type hashServer struct {
	*httptest.Server
	next    atomic.Int64
	hold    func(mediaID string) bool // APPENDs of such media wait for release
	release chan struct{}             // closed before the server closes

	mu          sync.Mutex
	sums        map[string]map[int]string // media id → segment → SHA-256
	inFlight    int
	maxInFlight int
	conns       int
	maxConns    int
}

func newHashServer(tb testing.TB) *hashServer {
	tb.Helper()
	s := &hashServer{sums: map[string]map[int]string{}, release: make(chan struct{})}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch st {
		case http.StateNew:
			s.conns++
			s.maxConns = max(s.maxConns, s.conns)
		case http.StateClosed, http.StateHijacked:
			s.conns--
		}
	}
	s.Start()
	tb.Cleanup(s.Close)
	tb.Cleanup(func() { close(s.release) })
	return s
}

func (s *hashServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inFlight--; s.mu.Unlock() }()
	mr, err := r.MultipartReader()
	if err != nil { // INIT, FINALIZE, STATUS: a form
		r.ParseForm()
		id := r.Form.Get("media_id")
		if r.Form.Get("command") == "INIT" {
			id = strconv.FormatInt(1000+s.next.Add(1), 10)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"media_id_string":%q,"expires_after_secs":86400}`, id)
		return
	}
	fields := map[string]string{}
	sum := ""
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if p.FormName() == "media" {
			if s.hold != nil && s.hold(fields["media_id"]) {
				select {
				case <-r.Context().Done():
				case <-s.release:
				}
				return
			}
			h := sha256.New()
			io.Copy(h, p)
			sum = hex.EncodeToString(h.Sum(nil))
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(p, 1<<10))
		fields[p.FormName()] = string(b)
	}
	i, _ := strconv.Atoi(fields["segment_index"])
	s.mu.Lock()
	if s.sums[fields["media_id"]] == nil {
		s.sums[fields["media_id"]] = map[int]string{}
	}
	s.sums[fields["media_id"]][i] = sum
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// segmentSums returns what the server holds of media id.
func (s *hashServer) segmentSums(id string) map[int]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sums[id]
}

// uploadPatterns uploads n pattern inputs of size bytes at once through c
// and checks that each arrived byte-exact; done, if not nil, is called as
// each ends, with its seed.
func uploadPatterns(t *testing.T, ctx context.Context, c *Client, srv *hashServer, n int, size, chunk int64, done func(seed int)) {
	t.Helper()
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			m, err := c.Upload(ctx, patternFile(byte(i), size), MediaType("image/png"), NoCheck())
			errs[i] = err
			if err == nil {
				ids[i] = m.ID
			}
			if done != nil {
				done(i)
			}
		})
	}
	wg.Wait()
	segs := int((size + chunk - 1) / chunk)
	for i := range n {
		require.NoError(t, errs[i], "upload %d", i)
		got := srv.segmentSums(ids[i])
		require.Len(t, got, segs, "upload %d", i)
		for j := range segs {
			require.Equal(t, patternSegmentSHA(byte(i), size, chunk, j), got[j], "upload %d segment %d", i, j)
		}
	}
}

// TestManyUploadsStayWithinTheBudget: 200 uploads at once through one
// Client hold no more chunk memory than its budget (each alone would hold
// concurrency+1 buffers: 200 × 9 × 128 KiB = 225 MiB), keep no more
// requests in flight than its cap, arrive byte-exact, and share fairly: the
// slowest is within a small factor of the average. Not parallel, so
// that other tests' memory does not count.
func TestManyUploadsStayWithinTheBudget(t *testing.T) {
	const (
		uploads = 200
		size    = 1 << 20
		chunk   = 128 << 10
		budget  = 4 << 20
	)
	srv := newHashServer(t)
	c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"),
		WithChunkSize(chunk), WithMemoryBudget(budget), WithMaxInFlight(16))
	require.NoError(t, err)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var top uint64
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				peak <- top
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				top = max(top, ms.HeapInuse)
			}
		}
	}()
	start := time.Now()
	var mu sync.Mutex
	var took []time.Duration
	uploadPatterns(t, t.Context(), c, srv, uploads, size, chunk, func(int) {
		mu.Lock()
		defer mu.Unlock()
		took = append(took, time.Since(start))
	})
	close(stop)
	var sum, slowest time.Duration
	for _, d := range took {
		sum += d
		slowest = max(slowest, d)
	}
	mean := sum / time.Duration(len(took))
	t.Logf("uploads took %v on average, %v the slowest", mean, slowest)
	assert.Less(t, slowest, 3*mean, "fair: the slowest upload is within a small factor of the average")
	grew := int64(<-peak) - int64(base)
	t.Logf("peak heap in use: %.1f MiB over the %.1f MiB before (budget %d MiB); server: %d requests in flight, %d connections at most",
		float64(grew)/(1<<20), float64(base)/(1<<20), budget>>20, srv.maxInFlight, srv.maxConns)
	assert.LessOrEqual(t, grew, int64(budget+24<<20), "the heap grows by the budget and some bookkeeping, not by the number of uploads")
	assert.LessOrEqual(t, srv.maxInFlight, 16)
	assert.LessOrEqual(t, srv.maxConns, 2*16, "connections follow the requests in flight")
}

// TestASmallUploadIsNotStuckBehindBigOnes: one small upload started behind
// many big ones gets its turn early, not after all of them.
func TestASmallUploadIsNotStuckBehindBigOnes(t *testing.T) {
	t.Parallel()
	srv := newHashServer(t)
	c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"),
		WithChunkSize(16<<10), WithMemoryBudget(256<<10), WithMaxInFlight(4))
	require.NoError(t, err)
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	wg.Go(func() {
		uploadPatterns(t, t.Context(), c, srv, 60, 256<<10, 16<<10, func(int) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, "big")
		})
	})
	// In the test's goroutine: a FailNow elsewhere would leave the test waiting forever.
	require.Eventually(t, func() bool { return srv.next.Load() >= 60 }, 10*time.Second, time.Millisecond)
	m, err := c.Upload(t.Context(), patternFile(99, 10<<10), MediaType("image/png"), NoCheck())
	require.NoError(t, err)
	mu.Lock()
	rank := len(order)
	mu.Unlock()
	wg.Wait()
	assert.Equal(t, patternSegmentSHA(99, 10<<10, 16<<10, 0), srv.segmentSums(m.ID)[0])
	assert.Less(t, rank, 30, "the small upload finished after %d of the 60 big ones", rank)
}

// TestCancelFreesTheShare: an upload holding the whole budget, its APPENDs
// hanging, gives it back as soon as it is cancelled, so the next upload
// goes through.
func TestCancelFreesTheShare(t *testing.T) {
	t.Parallel()
	srv := newHashServer(t)
	srv.hold = func(id string) bool { return id == "1001" }
	const chunk = 16 << 10
	c, err := NewClient(&http.Client{Transport: NewTransport()}, WithEndpoint(srv.URL+"/1.1/media/upload.json"),
		WithChunkSize(chunk), WithMemoryBudget(2*chunk), WithConcurrency(2))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	stuck := make(chan error, 1)
	go func() {
		_, err := c.Upload(ctx, patternFile(1, 4*chunk), MediaType("image/png"), NoCheck())
		stuck <- err
	}()
	require.Eventually(t, func() bool {
		owned, free := c.budget.Stats()
		return owned == 2*chunk && len(free) == 0
	}, 10*time.Second, time.Millisecond, "the first upload holds the whole budget")
	cancel()
	require.ErrorIs(t, <-stuck, context.Canceled)
	done, stop := context.WithTimeout(t.Context(), 30*time.Second)
	defer stop()
	m, err := c.Upload(done, patternFile(2, 2*chunk), MediaType("image/png"), NoCheck())
	require.NoError(t, err, "the cancelled upload's share came back")
	assert.Len(t, srv.segmentSums(m.ID), 2)
}

// TestNoGoroutineOutlivesManyUploads: 300 uploads at once through one
// Client, then no goroutine of theirs is left. Not parallel.
func TestNoGoroutineOutlivesManyUploads(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := newHashServer(t)
	tr := NewTransport()
	c, err := NewClient(&http.Client{Transport: tr}, WithEndpoint(srv.URL+"/1.1/media/upload.json"), WithChunkSize(8<<10))
	require.NoError(t, err)
	uploadPatterns(t, t.Context(), c, srv, 300, 20<<10, 8<<10, nil)
	tr.CloseIdleConnections()
	srv.Close()
	goleak.VerifyNone(t, before)
}
