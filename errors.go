package mediaupload

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mediaupload/mediaupload/internal/source"
	"github.com/mediaupload/mediaupload/internal/stall"
	"github.com/mediaupload/mediaupload/internal/wire"
)

// Sentinel errors, to match with [errors.Is]; those of bad input are reported before any request.
var (
	// ErrEmptyMedia means the input holds no bytes.
	ErrEmptyMedia = errors.New("mediaupload: media is empty")
	// ErrTooLarge means the input is over its category's size limit; the error is a [*LimitError].
	ErrTooLarge = errors.New("mediaupload: media is too large")
	// ErrTooManySegments means the input needs over [MaxSegments] segments at the chunk size asked.
	ErrTooManySegments = errors.New("mediaupload: too many segments")
	// ErrChunkSize means a chunk size outside 1..[MaxChunkSize].
	ErrChunkSize = errors.New("mediaupload: invalid chunk size")
	// ErrUnknownCategory means a media category the service does not know.
	ErrUnknownCategory = errors.New("mediaupload: unknown media category")
	// ErrMediaType means the media type is missing or cannot be used.
	ErrMediaType = errors.New("mediaupload: unusable media type")
	// ErrSizeMismatch means the input held more or fewer bytes than announced, e.g. a wrong [Size].
	ErrSizeMismatch = source.ErrSizeMismatch
	// ErrInputChanged means an input read in order is not the one an interrupted upload began with.
	ErrInputChanged = errors.New("mediaupload: input changed since the interrupted upload")
	// ErrInsecureEndpoint means an endpoint neither https nor loopback, or a redirect off its host.
	ErrInsecureEndpoint = errors.New("mediaupload: insecure endpoint")
	// ErrAltTextTooLong means alt text over [MaxAltTextLength] characters.
	ErrAltTextTooLong = errors.New("mediaupload: alt text too long")
	// ErrProcessingTimeout means processing did not finish within the maximum processing wait.
	ErrProcessingTimeout = errors.New("mediaupload: processing did not finish in time")
	// ErrMissingCredentials means an OAuth credential is empty.
	ErrMissingCredentials = errors.New("mediaupload: missing credentials")
	// ErrBadAnswer means a 2xx answer unreadable, without a media id or about another; not retried.
	ErrBadAnswer = errors.New("mediaupload: unusable answer")
	// ErrStalled means no byte moved for the stall timeout: the attempt ends, retried if it may be.
	ErrStalled = stall.ErrStalled
	// ErrTooSlow means an answer not done within the stall timeout plus the body's time at
	// [MinTransferRate] (a trickle): the attempt ends, retried if it may be, as for [ErrStalled].
	ErrTooSlow = stall.ErrTooSlow
	// ErrWaitTooLong means a retry would wait past a [RetryPolicy] cap; when the service asked for
	// the wait, the wrapped [*APIError]'s ResetAt (or the message) says until when.
	ErrWaitTooLong = errors.New("mediaupload: retry wait over the cap")
	// ErrRateLimited is a [RetryEvent]'s Err while a request waits for its step's spent rate limit.
	ErrRateLimited = errors.New("mediaupload: rate limited")
	// ErrAPIMismatch means [WithAPI] and the endpoint's path differ, or a bearer token meets v1.1.
	ErrAPIMismatch = errors.New("mediaupload: API and endpoint do not match")
)

// LimitError reports media over its category's size limit; it matches [ErrTooLarge].
type LimitError struct {
	Category string // the category whose limit applies, e.g. "tweet_image"
	Limit    int64  // the limit in bytes
	Size     int64  // in bytes, or -1: input of unknown size is refused, unread, once past Limit
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
	Step       Step          // the request that failed
	StatusCode int           // the HTTP status
	Errors     []ErrorDetail // X's error codes and messages, when the body had them
	Message    string        // the body's messages, or problem title and detail (v2), or an excerpt
	RetryAfter time.Duration // the wait asked for (Retry-After, x-rate-limit-reset); zero if none
	ResetAt    time.Time     // when the service said to try again, by the client's clock; or zero

	hint   string        // the dialect's explanation of the status, if any
	bearer bool          // the request carried a bearer token, not OAuth 1.0a
	skew   time.Duration // for a 401: the local clock less the answer's Date, if significant
}

// Error gives the step, the HTTP status, the service's message and codes, and a hint if any.
func (e *APIError) Error() string {
	s := strings.TrimSuffix(fmt.Sprintf("mediaupload: %s: HTTP %d %s",
		strings.ToLower(string(e.Step)), e.StatusCode, http.StatusText(e.StatusCode)), " ")
	if e.Message != "" {
		s += ": " + e.Message
	}
	for _, d := range e.Errors {
		if d.Code != 0 {
			s += fmt.Sprintf(" (code %d)", d.Code)
		}
	}
	for _, hint := range []string{e.hint, e.statusHint()} {
		if hint != "" {
			s += " — " + hint
		}
	}
	return s
}

// statusHint explains known causes; a 401 names the clock: X refuses far-off OAuth 1.0a timestamps.
func (e *APIError) statusHint() string {
	switch {
	case e.StatusCode == http.StatusRequestEntityTooLarge, e.StatusCode == http.StatusRequestHeaderFieldsTooLarge:
		return "the request was too large: use a smaller chunk size"
	case e.StatusCode != http.StatusUnauthorized:
		return ""
	case e.bearer:
		return "check the credentials"
	case e.skew > 0:
		return fmt.Sprintf("check the clock: yours is %v ahead of X's", e.skew)
	case e.skew < 0:
		return fmt.Sprintf("check the clock: yours is %v behind X's", -e.skew)
	}
	return "check the credentials and the clock"
}

// retryable reports whether the status is worth another attempt.
func (e *APIError) retryable() bool {
	return slices.Contains([]int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout}, e.StatusCode)
}

// ProcessingError is X's refusal of the media after FINALIZE ("processing_info.state": "failed").
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

// UploadError is the error of [Client.Upload] once an upload has started.
type UploadError struct {
	Step    Step   // the step that failed
	MediaID string // empty when INIT failed
	Segment int    // the failed segment's index, or -1 when the step was not an APPEND
	Err     error  // the cause: an [*APIError], a [*ProcessingError], a transport or context error
}

// Error names the step, the segment and the media id, then the cause.
func (e *UploadError) Error() string {
	s := "mediaupload: upload failed at " + strings.ToLower(string(e.Step))
	if e.Segment >= 0 {
		s += fmt.Sprintf(" of segment %d", e.Segment)
	}
	if e.MediaID != "" {
		s += " of media " + e.MediaID
	}
	// The causes each name the package; once is enough.
	return s + ": " + strings.ReplaceAll(strings.TrimPrefix(e.Err.Error(), "mediaupload: "), ": mediaupload: ", ": ")
}

// Unwrap returns the cause.
func (e *UploadError) Unwrap() error { return e.Err }

// parseAPIError builds the [*APIError] of a non-2xx answer; a text that quotes secret is withheld.
func parseAPIError(step Step, status int, header http.Header, body []byte, now time.Time, secret string) *APIError {
	at := wire.ResetAt(status, header, now) // zero or after now
	e := &APIError{Step: step, StatusCode: status, RetryAfter: max(at.Sub(now), 0), ResetAt: at}
	add := func(code int, msg string) { e.Errors = append(e.Errors, ErrorDetail{code, msg}) }
	e.Message = wire.ParseError(body, secret, add)
	return e
}
