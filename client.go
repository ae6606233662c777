package mediaupload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mediaupload/mediaupload/internal/limit"
	"github.com/mediaupload/mediaupload/internal/segments"
	"github.com/mediaupload/mediaupload/internal/wire"
	"github.com/mediaupload/mediaupload/mediacheck"
)

// Client uploads media. Build it with [NewClient]; it does not change
// afterwards and is safe for concurrent use by many goroutines.
type Client struct {
	http              *http.Client
	api               API
	apiSet            bool // by WithAPI, not resolved
	endpoint          *url.URL
	endpointSet       bool // by WithEndpoint, not defaulted
	dialect           wire.Dialect
	bearer            string
	chunkSize         int64         // 0: DefaultChunkSize, grown to fit
	adaptiveTarget    time.Duration // > 0: adaptive segment sizes
	concurrency       int
	retry             RetryPolicy
	userAgent         string
	maxProcessingWait time.Duration
	stallTimeout      time.Duration
	log               *slog.Logger
	mediaLimits       mediacheck.Limits
	onRetry           func(RetryEvent) // nil: none
	memoryBudget      int64
	maxInFlight       int
	budget            *limit.Budget // chunk buffers, shared by every upload
	gate              *limit.Gate   // slots in flight and what is known of rate limits, shared
	sleep             func(ctx context.Context, d time.Duration) error
	now               func() time.Time
}

// NewClient returns a Client that sends its requests through httpClient,
// which must authenticate them: see [NewOAuth1Client], or use any client
// that signs requests (such as mediatest.Server.Client). The client is
// copied; its copy refuses redirects to another scheme or host, so that
// signed requests never leave the endpoint's host.
func NewClient(httpClient *http.Client, opts ...Option) (*Client, error) {
	if httpClient == nil {
		return nil, errors.New("mediaupload: nil http client")
	}
	hc := *httpClient
	hc.CheckRedirect = refuseForeignRedirect(httpClient.CheckRedirect)
	c := &Client{
		http:              &hc,
		concurrency:       DefaultConcurrency,
		memoryBudget:      DefaultMemoryBudget,
		maxInFlight:       DefaultMaxInFlight,
		retry:             DefaultRetryPolicy(),
		userAgent:         DefaultUserAgent,
		maxProcessingWait: DefaultMaxProcessingWait,
		stallTimeout:      DefaultStallTimeout,
		log:               slog.New(slog.DiscardHandler),
		sleep:             sleepCtx,
		now:               time.Now,
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if err := c.resolveAPI(); err != nil {
		return nil, err
	}
	if c.adaptiveTarget > 0 && c.chunkSize > 0 {
		return nil, fmt.Errorf("%w: WithChunkSize and WithAdaptiveChunkSize exclude each other", ErrChunkSize)
	}
	c.budget = limit.NewBudget(c.memoryBudget)
	c.gate = limit.NewGate(c.maxInFlight, c.retry.MaxRetryAfter, c.now, c.sleep)
	c.dialect = wire.V1(c.endpoint)
	if c.api == APIv2 {
		c.dialect = wire.V2(c.endpoint)
	}
	return c, nil
}

// Option configures a [Client]; see [NewClient].
type Option func(*Client) error

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

// WithConcurrency sets how many segments are sent at once, 1 to 64 (default
// [DefaultConcurrency]). Memory use is about (n+1) × chunk size, within
// the Client's [WithMemoryBudget] shared by all its uploads, and requests in
// flight within its [WithMaxInFlight].
func WithConcurrency(n int) Option {
	return func(c *Client) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("mediaupload: concurrency %d: it must be 1 to 64", n)
		}
		c.concurrency = n
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

// WithMediaLimits sets the account's media limits that the checks before
// an upload apply (see [Client.Upload]): a Premium account may post longer
// and larger videos. Zero fields keep X's published limits
// ([mediacheck.DefaultLimits]); a negative one lifts the limit.
func WithMediaLimits(l mediacheck.Limits) Option {
	return func(c *Client) error { c.mediaLimits = l; return nil }
}

// withAdaptiveTarget sets the adaptive sizer's target time (tests).
func withAdaptiveTarget(d time.Duration) Option {
	return func(c *Client) error { c.adaptiveTarget = d; return nil }
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

// resolveAPI settles the dialect once every option has run: an explicit
// [WithAPI] wins; else the endpoint's path; else v2 for a bearer token
// (v1.1 takes none); else v1.1. It refuses a WithAPI that contradicts the
// endpoint's path, and a bearer token with v1.1, before any request. It
// then sets the default endpoint of the dialect when none was given.
func (c *Client) resolveAPI() error {
	var byPath API
	if c.endpointSet {
		byPath = endpointAPI(c.endpoint)
	}
	switch {
	case c.apiSet && byPath != "" && byPath != c.api:
		fix := "drop WithAPI, or use a …/2/media/upload endpoint such as " + DefaultV2Endpoint
		if c.api == APIv1 {
			fix = "drop WithAPI, or use a …/1.1/media/upload.json endpoint such as " + DefaultEndpoint
		}
		return fmt.Errorf("%w: WithAPI(%s) with endpoint %s, whose path is v%s's: %s",
			ErrAPIMismatch, apiName(c.api), c.endpoint.Redacted(), byPath, fix)
	case c.apiSet:
	case byPath != "":
		c.api = byPath
	case c.bearer != "":
		c.api = APIv2
	default:
		c.api = APIv1
	}
	if c.bearer != "" && c.api == APIv1 {
		why := "WithAPI(APIv1)"
		if !c.apiSet {
			why = "endpoint " + c.endpoint.Redacted() + ", a v1.1 path,"
		}
		return fmt.Errorf("%w: WithBearerToken with %s: v1.1 takes OAuth 1.0a only and refuses bearer tokens with 403; use v2 (WithAPI(APIv2), or a …/2/media/upload endpoint), or OAuth 1.0a credentials",
			ErrAPIMismatch, why)
	}
	if !c.endpointSet {
		def := DefaultEndpoint
		if c.api == APIv2 {
			def = DefaultV2Endpoint
		}
		c.endpoint, _ = parseEndpoint(def)
	}
	return nil
}

// endpointAPI is the dialect an endpoint's path names: v2 for a path
// with /2/media/, v1.1 for one with /1.1/media/, else "".
func endpointAPI(u *url.URL) API {
	switch p := u.Path + "/"; {
	case strings.Contains(p, "/2/media/"):
		return APIv2
	case strings.Contains(p, "/1.1/media/"):
		return APIv1
	}
	return ""
}

// apiName is the Go name of api's constant, for messages about options.
func apiName(api API) string {
	if api == APIv2 {
		return "APIv2"
	}
	return "APIv1"
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

// newSizer returns the sizer of segments: adaptive, or of the given chunk
// size, never over maxChunk.
func (c *Client) newSizer(chunk, maxChunk int64) segments.Sizer {
	if c.adaptiveTarget > 0 {
		if c.api == APIv2 {
			maxChunk = min(maxChunk, 4<<20) // v2 refused 5 MiB segments in the field
		}
		return segments.NewAdaptive(maxChunk, c.adaptiveTarget)
	}
	return segments.Fixed{Size: chunk, Max: maxChunk}
}
