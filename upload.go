package mediaupload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mediaupload/mediaupload/internal/source"
	"github.com/mediaupload/mediaupload/mediacheck"
)

// Upload uploads all of r and returns the media once it is ready to use:
// INIT, APPEND of every segment (in parallel, each retried on its own),
// FINALIZE, STATUS until processing has succeeded, then alt text if asked.
//
// The media type is sniffed from the content unless [MediaType] is given,
// and the category derived from it unless [Category] is given. r may be a
// file or any reader; a reader of unknown size is spooled to a temporary
// file first, removed before Upload returns; the spool stops as soon as the
// input passes its category's size limit (a [*LimitError] whose Size is -1,
// unknown). Bad input is refused before any request, and so is media that
// breaks X's media rules for its category (frame rate, duration, codecs,
// dimensions…: see package mediacheck), with a [*mediacheck.RuleError]
// naming the rule, the limit and the value; [NoCheck] skips that check.
// Once INIT has succeeded, errors are [*UploadError] values naming
// the media id. With [Resume], an interrupted upload continues where it
// stopped.
func (c *Client) Upload(ctx context.Context, r io.Reader, opts ...UploadOption) (*Media, error) {
	cfg := uploadConfig{size: -1, limits: c.mediaLimits}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.check(); err != nil {
		return nil, err
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
	if !cfg.noCheck {
		if err := c.checkMedia(ctx, src, &cfg); err != nil {
			return nil, err
		}
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
	if err := s.resume(ctx); err != nil {
		return nil, err
	}
	m, err := s.run(ctx)
	if err != nil {
		var pe *ProcessingError
		if s.store != nil && (errors.As(err, &pe) || errors.Is(err, ErrInputChanged) || mediaRefused(err)) {
			// Nothing is left that a rerun could continue.
			s.store.Remove(context.WithoutCancel(ctx))
			c.log.Info("resume state removed: a rerun starts a new upload", "media_id", s.state.MediaID)
		}
		return m, err
	}
	if s.store != nil {
		if err := s.store.Remove(ctx); err != nil {
			return m, err
		}
	}
	return m, nil
}

// UploadOption configures one [Client.Upload] call.
type UploadOption func(*uploadConfig) error

// MediaType sets the MIME type, e.g. "video/mp4". Default: sniffed from the
// first bytes of the content.
func MediaType(t string) UploadOption {
	return func(c *uploadConfig) error { c.mediaType = t; return nil }
}

// Category sets the media category: tweet_image, tweet_gif, tweet_video,
// dm_image, dm_gif, dm_video, amplify_video or subtitles (TweetVideo and
// TWEET_VIDEO spellings are accepted). Default: derived from the media type
// for a tweet.
func Category(cat string) UploadOption {
	return func(c *uploadConfig) error { c.category = cat; return nil }
}

// ForDM derives direct-message categories (dm_image, dm_gif, dm_video)
// instead of tweet ones when no [Category] is given.
func ForDM() UploadOption {
	return func(c *uploadConfig) error { c.dm = true; return nil }
}

// AltText sets alt text (at most [MaxAltTextLength] characters) once the
// media is processed.
func AltText(text string) UploadOption {
	return func(c *uploadConfig) error { c.altText = text; return nil }
}

// Subtitles uploads the SubRip (.srt) or WebVTT file r as category
// subtitles once the video is processed, and attaches it to the video in
// the language languageCode (two letters, e.g. "EN") under displayName
// (empty: the language code).
func Subtitles(r io.Reader, languageCode, displayName string) UploadOption {
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

// AdditionalOwners lets up to 100 other users (by user id) use the media.
func AdditionalOwners(ids ...string) UploadOption {
	return func(c *uploadConfig) error { c.additionalOwners = ids; return nil }
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

// TempDir sets where input of unknown size is spooled (default
// [os.TempDir]).
func TempDir(dir string) UploadOption {
	return func(c *uploadConfig) error { c.tempDir = dir; return nil }
}

// Base64 sends segments as base64 field media_data instead of raw part
// media. It costs a third more bytes and a copy; use it only for services
// that need it.
func Base64() UploadOption {
	return func(c *uploadConfig) error { c.base64 = true; return nil }
}

// OnProgress calls fn as segments are acknowledged and while processing is
// awaited. Calls come one at a time, from the uploading goroutines: fn must
// return quickly.
func OnProgress(fn func(Progress)) UploadOption {
	return func(c *uploadConfig) error { c.onProgress = fn; return nil }
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

// NoCheck uploads without inspecting the media first (see
// [Client.Upload]): for media the checks refuse wrongly, or whose every
// byte counts.
func NoCheck() UploadOption {
	return func(c *uploadConfig) error { c.noCheck = true; return nil }
}

// checkMedia inspects the input (headers and codec configurations only)
// and applies X's media rules for its category: a definite violation
// refuses the upload before INIT with a [*mediacheck.RuleError]; what is
// only doubtful is logged at level Warn, and the upload goes on.
func (c *Client) checkMedia(ctx context.Context, src *source.Source, cfg *uploadConfig) error {
	ra := src.ReaderAt()
	if ra == nil {
		c.log.Info("media not checked: the input is read in order, once")
		return nil
	}
	info, err := mediacheck.Inspect(ctx, ra, src.Size())
	if err != nil {
		return fmt.Errorf("mediaupload: inspecting the media: %w", err)
	}
	findings := mediacheck.Check(info, cfg.category, cfg.limits)
	for _, f := range findings.Only(mediacheck.Warn) {
		c.log.Warn("media check: "+f.Message, "rule", f.Rule)
	}
	if err := findings.Err(); err != nil {
		return fmt.Errorf("mediaupload: %w", err)
	}
	return nil
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

// check validates the options before any input is read.
func (c *uploadConfig) check() error {
	p := InitParams{MediaType: c.mediaType, Category: c.category, AdditionalOwners: c.additionalOwners}
	if err := p.check(); err != nil {
		return err
	}
	c.category = p.Category
	return checkAltText(c.altText)
}

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
	limits              mediacheck.Limits // the client's
	noCheck             bool
}

// subtitleFile is a subtitle file to upload and attach to the video.
type subtitleFile struct {
	r   io.Reader
	sub Subtitle
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
		if err := s.update(ctx, func(st *resumeState) { st.MediaID, st.ExpiresAt = m.ID, m.ExpiresAt }); err != nil {
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
			err = s.update(ctx, func(st *resumeState) { st.Finalized, st.Processing = true, !fin.Processing.done() })
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
		if err := s.forgetAcked(ctx); err != nil {
			return nil, stepError(StepFinalize, id, err)
		}
		maybeDone = false
	}
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
