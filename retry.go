package mediaupload

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/mediaupload/mediaupload/internal/limit"
	"github.com/mediaupload/mediaupload/internal/stall"
	"github.com/mediaupload/mediaupload/internal/wire"
)

// RetryPolicy says how a request failing transiently (transport error, stall, 429, 500, 502-504) is
// retried: after a backoff, or the wait asked for; a wait past a cap fails with [ErrWaitTooLong].
type RetryPolicy struct {
	MaxAttempts    int           // attempts per request, the first included; 1 disables retries
	InitialBackoff time.Duration // the first backoff, doubled up to MaxBackoff; each ±50% at random
	MaxBackoff     time.Duration // caps the backoff
	MaxRetryAfter  time.Duration // the longest wait the service asks for that is waited; zero: none
	MaxTotalWait   time.Duration // caps one request's waits in all; zero: no cap but MaxAttempts
}

// DefaultRetryPolicy returns 8 attempts, 500 ms doubling to 30 s, asked waits up to 15 min.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 8, InitialBackoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second,
		MaxRetryAfter: 15 * time.Minute, MaxTotalWait: 30 * time.Minute}
}

// WithRetry sets the retry policy (default [DefaultRetryPolicy]).
func WithRetry(p RetryPolicy) Option {
	ok := p.MaxAttempts >= 1 && min(p.InitialBackoff, p.MaxRetryAfter, p.MaxTotalWait) >= 0 && p.MaxBackoff >= p.InitialBackoff
	return setIf(ok, fmt.Errorf("mediaupload: invalid retry policy %+v", p), func(c *Client) { c.retry = p })
}

// RetryEvent describes a request about to be retried, for [OnRetry].
type RetryEvent struct {
	Step    Step   // the request's step
	Segment int    // an APPEND's segment index; -1 for other steps
	MediaID string // empty for INIT
	// Attempt (from 1) failed, and Attempt+1 is next; for a request the rate-limit gate holds
	// ([ErrRateLimited]), Attempt is the number of attempts made so far (0 before the first).
	Attempt, MaxAttempts int
	Err                  error         // an [*APIError] if answered, else the transport's
	Wait                 time.Duration // the backoff, or what the service asked for
}

// OnRetry calls fn before each wait for a retry of any request of the [Client], uploads and single
// steps alike. fn must be safe for concurrent use and return quickly. Default: none.
func OnRetry(fn func(RetryEvent)) Option {
	return func(c *Client) error { c.onRetry = fn; return nil }
}

const (
	maxAnswer    = 1 << 20         // how much of a 2xx answer is read; media answers are small
	maxErrorBody = 64 << 10        // how much of an error answer is read
	announceWait = 5 * time.Second // the least wait logged at Info: by then, silence looks frozen
)

// answer is a 2xx answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// buildFunc makes the request of one attempt, anew for each, so that each has a fresh signature.
type buildFunc func(ctx context.Context) (*http.Request, error)

// permanentError is a failure that no retry can mend.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// tries counts a request's attempts, and whether one got no answer (the service may have acted).
type tries struct {
	n          int
	unanswered bool
}

// request names a request of the flow, for its log lines and [RetryEvent]s.
type request struct {
	step    Step
	segment int    // an APPEND's segment index; -1 for other steps
	mediaID string // empty for INIT
}

func (r request) attrs(kv ...any) []any {
	a := []any{"step", r.step}
	if r.segment >= 0 {
		a = append(a, "segment", r.segment)
	}
	if r.mediaID != "" {
		a = append(a, "media_id", r.mediaID)
	}
	return append(a, kv...)
}

// notify tells [OnRetry] of a wait of r before attempt+1.
func (c *Client) notify(r request, attempt int, err error, wait time.Duration) {
	if c.onRetry != nil {
		c.onRetry(RetryEvent{r.step, r.segment, r.mediaID, attempt, c.retry.MaxAttempts, err, wait})
	}
}

// send runs req under the retry policy and returns its 2xx answer and how it went.
func (c *Client) send(ctx context.Context, req request, build buildFunc) (*answer, tries, error) {
	p, attrs, backoff, t := c.retry, req.attrs, c.retry.InitialBackoff, tries{}
	waited, waitedUntil := time.Duration(0), time.Time{} // waits in all; end of the last asked for
	gateHeld := func(until time.Time, wait time.Duration) {
		c.notify(req, t.n, fmt.Errorf("%w until %s", ErrRateLimited, c.clockTime(until)), wait)
		c.log.Info("rate limited", attrs("until", c.clockTime(until), "wait", wait.Round(100*time.Millisecond))...)
	}
	for {
		if err := c.gate.Admit(ctx, string(req.step), waitedUntil, gateHeld); err != nil {
			if long, ok := errors.AsType[*limit.WaitError](err); ok {
				err = fmt.Errorf("%w: %w: %s, over the %v of RetryPolicy.MaxRetryAfter",
					ErrWaitTooLong, ErrRateLimited, c.resetIn(long.Until), p.MaxRetryAfter)
			}
			return nil, t, err
		}
		t.n++
		start := c.now()
		ans, err := c.attempt(ctx, req.step, build)
		if err == nil {
			c.log.Debug("request", attrs("attempt", t.n, "status", ans.status, "took", c.now().Sub(start))...)
			return ans, t, nil
		}
		c.log.Debug("request failed", attrs("attempt", t.n, "error", err, "took", c.now().Sub(start))...)
		apiErr, answered := errors.AsType[*APIError](err)
		t.unanswered = t.unanswered || !answered
		if ctx.Err() != nil {
			return nil, t, fmt.Errorf("%w (last attempt: %w)", context.Cause(ctx), err)
		}
		wait, ok, asked := time.Duration(0), !permanent(err), false // asked: when to come back
		if answered {
			wait, ok, asked = apiErr.RetryAfter, apiErr.retryable(), !apiErr.ResetAt.IsZero()
		}
		if wait == 0 && backoff > 0 { // none asked for: the backoff, uniform in [d/2, 3d/2)
			wait = backoff/2 + rand.N(backoff)
			backoff += min(backoff, p.MaxBackoff-backoff) // doubled up to MaxBackoff: no overflow
		}
		switch perm, isPerm := err.(permanentError); {
		case isPerm:
			return nil, t, perm.error
		case !ok:
			return nil, t, err
		case t.n >= p.MaxAttempts:
			return nil, t, fmt.Errorf("gave up after %d attempts: %w", t.n, err)
		case asked && wait > p.MaxRetryAfter:
			return nil, t, fmt.Errorf("%w: %s, over the %v of RetryPolicy.MaxRetryAfter: %w",
				ErrWaitTooLong, c.resetIn(apiErr.ResetAt), p.MaxRetryAfter, err)
		case p.MaxTotalWait > 0 && waited+wait > p.MaxTotalWait:
			reset := ""
			if asked {
				reset = "; " + c.resetIn(apiErr.ResetAt)
			}
			return nil, t, fmt.Errorf("%w: gave up after %d attempts and %v of waiting: %v more would pass the %v of RetryPolicy.MaxTotalWait%s: %w",
				ErrWaitTooLong, t.n, waited.Round(time.Second), wait.Round(time.Second), p.MaxTotalWait, reset, err)
		}
		c.notify(req, t.n, err, wait)
		if wait >= announceWait {
			c.log.Info("waiting before retry", attrs("wait", wait.Round(100*time.Millisecond),
				"until", c.clockTime(c.now().Add(wait)), "cause", err)...)
		}
		waited += wait
		if asked {
			waitedUntil = c.now().Add(wait)
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, t, fmt.Errorf("%w (last attempt: %w)", serr, err)
		}
	}
}

// resetIn says when the service expects the client back: at, as a clock time and a wait from now.
func (c *Client) resetIn(at time.Time) string {
	return fmt.Sprintf("the service asks to wait until %s (in %v)", c.clockTime(at), at.Sub(c.now()).Round(time.Second))
}

// clockTime formats t as a time of day, with the date when it is not today.
func (c *Client) clockTime(t time.Time) string {
	if t.Format(time.DateOnly) == c.now().In(t.Location()).Format(time.DateOnly) {
		return t.Format(time.TimeOnly)
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

// permanent reports whether a transport's err is one that no retry can mend.
func permanent(err error) bool {
	return errors.As(err, new(*tls.CertificateVerificationError)) || errors.As(err, new(x509.UnknownAuthorityError)) ||
		errors.As(err, new(x509.HostnameError)) || errors.Is(err, ErrInsecureEndpoint)
}

// attempt makes one request, holding a gate slot, which it gives back. A watchdog abandons it
// with [ErrStalled] when nothing moves for the stall timeout, with [ErrTooSlow] when it is overdue.
func (c *Client) attempt(ctx context.Context, step Step, build buildFunc) (*answer, error) {
	status, header := 0, http.Header(nil) // the answer's, for the gate
	defer func() { c.gate.Done(string(step), status, header) }()
	actx, watchdog := stall.Start(ctx, c.stallTimeout)
	defer watchdog.Stop()
	req, err := build(actx)
	if err != nil {
		return nil, permanentError{err}
	}
	sent := max(req.ContentLength, 0)
	within := c.stallTimeout + time.Duration(sent)*time.Second/MinTransferRate
	watchdog.Limit(within)
	if req.Body != nil && req.Body != http.NoBody {
		// The bodies, a redirect's too, let go of the caller's chunk once the attempt ends.
		req.Body = watchdog.Body(req.Body)
		if get := req.GetBody; get != nil {
			req.GetBody = func() (io.ReadCloser, error) {
				r, err := get() // on an error, the transport drops the body
				return watchdog.Body(r), err
			}
		}
	}
	req.Header.Set("User-Agent", c.userAgent)
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	stalled := func(err error) error {
		switch cause := context.Cause(actx); {
		case ctx.Err() != nil: // the caller's end, not the watchdog's
		case errors.Is(cause, ErrStalled):
			return fmt.Errorf("%w: nothing moved for %v", ErrStalled, c.stallTimeout)
		case errors.Is(cause, ErrTooSlow):
			return fmt.Errorf("%w: the answer was not complete within %v (the stall timeout and %d bytes sent at %d KiB/s)",
				ErrTooSlow, within.Round(100*time.Millisecond), sent, MinTransferRate>>10)
		}
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, stalled(err)
	}
	defer resp.Body.Close()
	watchdog.Touch()
	status, header = resp.StatusCode, resp.Header
	ok, max := resp.StatusCode/100 == 2, int64(maxErrorBody)
	if ok {
		max = maxAnswer
	}
	body, err := io.ReadAll(io.LimitReader(watchdog.Body(resp.Body), max))
	if err != nil {
		return nil, stalled(fmt.Errorf("reading the answer: %w", err))
	}
	if !ok {
		return nil, c.apiError(step, resp.StatusCode, resp.Header, body)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func (c *Client) apiError(step Step, status int, header http.Header, body []byte) *APIError {
	e := parseAPIError(step, status, header, body, c.now(), c.bearer)
	e.hint = c.dialect.Hint(status)
	e.bearer = c.bearer != ""
	if status == http.StatusUnauthorized && !e.bearer {
		e.skew = wire.ClockSkew(header, c.now())
	}
	return e
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-time.After(d): // collected when unreferenced, fired or not
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
