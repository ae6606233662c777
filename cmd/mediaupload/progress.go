package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/mediaupload/mediaupload"
)

// progressMode says how an upload's advance is shown on stderr.
type progressMode int

const (
	progressOff   progressMode = iota
	progressBar                // a bar redrawn in place, for terminals
	progressLines              // a line per event, for logs
)

// progressModeFor picks the mode: a bar when stderr is a terminal or when
// forced; otherwise none, or lines when asked for.
func progressModeFor(stderr io.Writer, force, quiet, linesElse bool) progressMode {
	f, ok := stderr.(*os.File)
	switch {
	case quiet:
		return progressOff
	case force || ok && term.IsTerminal(int(f.Fd())):
		return progressBar
	case linesElse:
		return progressLines
	}
	return progressOff
}

// progress shows an upload's advance on stderr.
type progress struct {
	w    io.Writer
	mode progressMode
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
}

// update is the upload's OnProgress callback.
func (p *progress) update(pr mediaupload.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case progressLines:
		if pi := pr.Processing; pi != nil {
			fmt.Fprintf(p.w, "processing: %s %d%%\n", pi.State, pi.ProgressPercent)
		} else {
			fmt.Fprintf(p.w, "%d of %d segments acknowledged: %.1f of %.1f MiB\n",
				pr.SegmentsDone, pr.Segments, float64(pr.BytesSent)/(1<<20), float64(pr.TotalBytes)/(1<<20))
		}
	case progressBar:
		if p.bar == nil {
			p.bar = progressbar.NewOptions64(pr.TotalBytes,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(describe("uploading")),
				progressbar.OptionShowCount(),
				progressbar.OptionShowBytes(true),
				progressbar.OptionUseIECUnits(true),
				progressbar.OptionSetWidth(30),
				progressbar.OptionSetPredictTime(false),
			)
		}
		p.bar.Set64(pr.BytesSent)
		if pi := pr.Processing; pi != nil {
			p.bar.Describe(describe(fmt.Sprintf("processing: %s %d%%", pi.State, pi.ProgressPercent)))
		}
	}
}

// finish ends the bar's line.
func (p *progress) finish(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		return
	}
	if ok {
		p.bar.Describe(describe("done"))
		p.bar.Finish()
	}
	fmt.Fprintln(p.w)
}

// describe pads a bar's description to one width, so that a shorter one
// does not leave the end of the longer one behind.
func describe(s string) string { return fmt.Sprintf("%-27s", s) }
