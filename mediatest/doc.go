// Package mediatest provides a strict fake of the X (Twitter) chunked media
// upload API for tests, in the manner of net/http/httptest. It speaks both
// dialects, v1.1 and v2, on one store of media.
//
// The v1.1 dialect serves INIT, APPEND and FINALIZE (POST) and STATUS (GET)
// at /1.1/media/upload.json, alt text at /1.1/media/metadata/create.json and
// subtitles at /1.1/media/subtitles/create.json; errors come in X's v1.1
// JSON shapes.
//
// The v2 dialect serves, under /2/media ([Server.V2URL] is URL +
// "/2/media/upload"):
//
//	POST /2/media/upload/initialize      JSON {"media_type","total_bytes","media_category","additional_owners":[…],"shared":bool}
//	                                     → {"data":{"id","media_key","expires_after_secs"}}
//	POST /2/media/upload/{id}/append     multipart "media" (file) + "segment_index", or JSON {"media":"<base64>","segment_index":N}
//	                                     → {"data":{"expires_at"}}
//	POST /2/media/upload/{id}/finalize   no body → {"data":{"id","media_key","size","expires_after_secs","processing_info"}}
//	GET  /2/media/upload?media_id={id}[&command=STATUS]
//	                                     → {"data":{"id","media_key","size","expires_after_secs","processing_info"}}
//	POST /2/media/metadata               JSON {"id","metadata":{"alt_text":{"text"}}} → {"data":{"id","associated_metadata"}}
//	POST /2/media/subtitles              JSON {"id","media_category","subtitles":{"id","language_code","display_name"}}
//	                                     → {"data":{"id","media_category","associated_subtitles":[…]}}
//
// All answer 200. Ids must match ^[0-9]{1,19}$, JSON bodies must be
// application/json without unknown fields, and media_category takes the
// v2 spellings only (tweet_video at INIT, TweetVideo or AmplifyVideo for
// subtitles). Errors are RFC 7807 problem objects, Content-Type
// application/problem+json, such as {"title":"Invalid Request","detail":"…",
// "type":"https://api.x.com/2/problems/invalid-request","status":400};
// unknown paths and rate limits use X's {"errors":[{"message","code"}]}.
// v2 documents no segment size limit; the fake keeps v1.1's 5 MiB, a
// conservative choice, since larger chunks draw 413 in the field. The
// one-shot POST /2/media/upload and DELETE /2/media/subtitles are not
// served (404).
//
// Both dialects reject what the real service rejects: segments must be
// 0–999 and at most 5 MiB, FINALIZE needs contiguous segments that add up
// to total_bytes, category size limits apply, media expire. Media ids
// exceed 2^53, so a client that decodes a media id as a float64 breaks.
//
// # Posting
//
// POST /2/tweets creates a post with the uploaded media, as X does after
// an upload:
//
//	POST /2/tweets   JSON {"text":"…","media":{"media_ids":["…"]}} → 201 {"data":{"id","text"}}
//
// It takes OAuth 1.0a, or an OAuth 2.0 user token with the scopes
// tweet.read, tweet.write and users.read (403 without them). The body must
// be a JSON object with text or media; the other documented fields
// (reply, poll, quote_tweet_id, …) are accepted and ignored, unknown ones
// refused. media.media_ids lists 1 to 4 ids, each of a media that exists,
// has not expired, has been processed successfully (or needed no
// processing) and belongs to the poster: the user of the credentials that
// uploaded it ([Media.Uploader]; see [Credentials.UserID] and
// [WithOAuth2User]) or one of its additional_owners. Together they are up
// to 4 images, or 1 video, or 1 GIF (a GIF uploaded as tweet_image counts
// as an image), never mixed. Refusals are 400 in X's validation shape,
// {"errors":[{"message":"Your media IDs are invalid."}],"title":"Invalid
// Request","detail":"One or more parameters to your request was
// invalid.","type":"https://api.x.com/2/problems/invalid-request",
// "status":400}, the same message for every media that may not be
// attached, whatever the reason (as X answers; [Server.Media] tells the
// state). [Server.Posts] returns the posts created;
// each request is recorded with Step [StepTweet] and the media ids,
// comma-separated, as [Request.MediaID].
//
// # Authentication
//
// Every API request must carry a valid OAuth 1.0a HMAC-SHA1 signature
// (checked with the package's own RFC 5849 code, with fresh nonces and
// timestamps within 5 minutes), made with [Server.Credentials] as
// [Server.Client] does. The v2 endpoints also take an OAuth 2.0 user token,
// "Authorization: Bearer " + [Server.OAuth2Token], as [Server.OAuth2Client]
// sends: a token without the scope media.write is answered 403, an unknown
// token 401 (see [WithOAuth2Token]; [WithOAuth2User] adds the token of
// another user). The v1.1 endpoints refuse
// bearer tokens with 403 and code 220, as X requires user context there.
// [Request.Dialect] and [Request.Auth] record which dialect and which kind
// of credentials each request used.
//
// # Usage
//
// Point the code under test at [Server.UploadURL] with the signed client
// from [Server.Client] (or at [Server.V2URL], with [Server.Client] or
// [Server.OAuth2Client]), then assert what the server received. [PNG] and
// [MP4] make tiny media that sniff as image/png and video/mp4:
//
//	func TestUpload(t *testing.T) {
//		srv := mediatest.NewServer(mediatest.WithCheckAfter(0))
//		t.Cleanup(srv.Close)
//		srv.InjectFault(mediatest.Fault{Step: mediatest.StepAppend, Segment: 1, Status: 503, RetryAfter: "0"})
//
//		id, err := myUpload(t.Context(), srv.Client(), srv.UploadURL(), data)
//		require.NoError(t, err)
//
//		m, ok := srv.Media(id)
//		require.True(t, ok)
//		assert.Equal(t, data, m.Data)
//		assert.Equal(t, "succeeded", m.State)
//		assert.Empty(t, srv.Deviations())
//		for _, r := range srv.Requests() {
//			t.Log(r) // APPEND v1.1 POST /1.1/media/upload.json media=… segment=1 bytes=… status=503 fault …
//		}
//	}
//
// # Faults
//
// [Server.InjectFault] makes chosen requests fail: an error status with
// Retry-After or x-rate-limit-* headers, a dropped connection, a hang, a
// request processed whose answer is lost, or one whose answer is reshaped
// ([Fault.Reshape] with [WithoutField], [SetField] or [ReplaceAnswer]: a
// field absent or of another type, 204 instead of 200, 200 with only
// errors, another media id) or trickled a byte at a time ([Fault.Trickle]).
// The server answers one way per request by itself; reshaping makes it
// send the other shapes the real service and proxies may send.
// [WithRandomFaults] fails requests at random, deterministically for a
// seed. Faulted requests change no state, except LoseAnswer, Reshape and
// Trickle, which are processed first. A fault applies to both
// dialects unless [Fault.Dialect] names one.
//
// # Processing like X
//
// By default processing succeeds, whatever the bytes. [WithMediaRules]
// makes the server inspect each media at FINALIZE with package
// mediacheck and fail the media that X's media rules refuse, a video over
// 60 fps or 140 s, a GIF over 1280×1080, with the rule in the message, as
// X does: the processing of a video or GIF ends "failed" with
// {"code":1,"name":"InvalidMedia","message":"frame rate 120 fps is over
// X's limit of 60 fps for tweet_video"}, and the FINALIZE of an image is
// answered 400 with code 324. A test can so prove that the code under test
// handles a processing failure with media that really breaks a rule
// (`mediaupload serve --media-rules` does the same for other languages).
// [WithProcessingError] fails every media instead.
//
// # Deviations
//
// Some client behaviour is accepted by the real service but discouraged:
// polling STATUS before check_after_secs has elapsed, polling STATUS when
// FINALIZE returned no processing_info or after processing ended, sending
// base64 media_data (v1.1) or base64 JSON media (v2). The server answers
// normally and reports each event in [Server.Deviations].
//
// # Inspection over HTTP
//
// For tests written in other languages (for example against
// `mediaupload serve`), the server serves its state as JSON under
// /mediatest/, a prefix no API path uses. These endpoints need no
// credentials and their requests are not recorded in [Server.Requests]:
//
//	GET  /mediatest/media            every media (as Server.AllMedia), in creation order
//	GET  /mediatest/media/{id}       one media, or 404
//	GET  /mediatest/media/{id}/data  the bytes received, application/octet-stream
//	GET  /mediatest/requests         every request (as Server.Requests)
//	GET  /mediatest/deviations       the deviations, a JSON array of strings
//	GET  /mediatest/posts            every post (as Server.Posts), in creation order
//	POST /mediatest/faults           inject a fault (as Server.InjectFault); 201, or 400 when invalid
//
// A media is {"id","media_key","total_bytes","media_type","media_category",
// "additional_owners","uploader","shared","state","finalized","segments",
// "segment_sizes":{"0":n,…},"size","sha256","alt_text","subtitles":[{"media_id",
// "language_code","display_name"}],"appends","polls","early_polls",
// "created_at","expires_at"}: the fields of [Media] in snake case, with
// size and sha256 of the bytes instead of the bytes. A request is
// {"step","dialect","auth","method","path","content_type","media_id",
// "segment","bytes","base64","nonce","timestamp","status","fault","error"}.
// A post is {"id","text","media_ids","user_id","auth","created_at"}.
// A fault is {"step":"APPEND","dialect":"2","segment":1,"times":1,
// "status":503,"retry_after":"1","rate_limit_reset":<epoch seconds>,
// "drop":false,"hang_ms":0,"lose_answer":false,"trickle_ms":0,
// "without_fields":["data.id"],"set_fields":{"processing_info.progress_percent":42.5},
// "answer_status":204,"answer_body":""}, every field but step optional,
// with the rules of [Fault]. Errors are {"error":"…"}.
//
// # Clock
//
// [WithClock] replaces the server clock used for expiry, early-poll
// detection and the OAuth timestamp check. [Server.Client] signs with the
// real time, so keep a test clock within 5 minutes of time.Now and use
// [WithExpiresAfter] with a few seconds to test expiry.
package mediatest
