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
	"strings"
	"time"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediacheck"
)

// uploadFlags are the flags of the upload command (and the upload part of
// demo).
type uploadFlags struct {
	endpoint, mediaType, category, chunkSize, altText string
	resumeFile, api, subtitles, subtitlesLang         string
	subtitlesName                                     string
	concurrency                                       int
	stallTimeout, maxRetryWait, maxTotalWait          time.Duration
	json, progress, quiet, verbose, dm, noCheck       bool
	progressLines                                     bool // show progress as lines when not a terminal
	maxDuration                                       time.Duration
	maxVideoBytes                                     int64
}

func (f *uploadFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.api, "api", "", "API `VERSION`: 1.1 or v2 (default: v2 for an --endpoint under /2/ or with TWITTER_OAUTH2_TOKEN alone, else 1.1)")
	fs.StringVar(&f.endpoint, "endpoint", "", "upload `URL`, https or http to loopback (default "+mediaupload.DefaultEndpoint+", or "+mediaupload.DefaultV2Endpoint+" for v2)")
	fs.StringVar(&f.mediaType, "type", "", "media `MIME` type (default: sniffed from the content)")
	fs.StringVar(&f.category, "category", "", "media `CATEGORY`: tweet_image, tweet_gif, tweet_video, dm_image, dm_gif, dm_video, amplify_video, subtitles (default: from the type)")
	fs.StringVar(&f.chunkSize, "chunk-size", "", "segment size in `BYTES`, at most 5242880 (default 2097152, grown to fit 1000 segments), or auto to size segments to the network")
	fs.IntVar(&f.concurrency, "concurrency", mediaupload.DefaultConcurrency, "send `N` segments at once")
	durationVar(fs, &f.stallTimeout, "stall-timeout", mediaupload.DefaultStallTimeout, mediaupload.MinStallTimeout, "abandon and retry a request that moves no byte for `DURATION`")
	retry := mediaupload.DefaultRetryPolicy()
	durationVar(fs, &f.maxRetryWait, "max-retry-wait", retry.MaxRetryAfter, 0, "wait at most `DURATION` when X asks for a wait before a retry (429 Retry-After, rate-limit reset); a longer one fails at once, saying when to try again")
	durationVar(fs, &f.maxTotalWait, "max-total-wait", retry.MaxTotalWait, 0, "wait at most `DURATION` in all between the attempts of one request; 0: no cap")
	fs.StringVar(&f.altText, "alt-text", "", "alt `TEXT` for an image or GIF (at most 1000 characters)")
	fs.BoolVar(&f.dm, "dm", false, "derive direct-message categories (dm_image, dm_gif, dm_video)")
	fs.StringVar(&f.subtitles, "subtitles", "", "SubRip `FILE` to upload and attach to the video")
	fs.StringVar(&f.subtitlesLang, "subtitles-lang", "", "two-letter language `CODE` of --subtitles, e.g. EN")
	fs.StringVar(&f.subtitlesName, "subtitles-name", "", "the `NAME` viewers see for --subtitles, e.g. English (default: the language code)")
	fs.BoolVar(&f.noCheck, "no-check", false, "upload without checking the media against X's rules first")
	accountLimitFlags(fs, &f.maxDuration, &f.maxVideoBytes)
	fs.StringVar(&f.resumeFile, "resume-file", "", "keep the upload's state in `PATH` so that a rerun after a crash or kill continues it; removed on success")
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON object")
	fs.BoolVar(&f.progress, "progress", false, "show progress on stderr even when it is not a terminal (a line per step)")
	fs.BoolVar(&f.quiet, "quiet", false, "show no progress, no retries and no notices")
	fs.BoolVar(&f.verbose, "verbose", false, "log every request on stderr, with its segment")
}

// clientOptions turns the flags into client options; errors are usage
// errors. Retries, notices (and with --verbose, requests) are shown on
// stderr through bar, which keeps its line below them.
func (f *uploadFlags) clientOptions(bar *progress) ([]mediaupload.Option, error) {
	api, err := f.apiVersion()
	if err != nil {
		return nil, err
	}
	opts := []mediaupload.Option{
		mediaupload.WithConcurrency(f.concurrency),
		mediaupload.WithStallTimeout(f.stallTimeout),
		mediaupload.WithRetry(f.retryPolicy()),
	}
	if api != "" {
		opts = append(opts, mediaupload.WithAPI(api))
	}
	if f.endpoint != "" {
		opts = append(opts, mediaupload.WithEndpoint(f.endpoint))
	}
	if f.maxDuration > 0 || f.maxVideoBytes != 0 {
		opts = append(opts, mediaupload.WithMediaLimits(mediacheck.Limits{MaxVideoDuration: f.maxDuration, MaxVideoBytes: f.maxVideoBytes}))
	}
	if !f.quiet {
		level := slog.LevelInfo
		if f.verbose {
			level = slog.LevelDebug
		}
		h := slog.NewTextHandler(bar.lineWriter(), &slog.HandlerOptions{
			Level: level,
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					return slog.Attr{}
				}
				return a
			},
		})
		opts = append(opts, mediaupload.WithLogger(slog.New(withoutRetryWaits{h})), mediaupload.OnRetry(bar.retry))
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

// retryWaitLog is the message of the library's Info log of a long wait
// before a retry (retry.go), which the CLI's retry line replaces.
const retryWaitLog = "waiting before retry"

// withoutRetryWaits drops the library's log of a wait before a retry: the
// retry line of [progress.retry] tells the same, for every wait.
type withoutRetryWaits struct{ slog.Handler }

func (h withoutRetryWaits) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == retryWaitLog {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h withoutRetryWaits) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withoutRetryWaits{h.Handler.WithAttrs(attrs)}
}

func (h withoutRetryWaits) WithGroup(name string) slog.Handler {
	return withoutRetryWaits{h.Handler.WithGroup(name)}
}

// retryPolicy is the default policy with the flags' caps on waiting.
func (f *uploadFlags) retryPolicy() mediaupload.RetryPolicy {
	p := mediaupload.DefaultRetryPolicy()
	p.MaxRetryAfter, p.MaxTotalWait = f.maxRetryWait, f.maxTotalWait
	return p
}

// apiVersion reads --api; "" leaves the choice to the client.
func (f *uploadFlags) apiVersion() (mediaupload.API, error) {
	switch f.api {
	case "":
		return "", nil
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
	if f.noCheck {
		opts = append(opts, mediaupload.NoCheck())
	}
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
		opts = append(opts, mediaupload.Subtitles(file, f.subtitlesLang, f.subtitlesName))
		close = func() { file.Close() }
	}
	return opts, close, nil
}

// uploadAbout is the text of the upload command's usage.
const uploadAbout = `Uploads FILE (- for stdin) and prints its media id. The API follows the
endpoint (a /2/ path means v2) unless --api says otherwise; the default is
v1.1, or v2 when only TWITTER_OAUTH2_TOKEN is set.

Credentials come from the environment: TWITTER_CONSUMER_KEY,
TWITTER_CONSUMER_SECRET, TWITTER_ACCESS_TOKEN and TWITTER_ACCESS_TOKEN_SECRET
(OAuth 1.0a, both APIs); or, for v2, TWITTER_OAUTH2_TOKEN, an OAuth 2.0 user
token with the media.write scope.`

// accountLimitFlags registers the flags of the media limits that depend on
// the account, shared by upload and check.
func accountLimitFlags(fs *flag.FlagSet, maxDuration *time.Duration, maxVideoBytes *int64) {
	durationVar(fs, maxDuration, "max-duration", 0, 0, "the longest video the account may post, `DURATION` (default 140s; Premium accounts may post longer ones)")
	fs.Int64Var(maxVideoBytes, "max-video-bytes", 0, "the largest video the account may post, in `BYTES` (default 536870912)")
}

// refusal is media refused before any request because X would refuse it
// (its rules, or its category's size limit): "FILE: why", with
// --no-check as the way round.
type refusal struct {
	file string
	err  error
}

// refused wraps err as a refusal of file, if it is one.
func refused(file string, err error) error {
	var re *mediacheck.RuleError
	var le *mediaupload.LimitError
	if errors.As(err, &re) || errors.As(err, &le) {
		return refusal{file: file, err: err}
	}
	return err
}

func (r refusal) Error() string {
	name := r.file
	if name == "-" {
		name = "stdin"
	}
	return name + ": " + strings.TrimPrefix(r.err.Error(), "mediaupload: ") + " (--no-check uploads it anyway)"
}

func (r refusal) Unwrap() error { return r.err }

// setupUpload is the upload command.
func setupUpload(fs *flag.FlagSet, sio stdio) func(context.Context, []string) error {
	var f uploadFlags
	f.register(fs)
	return func(ctx context.Context, files []string) error {
		if len(files) != 1 {
			return usagef("mediaupload: upload takes one FILE (or - for stdin), got %d; run 'mediaupload help upload'", len(files))
		}
		in, closeIn, err := openInput(files[0], sio.stdin)
		if err != nil {
			return err
		}
		defer closeIn()
		bar := newProgress(sio.stderr, progressModeFor(sio.stderr, f.progress, f.quiet, f.progressLines), nil)
		clientOpts, err := f.clientOptions(bar)
		if err != nil {
			return err
		}
		// The flags are checked before the credentials: a client built
		// with them alone sends nothing.
		if _, err := mediaupload.NewClient(http.DefaultClient, clientOpts...); err != nil {
			return usageError{f.explainMismatch(err)}
		}
		hc, authOpts, err := authenticate(&f, sio.getenv)
		if err != nil {
			return err
		}
		client, err := mediaupload.NewClient(hc, append(clientOpts, authOpts...)...)
		if err != nil {
			return usageError{f.explainMismatch(err)}
		}
		m, err := upload(ctx, client, in, &f, bar)
		if err != nil {
			return refused(files[0], err)
		}
		return printMedia(sio.stdout, m, f.json)
	}
}

// openInput opens the file to upload, stdin for "-", and refuses a
// directory, before anything else is checked.
func openInput(name string, stdin io.Reader) (io.Reader, func(), error) {
	if name == "-" {
		return stdin, func() {}, nil
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, nil, usagef("mediaupload: %v", err)
	}
	if st, err := file.Stat(); err == nil && st.IsDir() {
		file.Close()
		return nil, nil, usagef("mediaupload: %s is a directory", name)
	}
	return file, func() { file.Close() }, nil
}

// explainMismatch restates the client's refusal of an API that contradicts
// the endpoint in terms of the flags and variables.
func (f *uploadFlags) explainMismatch(err error) error {
	if !errors.Is(err, mediaupload.ErrAPIMismatch) {
		return err
	}
	api, _ := f.apiVersion()
	switch {
	case api == mediaupload.APIv2:
		return fmt.Errorf("mediaupload: --api v2 does not match --endpoint, whose path is v1.1's: drop --api to follow the endpoint, or use a …/2/media/upload endpoint")
	case api == mediaupload.APIv1 && f.endpoint != "":
		return fmt.Errorf("mediaupload: --api 1.1 does not match --endpoint, whose path is v2's: drop --api to follow the endpoint, or use a …/1.1/media/upload.json endpoint")
	}
	return fmt.Errorf("mediaupload: %s is an OAuth 2.0 token, for v2, but --endpoint has a v1.1 path: use a …/2/media/upload endpoint, or set the four OAuth 1.0a variables instead", envOAuth2Token)
}

// authenticate picks the credentials: TWITTER_OAUTH2_TOKEN, an OAuth 2.0
// user token, when it is set, v2 is possible (no --api 1.1) and either
// --api v2 says so or none of the four OAuth 1.0a variables is set;
// otherwise those four.
func authenticate(f *uploadFlags, getenv func(string) string) (*http.Client, []mediaupload.Option, error) {
	api, err := f.apiVersion()
	if err != nil {
		return nil, nil, err
	}
	token := getenv(envOAuth2Token)
	if token != "" && api != mediaupload.APIv1 && (api == mediaupload.APIv2 || !anyOAuth1(getenv)) {
		return &http.Client{Transport: mediaupload.NewTransport()}, []mediaupload.Option{mediaupload.WithBearerToken(token)}, nil
	}
	creds, err := mediaupload.CredentialsFromEnv(getenv)
	if err != nil {
		switch {
		case api != mediaupload.APIv1 && !strings.Contains(f.endpoint, "/1.1/"):
			err = fmt.Errorf("%w (or, for v2, set %s alone to an OAuth 2.0 user token)", err, envOAuth2Token)
		case token != "":
			err = fmt.Errorf("%w (%s is for v2 only)", err, envOAuth2Token)
		}
		return nil, nil, err
	}
	hc, err := mediaupload.NewOAuth1Client(creds, nil)
	return hc, nil, err
}

// anyOAuth1 reports whether any of the four OAuth 1.0a variables is set.
func anyOAuth1(getenv func(string) string) bool {
	for _, k := range []string{mediaupload.EnvConsumerKey, mediaupload.EnvConsumerSecret, mediaupload.EnvAccessToken, mediaupload.EnvAccessTokenSecret} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

// upload runs one upload with the flags' options, showing its progress on
// bar.
func upload(ctx context.Context, client *mediaupload.Client, in io.Reader, f *uploadFlags, bar *progress) (*mediaupload.Media, error) {
	opts, closeFiles, err := f.uploadOptions()
	defer closeFiles()
	if err != nil {
		return nil, err
	}
	bar.begin()
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
