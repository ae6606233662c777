package mediaupload

import "time"

// RetryEvent describes a request about to be retried, for [OnRetry].
type RetryEvent struct {
	// Step is the request's step.
	Step Step
	// Segment is the segment index of an APPEND; -1 for other steps.
	Segment int
	// MediaID is the media the request is about; empty for INIT.
	MediaID string
	// Attempt is the number of the attempt that failed, from 1; the retry
	// is attempt Attempt+1 of MaxAttempts.
	Attempt, MaxAttempts int
	// Err is why the attempt failed: an [*APIError] when the service
	// answered, else the transport's error (or [ErrStalled], [ErrTooSlow]).
	Err error
	// Wait is how long the client waits before the retry: the backoff, or
	// what the service asked for.
	Wait time.Duration
}

// OnRetry calls fn before each wait for a retry, in every step of every
// upload of the [Client] and in the single-step calls ([Client.Init],
// [Client.Append], …), so that a program can show that it is retrying
// rather than frozen. fn is called from the goroutine of the request, and
// may be called by several at once: it must be safe for concurrent use
// and return quickly. It is a client option, not a per-upload one, because
// retries belong to the client's one retry loop and the single steps take
// no upload options; Step, Segment and MediaID tell which request it is.
// Default: none.
func OnRetry(fn func(RetryEvent)) Option {
	return func(c *Client) error { c.onRetry = fn; return nil }
}

// retryEvent builds the event of a wait before a retry; logAttrs are the
// key-value pairs given to send, where "segment" and "media_id" are read.
func retryEvent(step Step, logAttrs []any, attempt, maxAttempts int, err error, wait time.Duration) RetryEvent {
	e := RetryEvent{Step: step, Segment: -1, Attempt: attempt, MaxAttempts: maxAttempts, Err: err, Wait: wait}
	for i := 0; i+1 < len(logAttrs); i += 2 {
		switch v := logAttrs[i+1]; logAttrs[i] {
		case "segment":
			if n, ok := v.(int); ok {
				e.Segment = n
			}
		case "media_id":
			if s, ok := v.(string); ok {
				e.MediaID = s
			}
		}
	}
	return e
}
