package mediaupload

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mediaupload/mediaupload/internal/wire"
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

// InitParams describe an upload for [Client.Init].
type InitParams struct {
	TotalBytes       int64    // the media's size in bytes
	MediaType        string   // the MIME type, e.g. "video/mp4"
	Category         string   // e.g. "tweet_video"; empty sends none
	AdditionalOwners []string // user ids that may also use the media (≤ 100)
	Shared           bool     // DM media reusable across messages
}

// Media is an uploaded (or uploading) media object.
type Media struct {
	ID                  string          // a decimal string (ids exceed 2^53)
	Key                 string          // the media key, when the service gave one
	Size                int64           // in bytes, when known
	MediaType, Category string          // what the upload declared
	ExpiresAt           time.Time       // when the id expires per the latest answer; zero: unknown
	Processing          *ProcessingInfo // the latest processing state; nil: ready to use
}

// ProcessingInfo is the processing state of a video or GIF after FINALIZE.
type ProcessingInfo struct {
	State           string           // "pending", "in_progress", "succeeded" or "failed"
	CheckAfter      time.Duration    // the wait asked for before the next STATUS; < 0: none
	ProgressPercent int              // the service's estimate, 0–100
	Error           *ProcessingError // set when processing failed
}

// done reports whether processing has ended, either way.
func (p *ProcessingInfo) done() bool {
	return p == nil || p.State == "succeeded" || p.State == "failed" || p.Error != nil
}

// Init starts an upload (INIT) and returns the new media, whose ID the other steps take.
func (c *Client) Init(ctx context.Context, p InitParams) (*Media, error) {
	switch err := p.check(); {
	case p.TotalBytes <= 0:
		return nil, ErrEmptyMedia
	case p.MediaType == "":
		return nil, fmt.Errorf("%w: none given", ErrMediaType)
	case err != nil:
		return nil, err
	}
	m, err := c.call(ctx, StepInit, c.dialect.Init(wire.InitParams(p)), "") // p as check spelt it
	if err != nil {
		return nil, err
	}
	m.Size, m.MediaType, m.Category = p.TotalBytes, p.MediaType, p.Category
	return m, nil
}

// check validates p's type and owners and spells its category as documented; Upload uses it too.
func (p *InitParams) check() error {
	switch {
	case p.MediaType != "" && !validMediaType(p.MediaType):
		return fmt.Errorf("%w: %q is not a MIME type", ErrMediaType, p.MediaType)
	case len(p.AdditionalOwners) > 100:
		return fmt.Errorf("mediaupload: %d additional owners, at most 100", len(p.AdditionalOwners))
	case p.Category == "":
		return nil
	}
	var err error
	p.Category, err = normalizeCategory(p.Category)
	return err
}

// Append sends segment index (0–999, 1 to [MaxChunkSize] bytes) of mediaID; re-sending replaces it.
func (c *Client) Append(ctx context.Context, mediaID string, index int, data []byte) error {
	_, err := c.appendSegment(ctx, mediaID, index, data, false)
	return err
}

// appendSegment sends one segment and says in how many attempts.
func (c *Client) appendSegment(ctx context.Context, mediaID string, index int, data []byte, asBase64 bool) (int, error) {
	switch err := checkMediaID(mediaID); {
	case err != nil:
		return 0, err
	case index < 0 || index >= MaxSegments:
		return 0, fmt.Errorf("%w: segment index %d is outside 0–%d", ErrTooManySegments, index, MaxSegments-1)
	case len(data) == 0:
		return 0, ErrEmptyMedia
	case len(data) > MaxChunkSize:
		return 0, fmt.Errorf("%w: segment of %d bytes is over %d", ErrChunkSize, len(data), MaxChunkSize)
	}
	u, body := c.dialect.Append(mediaID, index, data, asBase64)
	_, t, err := c.send(ctx, request{StepAppend, index, mediaID}, func(ctx context.Context) (*http.Request, error) {
		return body.Build(ctx, u)
	})
	return t.n, err
}

// Finalize ends the upload of mediaID (FINALIZE); await processing with [Client.WaitProcessed].
// A retry refused after a lost answer counts as done when STATUS shows processing or the refusal
// says the media is already finalized.
func (c *Client) Finalize(ctx context.Context, mediaID string) (*Media, error) {
	return c.finalize(ctx, mediaID, false)
}

// finalize is Finalize; maybeDone: an earlier process may have finalized it.
func (c *Client) finalize(ctx context.Context, mediaID string, maybeDone bool) (*Media, error) {
	if err := checkMediaID(mediaID); err != nil {
		return nil, err
	}
	ans, t, err := c.send(ctx, request{StepFinalize, -1, mediaID}, c.dialect.Finalize(mediaID).Build)
	if apiErr, ok := errors.AsType[*APIError](err); ok && (t.unanswered || maybeDone) && apiErr.StatusCode/100 == 4 {
		// Finalized by a lost answer or an earlier process? A STATUS or the refusal says so.
		m, serr := c.Status(ctx, mediaID)
		if serr != nil {
			m = &Media{ID: mediaID}
		}
		if m.Processing != nil || strings.Contains(strings.ToLower(apiErr.Message), "already finalized") {
			return m, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return c.parse(StepFinalize, ans, mediaID)
}

// Status asks for the processing state of mediaID (STATUS).
func (c *Client) Status(ctx context.Context, mediaID string) (*Media, error) {
	if err := checkMediaID(mediaID); err != nil {
		return nil, err
	}
	return c.call(ctx, StepStatus, c.dialect.Status(mediaID), mediaID)
}

// WaitProcessed polls STATUS until m is processed; else [*ProcessingError], [ErrProcessingTimeout].
func (c *Client) WaitProcessed(ctx context.Context, m *Media) (*Media, error) {
	return c.waitProcessed(ctx, m, func(*Media) {})
}

func (c *Client) waitProcessed(ctx context.Context, m *Media, report func(*Media)) (*Media, error) {
	start, fallback := c.now(), time.Second
	var waited time.Duration
	for polls := 0; ; polls++ {
		report(m)
		p := m.Processing
		switch {
		case p != nil && p.Error != nil:
			return m, p.Error
		case p != nil && p.State == "failed":
			return m, &ProcessingError{MediaID: m.ID, Name: "failed", Message: "processing failed without an error"}
		case p.done():
			return m, nil
		}
		wait := p.CheckAfter
		switch {
		case wait < 0: // the service named no wait: back off
			wait, fallback = fallback, min(2*fallback, 30*time.Second)
		case wait == 0 && polls > 0: // "now" again: do not hammer
			wait = 250 * time.Millisecond
		}
		if spent := max(waited, c.now().Sub(start)); spent+wait > c.maxProcessingWait {
			return m, fmt.Errorf("%w: still %s after %v (at %d%%)", ErrProcessingTimeout, p.State, spent.Round(time.Second), p.ProgressPercent)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return m, err
		}
		waited += wait
		next, err := c.Status(ctx, m.ID)
		if err != nil {
			return m, err
		}
		next.Size, next.MediaType, next.Category = m.Size, m.MediaType, m.Category
		next.ExpiresAt = cmp.Or(next.ExpiresAt, m.ExpiresAt) // zero when the answer gave none
		m = next
	}
}

// MaxAltTextLength is the most characters alt text may have.
const MaxAltTextLength = 1000

// SetAltText attaches alt text (at most [MaxAltTextLength] characters) to a processed image or GIF.
func (c *Client) SetAltText(ctx context.Context, mediaID, text string) error {
	err := cmp.Or(checkAltText(text), checkMediaID(mediaID))
	return c.post(ctx, StepMetadata, mediaID, c.dialect.Metadata(mediaID, text), err)
}

func checkAltText(text string) error {
	if n := utf8.RuneCountInString(text); n > MaxAltTextLength {
		return fmt.Errorf("%w: %d characters, at most %d", ErrAltTextTooLong, n, MaxAltTextLength)
	}
	return nil
}

// Subtitle links an uploaded subtitle file (category "subtitles") to a video.
type Subtitle struct {
	MediaID       string // the subtitle file's media id
	LanguageCode  string // two letters, e.g. "EN"
	DisplayName   string // what viewers see, e.g. "English"; empty means the language code
	VideoCategory string // the video's category; empty means tweet_video
}

// normalize checks the language code, writes it in capitals and fills in the display name.
func (s *Subtitle) normalize() error {
	if len(s.LanguageCode) != 2 || strings.Trim(s.LanguageCode, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
		return fmt.Errorf("mediaupload: subtitle language %q: want a two-letter code such as EN", s.LanguageCode)
	}
	s.LanguageCode = strings.ToUpper(s.LanguageCode)
	s.DisplayName = cmp.Or(s.DisplayName, s.LanguageCode)
	return nil
}

// AttachSubtitles links the uploaded subtitle file sub.MediaID to the processed video videoID.
func (c *Client) AttachSubtitles(ctx context.Context, videoID string, sub Subtitle) error {
	err := cmp.Or(sub.normalize(), checkMediaID(videoID), checkMediaID(sub.MediaID))
	return c.post(ctx, StepSubtitles, videoID, c.dialect.Subtitles(videoID, wire.Subtitle(sub)), err)
}

// post sends req about mediaID unless err, for a step whose answer says only that it succeeded.
func (c *Client) post(ctx context.Context, step Step, mediaID string, req wire.Request, err error) error {
	if err == nil {
		_, _, err = c.send(ctx, request{step, -1, mediaID}, req.Build)
	}
	return err
}

// call sends a request whose answer is a media object about want ("" for INIT).
func (c *Client) call(ctx context.Context, step Step, req wire.Request, want string) (*Media, error) {
	ans, _, err := c.send(ctx, request{step, -1, want}, req.Build)
	if err != nil {
		return nil, err
	}
	return c.parse(step, ans, want)
}

// parse reads the media of a 2xx answer about want ("" for INIT); errors alone are an [*APIError].
func (c *Client) parse(step Step, ans *answer, want string) (*Media, error) {
	var w *wire.Media
	var err error
	if len(bytes.TrimSpace(ans.body)) > 0 {
		w, err = c.dialect.ParseMedia(ans.body)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: unreadable: %w", ErrBadAnswer, err)
	case w != nil:
	case wire.HoldsErrors(ans.body):
		return nil, c.apiError(step, ans.status, ans.header, ans.body)
	case want == "":
		return nil, fmt.Errorf("%w: it holds no media", ErrBadAnswer)
	default:
		w = &wire.Media{}
	}
	return mediaOf(w, c.now(), want)
}

// mediaOf converts the answer w about want; one that names another id is refused.
func mediaOf(w *wire.Media, now time.Time, want string) (*Media, error) {
	id := cmp.Or(w.IDOf(), want)
	if want != "" && id != want {
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
