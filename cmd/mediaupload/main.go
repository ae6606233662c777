// Command mediaupload uploads images, GIFs and videos to Twitter/X with the
// chunked media upload API, and runs a fake of that API for tests and demos.
//
//	mediaupload upload [flags] FILE|-   upload to the real API (credentials from TWITTER_* variables)
//	mediaupload demo [flags]            upload a generated video to an embedded fake; no credentials needed
//	mediaupload serve [flags]           run the fake API for other programs
//
// On success, upload prints only the media id on stdout. Exit status: 0 on
// success, 1 when the upload failed, 2 for usage errors and bad input.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mediaupload/mediaupload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage:
  mediaupload upload [flags] FILE|-   upload FILE (or stdin) to X; prints the media id
  mediaupload demo [flags]            upload a generated video to an embedded fake API
  mediaupload serve [flags]           run the fake upload API for other programs
Run 'mediaupload COMMAND -h' for a command's flags.
`

// usageError marks errors of the caller's making: exit status 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// run is the whole program with its environment passed in, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "upload":
		err = runUpload(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr)
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr, getenv)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "mediaupload: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, oneLine(err))
	return exitCode(err)
}

// exitCode is 2 for usage errors and input refused before any request,
// 1 for everything else.
func exitCode(err error) int {
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return 2
	case isUploadError(err):
		return 1
	}
	for _, bad := range []error{
		mediaupload.ErrEmptyMedia, mediaupload.ErrTooLarge, mediaupload.ErrTooManySegments,
		mediaupload.ErrChunkSize, mediaupload.ErrUnknownCategory, mediaupload.ErrMediaType,
		mediaupload.ErrAltTextTooLong, mediaupload.ErrMissingCredentials, mediaupload.ErrInsecureEndpoint,
	} {
		if errors.Is(err, bad) {
			return 2
		}
	}
	return 1
}

// isUploadError reports whether err arose after the upload started.
func isUploadError(err error) bool {
	var ue *mediaupload.UploadError
	return errors.As(err, &ue)
}

// oneLine formats err as a single line starting with "mediaupload: ".
func oneLine(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if !strings.HasPrefix(msg, "mediaupload: ") {
		msg = "mediaupload: " + msg
	}
	return msg
}

// parseInterspersed parses fs from args, allowing flags after positional
// arguments, and returns the positional ones. A bad flag is one line of
// error that says where to look; -h prints fs's whole usage.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				usage()
				return nil, err
			}
			return nil, usagef("mediaupload: %v; run 'mediaupload %s -h'", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// durationFlag is a duration flag that refuses values under min. Unlike
// flag.Duration it says what is wrong with a malformed value.
type durationFlag struct {
	d   *time.Duration
	min time.Duration
}

// durationVar defines a duration flag with a default and a minimum.
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value, min time.Duration, usage string) {
	*p = value
	if min > 0 {
		usage = fmt.Sprintf("%s (at least %v)", usage, min)
	}
	fs.Var(durationFlag{p, min}, name, usage)
}

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "time: ")
		return errors.New(strings.TrimSuffix(msg, " "+strconv.Quote(s)))
	}
	if d < f.min {
		return fmt.Errorf("the minimum is %v", f.min)
	}
	*f.d = d
	return nil
}
