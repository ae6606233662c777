package mediaupload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/internal/resume"
	"github.com/mediaupload/mediaupload/mediatest"
)

// The resume state's types, under the names the tests use.
type (
	resumeState  = resume.State
	segmentState = resume.Segment
)

// loadState reads the state store holds; nil when none.
func loadState(store ResumeStore) (*resumeState, error) {
	b, err := store.Load(context.Background())
	if err != nil || b == nil {
		return nil, err
	}
	var st resumeState
	return &st, json.Unmarshal(b, &st)
}

// saveState writes st to store as the session does.
func saveState(store ResumeStore, st *resumeState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return store.Save(context.Background(), b)
}

// decodeState reads a saved state, or an empty one.
func decodeState(b []byte) *resumeState {
	var st resumeState
	json.Unmarshal(b, &st)
	return &st
}

func TestFileStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := FileStore{Path: filepath.Join(dir, "upload.resume")}
	st, err := loadState(store)
	require.NoError(t, err)
	assert.Nil(t, st, "no file is no state")

	want := &resumeState{Version: resume.Version, MediaID: "1880028106020515841", TotalBytes: 10,
		Segments: []segmentState{{Index: 0, Offset: 0, Size: 10, SHA256: "ab"}}, ExpiresAt: time.Unix(1_900_000_000, 0).UTC()}
	require.NoError(t, saveState(store, want))
	got, err := loadState(store)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	files, _ := os.ReadDir(dir)
	assert.Len(t, files, 1, "no temporary file is left behind")

	require.NoError(t, store.Remove(t.Context()))
	require.NoError(t, store.Remove(t.Context()), "removing nothing is fine")
	_, err = os.Stat(store.Path)
	assert.ErrorIs(t, err, os.ErrNotExist)

	require.NoError(t, os.WriteFile(store.Path, []byte("{not json"), 0o600))
	err = (&session{cfg: &uploadConfig{store: store}}).resume(t.Context())
	require.ErrorContains(t, err, "is not one")

	bad := FileStore{Path: filepath.Join(dir, "missing-dir", "x.resume")}
	require.Error(t, saveState(bad, want))
}

// appendCounts counts the APPENDs the server answered with success, per
// segment.
func appendCounts(srv *mediatest.Server) map[int]int {
	n := map[int]int{}
	for _, r := range srv.Requests() {
		if r.Step == mediatest.StepAppend && r.Status/100 == 2 {
			n[r.Segment]++
		}
	}
	return n
}

func countSteps(srv *mediatest.Server, step mediatest.Step) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Step == step {
			n++
		}
	}
	return n
}

func TestResumeAfterAFailedSegment(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000), WithConcurrency(1))
	store := FileStore{Path: filepath.Join(t.TempDir(), "up.resume")}
	data := randomBytes(t, 5500)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 3, Status: 400})

	_, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(store))
	var ue *UploadError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, 3, ue.Segment)
	st, err := loadState(store)
	require.NoError(t, err)
	require.NotNil(t, st, "the state is kept on failure")
	assert.Equal(t, ue.MediaID, st.MediaID)
	acked := 0
	for _, s := range st.Segments {
		if s.SHA256 != "" {
			acked++
		}
	}
	assert.Equal(t, 3, acked)

	m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(store))
	require.NoError(t, err)
	assert.Equal(t, ue.MediaID, m.ID, "the same media id")
	assertUploaded(t, srv, m, data)
	assert.Equal(t, 1, countSteps(srv, mediatest.StepInit))
	assert.Equal(t, map[int]int{0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, appendCounts(srv), "no acknowledged segment is sent again")
	_, err = os.Stat(store.Path)
	assert.ErrorIs(t, err, os.ErrNotExist, "the state is removed on success")
}

func TestResumeAfterCancelMidAppend(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000), WithConcurrency(2))
	store := FileStore{Path: filepath.Join(t.TempDir(), "up.resume")}
	data := randomBytes(t, 9000)
	// Segment 4 hangs (at most 2 s, in case the cancel comes before it
	// reaches the server and the resumed run meets the hang instead).
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 4, Hang: 2 * time.Second})
	ctx, cancel := context.WithCancel(t.Context())
	killWhenStuck := OnProgress(func(p Progress) {
		if p.SegmentsDone >= 4 { // 0–3 are done; 4 hangs
			cancel()
		}
	})
	start := time.Now()
	_, err := c.Upload(ctx, bytes.NewReader(data), MediaType("video/mp4"), Resume(store), killWhenStuck)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 10*time.Second)

	before := appendCounts(srv)
	m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(store))
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)
	after := appendCounts(srv)
	for seg, n := range before {
		assert.Equal(t, n, after[seg], "segment %d was acknowledged before and must not be sent again", seg)
	}
	assert.Equal(t, 1, countSteps(srv, mediatest.StepInit))
}

func TestResumeWhileProcessingOnlyPolls(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer(mediatest.WithCheckAfter(5), mediatest.WithProcessingSteps(3))
	t.Cleanup(srv.Close)
	store := FileStore{Path: filepath.Join(t.TempDir(), "up.resume")}
	// The first process dies while it waits for processing.
	dying := func(ctx context.Context, d time.Duration) error { return context.Canceled }
	c1, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), withSleep(dying))
	require.NoError(t, err)
	data := append(append([]byte{}, mp4Head...), randomBytes(t, 3000)...)
	_, err = c1.Upload(t.Context(), bytes.NewReader(data), Resume(store))
	require.ErrorIs(t, err, context.Canceled)
	st, err := loadState(store)
	require.NoError(t, err)
	require.True(t, st.Finalized)
	requestsBefore := len(srv.Requests())

	c2, rec := newSignedFor(t, srv)
	m, err := c2.Upload(t.Context(), bytes.NewReader(data), Resume(store))
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)
	for _, r := range srv.Requests()[requestsBefore:] {
		assert.Equal(t, mediatest.StepStatus, r.Step, "after FINALIZE only STATUS is sent")
	}
	assert.NotEmpty(t, rec.recorded())
}

// newSignedFor is a Client for srv whose waits are recorded.
func newSignedFor(t *testing.T, srv *mediatest.Server) (*Client, *sleepRecorder) {
	t.Helper()
	rec := &sleepRecorder{}
	c, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), withSleep(rec.sleep))
	require.NoError(t, err)
	return c, rec
}

// failingStore fails its Save once the state says Finalized, like a
// process killed between FINALIZE and saving its answer.
type failingStore struct {
	FileStore
}

func (f failingStore) Save(ctx context.Context, b []byte) error {
	if decodeState(b).Finalized {
		return errors.New("killed")
	}
	return f.FileStore.Save(ctx, b)
}

func TestResumeAfterFinalizeWhoseStateWasNotSaved(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000))
	path := filepath.Join(t.TempDir(), "up.resume")
	data := randomBytes(t, 2500)
	_, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(failingStore{FileStore{path}}))
	require.ErrorContains(t, err, "killed")

	m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(FileStore{path}))
	require.NoError(t, err, "a refused second FINALIZE of a finalized media is confirmed with STATUS")
	assertUploaded(t, srv, m, data)
	assert.Equal(t, 1, countSteps(srv, mediatest.StepInit))
}

// logRecorder keeps the messages and attributes logged.
type logRecorder struct {
	mu   sync.Mutex
	logs bytes.Buffer
}

func (l *logRecorder) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(syncWriter{l}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type syncWriter struct{ l *logRecorder }

func (w syncWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.l.logs.Write(p)
}

func (l *logRecorder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.logs.String()
}

func TestResumeStartsOverClearly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		second func(first []byte) []byte
		expire bool
		want   string
	}{
		{"changed content", func(b []byte) []byte { c := bytes.Clone(b); c[10] ^= 1; return c }, false, "content changed"},
		{"changed late segment", func(b []byte) []byte { c := bytes.Clone(b); c[len(c)-1200] ^= 1; return c }, false, "segment"},
		{"changed size", func(b []byte) []byte { return append(bytes.Clone(b), 1) }, false, "bytes"},
		{"expired", func(b []byte) []byte { return b }, true, "expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000), WithConcurrency(1))
			store := FileStore{Path: filepath.Join(t.TempDir(), "up.resume")}
			first := append(append([]byte{}, mp4Head...), randomBytes(t, 70_000)...)
			srv.InjectFault(mediatest.Fault{Step: mediatest.StepFinalize, Status: 400})
			_, err := c.Upload(t.Context(), bytes.NewReader(first), Resume(store))
			require.Error(t, err)
			if tc.expire {
				st, _ := loadState(store)
				st.ExpiresAt = time.Now().Add(-time.Second)
				require.NoError(t, saveState(store, st))
			}
			var logs logRecorder
			c2, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithChunkSize(1000), WithLogger(logs.logger()))
			require.NoError(t, err)
			second := tc.second(first)
			m, err := c2.Upload(t.Context(), bytes.NewReader(second), Resume(store))
			require.NoError(t, err)
			assertUploaded(t, srv, m, second)
			assert.Equal(t, 2, countSteps(srv, mediatest.StepInit), "a fresh upload")
			assert.Contains(t, logs.String(), "starting over")
			assert.Contains(t, logs.String(), tc.want)
		})
	}
}

func TestResumeInOrderReaderChecksSkippedSegments(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(20_000), WithConcurrency(1))
	store := FileStore{Path: filepath.Join(t.TempDir(), "up.resume")}
	data := append(append([]byte{}, mp4Head...), randomBytes(t, 100_000)...)
	plain := func(b []byte) io.Reader { return io.MultiReader(bytes.NewReader(b)) }
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 4, Status: 400})
	_, err := c.Upload(t.Context(), plain(data), Size(int64(len(data))), Resume(store))
	require.Error(t, err)

	changed := bytes.Clone(data)
	changed[70_000] ^= 1 // in acknowledged segment 3, past the fingerprinted head
	_, err = c.Upload(t.Context(), plain(changed), Size(int64(len(changed))), Resume(store))
	require.ErrorIs(t, err, ErrInputChanged, "an in-order input cannot be reread: say so")
	assert.Contains(t, err.Error(), "segment 3")
	st, err := loadState(store)
	require.NoError(t, err)
	assert.Nil(t, st, "the useless state is removed, so the next run starts over")

	m, err := c.Upload(t.Context(), plain(changed), Size(int64(len(changed))), Resume(store))
	require.NoError(t, err)
	assertUploaded(t, srv, m, changed)
	assert.Equal(t, 2, countSteps(srv, mediatest.StepInit))
}

// recordingStore is a FileStore that remembers how many segments the
// last state it saved had.
type recordingStore struct {
	FileStore
	mu      sync.Mutex
	planned int
}

func (r *recordingStore) Save(ctx context.Context, b []byte) error {
	r.mu.Lock()
	r.planned = len(decodeState(b).Segments)
	r.mu.Unlock()
	return r.FileStore.Save(ctx, b)
}

func (r *recordingStore) savedSegments() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.planned
}

// indexChecker is a transport that, before each APPEND leaves, checks
// that the resume state already holds the segment's range.
type indexChecker struct {
	next  http.RoundTripper
	store *recordingStore
	mu    sync.Mutex
	bad   []int
}

var segmentIndexField = regexp.MustCompile(`name="segment_index"\r\n\r\n(\d+)`)

func (ic *indexChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/") {
		head := make([]byte, 1024)
		n, _ := io.ReadFull(req.Body, head)
		if m := segmentIndexField.FindSubmatch(head[:n]); m != nil {
			i, _ := strconv.Atoi(string(m[1]))
			if i >= ic.store.savedSegments() {
				ic.mu.Lock()
				ic.bad = append(ic.bad, i)
				ic.mu.Unlock()
			}
		}
		body := req.Body
		req.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head[:n]), body), body}
	}
	return ic.next.RoundTrip(req)
}

// TestAdaptiveSegmentsAreSavedBeforeTheyAreSent checks that no adaptive
// segment leaves before its range is in the resume state (else a resumed
// run could plan other ranges under indexes the service holds), and that
// the run after a failure finishes the same media.
func TestAdaptiveSegmentsAreSavedBeforeTheyAreSent(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
	t.Cleanup(srv.Close)
	store := &recordingStore{FileStore: FileStore{Path: filepath.Join(t.TempDir(), "up.resume")}}
	hc := srv.Client()
	checker := &indexChecker{next: hc.Transport, store: store}
	hc.Transport = checker
	c, err := NewClient(hc, WithEndpoint(srv.UploadURL()), WithAdaptiveChunkSize(), WithConcurrency(3))
	require.NoError(t, err)
	data := randomBytes(t, 6<<20)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 4, Status: 400})
	_, err = c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(store))
	require.Error(t, err)
	m, err := c.Upload(t.Context(), bytes.NewReader(data), MediaType("video/mp4"), Resume(store))
	require.NoError(t, err)
	assertUploaded(t, srv, m, data)
	assert.Equal(t, 1, countSteps(srv, mediatest.StepInit))
	assert.Empty(t, checker.bad, "segments sent before their range was saved")
}
