package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/mediaupload/mediaupload"
)

// progressMode says how an upload's advance is shown on stderr.
type progressMode int

const (
	progressOff   progressMode = iota
	progressBar                // one line redrawn in place, for terminals
	progressLines              // a line per notable step, for logs
)

// progressModeFor picks the mode: a bar when stderr is a terminal; else
// lines when forced or asked for, or nothing. A log never gets the bar's
// carriage returns.
func progressModeFor(stderr io.Writer, force, quiet, linesElse bool) progressMode {
	f, ok := stderr.(*os.File)
	switch {
	case quiet:
		return progressOff
	case ok && term.IsTerminal(int(f.Fd())):
		return progressBar
	case force || linesElse:
		return progressLines
	}
	return progressOff
}

// barWidth is the number of cells of the bar.
const barWidth = 30

// progress shows an upload's advance on stderr. The rate counts the bytes
// sent by this run over the time segments were being sent: from the start
// of the upload to the last segment acknowledged, processing excluded.
type progress struct {
	w    io.Writer
	mode progressMode
	now  func() time.Time

	mu       sync.Mutex
	start    time.Time // the upload began
	sendEnd  time.Time // the last segment was acknowledged; zero before
	procEnd  time.Time // the last processing report
	reported bool      // a segment report came
	bytes    int64     // BytesSent of the last report
	sent     int64     // bytes sent by this run
	total    int64
	tenth    int    // lines: the tenth of the bytes last shown; -1 before the first
	shown    string // lines: the processing state last shown
	frameNow string // bar: the frame on the terminal line, "" when none
}

// newProgress starts measuring an upload that begins now.
func newProgress(w io.Writer, mode progressMode, now func() time.Time) *progress {
	if now == nil {
		now = time.Now
	}
	return &progress{w: w, mode: mode, now: now, start: now(), tenth: -1}
}

// begin restarts the measure: the upload begins now.
func (p *progress) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start = p.now()
}

// println writes line on a line of its own: on a terminal, over the bar,
// which it then redraws below.
func (p *progress) println(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != progressBar || p.frameNow == "" {
		fmt.Fprintln(p.w, line)
		return
	}
	fmt.Fprint(p.w, "\r"+line+"\x1b[K\n")
	p.frame(p.frameNow)
}

// lineWriter is a writer of whole lines (a log's) that keeps the bar below
// them.
func (p *progress) lineWriter() io.Writer {
	return writerFunc(func(b []byte) (int, error) {
		p.println(strings.TrimSuffix(string(b), "\n"))
		return len(b), nil
	})
}

// writerFunc is an io.Writer made of a function.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// retry is the client's OnRetry callback: a line per retry.
func (p *progress) retry(e mediaupload.RetryEvent) { p.println(retryLine(e, p.now())) }

// retryLine says which request failed, why, and when and how it is tried
// again: "APPEND segment 5: HTTP 503, retrying in 1.2s (attempt 2 of 8)",
// or, for a request held back by the rate-limit gate, until when:
// "INIT: rate limited until 12:00:42".
func retryLine(e mediaupload.RetryEvent, now time.Time) string {
	what := string(e.Step)
	if e.Segment >= 0 {
		what += fmt.Sprintf(" segment %d", e.Segment)
	}
	if errors.Is(e.Err, mediaupload.ErrRateLimited) { // held back by the client's rate-limit gate
		return fmt.Sprintf("%s: rate limited until %s", what, now.Add(e.Wait).Format(time.TimeOnly))
	}
	wait := fmt.Sprintf("%.1fs", e.Wait.Seconds())
	if e.Wait >= time.Minute {
		wait = fmt.Sprintf("%v, at %s", e.Wait.Round(time.Second), now.Add(e.Wait).Format(time.TimeOnly))
	}
	return fmt.Sprintf("%s: %s, retrying in %s (attempt %d of %d)", what, retryCause(e.Err), wait, e.Attempt+1, e.MaxAttempts)
}

// retryCause is a short reason for a failed attempt: the status of an
// answer, or the network's error without the request's URL.
func retryCause(err error) string {
	var apiErr *mediaupload.APIError
	var urlErr *url.Error
	switch {
	case err == nil:
		return "failed"
	case errors.As(err, &apiErr):
		return fmt.Sprintf("HTTP %d", apiErr.StatusCode)
	case errors.As(err, &urlErr):
		err = urlErr.Err
	}
	return strings.TrimPrefix(err.Error(), "mediaupload: ")
}

// update is the upload's OnProgress callback.
func (p *progress) update(pr mediaupload.Progress) {
	if p.mode == progressOff {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.total = pr.TotalBytes
	if pi := pr.Processing; pi != nil {
		if p.sendEnd.IsZero() {
			p.sendEnd = now // nothing was left to send (a resumed upload)
		}
		p.procEnd = now
		p.showProcessing(pi)
		return
	}
	p.count(pr)
	if pr.BytesSent >= pr.TotalBytes && p.sendEnd.IsZero() {
		p.sendEnd = now
	}
	p.showSent(pr, now)
}

// count adds the bytes a report says were sent. The first report of a
// resumed upload also counts the segments sent before: those are
// estimated as all but one average segment.
func (p *progress) count(pr mediaupload.Progress) {
	switch {
	case !p.reported && pr.SegmentsDone > 0:
		p.sent = pr.BytesSent / int64(pr.SegmentsDone)
	case pr.BytesSent > p.bytes:
		p.sent += pr.BytesSent - p.bytes
	}
	p.reported, p.bytes = true, pr.BytesSent
}

// rate returns the sending rate at now, "" before there is a measure.
func (p *progress) rate(now time.Time) string {
	if !p.sendEnd.IsZero() {
		now = p.sendEnd
	}
	d := now.Sub(p.start)
	if d < time.Millisecond || p.sent <= 0 {
		return ""
	}
	return formatBytes(float64(p.sent)/d.Seconds()) + "/s"
}

func (p *progress) showSent(pr mediaupload.Progress, now time.Time) {
	pct := 100
	if pr.TotalBytes > 0 {
		pct = int(pr.BytesSent * 100 / pr.TotalBytes)
	}
	rate := p.rate(now)
	switch p.mode {
	case progressLines:
		tenth := pct / 10
		if tenth <= p.tenth {
			return // a line per tenth of the bytes, and the first
		}
		p.tenth = tenth
		line := fmt.Sprintf("sent %3d%%: %d of %d segments acknowledged, %s of %s",
			pct, pr.SegmentsDone, pr.Segments, formatBytes(float64(pr.BytesSent)), formatBytes(float64(pr.TotalBytes)))
		if rate != "" {
			line += " at " + rate
		}
		fmt.Fprintln(p.w, line)
	case progressBar:
		filled := pct * barWidth / 100
		bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
		p.frame(fmt.Sprintf("[%s] %3d%%  %s/%s  %s", bar, pct,
			formatBytes(float64(pr.BytesSent)), formatBytes(float64(pr.TotalBytes)), rate))
	}
}

func (p *progress) showProcessing(pi *mediaupload.ProcessingInfo) {
	s := "processing: " + pi.State
	if pi.ProgressPercent > 0 {
		s += fmt.Sprintf(" %d%%", pi.ProgressPercent)
	}
	switch p.mode {
	case progressLines:
		if s != p.shown {
			fmt.Fprintln(p.w, s)
		}
		p.shown = s
	case progressBar:
		p.frame(s)
	}
}

// frame redraws the terminal line: back to its start, the text, then
// erase what a longer frame left.
func (p *progress) frame(s string) {
	p.frameNow = s
	fmt.Fprint(p.w, "\r"+s+"\x1b[K")
}

// finish ends the display: a closing line on success, and on a terminal
// the end of the bar's line.
func (p *progress) finish(ok bool) {
	if p.mode == progressOff {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() { p.frameNow = "" }() // the line is ended: later lines go below it
	if !ok {
		if p.mode == progressBar {
			fmt.Fprint(p.w, "\x1b[K\n") // keep the last frame, end its line
		}
		return
	}
	s := "done: " + formatBytes(float64(p.total)) + " uploaded"
	if r := p.rate(p.now()); r != "" {
		s += ", sent at " + r
	}
	if !p.procEnd.IsZero() && !p.sendEnd.IsZero() {
		s += fmt.Sprintf(", processed in %.1fs", p.procEnd.Sub(p.sendEnd).Seconds())
	}
	if p.mode == progressBar {
		p.frame(s)
		s = ""
	}
	fmt.Fprintln(p.w, s)
}

// formatBytes writes n bytes in IEC units: "512 B", "1.5 KiB", "24.0 MiB".
func formatBytes(n float64) string {
	if n < 1024 {
		return fmt.Sprintf("%.0f B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	u := -1
	for n >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	return fmt.Sprintf("%.1f %s", n, units[u])
}
