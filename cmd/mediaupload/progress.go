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

// progress shows an upload's advance on stderr: a bar when stderr is a
// terminal (or when forced), nothing when quiet or not a terminal.
type progress struct {
	w       io.Writer
	enabled bool
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	state   string
}

func newProgress(stderr io.Writer, force, quiet bool) *progress {
	enabled := force
	if f, ok := stderr.(*os.File); ok && !force {
		enabled = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: stderr, enabled: enabled && !quiet}
}

// update is the upload's OnProgress callback.
func (p *progress) update(pr mediaupload.Progress) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(pr.TotalBytes,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("uploading"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionUseIECUnits(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
		)
	}
	p.bar.Set64(pr.BytesSent)
	if pi := pr.Processing; pi != nil && pi.State != p.state {
		p.state = pi.State
		p.bar.Describe(fmt.Sprintf("processing: %s %d%%", pi.State, pi.ProgressPercent))
	} else if pi != nil {
		p.bar.Describe(fmt.Sprintf("processing: %s %d%%", pi.State, pi.ProgressPercent))
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
		p.bar.Describe("done")
		p.bar.Finish()
	}
	fmt.Fprintln(p.w)
}
