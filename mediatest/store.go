package mediatest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mediaupload/mediaupload/mediacheck"
)

// This file holds the media state machine and the rules of the upload API,
// independent of any wire dialect: the v1.1 handlers (v1.go) parse requests
// into calls on store and render its answers and *apiError values.

// Limits enforced by the store, as documented by X.
const (
	maxSegmentBytes  = 5 << 20 // one APPEND segment: 5 MiB
	maxSegmentIndex  = 999     // segment_index is 0–999
	maxAltTextRunes  = 1000    // alt_text.text
	maxOwners        = 100     // additional_owners
	imageLimit       = 5 << 20
	gifLimit         = 15 << 20
	videoLimit       = 512 << 20
	firstMediaID     = 1880028106020515841 // > 2^53 and not representable as a float64
	stateUploading   = "uploading"
	statePending     = "pending"
	stateInProgress  = "in_progress"
	stateSucceeded   = "succeeded"
	stateFailed      = "failed"
	segmentsMismatch = "Segments do not add up to provided total file size."
)

// Media is a snapshot of one upload session, as returned by [Server.Media]
// and [Server.AllMedia]. Changing it does not change the server.
type Media struct {
	// ID is the media id as a decimal string. Ids start at
	// 1880028106020515841 and grow by one; they exceed 2^53 and are not
	// representable as a float64, so a client that decodes media_id into a
	// float64 gets a wrong id.
	ID string
	// MediaKey is the v2 media_key: a type prefix ("3_" images, "16_"
	// GIFs, "7_" videos, "13_" amplify_video, "7_" subtitles), then ID.
	MediaKey   string
	TotalBytes int64  // total_bytes given at INIT
	MediaType  string // media_type given at INIT, lower case
	// Category is the media_category given at INIT, normalized to lower
	// snake case ("TweetVideo" becomes "tweet_video"); empty when none was given.
	Category         string
	AdditionalOwners []string // additional_owners given at INIT
	Shared           bool     // shared given at INIT
	// Uploader is the id of the user whose credentials sent INIT (see
	// [Credentials.UserID], [WithOAuth2User]). The media is theirs and
	// their additional owners' to post.
	Uploader string
	// State is "uploading" until FINALIZE, then "pending", "in_progress",
	// "succeeded" or "failed" for asynchronous media, "succeeded" at once
	// for the others ("failed", and not finalized, when [WithMediaRules]
	// refused the media at FINALIZE).
	State        string
	Finalized    bool        // FINALIZE succeeded
	Segments     int         // number of distinct segments received
	SegmentSizes map[int]int // segment_index -> bytes of the segment kept
	// Data is the concatenation of the segments 0, 1, … up to the first
	// missing one: after a successful FINALIZE, the whole uploaded file.
	Data    []byte
	SHA256  string // hex SHA-256 of Data
	AltText string // alt text set through metadata/create or /2/media/metadata
	// Subtitles are the subtitles attached to this video through
	// subtitles/create or /2/media/subtitles, in the order first attached;
	// attaching a language again replaces its entry.
	Subtitles []Subtitle
	Appends   int // APPEND requests accepted, re-sends included
	Polls     int // STATUS requests answered for this media
	// EarlyPolls counts STATUS requests that came before the previous
	// answer's check_after_secs had elapsed on the server clock.
	EarlyPolls int
	CreatedAt  time.Time // server clock at INIT
	ExpiresAt  time.Time // CreatedAt plus expires_after_secs
}

// mediaKind is what a media type is: it decides the category it fits and
// its size limit when no category is given.
type mediaKind int

const (
	kindImage mediaKind = iota
	kindGIF
	kindVideo
	kindSubtitles
)

// kindOf returns the kind of a media type the service recognizes.
func kindOf(mediaType string) (mediaKind, bool) {
	switch strings.ToLower(mediaType) {
	case "image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/bmp", "image/tiff":
		return kindImage, true
	case "image/gif":
		return kindGIF, true
	case "video/mp4", "video/quicktime", "video/webm", "video/mp2t":
		return kindVideo, true
	case "text/srt", "text/vtt", "application/x-subrip":
		return kindSubtitles, true
	}
	return 0, false
}

// limit is the size limit of a kind uploaded without a category.
func (k mediaKind) limit() int64 {
	switch k {
	case kindImage:
		return imageLimit
	case kindGIF:
		return gifLimit
	}
	return videoLimit
}

func (k mediaKind) String() string {
	return [...]string{kindImage: "Image", kindGIF: "GIF", kindVideo: "Video", kindSubtitles: "Subtitles"}[k]
}

// categoryRule says which media kinds a category accepts, its size limit
// and whether FINALIZE starts asynchronous processing.
type categoryRule struct {
	name  string // lower snake case
	kinds []mediaKind
	limit int64
	async bool
}

// categoryOf returns the rule of a media_category in any of the spellings
// clients send (tweet_video, TWEET_VIDEO, TweetVideo).
func categoryOf(c string) (categoryRule, bool) {
	images := []mediaKind{kindImage, kindGIF}
	gifs := []mediaKind{kindGIF}
	videos := []mediaKind{kindVideo}
	switch strings.ToLower(strings.ReplaceAll(c, "_", "")) {
	case "tweetimage":
		return categoryRule{"tweet_image", images, imageLimit, false}, true
	case "dmimage":
		return categoryRule{"dm_image", images, imageLimit, false}, true
	case "tweetgif":
		return categoryRule{"tweet_gif", gifs, gifLimit, true}, true
	case "dmgif":
		return categoryRule{"dm_gif", gifs, gifLimit, true}, true
	case "tweetvideo":
		return categoryRule{"tweet_video", videos, videoLimit, true}, true
	case "dmvideo":
		return categoryRule{"dm_video", videos, videoLimit, true}, true
	case "amplifyvideo":
		return categoryRule{"amplify_video", videos, videoLimit, true}, true
	case "subtitles":
		return categoryRule{"subtitles", []mediaKind{kindSubtitles}, videoLimit, false}, true
	}
	return categoryRule{}, false
}

// apiError is a rejection in wire-neutral form: an HTTP status, an X error
// code and a message. Each dialect renders it in its own error shape; v1.1
// renders code 0 in the upload host's {"request","error"} form.
type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(code int, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// Error codes used in answers, after X's published ones where they exist.
const (
	codeInvalidRequest = 1   // "Segments do not add up…"
	codeAuth           = 32  // "Could not authenticate you."
	codeNotFound       = 34  // "Sorry, that page does not exist."
	codeMissingParam   = 38  // "… parameter is missing."
	codeInvalidParam   = 44  // "… parameter is invalid."
	codeRateLimit      = 88  // "Rate limit exceeded."
	codeOverCapacity   = 130 // "Over capacity."
	codeInternal       = 131 // "Internal error."
	codeTimestamp      = 135 // "Timestamp out of bounds."
	codeMedia          = 324 // media rule violations
)

func missingParam(name string) *apiError {
	return badRequest(codeMissingParam, "%s parameter is missing.", name)
}

func invalidParam(name string) *apiError {
	return badRequest(codeInvalidParam, "%s parameter is invalid.", name)
}

// processingError is the error of a failed asynchronous processing.
type processingError struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

// processingInfo is the processing_info object of FINALIZE and STATUS answers.
type processingInfo struct {
	State           string           `json:"state"`
	CheckAfterSecs  *int             `json:"check_after_secs,omitempty"`
	ProgressPercent *int             `json:"progress_percent,omitempty"`
	Error           *processingError `json:"error,omitempty"`
}

// storeConfig holds the behaviour options of a store.
type storeConfig struct {
	checkAfter   int
	steps        int
	procErr      *processingError
	rules        *mediacheck.Limits // nil: media are not inspected
	expiresAfter int
	now          func() time.Time
}

// store holds every media of one Server. It is safe for concurrent use.
type store struct {
	cfg storeConfig

	mu         sync.Mutex
	nextID     uint64
	media      map[string]*media
	order      []*media
	deviations []string
	nextPostID uint64
	posts      []Post
}

func newStore(cfg storeConfig) *store {
	return &store{cfg: cfg, nextID: firstMediaID, nextPostID: firstPostID, media: map[string]*media{}}
}

// media is the mutable state of one upload session.
type media struct {
	id         uint64
	idStr      string
	key        string // v2 media_key
	totalBytes int64
	mediaType  string
	category   string
	owners     []string
	uploader   string
	shared     bool
	async      bool
	state      string
	finalized  bool
	segments   map[int][]byte
	received   int64
	altText    string
	subtitles  []Subtitle
	appends    int
	polls      int
	earlyPolls int
	createdAt  time.Time
	expiresAt  time.Time

	refused    *processingError // why processing is to fail (WithMediaRules), or nil
	info       *processingInfo  // last processing_info answered, nil for sync media
	pollsDone  int              // STATUS polls that advanced processing
	nextPollAt time.Time        // zero when no check_after_secs is outstanding
}

// initParams are the parsed INIT parameters.
type initParams struct {
	totalBytes int64
	mediaType  string
	category   string // any accepted spelling, or empty
	owners     []string
	uploader   string // user id of the credentials that sent INIT
	shared     bool
}

// answer is what a successful store call reports about a media.
type answer struct {
	id        uint64
	idStr     string
	key       string // v2 media_key
	size      int64
	expiresIn int             // seconds left before the media expires
	info      *processingInfo // nil when there is no processing to report
}

// deviate records something the real service merely discourages.
func (st *store) deviate(format string, args ...any) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.deviatef(format, args...)
}

// deviatef is deviate with st.mu held.
func (st *store) deviatef(format string, args ...any) {
	st.deviations = append(st.deviations, fmt.Sprintf(format, args...))
}

func (st *store) answerFor(m *media, now time.Time) answer {
	left := max(int(m.expiresAt.Sub(now)/time.Second), 0)
	return answer{id: m.id, idStr: m.idStr, key: m.key, size: m.totalBytes, expiresIn: left, info: m.info}
}

// init starts an upload session.
func (st *store) init(p initParams) (answer, *apiError) {
	if p.totalBytes <= 0 {
		return answer{}, invalidParam("total_bytes")
	}
	kind, ok := kindOf(p.mediaType)
	if !ok {
		return answer{}, &apiError{status: http.StatusBadRequest, message: "media type unrecognized."}
	}
	rule := categoryRule{limit: kind.limit()}
	if p.category != "" {
		if rule, ok = categoryOf(p.category); !ok {
			return answer{}, invalidParam("media_category")
		}
		if !slices.Contains(rule.kinds, kind) {
			return answer{}, badRequest(codeMedia, "media_category %s does not match media_type %s.", rule.name, p.mediaType)
		}
	}
	if p.totalBytes > rule.limit {
		return answer{}, badRequest(codeMedia, "%s file size must be <= %d bytes", kind, rule.limit)
	}
	if len(p.owners) > maxOwners {
		return answer{}, badRequest(codeInvalidParam, "additional_owners must list at most %d user ids.", maxOwners)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.cfg.now()
	m := &media{
		id:         st.nextID,
		idStr:      strconv.FormatUint(st.nextID, 10),
		key:        mediaKeyPrefix(kind, rule.name) + strconv.FormatUint(st.nextID, 10),
		totalBytes: p.totalBytes,
		mediaType:  strings.ToLower(p.mediaType),
		category:   rule.name,
		owners:     p.owners,
		uploader:   p.uploader,
		shared:     p.shared,
		async:      rule.async,
		state:      stateUploading,
		segments:   map[int][]byte{},
		createdAt:  now,
		expiresAt:  now.Add(time.Duration(st.cfg.expiresAfter) * time.Second),
	}
	st.nextID++
	st.media[m.idStr] = m
	st.order = append(st.order, m)
	return st.answerFor(m, now), nil
}

// lookup finds a live media with st.mu held; unknown ids get status
// notFoundStatus.
func (st *store) lookup(id string, now time.Time, notFoundStatus int) (*media, *apiError) {
	m, ok := st.media[id]
	if !ok {
		return nil, &apiError{status: notFoundStatus, code: codeMedia, message: "Invalid media id " + id + "."}
	}
	if !now.Before(m.expiresAt) {
		return nil, badRequest(codeMedia, "Media id %s has expired.", id)
	}
	return m, nil
}

// appendSegment stores segment index of media id, replacing an earlier one
// with the same index.
func (st *store) appendSegment(id string, index int, data []byte) *apiError {
	if index < 0 || index > maxSegmentIndex {
		return invalidParam("segment_index")
	}
	if len(data) == 0 {
		return missingParam("media")
	}
	if len(data) > maxSegmentBytes {
		return badRequest(codeMedia, "File size must be <= %d bytes", maxSegmentBytes)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	m, err := st.lookup(id, st.cfg.now(), http.StatusBadRequest)
	if err != nil {
		return err
	}
	if m.finalized {
		return badRequest(codeMedia, "Media id %s is already finalized.", id)
	}
	received := m.received - int64(len(m.segments[index])) + int64(len(data))
	if received > m.totalBytes {
		return badRequest(codeMedia, "Segments exceed the provided total file size (%d bytes).", m.totalBytes)
	}
	m.segments[index] = data
	m.received = received
	m.appends++
	return nil
}

// simpleUpload is INIT, one APPEND and FINALIZE of a synchronous media, as
// the one-shot upload does.
func (st *store) simpleUpload(p initParams, data []byte) (answer, *apiError) {
	a, err := st.init(p)
	if err != nil {
		return answer{}, err
	}
	if err := st.appendSegment(a.idStr, 0, data); err != nil {
		return answer{}, err
	}
	return st.finalize(a.idStr)
}

// finalize closes the upload of media id and starts processing.
func (st *store) finalize(id string) (answer, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.cfg.now()
	m, err := st.lookup(id, now, http.StatusBadRequest)
	if err != nil {
		return answer{}, err
	}
	if m.finalized {
		return answer{}, badRequest(codeMedia, "Media id %s is already finalized.", id)
	}
	for i := range len(m.segments) {
		if _, ok := m.segments[i]; !ok {
			return answer{}, badRequest(codeInvalidRequest, segmentsMismatch)
		}
	}
	if m.received != m.totalBytes {
		return answer{}, badRequest(codeInvalidRequest, segmentsMismatch)
	}
	if f := refusal(m, st.cfg.rules); f != nil {
		if !m.async {
			m.state = stateFailed
			return answer{}, badRequest(codeMedia, "%s", f.Message)
		}
		m.refused = &processingError{Code: invalidMediaCode, Name: invalidMediaName, Message: f.Message}
	}
	m.finalized = true
	if !m.async {
		m.state = stateSucceeded
		return st.answerFor(m, now), nil
	}
	m.state = statePending
	m.info = &processingInfo{State: statePending, CheckAfterSecs: intPtr(st.cfg.checkAfter)}
	m.nextPollAt = now.Add(time.Duration(st.cfg.checkAfter) * time.Second)
	return st.answerFor(m, now), nil
}

// status answers a STATUS poll of media id; each poll of an asynchronous
// media advances its processing by one step.
func (st *store) status(id string) (answer, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.cfg.now()
	m, err := st.lookup(id, now, http.StatusNotFound)
	if err != nil {
		return answer{}, err
	}
	if !m.finalized {
		return answer{}, badRequest(codeMedia, "Media id %s is not finalized.", id)
	}
	m.polls++
	switch {
	case !m.async:
		st.deviatef("STATUS of media %s, whose FINALIZE answer had no processing_info", id)
		return st.answerFor(m, now), nil
	case m.state == stateSucceeded || m.state == stateFailed:
		st.deviatef("STATUS of media %s after processing ended (%s)", id, m.state)
		return st.answerFor(m, now), nil
	}
	if now.Before(m.nextPollAt) {
		m.earlyPolls++
		st.deviatef("STATUS of media %s %v before check_after_secs had elapsed", id, m.nextPollAt.Sub(now))
	}
	m.pollsDone++
	switch {
	case m.pollsDone <= st.cfg.steps:
		m.state = stateInProgress
		m.info = &processingInfo{
			State:           stateInProgress,
			CheckAfterSecs:  intPtr(st.cfg.checkAfter),
			ProgressPercent: intPtr(m.pollsDone * 100 / (st.cfg.steps + 1)),
		}
		m.nextPollAt = now.Add(time.Duration(st.cfg.checkAfter) * time.Second)
	case m.refused != nil || st.cfg.procErr != nil:
		progress := st.cfg.steps * 100 / (st.cfg.steps + 1)
		m.state = stateFailed
		e := m.refused
		if e == nil {
			e = st.cfg.procErr
		}
		e = &processingError{Code: e.Code, Name: e.Name, Message: e.Message} // a copy per answer
		m.info = &processingInfo{State: stateFailed, ProgressPercent: intPtr(progress), Error: e}
		m.nextPollAt = time.Time{}
	default:
		m.state = stateSucceeded
		m.info = &processingInfo{State: stateSucceeded, ProgressPercent: intPtr(100)}
		m.nextPollAt = time.Time{}
	}
	return st.answerFor(m, now), nil
}

// setAltText sets the alt text of a finalized, successfully processed media.
func (st *store) setAltText(id, text string) *apiError {
	if n := utf8.RuneCountInString(text); n > maxAltTextRunes {
		return badRequest(codeInvalidParam, "alt_text text must be <= %d characters, got %d.", maxAltTextRunes, n)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	m, err := st.lookup(id, st.cfg.now(), http.StatusBadRequest)
	if err != nil {
		return err
	}
	if !m.finalized || m.state != stateSucceeded {
		return badRequest(codeMedia, "Media id %s is not ready (state %s).", id, m.state)
	}
	m.altText = text
	return nil
}

// snapshot returns a copy of m's state; st.mu must be held.
func (m *media) snapshot() Media {
	sizes := make(map[int]int, len(m.segments))
	for i, b := range m.segments {
		sizes[i] = len(b)
	}
	var data []byte
	for i := 0; ; i++ {
		b, ok := m.segments[i]
		if !ok {
			break
		}
		data = append(data, b...)
	}
	sum := sha256.Sum256(data)
	return Media{
		ID:               m.idStr,
		MediaKey:         m.key,
		TotalBytes:       m.totalBytes,
		MediaType:        m.mediaType,
		Category:         m.category,
		AdditionalOwners: append([]string(nil), m.owners...),
		Uploader:         m.uploader,
		Shared:           m.shared,
		State:            m.state,
		Finalized:        m.finalized,
		Segments:         len(m.segments),
		SegmentSizes:     sizes,
		Data:             data,
		SHA256:           hex.EncodeToString(sum[:]),
		AltText:          m.altText,
		Subtitles:        slices.Clone(m.subtitles),
		Appends:          m.appends,
		Polls:            m.polls,
		EarlyPolls:       m.earlyPolls,
		CreatedAt:        m.createdAt,
		ExpiresAt:        m.expiresAt,
	}
}

func (st *store) get(id string) (Media, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m, ok := st.media[id]
	if !ok {
		return Media{}, false
	}
	return m.snapshot(), true
}

func (st *store) all() []Media {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Media, 0, len(st.order))
	for _, m := range st.order {
		out = append(out, m.snapshot())
	}
	return out
}

func (st *store) deviationList() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]string(nil), st.deviations...)
}

func intPtr(n int) *int { return &n }
