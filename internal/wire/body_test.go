package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMultipartBody(t *testing.T) {
	t.Parallel()
	data := randomBytes(t, 4096)
	fields := [][2]string{{"command", "APPEND"}, {"media_id", "1880028106020515840"}, {"segment_index", "7"}}
	for _, asBase64 := range []bool{false, true} {
		body := newMultipartBody(fields, data, asBase64)
		for range 2 { // every attempt reads the whole body afresh
			raw, err := io.ReadAll(body.Reader())
			require.NoError(t, err)
			assert.Equal(t, body.Len(), int64(len(raw)))

			mt, params, err := mime.ParseMediaType(body.ContentType)
			require.NoError(t, err)
			assert.Equal(t, "multipart/form-data", mt)
			form, err := multipart.NewReader(bytes.NewReader(raw), params["boundary"]).ReadForm(10 << 20)
			require.NoError(t, err)
			assert.Equal(t, []string{"APPEND"}, form.Value["command"])
			assert.Equal(t, []string{"1880028106020515840"}, form.Value["media_id"])
			assert.Equal(t, []string{"7"}, form.Value["segment_index"])
			if asBase64 {
				assert.Empty(t, form.File)
				require.Len(t, form.Value["media_data"], 1)
				got, err := base64.StdEncoding.DecodeString(form.Value["media_data"][0])
				require.NoError(t, err)
				assert.Equal(t, data, got)
				continue
			}
			assert.Empty(t, form.Value["media_data"])
			require.Len(t, form.File["media"], 1)
			f, err := form.File["media"][0].Open()
			require.NoError(t, err)
			got, err := io.ReadAll(f)
			require.NoError(t, err)
			assert.Equal(t, data, got)
		}
	}
}

func TestMultipartBodyDoesNotCopyTheChunk(t *testing.T) {
	t.Parallel()
	data := randomBytes(t, 1<<20)
	body := newMultipartBody([][2]string{{"segment_index", "0"}}, data, false)
	assert.Same(t, &data[0], &body.payload[0], "the payload must be the chunk itself")
}

func BenchmarkMultipartBody(b *testing.B) {
	chunk := make([]byte, 2<<20)
	fields := [][2]string{{"command", "APPEND"}, {"media_id", "1880028106020515841"}, {"segment_index", "7"}}
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		body := newMultipartBody(fields, chunk, false)
		io.Copy(io.Discard, body.Reader())
	}
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}
