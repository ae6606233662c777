package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServe runs "mediaupload serve" with args until the test ends and
// returns its v2 URL and OAuth 2.0 token, as it prints them.
func startServe(t *testing.T, args ...string) (v2URL, token string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), nil, pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop when its context ended")
		}
	})
	lines := bufio.NewScanner(pr)
	for (v2URL == "" || token == "") && lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "v2 URL: "); ok {
			v2URL = u
		} else if tok, ok := strings.CutPrefix(lines.Text(), envOAuth2Token+"="); ok {
			token = tok
		}
	}
	go io.Copy(io.Discard, pr)
	require.NotEmpty(t, v2URL)
	require.NotEmpty(t, token)
	return v2URL, token
}

// v2Processed uploads data over v2 with a bearer token, polls STATUS once
// and returns the processing_info of the answer.
func v2Processed(t *testing.T, v2URL, token string, data []byte, mediaType, category string) map[string]any {
	t.Helper()
	do := func(method, url, contentType string, body []byte) map[string]any {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", method, url, b)
		var out struct {
			Data map[string]any `json:"data"`
		}
		require.NoError(t, json.Unmarshal(b, &out), "%s", b)
		return out.Data
	}
	initBody := fmt.Sprintf(`{"media_type":%q,"total_bytes":%d,"media_category":%q}`, mediaType, len(data), category)
	id := do(http.MethodPost, v2URL+"/initialize", "application/json", []byte(initBody))["id"].(string)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("segment_index", "0"))
	w, err := mw.CreateFormFile("media", "blob")
	require.NoError(t, err)
	_, err = w.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	do(http.MethodPost, v2URL+"/"+id+"/append", mw.FormDataContentType(), body.Bytes())
	do(http.MethodPost, v2URL+"/"+id+"/finalize", "", nil)
	info, _ := do(http.MethodGet, v2URL+"?media_id="+id, "", nil)["processing_info"].(map[string]any)
	return info
}

func TestServeMediaRules(t *testing.T) {
	t.Parallel()
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "mediacheck", "testdata", name))
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name      string
		args      []string
		file      string
		wantState string
		wantMsg   string
	}{
		{"refused", []string{"--media-rules"}, "fps120.mp4", "failed", "frame rate 120 fps is over X's limit of 60 fps for tweet_video"},
		{"valid", []string{"--media-rules"}, "ok.mp4", "succeeded", ""},
		{"without the flag", nil, "fps120.mp4", "succeeded", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v2URL, token := startServe(t, append([]string{"--check-after", "0", "--processing-steps", "0"}, tc.args...)...)
			info := v2Processed(t, v2URL, token, fixture(tc.file), "video/mp4", "tweet_video")
			require.NotNil(t, info)
			assert.Equal(t, tc.wantState, info["state"])
			if tc.wantMsg == "" {
				assert.NotContains(t, info, "error")
				return
			}
			assert.Equal(t, map[string]any{"code": 1.0, "name": "InvalidMedia", "message": tc.wantMsg}, info["error"])
		})
	}
	r := runCLI(t, nil, nil, "help", "serve")
	assert.Contains(t, r.stdout, "--media-rules")
}
