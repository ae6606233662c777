package mediacheck

import (
	"fmt"
	"strings"
)

// Result is one file's inspection and verdicts, as "mediaupload check"
// prints them: String for people, JSON for scripts.
type Result struct {
	// File names the file, as the user gave it.
	File string `json:"file"`
	// Category is the category the rules were applied for.
	Category string `json:"category"`
	// Verdict is "pass", "warn" or "refuse": the worst severity found
	// (notes pass); "error" when the file could not be inspected.
	Verdict string `json:"verdict"`
	// Info is what Inspect found; nil if it failed (see Error).
	Info *Info `json:"info,omitempty"`
	// Findings are the verdicts of Check.
	Findings Findings `json:"findings"`
	// Error is why the file could not be inspected at all (it could not
	// be opened or read).
	Error string `json:"error,omitempty"`
}

// NewResult checks info for category and returns the result for file. An
// empty category is the one X assumes (see [DefaultCategory]).
func NewResult(file string, info *Info, category string, limits Limits) Result {
	category = NormalizeCategory(category)
	if category == "" && info != nil {
		category = DefaultCategory(info.Format)
	}
	fs := Check(info, category, limits)
	if fs == nil {
		fs = Findings{}
	}
	return Result{File: file, Category: category, Verdict: verdict(fs), Info: info, Findings: fs}
}

func verdict(fs Findings) string {
	switch {
	case fs.Refused():
		return "refuse"
	case len(fs.Only(Warn)) > 0:
		return "warn"
	}
	return "pass"
}

// Err is the [*RuleError] for the refusals, or nil.
func (r Result) Err() error { return r.Findings.Err() }

// String is one block per file:
//
//	clip.mp4: refused for tweet_video
//	  format    mp4 (isom), 9.7 kB
//	  duration  1 s
//	  video     h264 High 1.0 64×64 120 fps 4:2:0 8-bit progressive
//	  audio     aac LC stereo 48000 Hz
//	  refuse    frame rate 120 fps is over X's limit of 60 fps for tweet_video
func (r Result) String() string {
	var b strings.Builder
	head := map[string]string{"pass": "passes", "warn": "passes with warnings", "refuse": "refused"}[r.Verdict]
	switch {
	case r.Error != "":
		fmt.Fprintf(&b, "%s: not checked\n", r.File)
	case r.Category == "":
		fmt.Fprintf(&b, "%s: %s for no known category\n", r.File, head)
	default:
		fmt.Fprintf(&b, "%s: %s for %s\n", r.File, head, r.Category)
	}
	line := func(k, v string) { fmt.Fprintf(&b, "  %-9s %s\n", k, v) }
	if r.Error != "" {
		line("error", r.Error)
	}
	if i := r.Info; i != nil {
		f := string(i.Format)
		if f == "" {
			f = "unknown"
		}
		if i.Brand != "" {
			f += " (" + strings.TrimSpace(i.Brand) + ")"
		}
		if i.Fragmented {
			f += ", fragmented"
		}
		line("format", f+", "+formatBytesExact(i.Size))
		switch i.Format.Kind() {
		case "video":
			if i.Duration > 0 {
				line("duration", formatDuration(i.Duration))
			}
			if i.Video != nil {
				line("video", i.Video.String())
			}
			if i.Audio != nil {
				line("audio", i.Audio.String())
			} else if i.Video != nil {
				line("audio", "none")
			}
		case "image", "gif":
			dims := fmt.Sprintf("%d×%d", i.Width, i.Height)
			if i.Frames > 1 || i.Animated {
				dims += fmt.Sprintf(", %d frames", i.Frames)
			}
			line("image", dims)
		}
	}
	for _, f := range r.Findings {
		line(string(f.Severity), f.Message)
	}
	return b.String()
}
