package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediatest"
)

// retryLineRE matches the retry line of segment 1's first retry after a
// 503 with Retry-After: 1.
const retryLineRE = `(?m)^APPEND segment 1: HTTP 503, retrying in 1\.0s \(attempt 2 of 8\)$`

func TestUploadShowsEachRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		flags      []string
		retryAfter string
		want       []string // regular expressions stderr matches
		wantNot    []string // substrings stderr lacks
		wantLines  int      // lines on stderr; -1: any
	}{
		{"plain", nil, "1", []string{retryLineRE}, nil, 1},
		{"quiet", []string{"--quiet"}, "1", nil, []string{"retrying"}, 0},
		{"with progress lines", []string{"--progress"}, "1", []string{retryLineRE, `(?m)^sent 100%`}, nil, -1},
		{"verbose logs name the segment", []string{"--verbose"}, "1",
			[]string{retryLineRE, `msg="request failed" step=APPEND segment=1 media_id=\d+ attempt=1 error=`, `msg=request step=APPEND segment=1 media_id=\d+ attempt=2 status=204`}, nil, -1},
		{"a long wait is told once", nil, "5",
			[]string{`(?m)^APPEND segment 1: HTTP 503, retrying in 5\.0s \(attempt 2 of 8\)$`}, []string{retryWaitLog}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer0(t)
			srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503, RetryAfter: tc.retryAfter})
			args := append([]string{"upload", "--endpoint", srv.UploadURL(), "--chunk-size", "50000"}, tc.flags...)
			r := runCLI(t, envFor(srv), nil, append(args, writeFile(t, video(t, 120_000)))...)
			require.Equal(t, 0, r.code, r.stderr)
			for _, want := range tc.want {
				assert.Regexp(t, want, r.stderr)
			}
			for _, not := range tc.wantNot {
				assert.NotContains(t, r.stderr, not)
			}
			if tc.wantLines >= 0 {
				assert.Equal(t, tc.wantLines, strings.Count(r.stderr, "\n"), r.stderr)
			}
			assertNoSecret(t, srv, r)
		})
	}
}

// An endpoint where nothing listens shows its retries at once, instead of
// a minute of silence before the error.
func TestUploadToNothingShowsItsRetries(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var stdout, stderr strings.Builder
	env := envFor(newServer0(t))
	code := run(ctx, []string{"upload", "--endpoint", "http://" + addr + "/1.1/media/upload.json", writeFile(t, video(t, 1000))},
		strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	assert.Equal(t, 1, code)
	assert.Regexp(t, `(?m)^INIT: dial tcp `+regexp.QuoteMeta(addr)+`: connect: connection refused, retrying in \d\.\ds \(attempt 2 of 8\)$`, stderr.String())
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "retrying") {
			assert.NotContains(t, line, "http://", "the cause, without the request's URL")
		}
	}
}

func TestRetryLine(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	apiErr := &mediaupload.APIError{StatusCode: 503}
	tests := []struct {
		name string
		e    mediaupload.RetryEvent
		want string
	}{
		{"segment", mediaupload.RetryEvent{Step: mediaupload.StepAppend, Segment: 5, Attempt: 1, MaxAttempts: 8, Err: apiErr, Wait: 1234 * time.Millisecond},
			"APPEND segment 5: HTTP 503, retrying in 1.2s (attempt 2 of 8)"},
		{"no segment", mediaupload.RetryEvent{Step: mediaupload.StepFinalize, Segment: -1, Attempt: 3, MaxAttempts: 8, Err: apiErr, Wait: 4 * time.Second},
			"FINALIZE: HTTP 503, retrying in 4.0s (attempt 4 of 8)"},
		{"network", mediaupload.RetryEvent{Step: mediaupload.StepInit, Segment: -1, Attempt: 1, MaxAttempts: 8,
			Err: &url.Error{Op: "Post", URL: "http://127.0.0.1:1/1.1/media/upload.json", Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}, Wait: 600 * time.Millisecond},
			"INIT: dial tcp 127.0.0.1:1: connect: connection refused, retrying in 0.6s (attempt 2 of 8)"},
		{"stall", mediaupload.RetryEvent{Step: mediaupload.StepAppend, Segment: 0, Attempt: 1, MaxAttempts: 8,
			Err: errors.Join(mediaupload.ErrStalled), Wait: time.Second}, "APPEND segment 0: connection stalled, retrying in 1.0s (attempt 2 of 8)"},
		{"long wait", mediaupload.RetryEvent{Step: mediaupload.StepAppend, Segment: 2, Attempt: 1, MaxAttempts: 8,
			Err: &mediaupload.APIError{StatusCode: 429}, Wait: 14*time.Minute + 300*time.Millisecond},
			"APPEND segment 2: HTTP 429, retrying in 14m0s, at 12:14:00 (attempt 2 of 8)"},
		{"rate-limit gate", mediaupload.RetryEvent{Step: mediaupload.StepInit, Segment: -1, MaxAttempts: 8,
			Err: fmt.Errorf("%w until 12:00:42", mediaupload.ErrRateLimited), Wait: 42 * time.Second},
			"INIT: rate limited until 12:00:42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, retryLine(tc.e, now))
		})
	}
}

// On a terminal the retry line replaces the bar's line, and the bar is
// drawn again below it.
func TestProgressBarMakesRoomForRetries(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	clock := &fakeClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	p := newProgress(&out, progressBar, clock.now)
	p.update(mediaupload.Progress{BytesSent: 50, TotalBytes: 100, SegmentsDone: 1, Segments: 2})
	frame := out.String()
	require.True(t, strings.HasPrefix(frame, "\r[") && strings.HasSuffix(frame, "\x1b[K"), "%q", frame)
	out.Reset()
	p.retry(mediaupload.RetryEvent{Step: mediaupload.StepAppend, Segment: 1, Attempt: 1, MaxAttempts: 8,
		Err: &mediaupload.APIError{StatusCode: 503}, Wait: time.Second})
	assert.Equal(t, "\rAPPEND segment 1: HTTP 503, retrying in 1.0s (attempt 2 of 8)\x1b[K\n"+frame, out.String())

	out.Reset()
	p.lineWriter().Write([]byte("level=DEBUG msg=request\n"))
	assert.Equal(t, "\rlevel=DEBUG msg=request\x1b[K\n"+frame, out.String(), "a log line too")

	p.finish(true)
	out.Reset()
	p.retry(mediaupload.RetryEvent{Step: mediaupload.StepStatus, Segment: -1, Attempt: 1, MaxAttempts: 8, Err: &mediaupload.APIError{StatusCode: 503}, Wait: time.Second})
	assert.Equal(t, "STATUS: HTTP 503, retrying in 1.0s (attempt 2 of 8)\n", out.String(), "no bar to redraw once finished")
}

func TestTheAPIFollowsTheEndpointAndTheCredentials(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	file := writeFile(t, video(t, 60_000))
	token := map[string]string{envOAuth2Token: srv.OAuth2Token()}
	both := envFor(srv)
	both[envOAuth2Token] = srv.OAuth2Token()
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		wantAuth string   // of the requests, on success
		wantPath string   // prefix of the requests' paths, on success
		wantErr  []string // on failure
		wantNot  string   // on failure
	}{
		{"token alone, v2 endpoint", token, []string{"--endpoint", srv.V2URL()}, 0, "oauth2", "/2/media/upload", nil, ""},
		{"OAuth 1.0a, v2 endpoint", envFor(srv), []string{"--endpoint", srv.V2URL()}, 0, "oauth1", "/2/media/upload", nil, ""},
		{"OAuth 1.0a, v1.1 endpoint", envFor(srv), []string{"--endpoint", srv.UploadURL()}, 0, "oauth1", "/1.1/media/upload.json", nil, ""},
		{"both, v1.1 endpoint: OAuth 1.0a", both, []string{"--endpoint", srv.UploadURL()}, 0, "oauth1", "/1.1/", nil, ""},
		{"both, --api v2: the token", both, []string{"--api", "v2", "--endpoint", srv.V2URL()}, 0, "oauth2", "/2/", nil, ""},
		{"--api v2 with a v1.1 endpoint", envFor(srv), []string{"--api", "v2", "--endpoint", srv.UploadURL()}, 2, "", "",
			[]string{"--api v2 does not match --endpoint, whose path is v1.1's: drop --api to follow the endpoint, or use a …/2/media/upload endpoint"}, ""},
		{"--api 1.1 with a v2 endpoint", envFor(srv), []string{"--api", "1.1", "--endpoint", srv.V2URL()}, 2, "", "",
			[]string{"--api 1.1 does not match --endpoint, whose path is v2's"}, ""},
		{"token alone, v1.1 endpoint", token, []string{"--endpoint", srv.UploadURL()}, 2, "", "",
			[]string{envOAuth2Token + " is an OAuth 2.0 token, for v2, but --endpoint has a v1.1 path"}, srv.OAuth2Token()},
		{"token alone, --api 1.1", token, []string{"--api", "1.1", "--endpoint", srv.UploadURL()}, 2, "", "",
			[]string{mediaupload.EnvConsumerKey, envOAuth2Token + " is for v2 only"}, srv.OAuth2Token()},
		{"nothing set: both ways named", nil, []string{"--endpoint", srv.V2URL()}, 2, "", "",
			[]string{mediaupload.EnvConsumerKey, "or, for v2, set " + envOAuth2Token + " alone"}, ""},
		{"nothing set, v1.1: no token named", nil, []string{"--endpoint", srv.UploadURL()}, 2, "", "",
			[]string{mediaupload.EnvConsumerKey}, envOAuth2Token},
		{"a wrong token: no clock", map[string]string{envOAuth2Token: "wrong-token-5e1"}, []string{"--endpoint", srv.V2URL()}, 1, "", "",
			[]string{"401", "check the credentials"}, "clock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { // not parallel: the refused cases count the shared server's requests
			before := len(srv.Requests())
			r := runCLI(t, tc.env, nil, append(append([]string{"upload"}, tc.args...), file)...)
			require.Equal(t, tc.code, r.code, r.stderr)
			if tc.code != 0 {
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
				for _, want := range tc.wantErr {
					assert.Contains(t, r.stderr, want)
				}
				if tc.wantNot != "" {
					assert.NotContains(t, r.stderr, tc.wantNot)
				}
				if tc.code == 2 {
					assert.Len(t, srv.Requests(), before, "refused before any request")
				}
				return
			}
			m, ok := srv.Media(strings.TrimSpace(r.stdout))
			require.True(t, ok, r.stdout)
			for _, q := range srv.Requests() {
				if q.MediaID == m.ID {
					assert.Equal(t, tc.wantAuth, q.Auth, "%+v", q)
					assert.True(t, strings.HasPrefix(q.Path, tc.wantPath), q.Path)
				}
			}
		})
	}
}

func TestFlagsComeBeforeMissingCredentials(t *testing.T) {
	t.Parallel()
	srv := newServer0(t)
	for _, args := range [][]string{
		{"--api", "v2", "--endpoint", srv.UploadURL()},
		{"--chunk-size", "6000000"},
		{"--endpoint", "http://upload.twitter.com/1.1/media/upload.json"},
	} {
		r := runCLI(t, nil, nil, append(append([]string{"upload"}, args...), writeFile(t, video(t, 1000)))...)
		assert.Equal(t, 2, r.code)
		assert.NotContains(t, r.stderr, "TWITTER_", "%v", args)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
	}
}

func TestMissingFileComesBeforeMissingCredentials(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"/nonexistent/clip.mp4", t.TempDir()} {
		r := runCLI(t, nil, nil, "upload", name)
		assert.Equal(t, 2, r.code)
		assert.Regexp(t, `^mediaupload: (open /nonexistent/clip.mp4: no such file or directory|.* is a directory)\n$`, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		r := runCLI(t, nil, nil, args...)
		assert.Equal(t, 0, r.code)
		assert.Regexp(t, `^mediaupload (\(devel\)|v\S+)( \(.*\))?\n$`, r.stdout)
		assert.Empty(t, r.stderr)
	}
	r := runCLI(t, nil, nil, "version", "extra")
	assert.Equal(t, 2, r.code)
}

func TestVersionLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "mediaupload (devel)"},
		{"test binary", &debug.BuildInfo{GoVersion: "go1.26.8"}, "mediaupload (devel) (go1.26.8)"},
		{"release", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, "mediaupload v1.2.3 (go1.26.8)"},
		{"checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "c9f3b9f0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}}, "mediaupload (devel) (revision c9f3b9f01234, modified, 2026-12-01T10:00:00Z, go1.26.8)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, versionLine(tc.info))
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{[]string{"help"}, 0, "usage: mediaupload COMMAND", ""},
		{[]string{"--help"}, 0, "Run 'mediaupload help COMMAND'", ""},
		{[]string{"-h"}, 0, "completion bash|zsh|fish", ""},
		{[]string{"help", "version"}, 0, "usage: mediaupload version\n", ""},
		{[]string{"help", "completion"}, 0, "source <(mediaupload completion bash)", ""},
		{[]string{"help", "nope"}, 2, "", `mediaupload: unknown command "nope"; run 'mediaupload help'` + "\n"},
		{[]string{"uplod"}, 2, "", `mediaupload: unknown command "uplod"; run 'mediaupload help'` + "\n"},
		{nil, 2, "", "usage: mediaupload COMMAND"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, nil, tc.args...)
			assert.Equal(t, tc.code, r.code)
			if tc.inStdout == "" {
				assert.Empty(t, r.stdout)
			} else {
				assert.Contains(t, r.stdout, tc.inStdout)
			}
			if tc.inStderr == "" {
				assert.Empty(t, r.stderr)
			} else {
				assert.Contains(t, r.stderr, tc.inStderr)
			}
		})
	}
}

// Every flag that takes a value shows a placeholder in capitals, and the
// usage lists flags in one style, --name.
func TestUsagePlaceholders(t *testing.T) {
	t.Parallel()
	placeholder := regexp.MustCompile(`^[A-Z][A-Z:_|]*$`)
	for _, cmd := range commands() {
		fs, _ := newFlagSet(cmd, stdio{})
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage == "" {
				return
			}
			name, _ := flag.UnquoteUsage(f)
			if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
				assert.Empty(t, name, "%s --%s", cmd.name, f.Name)
				return
			}
			assert.Regexp(t, placeholder, name, "%s --%s", cmd.name, f.Name)
		})
		var usage strings.Builder
		printUsage(&usage, cmd, fs)
		assert.NotRegexp(t, `(?m)^  -[a-z]`, usage.String(), "%s: a single-dash flag", cmd.name)
	}
}

func TestServeVerboseHasOneName(t *testing.T) {
	t.Parallel()
	for _, flagName := range []string{"--verbose", "-v", "--v", "-verbose"} {
		ctx, cancel := context.WithCancel(t.Context())
		cancel() // serve stops at once: the flags were accepted
		var stdout, stderr strings.Builder
		code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", flagName}, nil, &stdout, &stderr, func(string) string { return "" })
		assert.Equal(t, 0, code, "%s: %s", flagName, stderr.String())
		assert.Contains(t, stdout.String(), "upload URL: ")
	}
	r := runCLI(t, nil, nil, "help", "serve")
	assert.Contains(t, r.stdout, "  --verbose\n")
	assert.NotContains(t, r.stdout, "  --v\n", "the old spelling is hidden")
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, nil, "completion", shell)
			require.Equal(t, 0, r.code, r.stderr)
			script := r.stdout
			for _, cmd := range commands() {
				assert.Contains(t, script, cmd.name)
				fs, _ := newFlagSet(cmd, stdio{})
				fs.VisitAll(func(f *flag.Flag) {
					if f.Usage == "" {
						return
					}
					want := "--" + f.Name
					if shell == "fish" {
						want = "-l " + f.Name
					}
					assert.Regexp(t, regexp.QuoteMeta(want)+`\b`, script, "%s --%s", cmd.name, f.Name)
				})
			}
			if shell != "bash" {
				return
			}
			bash, err := exec.LookPath("bash")
			if err != nil {
				t.Skip("no bash to check the script's syntax")
			}
			path := filepath.Join(t.TempDir(), "mediaupload.bash")
			require.NoError(t, os.WriteFile(path, []byte(script), 0o600))
			out, err := exec.CommandContext(t.Context(), bash, "-n", path).CombinedOutput()
			require.NoError(t, err, "%s", out)
			// Complete "mediaupload upload --con" as bash would.
			out, err = exec.CommandContext(t.Context(), bash, "-c", `source "$1"; COMP_WORDS=(mediaupload upload --con); COMP_CWORD=2; _mediaupload; echo "${COMPREPLY[@]}"`, "bash", path).CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Equal(t, "--concurrency\n", string(out))
		})
	}
	r := runCLI(t, nil, nil, "completion", "tcsh")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "use bash, zsh or fish")
}
