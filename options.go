package mediaupload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/mediaupload/mediaupload/internal/segments"
)

// Limits of the service and defaults of a [Client].
const (
	// DefaultEndpoint is the v1.1 upload URL.
	DefaultEndpoint = "https://upload.twitter.com/1.1/media/upload.json"
	// MaxChunkSize is the largest segment the service accepts: 5 MiB.
	MaxChunkSize = 5 << 20
	// MaxSegments is how many segments one upload may have (indexes 0–999).
	MaxSegments = 1000
	// DefaultChunkSize is the segment size used unless [WithChunkSize] says
	// otherwise; larger inputs get the smallest size that fits in
	// [MaxSegments] segments. With [DefaultConcurrency] it is as fast as
	// 4 MiB on loopback and over a slow, distant link (bench/run.sh), uses
	// half the memory, and stays clear of the 413/431 answers v2 gave to
	// 5 MiB segments.
	DefaultChunkSize = 2 << 20
	// DefaultConcurrency is how many segments are sent at once: enough to
	// hide a 50 ms round trip per request, measured with bench/run.sh.
	DefaultConcurrency = 8
	// DefaultMaxProcessingWait bounds how long [Client.WaitProcessed] waits.
	DefaultMaxProcessingWait = 15 * time.Minute
	// DefaultStallTimeout is how long an attempt may move no byte before it
	// is abandoned and retried.
	DefaultStallTimeout = 60 * time.Second
	// MinStallTimeout is the shortest stall timeout [WithStallTimeout]
	// accepts. A shorter one cuts off healthy requests: a round trip to X
	// over a distant or mobile link, plus the service's time to take a
	// segment, moves no byte for a good part of a second, so every attempt
	// would stall.
	MinStallTimeout = time.Second
	// MinTransferRate, in bytes per second, is the slowest an attempt may
	// go: one whose answer is not complete within the stall timeout plus
	// its body's size at this rate is abandoned with [ErrTooSlow] and
	// retried, even while bytes trickle. 16 KiB/s is 128 kbit/s, a weak
	// mobile link; it gives a 5 MiB segment 320 s beyond the stall timeout.
	MinTransferRate = 16 << 10
	// DefaultUserAgent is sent unless [WithUserAgent] says otherwise.
	DefaultUserAgent = "mediaupload-go/0.1"
)

// Step names a request of the upload flow.
type Step string

// The steps of an upload.
const (
	StepInit      Step = "INIT"
	StepAppend    Step = "APPEND"
	StepFinalize  Step = "FINALIZE"
	StepStatus    Step = "STATUS"
	StepMetadata  Step = "METADATA"
	StepSubtitles Step = "SUBTITLES"
)

// API selects the wire dialect of the upload API.
type API string

// The dialects. Both work with the same [Client] and the same calls.
const (
	// APIv1 is v1.1 (upload.json); the default (see [WithAPI]).
	APIv1 API = "1.1"
	// APIv2 is X API v2 (/2/media/upload/…), which also takes OAuth 2.0
	// user tokens with the media.write scope.
	APIv2 API = "2"
)

// DefaultV2Endpoint is the v2 upload URL, used with [APIv2] unless
// [WithEndpoint] says otherwise.
const DefaultV2Endpoint = "https://api.x.com/2/media/upload"

// WithAPI selects the dialect. Without it the dialect follows the
// endpoint: [APIv2] for a [WithEndpoint] path with /2/media/, [APIv1] for
// one with /1.1/media/; else APIv2 with [WithBearerToken]; else APIv1.
// [NewClient] refuses a WithAPI that contradicts the endpoint's path with
// [ErrAPIMismatch]. With [APIv2] the endpoint defaults to
// [DefaultV2Endpoint], and metadata and subtitles go to /2/media/metadata
// and /2/media/subtitles on its host.
func WithAPI(api API) Option {
	return func(c *Client) error {
		if api != APIv1 && api != APIv2 {
			return fmt.Errorf("mediaupload: unknown API %q: use %q or %q", api, APIv1, APIv2)
		}
		c.api, c.apiSet = api, true
		return nil
	}
}

// WithBearerToken sends token as an OAuth 2.0 user token ("Authorization:
// Bearer …") on every request, for [APIv2], which it selects unless
// [WithAPI] or the endpoint's path says otherwise: v1.1 takes OAuth 1.0a
// only, so [NewClient] refuses WithBearerToken with WithAPI(APIv1) or a
// /1.1/ endpoint, with [ErrAPIMismatch].
// Use it with a client that does not sign requests itself, such as one with
// [NewTransport]; a client from golang.org/x/oauth2 needs no token here.
func WithBearerToken(token string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(token) == "" || strings.ContainsAny(token, " \r\n") {
			return fmt.Errorf("%w: the bearer token is empty or malformed", ErrMissingCredentials)
		}
		c.bearer = token
		return nil
	}
}

// RetryPolicy says how a request that failed transiently (transport error,
// stall, 429, 500, 502, 503, 504) is retried. Each retry waits an
// exponentially growing, jittered delay, or what the service asked for with
// Retry-After or x-rate-limit-reset. A wait over a cap is not shortened,
// since the service would refuse the retry all the same: the request fails
// at once with [ErrWaitTooLong], and the [*APIError]'s ResetAt says when to
// try again. Waits of 5 s or more are logged at level Info (see
// [WithLogger]).
type RetryPolicy struct {
	// MaxAttempts is the number of attempts per request, the first
	// included; 1 disables retries.
	MaxAttempts int
	// InitialBackoff is the first delay before jitter.
	InitialBackoff time.Duration
	// MaxBackoff caps the exponential delay.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest delay the service may ask for that the
	// client waits out; zero fails at once whenever it asks to wait.
	MaxRetryAfter time.Duration
	// MaxTotalWait caps the time one request may spend waiting between
	// attempts; zero means no cap beyond MaxAttempts.
	MaxTotalWait time.Duration
}

// DefaultRetryPolicy returns the policy a [Client] uses unless [WithRetry]
// says otherwise: 8 attempts, 500 ms doubling to 30 s, server-asked waits up
// to 15 minutes, 30 minutes of waiting in all.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:    8,
		InitialBackoff: 500 * time.Millisecond,
		MaxBackoff:     30 * time.Second,
		MaxRetryAfter:  15 * time.Minute,
		MaxTotalWait:   30 * time.Minute,
	}
}

// Option configures a [Client]; see [NewClient].
type Option func(*Client) error

// WithEndpoint sets the upload URL (default [DefaultEndpoint]). It must be
// https unless its host is on the loopback interface; the metadata URL sits
// beside it (…/media/metadata/create.json).
func WithEndpoint(endpoint string) Option {
	return func(c *Client) error {
		u, err := parseEndpoint(endpoint)
		if err != nil {
			return err
		}
		c.endpoint = u
		c.endpointSet = true
		return nil
	}
}

// WithChunkSize sets the segment size in bytes, 1 to [MaxChunkSize]. An input
// that would need more than [MaxSegments] segments at that size is refused
// with [ErrTooManySegments]. Default: [DefaultChunkSize], grown as needed.
func WithChunkSize(n int64) Option {
	return func(c *Client) error {
		if n < 1 || n > MaxChunkSize {
			return fmt.Errorf("%w: %d bytes; it must be 1 to %d", ErrChunkSize, n, MaxChunkSize)
		}
		c.chunkSize = n
		return nil
	}
}

// WithAdaptiveChunkSize sizes segments to the network instead of giving
// them one size: it starts at 512 KiB, doubles the size while segments go
// through in under half a second, and halves it after a segment that took
// over two seconds, was retried or stalled, between 64 KiB and
// [MaxChunkSize] (4 MiB with [APIv2]). Segments stay consecutive byte ranges
// indexed 0–999, always leaving room to finish within 1000 of them. X's
// documentation does not say segments may differ in size, so this is
// opt-in. Buffers are then sized for the largest segment.
func WithAdaptiveChunkSize() Option {
	return func(c *Client) error {
		c.adaptiveTarget = segments.AdaptiveTarget
		return nil
	}
}

// withAdaptiveTarget sets the adaptive sizer's target time (tests).
func withAdaptiveTarget(d time.Duration) Option {
	return func(c *Client) error { c.adaptiveTarget = d; return nil }
}

// WithConcurrency sets how many segments are sent at once, 1 to 64 (default
// [DefaultConcurrency]). Memory use is about (n+1) × chunk size.
func WithConcurrency(n int) Option {
	return func(c *Client) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("mediaupload: concurrency %d: it must be 1 to 64", n)
		}
		c.concurrency = n
		return nil
	}
}

// WithRetry sets the retry policy (default [DefaultRetryPolicy]).
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 1 || p.InitialBackoff < 0 || p.MaxBackoff < p.InitialBackoff || p.MaxRetryAfter < 0 || p.MaxTotalWait < 0 {
			return fmt.Errorf("mediaupload: invalid retry policy %+v", p)
		}
		c.retry = p
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default [DefaultUserAgent]).
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if ua == "" {
			return fmt.Errorf("mediaupload: empty user agent")
		}
		c.userAgent = ua
		return nil
	}
}

// WithMaxProcessingWait bounds how long processing is awaited after
// FINALIZE (default [DefaultMaxProcessingWait]).
func WithMaxProcessingWait(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("mediaupload: max processing wait %v: it must be positive", d)
		}
		c.maxProcessingWait = d
		return nil
	}
}

// WithStallTimeout sets how long an attempt may move no byte, in either
// direction, before it is abandoned with [ErrStalled] and retried (default
// [DefaultStallTimeout]), at least [MinStallTimeout]. A slow upload that
// keeps moving is not cut off by it; one slower than [MinTransferRate] is.
func WithStallTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < MinStallTimeout {
			return fmt.Errorf("mediaupload: stall timeout %v is too short: the minimum is %v", d, MinStallTimeout)
		}
		c.stallTimeout = d
		return nil
	}
}

// withStallTimeout sets any positive stall timeout, under the minimum too
// (tests).
func withStallTimeout(d time.Duration) Option {
	return func(c *Client) error { c.stallTimeout = d; return nil }
}

// withNow replaces the clock (tests).
func withNow(now func() time.Time) Option {
	return func(c *Client) error { c.now = now; return nil }
}

// withSleep replaces the wait between attempts and polls (tests).
func withSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) error { c.sleep = sleep; return nil }
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// parseEndpoint checks that an endpoint is absolute and https, or plain
// http on loopback. Its errors never quote the endpoint's user info, which
// may hold a password: not even url.Parse's, which quote the raw URL.
func parseEndpoint(endpoint string) (*url.URL, error) {
	shown := redactUserinfo(endpoint)
	u, err := url.Parse(endpoint)
	var why string
	var ue *url.Error
	if errors.As(err, &ue) && shown == endpoint {
		why = ": " + ue.Err.Error() // the cause, without the URL
	}
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("mediaupload: endpoint %q is not an absolute http(s) URL%s", shown, why)
	}
	if u.User != nil {
		return nil, fmt.Errorf("mediaupload: endpoint %q must not carry user info", shown)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s: plain http is allowed only to loopback; use https", ErrInsecureEndpoint, u.Redacted())
	}
	return u, nil
}

// UploadOption configures one [Client.Upload] call.
type UploadOption func(*uploadConfig) error

// uploadConfig is the per-call configuration of an upload.
type uploadConfig struct {
	mediaType, category string
	additionalOwners    []string
	shared              bool
	size                int64 // -1: measure or spool
	base64              bool
	altText             string
	onProgress          func(Progress)
	tempDir             string
	store               ResumeStore
	dm                  bool
	subtitles           *subtitleFile
}

// subtitleFile is a subtitle file to upload and attach to the video.
type subtitleFile struct {
	r   io.Reader
	sub Subtitle
}

// MediaType sets the MIME type, e.g. "video/mp4". Default: sniffed from the
// first bytes of the content.
func MediaType(t string) UploadOption {
	return func(c *uploadConfig) error {
		if !validMediaType(t) {
			return fmt.Errorf("%w: %q is not a MIME type", ErrMediaType, t)
		}
		c.mediaType = t
		return nil
	}
}

// Category sets the media category: tweet_image, tweet_gif, tweet_video,
// dm_image, dm_gif, dm_video, amplify_video or subtitles (TweetVideo and
// TWEET_VIDEO spellings are accepted). Default: derived from the media type
// for a tweet.
func Category(cat string) UploadOption {
	return func(c *uploadConfig) error {
		norm, err := normalizeCategory(cat)
		c.category = norm
		return err
	}
}

// AdditionalOwners lets up to 100 other users (by user id) use the media.
func AdditionalOwners(ids ...string) UploadOption {
	return func(c *uploadConfig) error {
		if len(ids) > 100 {
			return fmt.Errorf("mediaupload: %d additional owners, at most 100", len(ids))
		}
		c.additionalOwners = ids
		return nil
	}
}

// Shared marks DM media as reusable across direct messages.
func Shared() UploadOption {
	return func(c *uploadConfig) error { c.shared = true; return nil }
}

// Size declares the input's size, so that a plain reader is streamed
// instead of spooled. An input that ends early or runs long fails with
// [ErrSizeMismatch].
func Size(n int64) UploadOption {
	return func(c *uploadConfig) error {
		if n < 0 {
			return fmt.Errorf("mediaupload: negative size %d", n)
		}
		c.size = n
		return nil
	}
}

// Base64 sends segments as base64 field media_data instead of raw part
// media. It costs a third more bytes and a copy; use it only for services
// that need it.
func Base64() UploadOption {
	return func(c *uploadConfig) error { c.base64 = true; return nil }
}

// AltText sets alt text (at most [MaxAltTextLength] characters) once the
// media is processed.
func AltText(text string) UploadOption {
	return func(c *uploadConfig) error {
		c.altText = text
		return checkAltText(text)
	}
}

// OnProgress calls fn as segments are acknowledged and while processing is
// awaited. Calls come one at a time, from the uploading goroutines: fn must
// return quickly.
func OnProgress(fn func(Progress)) UploadOption {
	return func(c *uploadConfig) error { c.onProgress = fn; return nil }
}

// TempDir sets where input of unknown size is spooled (default
// [os.TempDir]).
func TempDir(dir string) UploadOption {
	return func(c *uploadConfig) error { c.tempDir = dir; return nil }
}

// Resume keeps the upload's state in store, so that an upload interrupted by
// a crash or a kill continues with the same media id, sending only the
// segments the service has not acknowledged (and after FINALIZE only
// awaiting processing). The state is saved from the start and after every
// step, and removed on success. A state for other input, or whose media has
// expired, is replaced by a fresh upload (logged at level Info).
func Resume(store ResumeStore) UploadOption {
	return func(c *uploadConfig) error {
		if store == nil {
			return fmt.Errorf("mediaupload: nil resume store")
		}
		c.store = store
		return nil
	}
}

// WithLogger logs to l: each request at level Debug (step, status,
// attempt, duration; never a credential), and at level Info notices such
// as a resume state that cannot be used, and every wait of 5 s or more
// before a retry ("waiting before retry", with the step, the segment of an
// APPEND, the wait, its end as a clock time and its cause). Default: no
// logging.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return fmt.Errorf("mediaupload: nil logger")
		}
		c.log = l
		return nil
	}
}

// ForDM derives direct-message categories (dm_image, dm_gif, dm_video)
// instead of tweet ones when no [Category] is given.
func ForDM() UploadOption {
	return func(c *uploadConfig) error { c.dm = true; return nil }
}

// WithSubtitles uploads the SubRip (.srt) file r as category subtitles once
// the video is processed, and attaches it to the video in the language
// languageCode (two letters, e.g. "EN") under displayName (empty: the
// language's English name).
func WithSubtitles(r io.Reader, languageCode, displayName string) UploadOption {
	return func(c *uploadConfig) error {
		sub := Subtitle{LanguageCode: languageCode, DisplayName: displayName}
		if err := sub.normalize(); err != nil {
			return err
		}
		if r == nil {
			return fmt.Errorf("mediaupload: nil subtitles reader")
		}
		c.subtitles = &subtitleFile{r: r, sub: sub}
		return nil
	}
}

// redactUserinfo returns rawURL with its user info (everything between
// "scheme://" and the last '@') replaced by "xxxxx", for error messages.
// It works on the text, so that it also covers URLs url.Parse refuses.
func redactUserinfo(rawURL string) string {
	at := strings.LastIndex(rawURL, "@")
	if at < 0 {
		return rawURL
	}
	start := 0
	if i := strings.Index(rawURL[:at], "://"); i > 0 && strings.Trim(strings.ToLower(rawURL[:i]), "abcdefghijklmnopqrstuvwxyz0123456789+-.") == "" {
		start = i + len("://")
	}
	return rawURL[:start] + "xxxxx" + rawURL[at:]
}
