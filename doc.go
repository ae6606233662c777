// Package mediaupload uploads images, GIFs, videos and subtitles to Twitter/X
// with the chunked media upload API.
//
// # The flow
//
// An upload is four steps, each exported for callers that need them alone:
//
//   - INIT ([Client.Init]) declares the size, media type and category and
//     returns the media id, a string (ids exceed 2^53).
//   - APPEND ([Client.Append]) sends the bytes in segments of at most 5 MiB,
//     indexed 0–999. Segments are sent in parallel, each retried on its own.
//   - FINALIZE ([Client.Finalize]) closes the upload. Videos and GIFs are then
//     processed by X.
//   - STATUS ([Client.Status], [Client.WaitProcessed]) is polled, honoring
//     check_after_secs, until processing has succeeded or failed.
//
// [Client.Upload] runs them all for an [io.Reader] of any kind: files and other
// [io.ReaderAt] values are read at offsets by the workers, readers of unknown
// size (a pipe) are spooled to a temporary file first, since INIT needs the
// size, and refused as soon as they pass their category's size limit. It
// sniffs the media type, derives the category, checks the media against
// X's media rules before INIT (package mediacheck; [NoCheck] skips it), and
// sets alt text ([AltText]) and subtitles ([Subtitles]) once the media is
// processed.
//
// # Dialects and credentials
//
// The v1.1 API (upload.json) is the default; an endpoint under /2/, a bearer
// token, or [WithAPI]([APIv2]) speaks X API v2 (/2/media/upload/…) through
// the same calls. v1.1 takes OAuth 1.0a user
// context ([NewOAuth1Client]); v2 takes that or an OAuth 2.0 user token with
// the media.write scope ([WithBearerToken], or any client that adds it).
//
// # Resume
//
// With [Resume], an upload keeps its state (media id, segments acknowledged,
// FINALIZE done) in a [ResumeStore] such as [FileStore]; the same upload run
// again after a crash continues with the same media id and sends only what
// the service has not acknowledged.
//
// # Retries
//
// Every request is retried on transport errors, stalls, 429, 500, 502, 503
// and 504, never on other 4xx. Each attempt is a new request, signed anew.
// Waits honor Retry-After and x-rate-limit-reset and end as soon as the
// context is done; a wait the service asks for beyond the policy's caps
// fails at once with [ErrWaitTooLong], and [APIError.ResetAt] says when to
// try again. An attempt is abandoned when nothing moves for the stall
// timeout ([ErrStalled]), or when its answer is not complete within the
// stall timeout plus its body's time at [MinTransferRate] ([ErrTooSlow]).
// See [RetryPolicy].
//
// # Many uploads
//
// All uploads of a Client share one budget of chunk memory
// ([WithMemoryBudget]) and one cap on requests in flight
// ([WithMaxInFlight]), handed out in the order asked for, so a service
// can run thousands of uploads through one Client in bounded memory and
// connections; [WithConcurrency] caps each upload under it. They also
// share what the answers say of X's rate limits: no request of a step is
// sent into a window known to be spent; it waits for the window's reset,
// reported with [ErrRateLimited] through [OnRetry].
//
// # Errors
//
// Bad input is refused before any request with a sentinel error such as
// [ErrEmptyMedia] or [ErrTooLarge] (see [LimitError]). The service's answers
// become [*APIError]; a failed processing step is a [*ProcessingError]; a
// failed upload is an [*UploadError] naming the step, the media id and the
// segment. All work with [errors.As] and [errors.Is], and no error ever holds
// a credential or a signature.
//
// # Layout
//
// The package holds what a caller meets: the client and its options
// (client.go), the steps (steps.go), Upload and its session (upload.go,
// session.go), chunking, retry, resume, categories and errors. The wire
// format of both dialects is in internal/wire; the segment model, input
// sizing and the stall watchdog are in internal/segments, internal/source
// and internal/stall.
//
// # Testing
//
// Package [github.com/mediaupload/mediaupload/mediatest] is a strict fake of
// the service for your tests.
package mediaupload
