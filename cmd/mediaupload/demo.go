package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediacheck"
	"github.com/mediaupload/mediaupload/mediatest"
)

// minDemoSize is the smallest video mediatest.MP4 makes.
const minDemoSize = 40

// demoAbout is the text of the demo command's usage.
const demoAbout = `Uploads a generated video to an embedded fake of the X upload API through
the real client code, failing one segment once to show a retry: no
credentials, no network. It takes the flags of upload (--endpoint is the
fake's).`

// setupDemo is the demo command: it uploads a generated video to an
// embedded mediatest server through the real client code.
func setupDemo(fs *flag.FlagSet, sio stdio) func(context.Context, []string) error {
	size := fs.Int64("size", 24<<20, "size of the generated video in `BYTES`")
	var f uploadFlags
	f.register(fs)
	f.progressLines = true
	return func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return usagef("mediaupload: demo takes no arguments, got %q; run 'mediaupload help demo'", args[0])
		}
		return runDemo(ctx, *size, &f, sio.stdout, sio.stderr)
	}
}

// runDemo uploads a generated video of size bytes to an embedded mediatest
// server.
func runDemo(ctx context.Context, size int64, f *uploadFlags, stdout, stderr io.Writer) error {
	if maxSize := mediacheck.DefaultLimits().MaxVideoBytes; size < minDemoSize || size > maxSize {
		return usagef("mediaupload: --size must be %d to %d bytes", minDemoSize, maxSize)
	}

	srv := mediatest.NewServer(mediatest.WithCheckAfter(1), mediatest.WithProcessingSteps(2))
	defer srv.Close()
	// One injected 503 shows a segment retried on its own.
	srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503, RetryAfter: "1"})
	f.endpoint = srv.UploadURL()
	if api, err := f.apiVersion(); err == nil && api == mediaupload.APIv2 {
		f.endpoint = srv.V2URL()
	}
	bar := newProgress(stderr, progressModeFor(stderr, f.progress, f.quiet, f.progressLines), nil)
	opts, err := f.clientOptions(bar)
	if err != nil {
		return err
	}
	client, err := mediaupload.NewClient(srv.Client(), opts...)
	if err != nil {
		return err
	}
	video := mediatest.MP4(int(size))
	f.mediaType, f.category = "video/mp4", "tweet_video"
	say := func(format string, args ...any) {
		if !f.quiet {
			fmt.Fprintf(stderr, format+"\n", args...)
		}
	}
	say("demo: fake X upload API at %s (embedded; no credentials or network needed)", srv.UploadURL())
	say("demo: uploading a generated %.1f MiB video/mp4 as tweet_video; the fake fails segment 1 once with 503", float64(size)/(1<<20))

	m, err := upload(ctx, client, bytes.NewReader(video), f, bar)
	if err != nil {
		return err
	}
	got, ok := srv.Media(m.ID)
	sum := sha256.Sum256(video)
	if !ok || got.SHA256 != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("mediaupload: demo: the server's bytes differ from the bytes sent")
	}
	faults := 0
	for _, r := range srv.Requests() {
		if r.Fault {
			faults++
		}
	}
	say("demo: %d requests, %d of them failed on purpose and retried; the server holds all %d bytes, sha256 %s… matches",
		len(srv.Requests()), faults, got.TotalBytes, got.SHA256[:12])
	return printMedia(stdout, m, f.json)
}
