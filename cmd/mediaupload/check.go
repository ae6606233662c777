package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mediaupload/mediaupload/mediacheck"
)

// checkAbout is the text of the check command's usage.
const checkAbout = `Inspects each FILE (- for stdin) without uploading it, reading only its
headers, and prints what it found and the verdict of X's media rules for its
category, one block per file; --json prints a JSON array instead. A refusal
is what X would refuse; a warning is what could not be checked or may be
refused, and passes. upload runs the same check before sending a byte.
Exit status: 0 when every file passes (warnings allowed), 2 when any is
refused, 1 when a file cannot be read (even if another is refused).`

// setupCheck is the check command.
func setupCheck(fs *flag.FlagSet, sio stdio) func(context.Context, []string) error {
	var (
		asJSON        bool
		category      string
		maxDuration   time.Duration
		maxVideoBytes int64
	)
	fs.BoolVar(&asJSON, "json", false, "print a JSON array of results, one per file")
	fs.StringVar(&category, "category", "", "check as media `CATEGORY`: tweet_image, tweet_gif, tweet_video, dm_image, dm_gif, dm_video, amplify_video (default: from the file's format)")
	accountLimitFlags(fs, &maxDuration, &maxVideoBytes)
	return func(ctx context.Context, files []string) error {
		if len(files) == 0 {
			return usagef("mediaupload: check needs at least one FILE; run 'mediaupload help check'")
		}
		category = mediacheck.NormalizeCategory(category)
		if k := mediacheck.CategoryKind(category); category != "" && (k == "" || k == "subtitles") {
			return usagef("mediaupload: --category %q is not one of tweet_image, tweet_gif, tweet_video, dm_image, dm_gif, dm_video, amplify_video", category)
		}
		limits := mediacheck.Limits{MaxVideoDuration: maxDuration, MaxVideoBytes: maxVideoBytes}
		results, err := checkFiles(ctx, files, category, limits, sio.stdin)
		if err != nil {
			return err
		}
		if err := printResults(sio.stdout, results, asJSON); err != nil {
			return err
		}
		return outcome(results)
	}
}

// checkFiles inspects and checks each file, in order. A file that cannot
// be read is a Result with an Error; the error is for ctx ending.
func checkFiles(ctx context.Context, files []string, category string, limits mediacheck.Limits, stdin io.Reader) ([]mediacheck.Result, error) {
	results := make([]mediacheck.Result, 0, len(files))
	for _, name := range files {
		info, err := inspect(ctx, name, stdin)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		display := name
		if name == "-" {
			display = "stdin"
		}
		if err != nil {
			results = append(results, mediacheck.Result{File: display, Category: category, Verdict: "error", Findings: mediacheck.Findings{}, Error: err.Error()})
			continue
		}
		results = append(results, mediacheck.NewResult(display, info, category, limits))
	}
	return results, nil
}

// inspect inspects the named file, or stdin for "-", spooled to a
// temporary file since inspection seeks.
func inspect(ctx context.Context, name string, stdin io.Reader) (*mediacheck.Info, error) {
	if name != "-" {
		return mediacheck.InspectFile(ctx, name)
	}
	f, err := os.CreateTemp("", "mediaupload-check-*")
	if err != nil {
		return nil, fmt.Errorf("spooling stdin: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := io.Copy(f, stdin)
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return mediacheck.Inspect(ctx, f, size)
}

// printResults writes the results as blocks separated by blank lines, or
// as one JSON array.
func printResults(w io.Writer, results []mediacheck.Result, asJSON bool) error {
	if asJSON {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if _, err := fmt.Fprint(w, r.String()); err != nil {
			return err
		}
	}
	return nil
}

// checkFailure is the outcome of check when not every file passed: how
// many were checked, refused and not read. It matches
// [mediacheck.ErrRefused] (exit status 2) when every file could be read.
type checkFailure struct{ files, refused, unreadable int }

func (e checkFailure) Error() string {
	if e.unreadable > 0 {
		return fmt.Sprintf("mediaupload: %s of %d could not be read", countFiles(e.unreadable), e.files)
	}
	return fmt.Sprintf("mediaupload: %s of %d refused by X's media rules", countFiles(e.refused), e.files)
}

func (e checkFailure) Is(target error) bool {
	return e.unreadable == 0 && target == mediacheck.ErrRefused
}

func countFiles(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

// outcome is nil when every result passes, else a checkFailure.
func outcome(results []mediacheck.Result) error {
	f := checkFailure{files: len(results)}
	for _, r := range results {
		switch {
		case r.Error != "":
			f.unreadable++
		case r.Findings.Refused():
			f.refused++
		}
	}
	if f.refused == 0 && f.unreadable == 0 {
		return nil
	}
	return f
}
