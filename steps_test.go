package mediaupload

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendFollowsASameHostRedirect: a 307 in front of APPEND (a proxy, a
// moved endpoint) is followed with the whole segment sent again, signed
// anew; the chunk is never copied for it.
func TestAppendFollowsASameHostRedirect(t *testing.T) {
	t.Parallel()
	data := randomBytes(t, 3000)
	var mu sync.Mutex
	var paths []string
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, r.URL.Path)
		if r.URL.Path == "/2/media/upload/1/append" {
			http.Redirect(w, r, "/moved/2/media/upload/1/append", http.StatusTemporaryRedirect)
			return
		}
		f, _, err := r.FormFile("media")
		if err == nil {
			got, _ = io.ReadAll(f)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	c, _ := newSignedClient(t, srv.URL+"/2/media/upload", WithAPI(APIv2))
	require.NoError(t, c.Append(t.Context(), "1", 0, data))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"/2/media/upload/1/append", "/moved/2/media/upload/1/append"}, paths)
	assert.Equal(t, sha(data), sha(got), "the redirected request carries the whole segment")
}
