package mediaupload

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mediaupload/mediaupload/internal/resume"
	"github.com/mediaupload/mediaupload/internal/segments"
	"github.com/mediaupload/mediaupload/internal/source"
	"github.com/mediaupload/mediaupload/mediacheck"
)

// Upload uploads all of r and returns the media once it is ready to use: INIT, APPEND of every
// segment (in parallel, each retried on its own), FINALIZE, STATUS until processed, then alt text
// and subtitles if asked. The type is sniffed and the category derived unless given; a reader of
// unknown size is spooled to a temporary file, refused once past its category's size limit
// ([*LimitError]). Media that breaks X's rules is refused before any request (see [NoCheck]).
// Once INIT has succeeded, errors are [*UploadError]s naming the media id; with [Resume], a rerun
// continues where an interrupted upload stopped.
func (c *Client) Upload(ctx context.Context, r io.Reader, opts ...UploadOption) (*Media, error) {
	cfg := uploadConfig{size: -1, limits: c.mediaLimits}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	p := InitParams{MediaType: cfg.mediaType, Category: cfg.category, AdditionalOwners: cfg.additionalOwners}
	if err := cmp.Or(p.check(), checkAltText(cfg.altText)); err != nil {
		return nil, err
	}
	cfg.category = p.Category
	if r == nil {
		return nil, errors.New("mediaupload: nil reader")
	}
	src, err := source.Open(ctx, r, cfg.size, cfg.tempDir, cfg.limitFor)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if src.Size() == 0 {
		return nil, ErrEmptyMedia
	}
	head, err := src.Peek(resume.HeadLen)
	if err != nil {
		return nil, fmt.Errorf("mediaupload: reading input: %w", err)
	}
	err = cfg.resolveType(head, src.Size())
	if err == nil && !cfg.noCheck {
		err = c.checkMedia(ctx, src, &cfg)
	}
	if err != nil {
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
	s := &session{
		c: c, cfg: &cfg, src: src, maxChunk: maxChunk,
		lay:   segments.NewLayout(src.Size(), c.newSizer(plan.ChunkSize, maxChunk)),
		acked: map[int]string{},
		state: resume.State{
			Version: resume.Version, API: c.dialect.Name(), Endpoint: c.endpoint.String(),
			TotalBytes: src.Size(), MediaType: cfg.mediaType, Category: cfg.category,
			ChunkSize: plan.ChunkSize, Fingerprint: resume.Fingerprint(src.Size(), head),
		},
	}
	if err := s.resume(ctx); err != nil {
		return nil, err
	}
	m, err := s.run(ctx)
	switch {
	case cfg.store == nil:
	case err == nil:
		err = cfg.store.Remove(ctx)
	case mediaRefused(err):
		cfg.store.Remove(context.WithoutCancel(ctx))
		c.log.Info("resume state removed: a rerun starts a new upload", "media_id", s.state.MediaID)
	}
	return m, err
}

// UploadOption configures one [Client.Upload] call.
type UploadOption func(*uploadConfig) error

// MediaType sets the MIME type, e.g. "video/mp4" (default: sniffed from the content).
func MediaType(t string) UploadOption { return option(func(c *uploadConfig) { c.mediaType = t }) }

// Category sets the media category, e.g. tweet_video or TweetVideo (default: from the media type).
func Category(cat string) UploadOption { return option(func(c *uploadConfig) { c.category = cat }) }

// ForDM derives dm_image, dm_gif or dm_video, not tweet categories, when no [Category] is given.
func ForDM() UploadOption { return option(func(c *uploadConfig) { c.dm = true }) }

// AltText sets alt text (at most [MaxAltTextLength] characters) once the media is processed.
func AltText(text string) UploadOption { return option(func(c *uploadConfig) { c.altText = text }) }

// Subtitles attaches SubRip or WebVTT r to the video in languageCode ("EN"), titled displayName.
func Subtitles(r io.Reader, languageCode, displayName string) UploadOption {
	sub := Subtitle{LanguageCode: languageCode, DisplayName: displayName}
	err := sub.normalize()
	if err == nil && r == nil {
		err = errors.New("mediaupload: nil subtitles reader")
	}
	return setIf(err == nil, err, func(c *uploadConfig) { c.subtitles, c.subtitleReader = &sub, r })
}

// AdditionalOwners lets up to 100 other users (by user id) use the media.
func AdditionalOwners(ids ...string) UploadOption {
	return option(func(c *uploadConfig) { c.additionalOwners = ids })
}

// Shared marks DM media as reusable across direct messages.
func Shared() UploadOption { return option(func(c *uploadConfig) { c.shared = true }) }

// Size declares the input's size, so that a plain reader is streamed ([ErrSizeMismatch] if wrong).
func Size(n int64) UploadOption {
	return setIf(n >= 0, fmt.Errorf("mediaupload: negative size %d", n), func(c *uploadConfig) { c.size = n })
}

// TempDir sets where input of unknown size is spooled (default [os.TempDir]).
func TempDir(dir string) UploadOption { return option(func(c *uploadConfig) { c.tempDir = dir }) }

// Base64 sends segments as base64 field media_data instead of raw part media, a third more bytes.
func Base64() UploadOption { return option(func(c *uploadConfig) { c.base64 = true }) }

// OnProgress calls fn, one call at a time, as segments are acknowledged and processing is awaited.
func OnProgress(fn func(Progress)) UploadOption {
	return option(func(c *uploadConfig) { c.onProgress = fn })
}

// Resume saves the upload's state in store: a rerun sends only what is unacknowledged, or restarts.
func Resume(store ResumeStore) UploadOption {
	return setIf(store != nil, errors.New("mediaupload: nil resume store"),
		func(c *uploadConfig) { c.store = store })
}

// NoCheck skips the check that refuses media breaking X's rules ([*mediacheck.RuleError]).
func NoCheck() UploadOption { return option(func(c *uploadConfig) { c.noCheck = true }) }

// checkMedia refuses media that breaks X's rules for its category; what is only doubtful is logged.
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
	MediaID                string          // once INIT has answered
	BytesSent, TotalBytes  int64           // BytesSent counts the bytes of acknowledged segments
	SegmentsDone, Segments int             // acknowledged, of all (adaptive: planned so far)
	Processing             *ProcessingInfo // while processing is awaited, else nil
}

type uploadConfig struct {
	mediaType, category, altText, tempDir string
	additionalOwners                      []string
	shared, base64, dm, noCheck           bool
	size                                  int64 // -1: measure or spool
	onProgress                            func(Progress)
	store                                 ResumeStore
	subtitles                             *Subtitle // with subtitleReader
	subtitleReader                        io.Reader
	limits                                mediacheck.Limits // the client's
}

// run goes through the steps the session has not done yet.
func (s *session) run(ctx context.Context) (*Media, error) {
	c, cfg := s.c, s.cfg
	m, resumed := &Media{ID: s.state.MediaID}, s.state.MediaID != ""
	var err error
	if !resumed {
		m, err = c.Init(ctx, InitParams{TotalBytes: s.src.Size(), MediaType: cfg.mediaType, Category: cfg.category,
			AdditionalOwners: cfg.additionalOwners, Shared: cfg.shared})
		if err == nil {
			err = s.change(ctx, func() { s.state.MediaID, s.state.ExpiresAt = m.ID, m.ExpiresAt })
		}
		if err != nil {
			return m, stepError(StepInit, s.state.MediaID, err) // m is nil if INIT failed
		}
	}
	fin := &Media{ID: m.ID} // FINALIZE announced no processing: ready
	switch {
	case !s.state.Finalized:
		fin, err = s.appendAndFinalize(ctx, resumed)
	case s.state.Processing: // only processing is left
		fin, err = c.Status(ctx, m.ID)
	}
	if err != nil {
		return m, stepError(StepStatus, m.ID, err) // appendAndFinalize's errors are UploadErrors
	}
	fin.Size, fin.MediaType, fin.Category = s.src.Size(), cfg.mediaType, cfg.category
	fin.ExpiresAt = cmp.Or(fin.ExpiresAt, s.state.ExpiresAt) // zero when the answer gave none
	m, err = c.waitProcessed(ctx, fin, func(m *Media) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.progress.Processing = m.Processing
		s.emit()
	})
	err = stepError(StepStatus, m.ID, err)
	if err == nil && cfg.altText != "" {
		err = stepError(StepMetadata, m.ID, c.SetAltText(ctx, m.ID, cfg.altText))
	}
	if err == nil && cfg.subtitles != nil {
		err = stepError(StepSubtitles, m.ID, c.uploadSubtitles(ctx, m, cfg.subtitleReader, *cfg.subtitles))
	}
	return m, err
}

// appendAndFinalize sends what is not acknowledged, then FINALIZE (maybeDone: a past run may have).
func (s *session) appendAndFinalize(ctx context.Context, maybeDone bool) (*Media, error) {
	id := s.state.MediaID
	for again := false; ; again = true {
		err := s.sendSegments(ctx)
		if err == nil {
			err = s.src.CheckEnd() // never finalize what is not the whole input
		}
		if err != nil {
			return nil, stepError(StepAppend, id, err)
		}
		fin, err := s.c.finalize(ctx, id, maybeDone)
		switch {
		case err == nil:
			err = s.change(ctx, func() { s.state.Finalized, s.state.Processing = true, !fin.Processing.done() })
			return fin, stepError(StepFinalize, id, err)
		case !again && segmentsMissing(err) && !s.src.Sequential():
			// What was acknowledged cannot be trusted: send every segment again (APPEND replaces).
			s.c.log.Warn("FINALIZE says the segments do not add up; sending every segment again, then FINALIZE once more",
				"media_id", id, "segments", len(s.lay.Planned()))
			err = s.change(ctx, func() {
				clear(s.acked)
				s.progress.BytesSent, s.progress.SegmentsDone = 0, 0
				s.lay.Rewind()
			})
			maybeDone = false
		}
		if err != nil {
			return nil, stepError(StepFinalize, id, err)
		}
	}
}

// segmentsMissing reports whether a refused FINALIZE says the service lacks bytes.
func segmentsMissing(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "do not add up")
}

// mediaRefused reports whether a rerun from the same resume state would meet the same failure.
func mediaRefused(err error) bool {
	var ue *UploadError
	var e *APIError
	return errors.As(err, new(*ProcessingError)) || errors.Is(err, ErrInputChanged) ||
		errors.As(err, &ue) && errors.As(err, &e) && (ue.Step == StepFinalize && segmentsMissing(err) ||
			ue.Step == StepStatus && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusNotFound))
}

// stepError wraps err in an [*UploadError] for step, unless it is one or nil.
func stepError(step Step, mediaID string, err error) error {
	if err == nil || errors.As(err, new(*UploadError)) {
		return err
	}
	return &UploadError{Step: step, MediaID: mediaID, Segment: -1, Err: err}
}

const maxSubtitleBytes = 5 << 20 // a subtitle file is read into memory

func (c *Client) uploadSubtitles(ctx context.Context, m *Media, r io.Reader, sub Subtitle) error {
	data, err := io.ReadAll(io.LimitReader(source.CtxReader{Ctx: ctx, R: r}, maxSubtitleBytes+1))
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
	sub.MediaID, sub.VideoCategory = sm.ID, m.Category
	return c.AttachSubtitles(ctx, m.ID, sub)
}
