package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediacheck"
	"github.com/mediaupload/mediaupload/mediatest"
)

// TestMain lets a test run this program as a real process: with
// MEDIAUPLOAD_RUN_MAIN=1 the test binary is the mediaupload command.
func TestMain(m *testing.M) {
	if os.Getenv("MEDIAUPLOAD_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// result is what one run of the program did.
type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, stdin io.Reader, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	code := run(t.Context(), args, stdin, &stdout, &stderr, func(k string) string { return env[k] })
	return result{code, stdout.String(), stderr.String()}
}

// envFor holds srv's credentials as the TWITTER_* variables.
func envFor(srv *mediatest.Server) map[string]string {
	c := srv.Credentials()
	return map[string]string{
		mediaupload.EnvConsumerKey: c.ConsumerKey, mediaupload.EnvConsumerSecret: c.ConsumerSecret,
		mediaupload.EnvAccessToken: c.AccessToken, mediaupload.EnvAccessTokenSecret: c.AccessTokenSecret,
	}
}

// assertNoSecret fails if any output holds one of srv's secrets.
func assertNoSecret(t *testing.T, srv *mediatest.Server, r result) {
	t.Helper()
	c := srv.Credentials()
	for _, out := range []string{r.stdout, r.stderr} {
		assert.NotContains(t, out, c.ConsumerSecret)
		assert.NotContains(t, out, c.AccessTokenSecret)
		assert.NotContains(t, out, "oauth_signature")
	}
}

func video(t *testing.T, n int) []byte {
	t.Helper()
	return mediatest.MP4(n)
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.bin")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newServer0(t *testing.T, opts ...mediatest.Option) *mediatest.Server {
	t.Helper()
	srv := mediatest.NewServer(append([]mediatest.Option{mediatest.WithCheckAfter(0)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

func TestUploadPrintsOnlyTheMediaID(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	data := video(t, 300_000)
	r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--type", "video/mp4",
		"--category", "tweet_video", "--chunk-size", "65536", writeFile(t, data))
	require.Equal(t, 0, r.code, r.stderr)
	id := strings.TrimSuffix(r.stdout, "\n")
	assert.NotContains(t, id, "\n")
	m, ok := srv.Media(id)
	require.True(t, ok, "stdout %q is not a media id", r.stdout)
	assert.Equal(t, hexSHA(data), m.SHA256)
	assert.Equal(t, "tweet_video", m.Category)
	assert.Equal(t, 5, m.Segments)
	assert.Empty(t, srv.Deviations())
	assertNoSecret(t, srv, r)
	assert.Empty(t, r.stderr, "not a terminal: no progress, no noise")

	r = runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--progress", writeFile(t, data))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "100%", "--progress forces the bar")
}

func TestUploadFlagsAfterTheFileAndJSON(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	data := video(t, 1000)
	r := runCLI(t, envFor(srv), nil, "upload", writeFile(t, data), "--endpoint", srv.UploadURL(), "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var out struct {
		MediaID   string `json:"media_id"`
		Size      int64  `json:"size"`
		MediaType string `json:"media_type"`
		Category  string `json:"media_category"`
		State     string `json:"state"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.Equal(t, int64(1000), out.Size)
	assert.Equal(t, "video/mp4", out.MediaType, "sniffed")
	assert.Equal(t, "tweet_video", out.Category, "derived")
	assert.Equal(t, "succeeded", out.State)
	assert.Equal(t, 1, strings.Count(r.stdout, "\n"), "one JSON object on one line")
	m, _ := srv.Media(out.MediaID)
	assert.Equal(t, hexSHA(data), m.SHA256)
}

func TestUploadFromStdin(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	data := video(t, 200_000)
	r := runCLI(t, envFor(srv), io.MultiReader(bytes.NewReader(data)), "upload", "--endpoint", srv.UploadURL(), "--chunk-size", "50000", "-")
	require.Equal(t, 0, r.code, r.stderr)
	m, ok := srv.Media(strings.TrimSpace(r.stdout))
	require.True(t, ok)
	assert.Equal(t, hexSHA(data), m.SHA256)
	assert.Equal(t, 4, m.Segments)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func TestUploadFromStdinStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	stdin := &countingReader{r: io.MultiReader(bytes.NewReader(png), io.LimitReader(zeros{}, 64<<20))}
	r := runCLI(t, envFor(srv), stdin, "upload", "--endpoint", srv.UploadURL(), "-")
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "stdin: media is too large: the input is over the 5242880-byte limit of tweet_image (refused once past it, so its full size is unknown) (--no-check uploads it anyway)\n", r.stderr)
	assert.LessOrEqual(t, stdin.n.Load(), mediacheck.DefaultLimits().MaxImageBytes+1, "stdin is read no further than past the limit")
	assert.Empty(t, srv.Requests())
}

// zeros is an endless input of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestUploadRetriesTransientFaults(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503, RetryAfter: "0"})
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 2, Drop: true})
	data := video(t, 200_000)
	r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--chunk-size", "50000", writeFile(t, data))
	require.Equal(t, 0, r.code, r.stderr)
	m, _ := srv.Media(strings.TrimSpace(r.stdout))
	assert.Equal(t, hexSHA(data), m.SHA256)
}

func TestUploadBadInput(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	env := envFor(srv)
	file := writeFile(t, video(t, 1001))
	empty := writeFile(t, nil)
	bigImage := writeFile(t, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, mediacheck.DefaultLimits().MaxImageBytes)...))
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantMsg string
	}{
		{"no file", env, []string{"upload", "--endpoint", srv.UploadURL()}, "one FILE"},
		{"missing file", env, []string{"upload", "--endpoint", srv.UploadURL(), "/nonexistent/clip.mp4"}, "no such file"},
		{"directory", env, []string{"upload", "--endpoint", srv.UploadURL(), t.TempDir()}, "is a directory"},
		{"empty file", env, []string{"upload", "--endpoint", srv.UploadURL(), empty}, "media is empty"},
		{"image over its limit", env, []string{"upload", "--endpoint", srv.UploadURL(), bigImage}, "over the 5242880-byte limit of tweet_image by"},
		{"too many segments", env, []string{"upload", "--endpoint", srv.UploadURL(), "--chunk-size", "1", file}, "need 1001 segments, over 1000"},
		{"chunk over 5 MiB", env, []string{"upload", "--endpoint", srv.UploadURL(), "--chunk-size", "5242881", file}, "5242880"},
		{"chunk not a number", env, []string{"upload", "--endpoint", srv.UploadURL(), "--chunk-size", "4MB", file}, "--chunk-size"},
		{"unknown category", env, []string{"upload", "--endpoint", srv.UploadURL(), "--category", "tweet_movie", file}, "unknown media category"},
		{"unknown flag", env, []string{"upload", "--nope", file}, "flag provided but not defined"},
		{"endpoint with a password and a bad port", env, []string{"upload", "--endpoint", "https://u:hunter2@h:x/", file}, `endpoint "https://xxxxx@h:x/" is not`},
		{"ftp endpoint with a password", env, []string{"upload", "--endpoint", "ftp://u:hunter2@h/u", file}, `endpoint "ftp://xxxxx@h/u" is not`},
		{"https endpoint with a password", env, []string{"upload", "--endpoint", "https://u:hunter2@h/u", file}, "must not carry user info"},
		{"http to a remote host", env, []string{"upload", "--endpoint", "http://upload.twitter.com/1.1/media/upload.json", file}, "plain http is allowed only to loopback"},
		{"missing consumer secret", map[string]string{
			mediaupload.EnvConsumerKey: "k", mediaupload.EnvAccessToken: "t", mediaupload.EnvAccessTokenSecret: "s",
		}, []string{"upload", "--endpoint", srv.UploadURL(), file}, mediaupload.EnvConsumerSecret},
		{"no credentials", nil, []string{"upload", "--endpoint", srv.UploadURL(), file}, mediaupload.EnvConsumerKey},
		{"unknown command", env, []string{"uplod"}, "unknown command"},
		{"resume file in a missing directory", env, []string{"upload", "--endpoint", srv.UploadURL(), "--resume-file", "/nonexistent/dir/x.resume", file}, "directory does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, nil, tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tc.wantMsg)
			if !strings.Contains(tc.name, "command") {
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line of error: %q", r.stderr)
			}
			assertNoSecret(t, srv, r)
			assert.NotContains(t, r.stderr, "hunter2")
		})
	}
	assert.Zero(t, len(srv.Requests()), "bad input sends nothing")
}

func TestBadFlagIsOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"malformed duration", []string{"upload", "--stall-timeout", "5", "clip.mp4"},
			`mediaupload: invalid value "5" for flag --stall-timeout: missing unit in duration; run 'mediaupload help upload'`},
		{"stall timeout that cannot work", []string{"upload", "--stall-timeout", "1ns", "clip.mp4"},
			`mediaupload: invalid value "1ns" for flag --stall-timeout: the minimum is 1s; run 'mediaupload help upload'`},
		{"unknown flag", []string{"upload", "clip.mp4", "--nope"},
			`mediaupload: flag provided but not defined: --nope; run 'mediaupload help upload'`},
		{"missing value", []string{"upload", "clip.mp4", "--endpoint"},
			`mediaupload: flag needs an argument: --endpoint; run 'mediaupload help upload'`},
		{"demo shares the flags", []string{"demo", "--stall-timeout", "10"},
			`mediaupload: invalid value "10" for flag --stall-timeout: missing unit in duration; run 'mediaupload help demo'`},
		{"serve", []string{"serve", "--check-after", "soon"},
			`mediaupload: invalid value "soon" for flag --check-after: parse error; run 'mediaupload help serve'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, nil, tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Equal(t, tc.want+"\n", r.stderr)
			assert.Empty(t, r.stdout)
		})
	}
}

func TestHelpPrintsTheWholeUsage(t *testing.T) {
	t.Parallel()
	for cmd, flag := range map[string]string{"upload": "--stall-timeout DURATION", "demo": "--size BYTES", "serve": "--check-after SECONDS"} {
		for _, args := range [][]string{{cmd, "-h"}, {cmd, "--help"}, {cmd, "-help"}, {"help", cmd}, {cmd, "clip.mp4", "--help"}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				r := runCLI(t, nil, nil, args...)
				assert.Equal(t, 0, r.code)
				assert.Empty(t, r.stderr)
				assert.True(t, strings.HasPrefix(r.stdout, "usage: mediaupload "+cmd+" [flags]"), r.stdout)
				assert.Contains(t, r.stdout, "\n  "+flag+"\n")
				assert.NotContains(t, r.stdout, "Usage of")
				assert.Greater(t, strings.Count(r.stdout, "\n"), 10, r.stdout)
			})
		}
	}
}

func TestUploadLongRateLimitWaitFailsAtOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   mediatest.Fault
		flags   []string
		wantMsg []string // regular expressions
	}{
		{"Retry-After of decades", mediatest.Fault{Step: mediatest.StepAppend, Status: 429, RetryAfter: "1000000000"}, nil,
			[]string{"over the 15m0s of", "the service asks to wait until", `\(in 277777h46m40s\)`, "set --max-retry-wait and --max-total-wait to 277777h46m40s or more"}},
		{"reset hours away", mediatest.Fault{Step: mediatest.StepAppend, Status: 429, RateLimitReset: time.Now().Add(3 * time.Hour)}, nil,
			[]string{"over the 15m0s of", `\(in (3h0m0s|2h59m\d\ds)\)`, `to (3h0m0s|2h59m\d\ds) or more`}},
		{"a lowered cap", mediatest.Fault{Step: mediatest.StepAppend, Status: 429, RetryAfter: "3"}, []string{"--max-retry-wait", "2s"},
			[]string{"over the 2s of", `\(in 3s\)`, "to 3s or more"}},
		{"a lowered total", mediatest.Fault{Step: mediatest.StepAppend, Status: 429, RetryAfter: "3"}, []string{"--max-total-wait", "2s"},
			[]string{"3s more would pass the 2s of", "to 3s or more"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer0(t)
			srv.InjectFault(tc.fault)
			args := append([]string{"upload", "--endpoint", srv.UploadURL()}, tc.flags...)
			r := runCLI(t, envFor(srv), nil, append(args, writeFile(t, video(t, 1000)))...)
			assert.Equal(t, 1, r.code)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
			assert.Contains(t, r.stderr, "mediaupload: upload failed at append of segment 0")
			for _, want := range tc.wantMsg {
				assert.Regexp(t, want, r.stderr)
			}
			assert.Equal(t, 1, countStep(srv, mediatest.StepAppend), "no retry into a closed window")
			assertNoSecret(t, srv, r)
		})
	}
}

func TestUploadWrongCredentialsFailsFast(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	env := envFor(srv)
	env[mediaupload.EnvAccessTokenSecret] = "SECRET-wrong-token-secret"
	r := runCLI(t, env, nil, "upload", "--endpoint", srv.UploadURL(), writeFile(t, video(t, 1000)))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "401")
	assert.LessOrEqual(t, len(srv.Requests()), 2)
	assert.NotContains(t, r.stderr, "SECRET-wrong-token-secret")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"))
}

func TestUploadFailureExitsOne(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepFinalize, Status: 400})
	r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), writeFile(t, video(t, 1000)))
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "finalize")
	assert.Contains(t, r.stderr, "media 1880028106")
}

func TestDemo(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, nil, "demo", "--size", "3000000", "--chunk-size", "1000000")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^\d{19}\n$`, r.stdout)
	assert.Contains(t, r.stderr, "sha256")
	assert.Contains(t, r.stderr, "matches")
	assert.Contains(t, r.stderr, "3 of 3 segments acknowledged")
	assert.Contains(t, r.stderr, "processing: succeeded 100%")
	assert.NotContains(t, r.stderr, "\r", "not a terminal: lines, not a redrawn bar")
}

func TestServeAcceptsUploads(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--check-after", "0"}, nil, pw, io.Discard, func(string) string { return "" })
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan())
	uploadURL := strings.TrimPrefix(lines.Text(), "upload URL: ")
	env := map[string]string{}
	var postURL string
	for len(env) < 4 && lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "post URL: "); ok {
			postURL = u
		} else if k, v, ok := strings.Cut(lines.Text(), "="); ok {
			env[k] = v
		}
	}
	go io.Copy(io.Discard, pr)
	require.Len(t, env, 4)
	assert.Equal(t, mediatest.DefaultCredentials().ConsumerSecret, env[mediaupload.EnvConsumerSecret], "built-in credentials are printed")

	r := runCLI(t, env, nil, "upload", "--endpoint", uploadURL, writeFile(t, video(t, 70_000)))
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^\d+\n$`, r.stdout)

	// The media can be posted where serve says.
	require.Equal(t, strings.TrimSuffix(uploadURL, "/1.1/media/upload.json")+"/2/tweets", postURL)
	creds, err := mediaupload.CredentialsFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	hc, err := mediaupload.NewOAuth1Client(creds, nil)
	require.NoError(t, err)
	body := `{"text":"hi","media":{"media_ids":["` + strings.TrimSpace(r.stdout) + `"]}}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, postURL, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
}

func TestServeUsesEnvironmentCredentials(t *testing.T) {
	t.Parallel()
	creds, fromEnv, err := serveCredentials(func(k string) string { return "v-" + k })
	require.NoError(t, err)
	assert.True(t, fromEnv)
	assert.Equal(t, "v-"+mediaupload.EnvConsumerKey, creds.ConsumerKey)
	_, _, err = serveCredentials(func(k string) string {
		if k == mediaupload.EnvConsumerKey {
			return "only-this"
		}
		return ""
	})
	require.ErrorContains(t, err, mediaupload.EnvConsumerSecret)
}

// TestUploadOverTLSTrustsSSLCertFile runs the command as a process, as a
// user would, trusting the fake's certificate through SSL_CERT_FILE.
func TestUploadOverTLSTrustsSSLCertFile(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewTLSServer(mediatest.WithCheckAfter(0))
	t.Cleanup(srv.Close)
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	data := video(t, 150_000)
	file := writeFile(t, data)

	cmd := exec.CommandContext(t.Context(), os.Args[0], "upload", "--endpoint", srv.UploadURL(), "--type", "video/mp4", "--category", "tweet_video", file)
	cmd.Env = []string{"MEDIAUPLOAD_RUN_MAIN=1", "SSL_CERT_FILE=" + certFile}
	for k, v := range envFor(srv) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	m, ok := srv.Media(strings.TrimSpace(stdout.String()))
	require.True(t, ok, "stdout: %q", stdout.String())
	assert.Equal(t, hexSHA(data), m.SHA256)

	// Without the certificate trusted, TLS verification fails: it is never disabled.
	cmd = exec.CommandContext(t.Context(), os.Args[0], "upload", "--endpoint", srv.UploadURL(), file)
	cmd.Env = []string{"MEDIAUPLOAD_RUN_MAIN=1", "SSL_CERT_FILE=/nonexistent"}
	for k, v := range envFor(srv) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr.Reset()
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 1, exitErr.ExitCode())
	assert.Contains(t, stderr.String(), "certificate")
}

func TestServeRefusesBadSetupInOneLine(t *testing.T) {
	t.Parallel()
	busy := newServer0(t)
	addr := strings.TrimPrefix(busy.URL, "http://")
	for _, args := range [][]string{
		{"serve", "--addr", addr},
		{"serve", "--check-after", "-1"},
		{"serve", "--tls-cert", "x.pem"},
		{"serve", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"},
	} {
		r := runCLI(t, nil, nil, args...)
		assert.Equal(t, 2, r.code, "%v", args)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "%v: %q", args, r.stderr)
		assert.NotContains(t, r.stderr, "goroutine", "no panic")
	}
}

func TestReachableURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		loopback bool
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"http://[::1]:8080", "http://[::1]:8080", true},
		{"http://[::]:8080", "http://127.0.0.1:8080", false},
		{"https://0.0.0.0:8443", "https://127.0.0.1:8443", false},
		{"http://192.0.2.7:80", "http://192.0.2.7:80", false},
	}
	for _, tc := range tests {
		got, loopback := reachableURL(tc.in)
		assert.Equal(t, tc.want, got)
		assert.Equal(t, tc.loopback, loopback, tc.in)
	}
}

func TestUploadV2(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	data := video(t, 120_000)
	file := writeFile(t, data)

	// OAuth 2.0 user token.
	r := runCLI(t, map[string]string{envOAuth2Token: srv.OAuth2Token()}, nil,
		"upload", "--api", "v2", "--endpoint", srv.V2URL(), "--chunk-size", "50000", file)
	require.Equal(t, 0, r.code, r.stderr)
	m, ok := srv.Media(strings.TrimSpace(r.stdout))
	require.True(t, ok)
	assert.Equal(t, hexSHA(data), m.SHA256)

	// OAuth 1.0a on v2.
	r = runCLI(t, envFor(srv), nil, "upload", "--api", "v2", "--endpoint", srv.V2URL(), file)
	require.Equal(t, 0, r.code, r.stderr)
	for _, q := range srv.Requests() {
		assert.Equal(t, "2", q.Dialect)
	}
	assert.NotContains(t, r.stderr, srv.OAuth2Token())

	// Neither: the error names both ways.
	r = runCLI(t, nil, nil, "upload", "--api", "v2", "--endpoint", srv.V2URL(), file)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, envOAuth2Token)
	assert.Contains(t, r.stderr, mediaupload.EnvConsumerKey)

	r = runCLI(t, envFor(srv), nil, "upload", "--api", "v3", file)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--api")
}

func TestUploadSubtitlesAltTextAndDM(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	srt := writeFile(t, []byte("1\n00:00:00,000 --> 00:00:01,000\nHello\n"))
	r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--subtitles", srt, "--subtitles-lang", "fr", "--subtitles-name", "Français", writeFile(t, video(t, 5000)))
	require.Equal(t, 0, r.code, r.stderr)
	m, _ := srv.Media(strings.TrimSpace(r.stdout))
	require.Len(t, m.Subtitles, 1)
	assert.Equal(t, "FR", m.Subtitles[0].LanguageCode)
	assert.Equal(t, "Français", m.Subtitles[0].DisplayName)

	gif := writeFile(t, append([]byte("GIF89a"), make([]byte, 3000)...))
	r = runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--dm", "--alt-text", "a dancing cat", gif)
	require.Equal(t, 0, r.code, r.stderr)
	m, _ = srv.Media(strings.TrimSpace(r.stdout))
	assert.Equal(t, "dm_gif", m.Category)
	assert.Equal(t, "a dancing cat", m.AltText)

	r = runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--subtitles", srt, gif)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--subtitles-lang")
}

// TestResumeFileAfterSIGKILL kills the command mid-upload, as a crash
// would, and runs it again with the same --resume-file.
func TestResumeFileAfterSIGKILL(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 5, Hang: 30 * time.Second})
	data := video(t, 10*65536+1234)
	file := writeFile(t, data)
	resume := filepath.Join(t.TempDir(), "clip.resume")
	args := []string{"upload", "--endpoint", srv.UploadURL(), "--chunk-size", "65536", "--concurrency", "1", "--resume-file", resume, file}

	cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
	cmd.Env = []string{"MEDIAUPLOAD_RUN_MAIN=1"}
	for k, v := range envFor(srv) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		b, err := mediaupload.FileStore{Path: resume}.Load(t.Context())
		var st struct{ Segments []struct{ SHA256 string } }
		if err != nil || b == nil || json.Unmarshal(b, &st) != nil {
			return false
		}
		acked := 0
		for _, s := range st.Segments {
			if s.SHA256 != "" {
				acked++
			}
		}
		return acked == 5 // 0–4 done, 5 hangs
	}, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no cleanup runs
	cmd.Wait()

	before := map[int]int{}
	for _, q := range srv.Requests() {
		if q.Step == mediatest.StepAppend && q.Status/100 == 2 {
			before[q.Segment]++
		}
	}
	r := runCLI(t, envFor(srv), nil, args...)
	require.Equal(t, 0, r.code, r.stderr)
	all := srv.AllMedia()
	require.Len(t, all, 1, "one media id across both runs")
	assert.Equal(t, all[0].ID, strings.TrimSpace(r.stdout))
	assert.Equal(t, hexSHA(data), all[0].SHA256)
	for _, q := range srv.Requests() {
		if q.Step == mediatest.StepAppend && q.Status/100 == 2 && before[q.Segment] > 0 {
			before[q.Segment]--
			continue
		}
		if q.Step == mediatest.StepAppend && q.Status/100 == 2 {
			assert.GreaterOrEqual(t, q.Segment, 5, "segment %d was done before the kill", q.Segment)
		}
	}
	_, err := os.Stat(resume)
	assert.ErrorIs(t, err, os.ErrNotExist, "the resume file is removed on success")
}

func TestUploadAdaptiveChunkSize(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	data := video(t, 3<<20)
	r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--chunk-size", "auto", writeFile(t, data))
	require.Equal(t, 0, r.code, r.stderr)
	m, _ := srv.Media(strings.TrimSpace(r.stdout))
	assert.Equal(t, hexSHA(data), m.SHA256)
	assert.Equal(t, 512<<10, m.SegmentSizes[0], "adaptive sizes start small")
}

func TestUploadNeverPrintsAnEchoedBearerToken(t *testing.T) {
	t.Parallel()
	const token = "AAAA/user+tok=en/xyz"
	bodies := map[string]string{
		"JSON escaped slash":   `{"errors":[{"code":89,"message":"Invalid or expired token AAAA\/user+tok=en\/xyz"}]}`,
		"JSON unicode escapes": `{"title":"Forbidden","detail":"token AAAA\u002fuser\u002Btok\u003Den\u002Fxyz","type":"about:blank"}`,
		"percent-encoded":      `forbidden: access_token=AAAA%2Fuser%2Btok%3Den%2Fxyz`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, body)
			}))
			t.Cleanup(srv.Close)
			r := runCLI(t, map[string]string{envOAuth2Token: token}, nil,
				"upload", "--api", "v2", "--verbose", "--endpoint", srv.URL+"/2/media/upload", writeFile(t, video(t, 1000)))
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, "request failed", "--verbose logs the failed request")
			assert.Contains(t, r.stderr, "HTTP 403")
			for _, out := range []string{r.stdout, r.stderr} {
				for _, part := range []string{token, "user+tok", "xyz"} {
					assert.NotContains(t, out, part)
				}
			}
		})
	}
}

// countStep counts the requests srv saw for step.
func countStep(srv *mediatest.Server, step mediatest.Step) int {
	n := 0
	for _, q := range srv.Requests() {
		if q.Step == step {
			n++
		}
	}
	return n
}
