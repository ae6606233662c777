package mediaupload

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/internal/resume"
	"github.com/mediaupload/mediaupload/mediatest"
)

// keptStore keeps its state on Remove, like a process killed after its
// upload succeeded but before the state was removed.
type keptStore struct{ FileStore }

func (keptStore) Remove(context.Context) error { return errors.New("killed") }

// TestResumeFinalizedImageSendsNothing: an image whose FINALIZE announced no
// processing resumes to success with no request, even where STATUS would
// be refused (X says to call it only after processing_info).
func TestResumeFinalizedImageSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, nil, WithChunkSize(1000))
	path := filepath.Join(t.TempDir(), "up.resume")
	image := append(append([]byte{}, pngHead...), randomBytes(t, 2500)...)
	first, err := c.Upload(t.Context(), bytes.NewReader(image), Resume(keptStore{FileStore{path}}))
	require.ErrorContains(t, err, "killed")
	st, err := loadState(FileStore{path})
	require.NoError(t, err)
	require.True(t, st.Finalized)
	assert.False(t, st.Processing, "FINALIZE announced no processing")

	srv.InjectFault(mediatest.Fault{Step: mediatest.StepStatus, Status: 400, Times: 10})
	before := len(srv.Requests())
	m, err := c.Upload(t.Context(), bytes.NewReader(image), Resume(FileStore{path}))
	require.NoError(t, err)
	assert.Equal(t, first.ID, m.ID)
	assert.Nil(t, m.Processing)
	assert.Equal(t, int64(len(image)), m.Size)
	assert.Len(t, srv.Requests(), before, "no request")
	assertUploaded(t, srv, m, image)
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestResumeRefusedStatusRemovesState: a finalized upload whose STATUS is
// refused for good (a state of format 1, which did not say whether
// processing was announced) fails once, removes its state, and the rerun
// starts a new upload instead of failing until the media expires.
func TestResumeRefusedStatusRemovesState(t *testing.T) {
	t.Parallel()
	srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000))
	path := filepath.Join(t.TempDir(), "up.resume")
	image := append(append([]byte{}, pngHead...), randomBytes(t, 2500)...)
	_, err := c.Upload(t.Context(), bytes.NewReader(image), Resume(keptStore{FileStore{path}}))
	require.ErrorContains(t, err, "killed")
	st, err := loadState(FileStore{path})
	require.NoError(t, err)
	st.Version, st.Processing = 1, false
	require.NoError(t, saveState(FileStore{path}, st))

	srv.InjectFault(mediatest.Fault{Step: mediatest.StepStatus, Status: 400})
	var logs logRecorder
	c2, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithChunkSize(1000), WithLogger(logs.logger()))
	require.NoError(t, err)
	_, err = c2.Upload(t.Context(), bytes.NewReader(image), Resume(FileStore{path}))
	var ue *UploadError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, StepStatus, ue.Step)
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "the state is removed")
	assert.Contains(t, logs.String(), "resume state removed")

	m, err := c2.Upload(t.Context(), bytes.NewReader(image), Resume(FileStore{path}))
	require.NoError(t, err)
	assertUploaded(t, srv, m, image)
	assert.Equal(t, 2, countSteps(srv, mediatest.StepInit), "a new upload")
}

// claimAcked marks every segment of a saved state as acknowledged, as a
// state the service does not agree with would.
func claimAcked(t *testing.T, store FileStore, data []byte) {
	t.Helper()
	st, err := loadState(store)
	require.NoError(t, err)
	for i, seg := range st.Segments {
		st.Segments[i].SHA256 = resume.SHA(data[seg.Offset : seg.Offset+seg.Size])
	}
	require.NoError(t, saveState(store, st))
}

// TestResumeSegmentsDoNotAddUp: the service refuses FINALIZE because bytes
// a resume state counts as acknowledged are missing. The client sends every
// segment again and finalizes once more, saying so; an input it cannot
// read again drops the state instead, so that a rerun starts over.
func TestResumeSegmentsDoNotAddUp(t *testing.T) {
	t.Parallel()
	data := append(append([]byte{}, mp4Head...), randomBytes(t, 2500)...)
	t.Run("sent again", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000), WithConcurrency(1))
		store := FileStore{filepath.Join(t.TempDir(), "up.resume")}
		srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 2, Status: 400})
		_, err := c.Upload(t.Context(), bytes.NewReader(data), Resume(store))
		require.Error(t, err)
		claimAcked(t, store, data)

		var logs logRecorder
		c2, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithChunkSize(1000), WithConcurrency(1), WithLogger(logs.logger()))
		require.NoError(t, err)
		m, err := c2.Upload(t.Context(), bytes.NewReader(data), Resume(store))
		require.NoError(t, err)
		assertUploaded(t, srv, m, data)
		assert.Equal(t, 1, countSteps(srv, mediatest.StepInit))
		assert.Equal(t, map[int]int{0: 2, 1: 2, 2: 1}, appendCounts(srv), "every segment sent again")
		assert.Equal(t, 2, countSteps(srv, mediatest.StepFinalize))
		assert.Contains(t, logs.String(), "do not add up; sending every segment again")
	})
	t.Run("cannot be read again", func(t *testing.T) {
		t.Parallel()
		srv, c, _ := newFake(t, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000), WithConcurrency(1))
		store := FileStore{filepath.Join(t.TempDir(), "up.resume")}
		srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 2, Status: 400})
		inOrder := func() UploadOption { return Size(int64(len(data))) }
		_, err := c.Upload(t.Context(), onlyReader{bytes.NewReader(data)}, inOrder(), Resume(store))
		require.Error(t, err)
		claimAcked(t, store, data)

		var logs logRecorder
		c2, err := NewClient(srv.Client(), WithEndpoint(srv.UploadURL()), WithChunkSize(1000), WithLogger(logs.logger()))
		require.NoError(t, err)
		_, err = c2.Upload(t.Context(), onlyReader{bytes.NewReader(data)}, inOrder(), Resume(store))
		var ue *UploadError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, StepFinalize, ue.Step)
		assert.ErrorContains(t, err, "do not add up")
		_, err = os.Stat(store.Path)
		assert.ErrorIs(t, err, os.ErrNotExist, "the state is dropped")
		assert.Contains(t, logs.String(), "resume state removed")

		m, err := c2.Upload(t.Context(), onlyReader{bytes.NewReader(data)}, inOrder(), Resume(store))
		require.NoError(t, err)
		assertUploaded(t, srv, m, data)
	})
}

// onlyReader hides every method but Read, so that the input is read in
// order.
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
