package mediaupload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mediaupload/mediaupload/internal/segments"
	"github.com/mediaupload/mediaupload/internal/source"
	"github.com/mediaupload/mediaupload/internal/wire"
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
	onRetry           func(RetryEvent) // nil: none
	spares            sync.Pool        // chunk buffers of finished uploads
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
	c.dialect = wire.V1(c.endpoint)
	if c.api == APIv2 {
		c.dialect = wire.V2(c.endpoint)
	}
	return c, nil
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

// Media is an uploaded (or uploading) media object.
type Media struct {
	// ID is the media id, a decimal string (ids exceed 2^53).
	ID string
	// Key is the media key, when the service gave one.
	Key string
	// Size is the size in bytes, when known.
	Size int64
	// MediaType and Category are what the upload declared.
	MediaType, Category string
	// ExpiresAt is when the id stops being usable, per expires_after_secs
	// of the latest answer; zero when unknown.
	ExpiresAt time.Time
	// Processing is the latest processing state; nil means the media is
	// ready to use.
	Processing *ProcessingInfo
}

// ProcessingInfo is the processing state of a video or GIF after FINALIZE.
type ProcessingInfo struct {
	// State is "pending", "in_progress", "succeeded" or "failed".
	State string
	// CheckAfter is how long the service asked to wait before the next
	// STATUS; negative when it did not say.
	CheckAfter time.Duration
	// ProgressPercent is the service's estimate, 0–100.
	ProgressPercent int
	// Error is set when processing failed.
	Error *ProcessingError
}

// done reports whether processing has ended, in success or failure.
func (p *ProcessingInfo) done() bool {
	return p == nil || p.State == "succeeded" || p.State == "failed" || p.Error != nil
}

// Progress reports an upload's advance to [OnProgress].
type Progress struct {
	// MediaID is the upload's media id, once INIT has answered.
	MediaID string
	// BytesSent counts bytes of segments the service has acknowledged.
	BytesSent, TotalBytes int64
	// SegmentsDone of Segments have been acknowledged. With adaptive
	// segment sizes, Segments counts those planned so far.
	SegmentsDone, Segments int
	// Processing is the processing state while it is awaited, else nil.
	Processing *ProcessingInfo
}

// InitParams describe an upload for [Client.Init].
type InitParams struct {
	// TotalBytes is the media's size in bytes.
	TotalBytes int64
	// MediaType is the MIME type, e.g. "video/mp4".
	MediaType string
	// Category is the media category, e.g. "tweet_video"; empty sends none.
	Category string
	// AdditionalOwners are user ids that may also use the media (≤ 100).
	AdditionalOwners []string
	// Shared marks DM media reusable across messages.
	Shared bool
}

// Init starts an upload (INIT) and returns the new media, whose ID the
// following steps take.
func (c *Client) Init(ctx context.Context, p InitParams) (*Media, error) {
	switch {
	case p.TotalBytes <= 0:
		return nil, ErrEmptyMedia
	case !validMediaType(p.MediaType):
		return nil, fmt.Errorf("%w: %q is not a MIME type", ErrMediaType, p.MediaType)
	case len(p.AdditionalOwners) > 100:
		return nil, fmt.Errorf("mediaupload: %d additional owners, at most 100", len(p.AdditionalOwners))
	}
	if p.Category != "" {
		cat, err := normalizeCategory(p.Category)
		if err != nil {
			return nil, err
		}
		p.Category = cat
	}
	req, err := c.dialect.Init(wire.InitParams(p))
	if err != nil {
		return nil, err
	}
	m, err := c.call(ctx, StepInit, req, "")
	if err != nil {
		return nil, err
	}
	m.Size, m.MediaType, m.Category = p.TotalBytes, p.MediaType, p.Category
	return m, nil
}

// Finalize ends the upload of mediaID (FINALIZE). If the returned media's
// Processing is not done, await it with [Client.WaitProcessed]. A FINALIZE
// whose answer was lost and whose retry is refused is confirmed with STATUS,
// so it does not fail an upload that in fact succeeded.
func (c *Client) Finalize(ctx context.Context, mediaID string) (*Media, error) {
	return c.finalize(ctx, mediaID, false)
}

// finalize is Finalize; maybeDone says that an earlier process may already
// have finalized the media.
func (c *Client) finalize(ctx context.Context, mediaID string, maybeDone bool) (*Media, error) {
	if err := checkMediaID(mediaID); err != nil {
		return nil, err
	}
	ans, t, err := c.send(ctx, StepFinalize, c.dialect.Finalize(mediaID).Build, "media_id", mediaID)
	var apiErr *APIError
	if err != nil && (t.unanswered || maybeDone) && errors.As(err, &apiErr) && apiErr.StatusCode/100 == 4 {
		// An attempt whose answer never came, or an earlier process, may
		// have finalized the media: a refusal that says so, or a STATUS
		// that shows processing, means FINALIZE is done.
		m, serr := c.Status(ctx, mediaID)
		switch {
		case serr == nil && m.Processing != nil:
			return m, nil
		case saysFinalized(apiErr):
			if serr != nil {
				m = &Media{ID: mediaID}
			}
			return m, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return c.parse(StepFinalize, ans, mediaID)
}

// segmentsMissing reports whether a refused FINALIZE says the service lacks
// bytes ("Segments do not add up to provided total file size.").
func segmentsMissing(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "do not add up")
}

// mediaRefused reports whether err is the service refusing to process or
// report on the media any further: the bytes it has do not add up, or
// STATUS of a finalized media answered 400 or 404. A rerun from the same
// resume state would meet the same refusal.
func mediaRefused(err error) bool {
	var ue *UploadError
	var e *APIError
	if !errors.As(err, &ue) || !errors.As(err, &e) {
		return false
	}
	switch ue.Step {
	case StepFinalize:
		return segmentsMissing(err)
	case StepStatus:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusNotFound
	}
	return false
}

// saysFinalized reports whether a refused FINALIZE says the media is
// finalized already.
func saysFinalized(e *APIError) bool {
	return strings.Contains(strings.ToLower(e.Message), "already finalized")
}

// Status asks for the processing state of mediaID (STATUS).
func (c *Client) Status(ctx context.Context, mediaID string) (*Media, error) {
	if err := checkMediaID(mediaID); err != nil {
		return nil, err
	}
	return c.call(ctx, StepStatus, c.dialect.Status(mediaID), mediaID)
}

// WaitProcessed polls STATUS until processing of m has succeeded, and
// returns the final state. It waits check_after_secs between polls (a
// growing backoff when the service names none), stops with a
// [*ProcessingError] on failure, with [ErrProcessingTimeout] after the
// maximum processing wait, or when ctx ends. Media with no processing to
// await is returned at once.
func (c *Client) WaitProcessed(ctx context.Context, m *Media) (*Media, error) {
	return c.waitProcessed(ctx, m, nil)
}

// minPollInterval spaces polls when the service keeps asking for no wait.
const minPollInterval = 250 * time.Millisecond

func (c *Client) waitProcessed(ctx context.Context, m *Media, report func(*Media)) (*Media, error) {
	start := c.now()
	var waited time.Duration
	fallback := time.Second
	polls := 0
	for {
		if report != nil {
			report(m)
		}
		p := m.Processing
		if p != nil && p.Error != nil {
			return m, p.Error
		}
		if p.done() {
			if p != nil && p.State == "failed" {
				return m, &ProcessingError{MediaID: m.ID, Name: "failed", Message: "processing failed without an error"}
			}
			return m, nil
		}
		wait := p.CheckAfter
		switch {
		case wait < 0: // the service named no wait: back off
			wait, fallback = fallback, min(2*fallback, 30*time.Second)
		case wait == 0 && polls > 0: // "now" again: do not hammer
			wait = minPollInterval
		}
		if spent := max(waited, c.now().Sub(start)); spent+wait > c.maxProcessingWait {
			return m, fmt.Errorf("%w: still %s after %v (at %d%%)", ErrProcessingTimeout, p.State, spent.Round(time.Second), p.ProgressPercent)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return m, err
		}
		waited += wait
		polls++
		next, err := c.Status(ctx, m.ID)
		if err != nil {
			return m, err
		}
		next.Size, next.MediaType, next.Category = m.Size, m.MediaType, m.Category
		if next.ExpiresAt.IsZero() {
			next.ExpiresAt = m.ExpiresAt
		}
		m = next
	}
}

// MaxAltTextLength is the most characters alt text may have.
const MaxAltTextLength = 1000

// SetAltText attaches alt text (at most [MaxAltTextLength] characters) to
// an image or GIF whose upload is finalized and processed.
func (c *Client) SetAltText(ctx context.Context, mediaID, text string) error {
	if err := checkAltText(text); err != nil {
		return err
	}
	if err := checkMediaID(mediaID); err != nil {
		return err
	}
	req, err := c.dialect.Metadata(mediaID, text)
	if err != nil {
		return err
	}
	_, _, err = c.send(ctx, StepMetadata, req.Build, "media_id", mediaID)
	return err
}

func checkAltText(text string) error {
	if n := utf8.RuneCountInString(text); n > MaxAltTextLength {
		return fmt.Errorf("%w: %d characters, at most %d", ErrAltTextTooLong, n, MaxAltTextLength)
	}
	return nil
}

// call sends a request whose answer is a media object about want (""
// for INIT).
func (c *Client) call(ctx context.Context, step Step, req wire.Request, want string) (*Media, error) {
	var attrs []any
	if want != "" {
		attrs = []any{"media_id", want}
	}
	ans, _, err := c.send(ctx, step, req.Build, attrs...)
	if err != nil {
		return nil, err
	}
	return c.parse(step, ans, want)
}

// parse reads the media of a 2xx answer about want ("" for INIT). An
// answer that holds errors and no media is the [*APIError] it describes;
// one with neither, or with no body, is about want.
func (c *Client) parse(step Step, ans *answer, want string) (*Media, error) {
	var w *wire.Media
	if len(bytes.TrimSpace(ans.body)) > 0 {
		var err error
		if w, err = c.dialect.ParseMedia(ans.body); err != nil {
			return nil, fmt.Errorf("%w: unreadable: %w", ErrBadAnswer, err)
		}
	}
	if w == nil {
		if wire.HoldsErrors(ans.body) {
			return nil, c.apiError(step, ans.status, ans.header, ans.body)
		}
		if want == "" {
			return nil, fmt.Errorf("%w: it holds no media", ErrBadAnswer)
		}
		w = &wire.Media{}
	}
	return mediaOf(w, c.now(), want)
}

// Upload uploads all of r and returns the media once it is ready to use:
// INIT, APPEND of every segment (in parallel, each retried on its own),
// FINALIZE, STATUS until processing has succeeded, then alt text if asked.
//
// The media type is sniffed from the content unless [MediaType] is given,
// and the category derived from it unless [Category] is given. r may be a
// file or any reader; a reader of unknown size is spooled to a temporary
// file first, removed before Upload returns; the spool stops as soon as the
// input passes its category's size limit (a [*LimitError] whose Size is -1,
// unknown). Bad input is refused before any
// request. Once INIT has succeeded, errors are [*UploadError] values naming
// the media id. With [Resume], an interrupted upload continues where it
// stopped.
func (c *Client) Upload(ctx context.Context, r io.Reader, opts ...UploadOption) (*Media, error) {
	cfg := uploadConfig{size: -1}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if r == nil {
		return nil, fmt.Errorf("mediaupload: nil reader")
	}
	src, err := source.Open(ctx, r, cfg.size, cfg.tempDir, cfg.limitFor)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if src.Size() == 0 {
		return nil, ErrEmptyMedia
	}
	head, err := src.Peek(fingerprintLen)
	if err != nil {
		return nil, fmt.Errorf("mediaupload: reading input: %w", err)
	}
	if err := cfg.resolveType(head, src.Size()); err != nil {
		return nil, err
	}
	maxChunk := int64(MaxChunkSize)
	if cfg.base64 {
		maxChunk = MaxChunkSize / 4 * 3 // the encoded segment must fit too
	}
	plan, err := PlanSegments(src.Size(), c.chunkSize, maxChunk)
	if err != nil {
		return nil, err
	}
	s := newSession(c, &cfg, src, plan.ChunkSize, maxChunk, head)
	if err := s.resume(); err != nil {
		return nil, err
	}
	m, err := s.run(ctx)
	if err != nil {
		var pe *ProcessingError
		if s.store != nil && (errors.As(err, &pe) || errors.Is(err, ErrInputChanged) || mediaRefused(err)) {
			// Nothing is left that a rerun could continue.
			s.store.Remove()
			c.log.Info("resume state removed: a rerun starts a new upload", "media_id", s.state.MediaID)
		}
		return m, err
	}
	if s.store != nil {
		if err := s.store.Remove(); err != nil {
			return m, err
		}
	}
	return m, nil
}

// run goes through the steps the session has not done yet.
func (s *session) run(ctx context.Context) (*Media, error) {
	c, cfg := s.c, s.cfg
	m := &Media{ID: s.state.MediaID}
	resumed := m.ID != ""
	if !resumed {
		var err error
		m, err = c.Init(ctx, InitParams{TotalBytes: s.src.Size(), MediaType: cfg.mediaType, Category: cfg.category,
			AdditionalOwners: cfg.additionalOwners, Shared: cfg.shared})
		if err != nil {
			return nil, stepError(StepInit, "", err)
		}
		if err := s.update(func(st *ResumeState) { st.MediaID, st.ExpiresAt = m.ID, m.ExpiresAt }); err != nil {
			return m, stepError(StepInit, m.ID, err)
		}
	}
	var fin *Media
	switch {
	case s.state.Finalized && !s.state.Processing:
		fin = &Media{ID: m.ID} // FINALIZE announced no processing: ready
	case s.state.Finalized:
		var err error
		if fin, err = c.Status(ctx, m.ID); err != nil { // only processing is left
			return m, stepError(StepStatus, m.ID, err)
		}
	default:
		var err error
		if fin, err = s.appendAndFinalize(ctx, resumed); err != nil {
			return m, err
		}
	}
	fin.Size, fin.MediaType, fin.Category = s.src.Size(), cfg.mediaType, cfg.category
	if fin.ExpiresAt.IsZero() {
		fin.ExpiresAt = s.state.ExpiresAt
	}
	m, err := c.waitProcessed(ctx, fin, s.processing)
	if err != nil {
		return m, stepError(StepStatus, m.ID, err)
	}
	if cfg.altText != "" {
		if err := c.SetAltText(ctx, m.ID, cfg.altText); err != nil {
			return m, stepError(StepMetadata, m.ID, err)
		}
	}
	if sf := cfg.subtitles; sf != nil {
		if err := c.uploadSubtitles(ctx, m, sf); err != nil {
			return m, stepError(StepSubtitles, m.ID, err)
		}
	}
	return m, nil
}

// appendAndFinalize sends the segments not yet acknowledged, then FINALIZE;
// maybeDone says an earlier process may have finalized already. When the
// service answers that the segments do not add up, what was acknowledged
// cannot be trusted: every segment is sent again (APPEND replaces) and
// FINALIZE tried once more.
func (s *session) appendAndFinalize(ctx context.Context, maybeDone bool) (*Media, error) {
	id := s.state.MediaID
	for again := false; ; again = true {
		if err := s.sendSegments(ctx); err != nil {
			return nil, stepError(StepAppend, id, err)
		}
		if err := s.src.CheckEnd(); err != nil {
			return nil, stepError(StepAppend, id, err) // never finalize what is not the whole input
		}
		fin, err := s.c.finalize(ctx, id, maybeDone)
		if err == nil {
			err = s.update(func(st *ResumeState) { st.Finalized, st.Processing = true, !fin.Processing.done() })
			if err != nil {
				return nil, stepError(StepFinalize, id, err)
			}
			return fin, nil
		}
		if again || !segmentsMissing(err) || s.src.Sequential() {
			return nil, stepError(StepFinalize, id, err)
		}
		s.c.log.Warn("FINALIZE says the segments do not add up; sending every segment again, then FINALIZE once more",
			"media_id", id, "segments", len(s.lay.Planned()))
		if err := s.forgetAcked(); err != nil {
			return nil, stepError(StepFinalize, id, err)
		}
		maybeDone = false
	}
}

// stepError wraps err in an [*UploadError] for step, unless it is one.
func stepError(step Step, mediaID string, err error) error {
	var ue *UploadError
	if errors.As(err, &ue) {
		return err
	}
	return &UploadError{Step: step, MediaID: mediaID, Segment: -1, Err: err}
}

// maxSubtitleBytes caps a subtitle file, which is read into memory.
const maxSubtitleBytes = 5 << 20

// uploadSubtitles uploads a subtitle file and attaches it to the video m.
func (c *Client) uploadSubtitles(ctx context.Context, m *Media, sf *subtitleFile) error {
	data, err := io.ReadAll(io.LimitReader(source.CtxReader{Ctx: ctx, R: sf.r}, maxSubtitleBytes+1))
	switch {
	case err != nil:
		return fmt.Errorf("reading the subtitles: %w", err)
	case len(data) > maxSubtitleBytes:
		return fmt.Errorf("%w: subtitle file over %d bytes", ErrTooLarge, maxSubtitleBytes)
	}
	sm, err := c.Upload(ctx, bytes.NewReader(data), MediaType(subtitleType(data)), Category("subtitles"))
	if err != nil {
		return fmt.Errorf("uploading the subtitles: %w", err)
	}
	sub := sf.sub
	sub.MediaID, sub.VideoCategory = sm.ID, m.Category
	return c.AttachSubtitles(ctx, m.ID, sub)
}

// mediaOf converts the answer w about want (the media id asked about; ""
// for INIT, whose answer names the new one). An answer that names no id is
// about want; one that names another id is refused.
func mediaOf(w *wire.Media, now time.Time, want string) (*Media, error) {
	id := w.IDOf()
	switch {
	case id == "":
		id = want
	case want != "" && id != want:
		return nil, fmt.Errorf("%w: it is about media %s, not %s", ErrBadAnswer, id, want)
	}
	if err := checkMediaID(id); err != nil {
		return nil, fmt.Errorf("%w: no usable media id: %w", ErrBadAnswer, err)
	}
	m := &Media{ID: id, Key: w.MediaKey, Size: w.Size}
	if w.ExpiresAfter.OK {
		m.ExpiresAt = now.Add(time.Duration(w.ExpiresAfter.N) * time.Second)
	}
	if p := w.Processing; p != nil {
		m.Processing = &ProcessingInfo{State: p.State, CheckAfter: -1, ProgressPercent: int(min(max(p.ProgressPercent.N, 0), 100))}
		if p.CheckAfterSecs.OK {
			m.Processing.CheckAfter = time.Duration(max(p.CheckAfterSecs.N, 0)) * time.Second
		}
		if p.Error != nil {
			m.Processing.Error = &ProcessingError{MediaID: m.ID, Code: int(p.Error.Code.N), Name: p.Error.Name, Message: p.Error.Message}
		}
	}
	return m, nil
}
