// Package mediaupload uploads images, GIFs, videos and subtitles to Twitter/X
// with the chunked media upload API.
//
// # The flow
//
// An upload is INIT ([Client.Init]: size, type and category; it returns the
// media id, a string), APPEND ([Client.Append]: segments of at most 5 MiB,
// indexed 0–999, sent in parallel), FINALIZE ([Client.Finalize]) and, while X
// processes a video or GIF, STATUS ([Client.WaitProcessed]). [Client.Upload]
// runs them all for any [io.Reader] (one of unknown size is spooled to a
// temporary file first), after sniffing the type, deriving the category and
// checking the media against X's rules (package mediacheck; [NoCheck] skips
// it); it also sets alt text ([AltText]) and subtitles ([Subtitles]).
//
// # Dialects and credentials
//
// v1.1 (upload.json) is the default; an endpoint under /2/, a bearer token or
// [WithAPI]([APIv2]) speaks X API v2 through the same calls. v1.1 takes OAuth
// 1.0a ([NewOAuth1Client]); v2 also takes an OAuth 2.0 user token with the
// media.write scope ([WithBearerToken]).
//
// # Resume
//
// With [Resume], an upload keeps its state in a [ResumeStore] such as
// [FileStore]; run again after a crash, it continues with the same media id
// and sends only what X has not acknowledged.
//
// # Retries
//
// Requests are retried, each signed anew, on transport errors, stalls, 429,
// 500, 502, 503 and 504, never on other 4xx. Waits honor Retry-After and the
// rate limit's reset; one longer than the policy allows fails with
// [ErrWaitTooLong]. See [RetryPolicy], [ErrStalled] and [ErrTooSlow].
//
// # Many uploads
//
// A Client's uploads share a memory budget ([WithMemoryBudget]), a cap on
// requests in flight ([WithMaxInFlight]) and what X said of its rate limits, so
// thousands of uploads run through one Client in bounded memory.
//
// # Errors
//
// Bad input is refused before any request with a sentinel such as
// [ErrEmptyMedia] or a [*LimitError]; X's refusals are [*APIError], failed
// processing a [*ProcessingError], a failed upload an [*UploadError]. No error
// holds a credential.
//
// # Layout
//
// The client and its options (client.go), the steps (steps.go), Upload
// (upload.go, session.go), and internal/wire, internal/segments,
// internal/source and internal/stall.
//
// # Testing
//
// Package [github.com/mediaupload/mediaupload/mediatest] is a strict fake of
// the service for your tests.
package mediaupload
