package mediaupload

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mediaupload/mediaupload/internal/source"
	"github.com/mediaupload/mediaupload/internal/stall"
	"github.com/mediaupload/mediaupload/internal/wire"
)

// Sentinel errors for bad input, reported before any request is made. Match
// them with [errors.Is]; the returned errors wrap them with the details.
var (
	// ErrEmptyMedia means the input holds no bytes.
	ErrEmptyMedia = errors.New("mediaupload: media is empty")
	// ErrTooLarge means the input is over its category's size limit; the
	// returned error is a [*LimitError].
	ErrTooLarge = errors.New("mediaupload: media is too large")
	// ErrTooManySegments means the input needs more than [MaxSegments]
	// segments at the chunk size asked for.
	ErrTooManySegments = errors.New("mediaupload: too many segments")
	// ErrChunkSize means a chunk size outside 1..[MaxChunkSize].
	ErrChunkSize = errors.New("mediaupload: invalid chunk size")
	// ErrUnknownCategory means a media category the service does not know.
	ErrUnknownCategory = errors.New("mediaupload: unknown media category")
	// ErrMediaType means the media type is missing or cannot be used.
	ErrMediaType = errors.New("mediaupload: unusable media type")
	// ErrSizeMismatch means the input yielded a different number of bytes
	// than it announced (a file changed while being uploaded, or a wrong
	// [Size] option).
	ErrSizeMismatch = source.ErrSizeMismatch
	// ErrInputChanged means an input read in order differs from the one
	// an interrupted upload began with, so it cannot be continued.
	ErrInputChanged = errors.New("mediaupload: input changed since the interrupted upload")
	// ErrInsecureEndpoint means an endpoint that is not https and not on
	// the loopback interface, or a redirect to another host.
	ErrInsecureEndpoint = errors.New("mediaupload: insecure endpoint")
	// ErrAltTextTooLong means alt text over [MaxAltTextLength] characters.
	ErrAltTextTooLong = errors.New("mediaupload: alt text too long")
	// ErrProcessingTimeout means processing did not finish within the
	// maximum processing wait.
	ErrProcessingTimeout = errors.New("mediaupload: processing did not finish in time")
	// ErrMissingCredentials means an OAuth credential is empty.
	ErrMissingCredentials = errors.New("mediaupload: missing credentials")
	// ErrBadAnswer means a 2xx answer that cannot be used: unreadable,
	// naming no usable media id, or about another media than the one asked
	// about. It is not retried.
	ErrBadAnswer = errors.New("mediaupload: unusable answer")
	// ErrStalled means no byte moved for the stall timeout; the attempt was
	// abandoned and, budget permitting, retried.
	ErrStalled = stall.ErrStalled
	// ErrTooSlow means an attempt's answer was not complete within the
	// stall timeout plus the time its body takes at [MinTransferRate]:
	// bytes kept moving, too slowly to ever finish (a trickled answer).
	// The attempt was abandoned and, budget permitting, retried, as for
	// [ErrStalled].
	ErrTooSlow = stall.ErrTooSlow
	// ErrWaitTooLong means a request needed a wait before its retry over a
	// cap of the [RetryPolicy]: the service asked for more than
	// MaxRetryAfter, or the wait would pass MaxTotalWait. The request
	// failed at once rather than retry into a window still closed; the
	// wrapped [*APIError]'s ResetAt says when the service expects it back.
	ErrWaitTooLong = errors.New("mediaupload: retry wait over the cap")
	// ErrRateLimited is the Err of the [RetryEvent] of a request held back by
	// the client's rate-limit gate: the service said the window of its step
	// is spent, so no request of that step is sent before the window's reset.
	ErrRateLimited = errors.New("mediaupload: rate limited")
)

// LimitError reports media over its category's size limit. It matches
// [ErrTooLarge] with [errors.Is].
type LimitError struct {
	Category string // the category whose limit applies, e.g. "tweet_image"
	Limit    int64  // the limit in bytes
	// Size is the media's size in bytes, or -1 when it is unknown: input of
	// unknown size (a pipe) is refused as soon as it passes Limit, unread
	// beyond that.
	Size int64
}

// Error names the limit, the category and by how much the media is over.
func (e *LimitError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("mediaupload: media is too large: the input is over the %d-byte limit of %s (refused once past it, so its full size is unknown)",
			e.Limit, e.Category)
	}
	return fmt.Sprintf("mediaupload: media is too large: %d bytes is over the %d-byte limit of %s by %d bytes",
		e.Size, e.Limit, e.Category, e.Size-e.Limit)
}

// Is reports whether target is [ErrTooLarge].
func (e *LimitError) Is(target error) bool { return target == ErrTooLarge }

// ErrorDetail is one entry of an error answer: X's numeric code and message.
type ErrorDetail struct {
	Code    int    `json:"code"`    // X's error code; 0 when the answer gave none
	Message string `json:"message"` // its message
}

// APIError is a non-2xx answer from the service.
type APIError struct {
	// Step is the request that failed.
	Step Step
	// StatusCode is the HTTP status.
	StatusCode int
	// Errors holds X's error codes and messages, when the body had them.
	Errors []ErrorDetail
	// Message is the error text: the body's messages, its problem title and
	// detail (v2), or a short excerpt of a non-JSON body.
	Message string
	// RetryAfter is how long the service asked the client to wait, from
	// Retry-After or x-rate-limit-reset; zero when it did not say.
	RetryAfter time.Duration
	// ResetAt is when the service said the client may try again (for a
	// 429, when the rate limit resets), by the client's clock: the answer's
	// arrival plus RetryAfter. Zero when it did not say. A request that
	// fails with [ErrWaitTooLong] can be rescheduled for then.
	ResetAt time.Time

	hint   string        // the dialect's explanation of the status, if any
	bearer bool          // the request carried a bearer token, not OAuth 1.0a
	skew   time.Duration // for a 401: the local clock less the answer's Date, if significant
}

// Error gives the step, the HTTP status, the service's message and codes,
// and a hint where the cause is known.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mediaupload: %s: HTTP %d", strings.ToLower(string(e.Step)), e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, d := range e.Errors {
		if d.Code != 0 {
			fmt.Fprintf(&b, " (code %d)", d.Code)
		}
	}
	for _, hint := range []string{e.hint, e.statusHint()} {
		if hint != "" {
			b.WriteString(" — " + hint)
		}
	}
	return b.String()
}

// statusHint explains statuses whose cause is known and actionable. OAuth
// 1.0a signs a timestamp that X refuses when it is too far from its own
// clock, so its 401 names the clock too, and by how much it is off when
// the answer's Date tells; a bearer token carries no timestamp.
func (e *APIError) statusHint() string {
	switch e.StatusCode {
	case http.StatusUnauthorized:
		switch {
		case e.bearer:
			return "check the credentials"
		case e.skew > 0:
			return fmt.Sprintf("check the clock: yours is %v ahead of X's", e.skew)
		case e.skew < 0:
			return fmt.Sprintf("check the clock: yours is %v behind X's", -e.skew)
		}
		return "check the credentials and the clock"
	case http.StatusRequestEntityTooLarge, http.StatusRequestHeaderFieldsTooLarge:
		return "the request was too large: use a smaller chunk size"
	}
	return ""
}

// retryable reports whether the status is worth another attempt.
func (e *APIError) retryable() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// ProcessingError is a terminal failure of X's processing of the media after
// FINALIZE ("processing_info.state": "failed"). It is never retried: the media
// itself was refused.
type ProcessingError struct {
	MediaID string // the media refused
	Code    int    // X's error code, e.g. 1
	Name    string // X's error name, e.g. "InvalidMedia"
	Message string // X's explanation, e.g. "Unsupported video format"
}

// Error says which media failed processing, and why.
func (e *ProcessingError) Error() string {
	return fmt.Sprintf("mediaupload: processing of media %s failed: %s (code %d): %s", e.MediaID, e.Name, e.Code, e.Message)
}

// UploadError is the error [Client.Upload] returns once an upload has
// started: it names the step and, for APPEND, the segment that failed, and
// the media id (empty if INIT failed), and wraps the cause.
type UploadError struct {
	// Step is the step that failed.
	Step Step
	// MediaID is the upload's media id; empty when INIT failed.
	MediaID string
	// Segment is the failed segment's index, or -1 when the step was not
	// an APPEND.
	Segment int
	// Err is the cause: an [*APIError], a [*ProcessingError], a transport
	// or context error.
	Err error
}

// Error names the step, the segment and the media id, then the cause.
func (e *UploadError) Error() string {
	var b strings.Builder
	b.WriteString("mediaupload: upload failed at " + strings.ToLower(string(e.Step)))
	if e.Segment >= 0 {
		fmt.Fprintf(&b, " of segment %d", e.Segment)
	}
	if e.MediaID != "" {
		b.WriteString(" of media " + e.MediaID)
	}
	// The causes each name the package; once is enough.
	b.WriteString(": " + strings.ReplaceAll(strings.TrimPrefix(e.Err.Error(), "mediaupload: "), ": mediaupload: ", ": "))
	return b.String()
}

// Unwrap returns the cause.
func (e *UploadError) Unwrap() error { return e.Err }

// maxErrorBody caps how much of an error answer is read.
const maxErrorBody = 64 << 10

// parseAPIError builds an [*APIError] from a non-2xx answer (see
// [wire.ParseError]); a text that quotes secret is withheld.
func parseAPIError(step Step, status int, header http.Header, body []byte, now time.Time, secret string) *APIError {
	a := wire.ParseError(body, secret)
	e := &APIError{Step: step, StatusCode: status, Message: a.Message, ResetAt: wire.ResetAt(status, header, now)}
	for _, d := range a.Details {
		e.Errors = append(e.Errors, ErrorDetail(d))
	}
	if !e.ResetAt.IsZero() {
		e.RetryAfter = e.ResetAt.Sub(now)
	}
	return e
}

// ErrAPIMismatch is returned by [NewClient] when [WithAPI] names one
// dialect and the [WithEndpoint] path is the other's (/1.1/media/… or
// /2/media/…), or when a bearer token meets v1.1.
var ErrAPIMismatch = errors.New("mediaupload: API and endpoint do not match")
