// Package mediatest provides a strict fake of the X (Twitter) v1.1 chunked
// media upload API for tests, in the manner of net/http/httptest.
//
// A [Server] serves INIT, APPEND and FINALIZE (POST) and STATUS (GET) at
// /1.1/media/upload.json and alt text at /1.1/media/metadata/create.json.
// It rejects what the real service rejects: every request must carry a valid
// OAuth 1.0a HMAC-SHA1 signature (checked with the package's own RFC 5849
// code, with fresh nonces and timestamps within 5 minutes), segments must
// be 0–999 and at most 5 MiB, FINALIZE needs contiguous segments that add
// up to total_bytes, category size limits apply, media expire. Errors come
// in X's JSON shapes. Media ids exceed 2^53, so a client that decodes
// media_id as a float64 breaks.
//
// # Usage
//
// Point the code under test at [Server.UploadURL] with the signed client
// from [Server.Client], then assert what the server received:
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
//			t.Log(r.Step, r.Segment, r.Status, r.Fault)
//		}
//	}
//
// # Faults
//
// [Server.InjectFault] makes chosen requests fail: an error status with
// Retry-After or x-rate-limit-* headers, a dropped connection, a hang, or a
// request processed whose answer is lost. [WithRandomFaults] fails requests
// at random, deterministically for a seed. Faulted requests change no state,
// except LoseAnswer, which is processed first.
//
// # Deviations
//
// Some client behaviour is accepted by the real service but discouraged:
// polling STATUS before check_after_secs has elapsed, polling STATUS when
// FINALIZE returned no processing_info or after processing ended, sending
// base64 media_data. The server answers normally and reports each event in
// [Server.Deviations].
//
// # Clock
//
// [WithClock] replaces the server clock used for expiry, early-poll
// detection and the OAuth timestamp check. [Server.Client] signs with the
// real time, so keep a test clock within 5 minutes of time.Now and use
// [WithExpiresAfter] with a few seconds to test expiry.
package mediatest
