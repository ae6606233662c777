package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mediaupload/mediaupload"
)

// uploadFlags are the flags of the upload command (and the upload part of
// demo).
type uploadFlags struct {
	endpoint, mediaType, category, chunkSize, altText string
	resumeFile, api, subtitles, subtitlesLang         string
	concurrency                                       int
	stallTimeout, maxRetryWait, maxTotalWait          time.Duration
	json, progress, quiet, verbose, dm                bool
	progressLines                                     bool // show progress as lines when not a terminal
}

func (f *uploadFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.api, "api", "1.1", "API `version`: 1.1 or v2")
	fs.StringVar(&f.endpoint, "endpoint", "", "upload `URL`, https or http to loopback (default "+mediaupload.DefaultEndpoint+", or "+mediaupload.DefaultV2Endpoint+" with --api v2)")
	fs.StringVar(&f.mediaType, "type", "", "media `MIME` type (default: sniffed from the content)")
	fs.StringVar(&f.category, "category", "", "media category: tweet_image, tweet_gif, tweet_video, dm_image, dm_gif, dm_video, amplify_video, subtitles (default: from the type)")
	fs.StringVar(&f.chunkSize, "chunk-size", "", "segment size in `BYTES`, at most 5242880 (default 2097152, grown to fit 1000 segments), or auto to size segments to the network")
	fs.IntVar(&f.concurrency, "concurrency", mediaupload.DefaultConcurrency, "segments sent at once")
	durationVar(fs, &f.stallTimeout, "stall-timeout", mediaupload.DefaultStallTimeout, mediaupload.MinStallTimeout, "abandon and retry a request that moves no byte for this `long`")
	retry := mediaupload.DefaultRetryPolicy()
	durationVar(fs, &f.maxRetryWait, "max-retry-wait", retry.MaxRetryAfter, 0, "wait at most this `long` when X asks for a wait before a retry (429 Retry-After, rate-limit reset); a longer one fails at once, saying when to try again")
	durationVar(fs, &f.maxTotalWait, "max-total-wait", retry.MaxTotalWait, 0, "wait at most this `long` in all between the attempts of one request; 0: no cap")
	fs.StringVar(&f.altText, "alt-text", "", "alt text for an image or GIF (at most 1000 characters)")
	fs.BoolVar(&f.dm, "dm", false, "derive direct-message categories (dm_image, dm_gif, dm_video)")
	fs.StringVar(&f.subtitles, "subtitles", "", "SubRip `FILE` to upload and attach to the video")
	fs.StringVar(&f.subtitlesLang, "subtitles-lang", "", "two-letter language `CODE` of --subtitles, e.g. EN")
	fs.StringVar(&f.resumeFile, "resume-file", "", "keep the upload's state in `PATH` so that a rerun after a crash or kill continues it; removed on success")
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON object")
	fs.BoolVar(&f.progress, "progress", false, "show progress on stderr even when it is not a terminal (a line per step)")
	fs.BoolVar(&f.quiet, "quiet", false, "show no progress and no notices")
	fs.BoolVar(&f.verbose, "verbose", false, "log every request on stderr")
}

// clientOptions turns the flags into client options; errors are usage
// errors. Notices (and with --verbose, requests) are logged to stderr.
func (f *uploadFlags) clientOptions(stderr io.Writer) ([]mediaupload.Option, error) {
	api, err := f.apiVersion()
	if err != nil {
		return nil, err
	}
	opts := []mediaupload.Option{
		mediaupload.WithAPI(api),
		mediaupload.WithConcurrency(f.concurrency),
		mediaupload.WithStallTimeout(f.stallTimeout),
		mediaupload.WithRetry(f.retryPolicy()),
	}
	if f.endpoint != "" {
		opts = append(opts, mediaupload.WithEndpoint(f.endpoint))
	}
	if !f.quiet {
		level := slog.LevelInfo
		if f.verbose {
			level = slog.LevelDebug
		}
		opts = append(opts, mediaupload.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{
			Level: level,
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					return slog.Attr{}
				}
				return a
			},
		}))))
	}
	switch f.chunkSize {
	case "":
	case "auto":
		opts = append(opts, mediaupload.WithAdaptiveChunkSize())
	default:
		n, err := strconv.ParseInt(f.chunkSize, 10, 64)
		if err != nil {
			return nil, usagef("mediaupload: --chunk-size %q is neither a number of bytes nor auto", f.chunkSize)
		}
		opts = append(opts, mediaupload.WithChunkSize(n))
	}
	return opts, nil
}

// retryPolicy is the default policy with the flags' caps on waiting.
func (f *uploadFlags) retryPolicy() mediaupload.RetryPolicy {
	p := mediaupload.DefaultRetryPolicy()
	p.MaxRetryAfter, p.MaxTotalWait = f.maxRetryWait, f.maxTotalWait
	return p
}

// apiVersion reads --api.
func (f *uploadFlags) apiVersion() (mediaupload.API, error) {
	switch f.api {
	case "1.1", "v1.1":
		return mediaupload.APIv1, nil
	case "2", "v2":
		return mediaupload.APIv2, nil
	}
	return "", usagef("mediaupload: --api %q: use 1.1 or v2", f.api)
}

// uploadOptions turns the flags into per-upload options; close releases
// the files they opened.
func (f *uploadFlags) uploadOptions() (opts []mediaupload.UploadOption, close func(), err error) {
	close = func() {}
	if f.mediaType != "" {
		opts = append(opts, mediaupload.MediaType(f.mediaType))
	}
	if f.category != "" {
		opts = append(opts, mediaupload.Category(f.category))
	}
	if f.altText != "" {
		opts = append(opts, mediaupload.AltText(f.altText))
	}
	if f.resumeFile != "" {
		if st, err := os.Stat(filepath.Dir(f.resumeFile)); err != nil || !st.IsDir() {
			return nil, close, usagef("mediaupload: --resume-file %s: its directory does not exist", f.resumeFile)
		}
		opts = append(opts, mediaupload.Resume(mediaupload.FileStore{Path: f.resumeFile}))
	}
	if f.dm {
		opts = append(opts, mediaupload.ForDM())
	}
	if (f.subtitles == "") != (f.subtitlesLang == "") {
		return nil, close, usagef("mediaupload: --subtitles and --subtitles-lang go together")
	}
	if f.subtitles != "" {
		file, err := os.Open(f.subtitles)
		if err != nil {
			return nil, close, usagef("mediaupload: %v", err)
		}
		opts = append(opts, mediaupload.WithSubtitles(file, f.subtitlesLang, ""))
		close = func() { file.Close() }
	}
	return opts, close, nil
}

func runUpload(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mediaupload upload [flags] FILE|-\n\nUploads FILE (- for stdin) and prints its media id. Credentials come from\nTWITTER_CONSUMER_KEY, TWITTER_CONSUMER_SECRET, TWITTER_ACCESS_TOKEN and\nTWITTER_ACCESS_TOKEN_SECRET; with --api v2, TWITTER_OAUTH2_TOKEN (an OAuth 2.0\nuser token with the media.write scope) may stand for all four.\n\nflags:")
		fs.PrintDefaults()
	}
	var f uploadFlags
	f.register(fs)
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("mediaupload: upload takes one FILE (or - for stdin), got %d", len(files))
	}
	clientOpts, err := f.clientOptions(stderr)
	if err != nil {
		return err
	}
	hc, authOpts, err := authenticate(&f, getenv)
	if err != nil {
		return err
	}
	client, err := mediaupload.NewClient(hc, append(clientOpts, authOpts...)...)
	if err != nil {
		return usageError{err}
	}

	in := stdin
	if name := files[0]; name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return usagef("mediaupload: %v", err)
		}
		defer file.Close()
		if st, err := file.Stat(); err == nil && st.IsDir() {
			return usagef("mediaupload: %s is a directory", name)
		}
		in = file
	}
	m, err := upload(ctx, client, in, &f, stderr)
	if err != nil {
		return err
	}
	return printMedia(stdout, m, f.json)
}

// authenticate picks the credentials: with --api v2 and TWITTER_OAUTH2_TOKEN
// set, that OAuth 2.0 user token; otherwise the four OAuth 1.0a variables.
func authenticate(f *uploadFlags, getenv func(string) string) (*http.Client, []mediaupload.Option, error) {
	api, err := f.apiVersion()
	if err != nil {
		return nil, nil, err
	}
	if token := getenv(envOAuth2Token); api == mediaupload.APIv2 && token != "" {
		return &http.Client{Transport: mediaupload.NewTransport()}, []mediaupload.Option{mediaupload.WithBearerToken(token)}, nil
	}
	creds, err := mediaupload.CredentialsFromEnv(getenv)
	if err != nil {
		if api == mediaupload.APIv2 {
			err = fmt.Errorf("%w (or set %s for an OAuth 2.0 user token)", err, envOAuth2Token)
		}
		return nil, nil, err
	}
	hc, err := mediaupload.NewOAuth1Client(creds, nil)
	return hc, nil, err
}

// upload runs one upload with the flags' options, showing its progress.
func upload(ctx context.Context, client *mediaupload.Client, in io.Reader, f *uploadFlags, stderr io.Writer) (*mediaupload.Media, error) {
	opts, closeFiles, err := f.uploadOptions()
	defer closeFiles()
	if err != nil {
		return nil, err
	}
	bar := newProgress(stderr, progressModeFor(stderr, f.progress, f.quiet, f.progressLines), nil)
	opts = append(opts, mediaupload.OnProgress(bar.update))
	m, err := client.Upload(ctx, in, opts...)
	bar.finish(err == nil)
	return m, waitHint(err)
}

// waitHint adds to an error over a cap on waiting which flags raise it.
func waitHint(err error) error {
	var apiErr *mediaupload.APIError
	switch {
	case !errors.Is(err, mediaupload.ErrWaitTooLong):
		return err
	case errors.As(err, &apiErr) && apiErr.RetryAfter > 0:
		need := apiErr.RetryAfter.Truncate(time.Second)
		if need < apiErr.RetryAfter {
			need += time.Second
		}
		return fmt.Errorf("%w; to wait for it, set --max-retry-wait and --max-total-wait to %v or more", err, need)
	}
	return fmt.Errorf("%w; --max-total-wait raises the cap", err)
}

// printMedia writes the media id, or with asJSON one JSON object, to w.
func printMedia(w io.Writer, m *mediaupload.Media, asJSON bool) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, m.ID)
		return err
	}
	out := struct {
		MediaID   string    `json:"media_id"`
		MediaKey  string    `json:"media_key,omitempty"`
		Size      int64     `json:"size"`
		MediaType string    `json:"media_type"`
		Category  string    `json:"media_category"`
		State     string    `json:"state"`
		ExpiresAt time.Time `json:"expires_at,omitzero"`
	}{m.ID, m.Key, m.Size, m.MediaType, m.Category, "succeeded", m.ExpiresAt}
	return json.NewEncoder(w).Encode(out)
}
