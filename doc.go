// Package mediaupload uploads images, GIFs, videos and subtitles to Twitter/X by chunked upload.
//
// # The flow
//
// An upload is INIT ([Client.Init]: size, type and category; it returns the media id, a string),
// APPEND ([Client.Append]: segments of at most 5 MiB, indexed 0–999, sent in parallel), FINALIZE
// ([Client.Finalize]) and, while X processes a video or GIF, STATUS ([Client.WaitProcessed]).
// [Client.Upload] runs them all for any [io.Reader] (one of unknown size is spooled to a temporary
// file), after sniffing the type, deriving the category and checking the media against X's rules
// (package mediacheck; [NoCheck] skips it); it also sets [AltText] and [Subtitles].
//
// # Dialects, credentials, retries
//
// v1.1 (upload.json) is the default; an endpoint under /2/, a bearer token or [WithAPI]([APIv2])
// speaks X API v2 through the same calls. v1.1 takes OAuth 1.0a ([NewOAuth1Client]); v2 also an
// OAuth 2.0 user token with the media.write scope ([WithBearerToken]). Requests are retried, each
// signed anew, on transport errors, stalls ([ErrStalled], [ErrTooSlow]), 429, 500, 502, 503 and
// 504, never on other 4xx; waits honor Retry-After and rate-limit resets ([RetryPolicy]).
//
// # Resume, many uploads, errors
//
// With [Resume] and a [ResumeStore] such as [FileStore], an upload run again after a crash keeps
// its media id and sends only what X has not acknowledged. A Client's uploads share a memory
// budget ([WithMemoryBudget]), a cap on requests in flight ([WithMaxInFlight]) and what X said of
// its rate limits, so thousands of uploads run through one Client in bounded memory. Bad input is
// refused before any request with a sentinel such as [ErrEmptyMedia] or a [*LimitError]; X's
// refusals are [*APIError], failed processing a [*ProcessingError], a failed upload an
// [*UploadError]. No error holds a credential.
//
// # Layout
//
// client.go holds the Client and its options, steps.go the steps, upload.go and session.go Upload,
// chunker.go segment plans, retry.go retries, resume.go the resume store, category.go media types
// and categories, errors.go the errors, oauth.go credentials.
// Below them: internal/wire (the dialects), internal/limit (request gate, memory budget),
// internal/resume (the saved state), internal/segments, internal/source (input) and
// internal/stall (stall watch). Package mediacheck checks media;
// [github.com/mediaupload/mediaupload/mediatest] is a strict fake of the service for your tests.
package mediaupload
