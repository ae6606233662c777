package main

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediatest"
)

// fakeClock is a clock a test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// report is one OnProgress call, at an offset from the start.
type report struct {
	at time.Duration
	pr mediaupload.Progress
}

func sentReport(at time.Duration, done, segs int, sent, total int64) report {
	return report{at, mediaupload.Progress{BytesSent: sent, TotalBytes: total, SegmentsDone: done, Segments: segs}}
}

func procReport(at time.Duration, state string, pct int, total int64) report {
	return report{at, mediaupload.Progress{BytesSent: total, TotalBytes: total, Processing: &mediaupload.ProcessingInfo{State: state, ProgressPercent: pct}}}
}

// play runs reports through a progress of mode, then finishes it at end.
func play(mode progressMode, reports []report, end time.Duration, ok bool) string {
	var out bytes.Buffer
	c := &fakeClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	start := c.t
	p := newProgress(&out, mode, c.now)
	for _, r := range reports {
		c.t = start.Add(r.at)
		p.update(r.pr)
	}
	c.t = start.Add(end)
	p.finish(ok)
	return out.String()
}

const mib = 1 << 20

func TestProgress_lines(t *testing.T) {
	t.Parallel()
	video := []report{
		sentReport(time.Second, 1, 4, mib, 4*mib),
		sentReport(2*time.Second, 2, 4, 2*mib, 4*mib),
		sentReport(4*time.Second, 4, 4, 4*mib, 4*mib),
		procReport(5*time.Second, "pending", 0, 4*mib),
		procReport(6*time.Second, "in_progress", 50, 4*mib),
		procReport(7*time.Second, "in_progress", 50, 4*mib),
		procReport(8*time.Second, "succeeded", 100, 4*mib),
	}
	tests := []struct {
		name    string
		reports []report
		end     time.Duration
		ok      bool
		want    string
	}{
		{"video: rate while sending only, processing once per state", video, 8 * time.Second, true,
			"sent  25%: 1 of 4 segments acknowledged, 1.0 MiB of 4.0 MiB at 1.0 MiB/s\n" +
				"sent  50%: 2 of 4 segments acknowledged, 2.0 MiB of 4.0 MiB at 1.0 MiB/s\n" +
				"sent 100%: 4 of 4 segments acknowledged, 4.0 MiB of 4.0 MiB at 1.0 MiB/s\n" +
				"processing: pending\n" +
				"processing: in_progress 50%\n" +
				"processing: succeeded 100%\n" +
				"done: 4.0 MiB uploaded, sent at 1.0 MiB/s, processed in 4.0s\n"},
		{"a line per tenth, not per segment", func() []report {
			var rs []report
			for i := 1; i <= 100; i++ {
				rs = append(rs, sentReport(time.Duration(i)*10*time.Millisecond, i, 100, int64(i)*1024, 100*1024))
			}
			return rs
		}(), time.Second, true,
			"sent   1%: 1 of 100 segments acknowledged, 1.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  10%: 10 of 100 segments acknowledged, 10.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  20%: 20 of 100 segments acknowledged, 20.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  30%: 30 of 100 segments acknowledged, 30.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  40%: 40 of 100 segments acknowledged, 40.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  50%: 50 of 100 segments acknowledged, 50.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  60%: 60 of 100 segments acknowledged, 60.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  70%: 70 of 100 segments acknowledged, 70.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  80%: 80 of 100 segments acknowledged, 80.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent  90%: 90 of 100 segments acknowledged, 90.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"sent 100%: 100 of 100 segments acknowledged, 100.0 KiB of 100.0 KiB at 100.0 KiB/s\n" +
				"done: 100.0 KiB uploaded, sent at 100.0 KiB/s\n"},
		{"no rate before time has passed", []report{sentReport(0, 1, 1, 500, 500)}, 0, true,
			"sent 100%: 1 of 1 segments acknowledged, 500 B of 500 B\ndone: 500 B uploaded\n"},
		{"a resumed upload counts only what this run sent", []report{
			sentReport(time.Second, 3, 4, 3*mib, 4*mib),
			sentReport(2*time.Second, 4, 4, 4*mib, 4*mib),
		}, 2 * time.Second, true,
			"sent  75%: 3 of 4 segments acknowledged, 3.0 MiB of 4.0 MiB at 1.0 MiB/s\n" +
				"sent 100%: 4 of 4 segments acknowledged, 4.0 MiB of 4.0 MiB at 1.0 MiB/s\n" +
				"done: 4.0 MiB uploaded, sent at 1.0 MiB/s\n"},
		{"a failed upload ends with no summary", []report{sentReport(time.Second, 1, 2, mib, 2*mib)}, 2 * time.Second, false,
			"sent  50%: 1 of 2 segments acknowledged, 1.0 MiB of 2.0 MiB at 1.0 MiB/s\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := play(progressLines, tc.reports, tc.end, tc.ok)
			assert.Equal(t, tc.want, got)
			assertLogFriendly(t, got)
		})
	}
}

func TestProgress_bar(t *testing.T) {
	t.Parallel()
	got := play(progressBar, []report{
		sentReport(time.Second, 1, 4, mib, 4*mib),
		sentReport(2*time.Second, 4, 4, 4*mib, 4*mib),
		procReport(3*time.Second, "in_progress", 50, 4*mib),
	}, 4*time.Second, true)
	frames := strings.Split(strings.TrimSuffix(got, "\n"), "\r")[1:]
	require.Len(t, frames, 4, "%q", got)
	assert.Equal(t, "[=======                       ]  25%  1.0 MiB/4.0 MiB  1.0 MiB/s\x1b[K", frames[0], "the clock starts with the upload")
	assert.Equal(t, "[==============================] 100%  4.0 MiB/4.0 MiB  2.0 MiB/s\x1b[K", frames[1])
	assert.Equal(t, "processing: in_progress 50%\x1b[K", frames[2], "one percentage at a time")
	assert.Equal(t, "done: 4.0 MiB uploaded, sent at 2.0 MiB/s, processed in 1.0s\x1b[K", frames[3])
	assert.True(t, strings.HasSuffix(got, "\n"))

	failed := play(progressBar, []report{sentReport(time.Second, 1, 4, mib, 4*mib)}, time.Second, false)
	assert.True(t, strings.HasSuffix(failed, "\x1b[K\n"), "%q: a failure keeps the last frame and ends its line", failed)
}

func TestProgressModeFor(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	devNull, err := os.Open(os.DevNull)
	require.NoError(t, err)
	t.Cleanup(func() { devNull.Close() })
	tests := []struct {
		name                    string
		force, quiet, linesElse bool
		want                    progressMode
	}{
		{"log, default", false, false, false, progressOff},
		{"log, --progress", true, false, false, progressLines},
		{"log, demo", false, false, true, progressLines},
		{"--quiet wins", true, true, true, progressOff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, progressModeFor(&buf, tc.force, tc.quiet, tc.linesElse))
			assert.Equal(t, tc.want, progressModeFor(devNull, tc.force, tc.quiet, tc.linesElse), "a file that is not a terminal")
		})
	}
}

// assertLogFriendly fails on output a log would garble: carriage returns,
// escapes, padding, more than one percentage per line, absurd rates.
func assertLogFriendly(t *testing.T, out string) {
	t.Helper()
	assert.NotContains(t, out, "\r")
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "TiB/s")
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		assert.LessOrEqual(t, strings.Count(line, "%"), 1, "line %q", line)
		assert.Equal(t, strings.TrimSpace(line), line, "line %q is padded", line)
	}
}

// --progress into a log (stderr not a terminal) gives lines, through the
// CLI's entry point, with the rate of the sending alone.
func TestUploadProgressInALog(t *testing.T) {
	t.Parallel()
	srv := newServer0(t, mediatest.WithCheckAfter(1), mediatest.WithProcessingSteps(1))
	data := video(t, 300_000)
	r := runCLI(t, envFor(srv), nil, "upload", "--endpoint", srv.UploadURL(), "--chunk-size", "65536", "--concurrency", "1",
		"--progress", writeFile(t, data))
	require.Equal(t, 0, r.code, r.stderr)
	_, ok := srv.Media(strings.TrimSpace(r.stdout))
	require.True(t, ok, "stdout %q", r.stdout)
	assertLogFriendly(t, r.stderr)
	assertNoSecret(t, srv, r)

	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	assert.Equal(t, []string{
		"sent  21%: 1 of 5 segments acknowledged",
		"sent  43%: 2 of 5 segments acknowledged",
		"sent  65%: 3 of 5 segments acknowledged",
		"sent  87%: 4 of 5 segments acknowledged",
		"sent 100%: 5 of 5 segments acknowledged",
		"processing: pending",
		"processing: in_progress 50%",
		"processing: succeeded 100%",
		"done: 293.0 KiB uploaded",
	}, prefixes(lines), r.stderr)

	// Processing took 2 s (two polls 1 s apart); sending 300 kB to loopback
	// takes far less. A rate that counted processing would be under 150 kB/s.
	m := regexp.MustCompile(`sent at ([0-9.]+) (B|KiB|MiB|GiB)/s, processed in ([0-9.]+)s$`).FindStringSubmatch(lines[len(lines)-1])
	require.NotNil(t, m, lines[len(lines)-1])
	rate, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	rate *= map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[m[2]]
	processed, err := strconv.ParseFloat(m[3], 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, processed, 1.9)
	assert.Greater(t, rate, float64(len(data))/1.5, "the rate excludes processing")
}

// prefixes cuts each line before its byte counts and rate, which vary.
func prefixes(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		l, _, _ = strings.Cut(l, ",")
		out[i] = l
	}
	return out
}
