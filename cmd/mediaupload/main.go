// Command mediaupload uploads images, GIFs and videos to Twitter/X with the
// chunked media upload API, and runs a fake of that API for tests and demos.
//
//	mediaupload upload [flags] FILE|-   upload to the real API (credentials from TWITTER_* variables)
//	mediaupload check [flags] FILE...   check media against X's rules without uploading
//	mediaupload demo [flags]            upload a generated video to an embedded fake; no credentials needed
//	mediaupload serve [flags]           run the fake API for other programs
//	mediaupload version                 print the version (also --version)
//	mediaupload help [COMMAND]          print the usage of COMMAND (also COMMAND --help)
//	mediaupload completion SHELL        print a bash, zsh or fish completion script
//
// On success, upload prints only the media id on stdout. Exit status: 0 on
// success, 1 when the upload failed, 2 for usage errors and bad input
// (media X would refuse included). check exits 0 when every file passes,
// 2 when any is refused, 1 when one cannot be read.
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
	"github.com/mediaupload/mediaupload/mediacheck"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// stdio is the program's environment: its streams and variables.
type stdio struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand of the program.
type command struct {
	name    string
	args    string // what follows the name in its usage line
	summary string // its line in the program's usage
	about   string // its usage's text, between the usage line and the flags
	// setup registers the command's flags on fs and returns the function
	// that runs it with the positional arguments, once the flags are parsed.
	setup func(fs *flag.FlagSet, sio stdio) func(ctx context.Context, args []string) error
}

// commands lists the program's commands, in the order of its usage.
func commands() []command {
	return []command{
		{"upload", "[flags] FILE|-", "upload FILE (or stdin) to X; prints the media id", uploadAbout, setupUpload},
		{"check", "[flags] FILE...", "check FILEs against X's media rules, without uploading", checkAbout, setupCheck},
		{"demo", "[flags]", "upload a generated video to an embedded fake API", demoAbout, setupDemo},
		{"serve", "[flags]", "run the fake upload API for other programs", serveAbout, setupServe},
		{"version", "", "print the version", "Prints the module version and the VCS revision it was built from.", setupVersion},
		{"help", "[COMMAND]", "print the usage of the program or of COMMAND", "Prints the usage of COMMAND, or of the program.", setupHelp},
		{"completion", "bash|zsh|fish", "print a shell completion script", completionAbout, setupCompletion},
	}
}

// lookup finds a command by name.
func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// programUsage is the usage of the program, listing its commands.
func programUsage() string {
	var b strings.Builder
	b.WriteString("usage: mediaupload COMMAND [flags] [ARGS]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-30s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	b.WriteString("\nRun 'mediaupload help COMMAND' for a command's flags. --version prints the version.\n")
	return b.String()
}

// newFlagSet makes cmd's flag set, with its flags registered, and the
// function that runs it.
func newFlagSet(cmd command, sio stdio) (*flag.FlagSet, func(context.Context, []string) error) {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs, cmd.setup(fs, sio)
}

// printUsage writes cmd's usage: its usage line, its text and its flags.
func printUsage(w io.Writer, cmd command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: mediaupload %s\n\n%s\n", strings.TrimSpace(cmd.name+" "+cmd.args), cmd.about)
	var flags strings.Builder
	printFlags(&flags, fs)
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nflags:\n%s", flags.String())
	}
}

// printFlags writes the flags of fs, as --name PLACEHOLDER and the usage
// below it. A flag with no usage is a hidden alias, kept for old scripts.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return
		}
		placeholder, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if placeholder != "" {
			fmt.Fprintf(w, " %s", placeholder)
		}
		fmt.Fprintf(w, "\n    \t%s", usage)
		switch f.DefValue {
		case "", "0", "0s", "false":
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// alias registers old as a hidden second name of fs's flag name.
func alias(fs *flag.FlagSet, old, name string) {
	fs.Var(fs.Lookup(name).Value, old, "")
}

// usageError marks errors of the caller's making: exit status 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// run is the whole program with its environment passed in, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, programUsage())
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-version", "--version":
		name = "version"
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "mediaupload: unknown command %q; run 'mediaupload help'\n", args[0])
		return 2
	}
	fs, runCmd := newFlagSet(cmd, stdio{stdin, stdout, stderr, getenv})
	positional, err := parseInterspersed(fs, args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, cmd, fs)
		return 0
	case err == nil:
		err = runCmd(ctx, positional)
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, oneLine(err))
	return exitCode(err)
}

// setupHelp is the help command: the usage of a command, or of the
// program, on stdout.
func setupHelp(_ *flag.FlagSet, sio stdio) func(context.Context, []string) error {
	return func(_ context.Context, args []string) error {
		switch len(args) {
		case 0:
			fmt.Fprint(sio.stdout, programUsage())
			return nil
		case 1:
			cmd, ok := lookup(args[0])
			if !ok {
				return usagef("mediaupload: unknown command %q; run 'mediaupload help'", args[0])
			}
			fs, _ := newFlagSet(cmd, sio)
			printUsage(sio.stdout, cmd, fs)
			return nil
		}
		return usagef("mediaupload: help takes at most one COMMAND; run 'mediaupload help'")
	}
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
		mediacheck.ErrRefused,
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
	var r refusal
	if !strings.HasPrefix(msg, "mediaupload: ") && !errors.As(err, &r) {
		msg = "mediaupload: " + msg
	}
	return msg
}

// parseInterspersed parses fs from args, allowing flags after positional
// arguments, and returns the positional ones. A bad flag is one line of
// error, in the --name style of the usage, that says where to look; -h
// and --help return flag.ErrHelp.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			msg := err.Error()
			for _, p := range []string{"for flag -", "not defined: -", "argument: -"} {
				msg = strings.Replace(msg, p, p+"-", 1)
			}
			return nil, usagef("mediaupload: %s; run 'mediaupload help %s'", msg, fs.Name())
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
