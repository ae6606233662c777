package mediaupload_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediatest"
)

// The README's mediatest snippet, verbatim, so that it compiles and passes.
func TestMyBotUploads(t *testing.T) {
	srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
	t.Cleanup(srv.Close)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503})

	video := mediatest.MP4(3 << 20) // 3 MiB that sniff as video/mp4: 2 segments at the default 2 MiB
	client, err := mediaupload.NewClient(srv.Client(), mediaupload.WithEndpoint(srv.UploadURL()))
	require.NoError(t, err)
	media, err := client.Upload(t.Context(), bytes.NewReader(video))
	require.NoError(t, err)

	got, _ := srv.Media(media.ID)
	assert.Equal(t, video, got.Data) // the bytes the server assembled
	assert.Equal(t, "succeeded", got.State)
	assert.Empty(t, srv.Deviations()) // nothing the real service discourages
	for _, r := range srv.Requests() {
		t.Log(r) // APPEND v1.1 POST /1.1/media/upload.json media=… segment=1 bytes=1048576 status=503 fault …
	}

	// Beyond the README: the snippet exercises what it says.
	faulted := 0
	for _, r := range srv.Requests() {
		if r.Fault {
			faulted++
			assert.Equal(t, mediatest.StepAppend, r.Step)
			assert.Equal(t, 1, r.Segment)
		}
	}
	assert.Equal(t, 1, faulted, "the fault on segment 1 was used")
	assert.Equal(t, "video/mp4", media.MediaType)
}
