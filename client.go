package mediaupload

import (
	"cmp"
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

// Client uploads media. Build it with [NewClient]; it is safe for concurrent use.
type Client struct {
	http                     *http.Client
	api                      API      // "" until resolveAPI: no WithAPI
	endpoint                 *url.URL // nil until resolveAPI: no WithEndpoint
	dialect                  wire.Dialect
	bearer, userAgent        string
	chunkSize                int64         // 0: DefaultChunkSize, grown to fit
	adaptiveTarget           time.Duration // > 0: adaptive segment sizes
	concurrency, maxInFlight int
	retry                    RetryPolicy
	maxProcessingWait        time.Duration
	stallTimeout             time.Duration
	log                      *slog.Logger
	mediaLimits              mediacheck.Limits
	onRetry                  func(RetryEvent) // nil: none
	memoryBudget             int64
	budget                   *limit.Budget // chunk buffers, shared by every upload
	gate                     *limit.Gate   // slots in flight and what is known of rate limits, shared
	sleep                    func(ctx context.Context, d time.Duration) error
	now                      func() time.Time
}

// NewClient returns a Client that sends requests through a copy of httpClient, which must sign
// them (see [NewOAuth1Client]); the copy refuses redirects to another scheme or host.
func NewClient(httpClient *http.Client, opts ...Option) (*Client, error) {
	if httpClient == nil {
		return nil, errors.New("mediaupload: nil http client")
	}
	hc := *httpClient
	hc.CheckRedirect = refuseForeignRedirect(httpClient.CheckRedirect)
	c := &Client{
		http: &hc, retry: DefaultRetryPolicy(), log: slog.New(slog.DiscardHandler), sleep: sleepCtx, now: time.Now,
		concurrency: DefaultConcurrency, memoryBudget: DefaultMemoryBudget, maxInFlight: DefaultMaxInFlight,
		userAgent: DefaultUserAgent, maxProcessingWait: DefaultMaxProcessingWait, stallTimeout: DefaultStallTimeout,
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
	return c, nil
}

// Option configures a [Client]; see [NewClient].
type Option func(*Client) error

// Limits of the service and defaults of a [Client].
const (
	DefaultEndpoint   = "https://upload.twitter.com/1.1/media/upload.json" // the v1.1 upload URL
	DefaultV2Endpoint = "https://api.x.com/2/media/upload"                 // the default with [APIv2]
	MaxChunkSize      = 5 << 20                                            // the largest segment X accepts
	MaxSegments       = 1000                                               // segments per upload, indexed 0–999
	DefaultUserAgent  = "mediaupload-go/0.1"                               // unless [WithUserAgent]
	// MinTransferRate (bytes/s, 128 kbit/s) is the slowest an attempt may go: one not answered
	// within the stall timeout plus its body's time at this rate is retried ([ErrTooSlow]).
	MinTransferRate          = 16 << 10
	DefaultChunkSize         = 2 << 20          // grown to fit [MaxSegments]; see [WithChunkSize]
	DefaultConcurrency       = 8                // segments sent at once: hides a 50 ms round trip
	DefaultMaxProcessingWait = 15 * time.Minute // how long [Client.WaitProcessed] waits
	DefaultStallTimeout      = 60 * time.Second // how long an attempt may move no byte
	MinStallTimeout          = time.Second      // the least [WithStallTimeout] takes
	DefaultMemoryBudget      = 48 << 20         // the chunk memory a Client's uploads share: 24 chunks
	DefaultMaxInFlight       = 32               // the most requests a Client has in flight at once
)

// API selects the wire dialect; both work with the same [Client] and calls.
type API string

// The dialects.
const (
	APIv1 API = "1.1" // v1.1 (upload.json), the default
	APIv2 API = "2"   // X API v2 (/2/media/upload/…); also takes OAuth 2.0 user tokens
)

// WithAPI sets the dialect; else the endpoint's path or [WithBearerToken] does ([ErrAPIMismatch]).
func WithAPI(api API) Option {
	return setIf(api == APIv1 || api == APIv2, fmt.Errorf("mediaupload: unknown API %q: use %q or %q", api, APIv1, APIv2),
		func(c *Client) { c.api = api })
}

// setIf is an option, of a Client or of an upload, that runs set if ok, else fails with err;
// option is one that cannot fail.
func setIf[T any](ok bool, err error, set func(*T)) func(*T) error {
	return func(c *T) error {
		if !ok {
			return err
		}
		set(c)
		return nil
	}
}
func option[T any](set func(*T)) func(*T) error { return setIf(true, nil, set) }

// WithEndpoint sets the upload URL, https unless on loopback; metadata and subtitles go beside it.
func WithEndpoint(endpoint string) Option {
	return func(c *Client) (err error) {
		c.endpoint, err = parseEndpoint(endpoint)
		return err
	}
}

// WithBearerToken sends an OAuth 2.0 user token ([APIv2] only) via a client that does not sign.
func WithBearerToken(token string) Option {
	return setIf(strings.TrimSpace(token) != "" && !strings.ContainsAny(token, " \r\n"),
		fmt.Errorf("%w: the bearer token is empty or malformed", ErrMissingCredentials), func(c *Client) { c.bearer = token })
}

// WithChunkSize sets the segment size, 1 to [MaxChunkSize]; inputs needing over [MaxSegments] fail.
func WithChunkSize(n int64) Option {
	return setIf(n >= 1 && n <= MaxChunkSize,
		fmt.Errorf("%w: %d bytes; it must be 1 to %d", ErrChunkSize, n, MaxChunkSize), func(c *Client) { c.chunkSize = n })
}

// WithAdaptiveChunkSize sizes segments to the network, 64 KiB to [MaxChunkSize] (4 MiB with v2):
// doubled after fast segments, halved after slow or retried ones. It is opt-in because X's
// documentation does not say that segments may differ in size.
func WithAdaptiveChunkSize() Option {
	return option(func(c *Client) { c.adaptiveTarget = segments.AdaptiveTarget })
}

// WithConcurrency sets the segments in flight per upload, 1 to 64; see also [WithMemoryBudget].
func WithConcurrency(n int) Option {
	return setIf(n >= 1 && n <= 64, fmt.Errorf("mediaupload: concurrency %d: it must be 1 to 64", n),
		func(c *Client) { c.concurrency = n })
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return setIf(ua != "", errors.New("mediaupload: empty user agent"), func(c *Client) { c.userAgent = ua })
}

// WithMaxProcessingWait bounds how long processing is awaited after FINALIZE.
func WithMaxProcessingWait(d time.Duration) Option {
	return setIf(d > 0, fmt.Errorf("mediaupload: max processing wait %v: it must be positive", d),
		func(c *Client) { c.maxProcessingWait = d })
}

// WithStallTimeout sets how long an attempt may move no byte ([ErrStalled]); ≥ [MinStallTimeout].
func WithStallTimeout(d time.Duration) Option {
	return setIf(d >= MinStallTimeout,
		fmt.Errorf("mediaupload: stall timeout %v is too short: the minimum is %v", d, MinStallTimeout),
		func(c *Client) { c.stallTimeout = d })
}

// WithMemoryBudget sets the bytes of chunk buffers the Client's uploads may hold at once, at least
// 1 (default [DefaultMemoryBudget]), served in order; one over goes alone. [Base64] copies are out.
func WithMemoryBudget(bytes int64) Option {
	return setIf(bytes >= 1, fmt.Errorf("mediaupload: memory budget %d: it must be positive", bytes),
		func(c *Client) { c.memoryBudget = bytes })
}

// WithMaxInFlight sets how many requests of the Client may be in flight at once, 1 to 1024 (default
// [DefaultMaxInFlight]), and so the connections open. A wait before a retry holds no slot.
func WithMaxInFlight(n int) Option {
	return setIf(n >= 1 && n <= 1024, fmt.Errorf("mediaupload: max in flight %d: it must be 1 to 1024", n),
		func(c *Client) { c.maxInFlight = n })
}

// WithLogger logs requests at Debug (never a credential), and at Info notices such as 5 s waits.
func WithLogger(l *slog.Logger) Option {
	return setIf(l != nil, errors.New("mediaupload: nil logger"), func(c *Client) { c.log = l })
}

// WithMediaLimits sets the checks' limits: zero fields keep [mediacheck.DefaultLimits], < 0 lifts.
func WithMediaLimits(l mediacheck.Limits) Option {
	return option(func(c *Client) { c.mediaLimits = l })
}

// resolveAPI settles the dialect and endpoint once every option has run, refusing contradictions.
func (c *Client) resolveAPI() error {
	var byPath API // the dialect the endpoint's path names: …/1.1/media/… or …/2/media/…
	for _, api := range []API{APIv1, APIv2} {
		if c.endpoint != nil && strings.Contains(c.endpoint.Path+"/", "/"+string(api)+"/media/") {
			byPath = api
		}
	}
	apiSet := c.api != ""
	if !apiSet && byPath == "" && c.bearer != "" {
		c.api = APIv2
	}
	c.api = cmp.Or(c.api, byPath, APIv1)
	name, def, path, dialect := "APIv1", DefaultEndpoint, "…/1.1/media/upload.json", wire.V1
	if c.api == APIv2 {
		name, def, path, dialect = "APIv2", DefaultV2Endpoint, "…/2/media/upload", wire.V2
	}
	switch {
	case apiSet && byPath != "" && byPath != c.api:
		return fmt.Errorf("%w: WithAPI(%s) with endpoint %s, whose path is v%s's: drop WithAPI, or use a %s endpoint such as %s",
			ErrAPIMismatch, name, c.endpoint.Redacted(), byPath, path, def)
	case c.bearer != "" && c.api == APIv1:
		why := "WithAPI(APIv1)"
		if !apiSet {
			why = "endpoint " + c.endpoint.Redacted() + ", a v1.1 path,"
		}
		return fmt.Errorf("%w: WithBearerToken with %s: v1.1 takes OAuth 1.0a only and refuses bearer tokens with 403; use v2 (WithAPI(APIv2), or a …/2/media/upload endpoint), or OAuth 1.0a credentials",
			ErrAPIMismatch, why)
	}
	if c.endpoint == nil {
		c.endpoint, _ = url.Parse(def)
	}
	c.dialect = dialect(c.endpoint)
	return nil
}

// parseEndpoint takes an absolute https URL, or http on loopback; its errors never quote user info.
func parseEndpoint(endpoint string) (*url.URL, error) {
	shown, why := redactUserinfo(endpoint), ""
	u, err := url.Parse(endpoint)
	if ue, ok := err.(*url.Error); ok && shown == endpoint {
		why = ": " + ue.Err.Error() // the cause, without the URL
	}
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return nil, fmt.Errorf("mediaupload: endpoint %q is not an absolute http(s) URL%s", shown, why)
	case u.User != nil:
		return nil, fmt.Errorf("mediaupload: endpoint %q must not carry user info", shown)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("%w: %s: plain http is allowed only to loopback; use https", ErrInsecureEndpoint, u.Redacted())
	}
	return u, nil
}

// redactUserinfo puts "xxxxx" from "scheme://" to the last '@' of the text (url.Parse may fail).
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

// newSizer returns the segments' sizer: adaptive, or of the given chunk size; never over maxChunk.
func (c *Client) newSizer(chunk, maxChunk int64) segments.Sizer {
	if c.adaptiveTarget > 0 {
		if c.api == APIv2 {
			maxChunk = min(maxChunk, 4<<20) // v2 refused 5 MiB segments in the field
		}
		return segments.NewAdaptive(maxChunk, c.adaptiveTarget)
	}
	return segments.Fixed{Size: chunk, Max: maxChunk}
}
