package mediaupload

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mediaupload/mediaupload/internal/wire"
	"github.com/mediaupload/mediaupload/mediatest"
)

// reshapes applies several reshapes in turn.
func reshapes(fns ...func(*mediatest.Answer)) func(*mediatest.Answer) {
	return func(a *mediatest.Answer) {
		for _, f := range fns {
			f(a)
		}
	}
}

// answerField is the path of a media field in the dialect's answers.
func answerField(dc dialectCase, name string) string {
	if dc.api == APIv2 {
		return "data." + name
	}
	return name
}

// withoutID removes every form of the media id from an answer.
func withoutID(dc dialectCase) func(*mediatest.Answer) {
	if dc.api == APIv2 {
		return mediatest.WithoutField("data.id")
	}
	return reshapes(mediatest.WithoutField("media_id_string"), mediatest.WithoutField("media_id"))
}

// otherID makes an answer name another media.
func otherID(dc dialectCase) func(*mediatest.Answer) {
	if dc.api == APIv2 {
		return mediatest.SetField("data.id", "999")
	}
	return reshapes(mediatest.SetField("media_id_string", "999"), mediatest.SetField("media_id", 999))
}

// TestAnswerShapes uploads through answers in the shapes the service may
// send and the fake does not by itself: fields absent or of other types,
// answers with no body, another media id, 200 with only errors.
func TestAnswerShapes(t *testing.T) {
	t.Parallel()
	type shape struct {
		name    string
		step    mediatest.Step
		reshape func(dc dialectCase) func(*mediatest.Answer)
		video   bool
		wantErr error  // nil: the upload succeeds byte-exact
		wantMsg string // in the error
	}
	field := func(name string, v any) func(dialectCase) func(*mediatest.Answer) {
		return func(dc dialectCase) func(*mediatest.Answer) { return mediatest.SetField(answerField(dc, name), v) }
	}
	shapes := []shape{
		{name: "FINALIZE without id", step: mediatest.StepFinalize, reshape: withoutID, video: true},
		{name: "STATUS without id", step: mediatest.StepStatus, reshape: withoutID, video: true},
		{name: "image FINALIZE without id", step: mediatest.StepFinalize, reshape: withoutID},
		{name: "FINALIZE of another id", step: mediatest.StepFinalize, reshape: otherID, video: true, wantErr: ErrBadAnswer, wantMsg: "about media 999, not "},
		{name: "STATUS of another id", step: mediatest.StepStatus, reshape: otherID, video: true, wantErr: ErrBadAnswer, wantMsg: "about media 999, not "},
		{name: "progress_percent not an integer", step: mediatest.StepStatus, reshape: field("processing_info.progress_percent", 42.5), video: true},
		{name: "check_after_secs as a string", step: mediatest.StepFinalize, reshape: field("processing_info.check_after_secs", "1"), video: true},
		{name: "check_after_secs of no known type", step: mediatest.StepFinalize, reshape: field("processing_info.check_after_secs", []int{1}), video: true},
		{name: "expires_after_secs as a string", step: mediatest.StepInit, reshape: field("expires_after_secs", "86400")},
		{name: "expires_after_secs absent", step: mediatest.StepInit, reshape: func(dc dialectCase) func(*mediatest.Answer) {
			return mediatest.WithoutField(answerField(dc, "expires_after_secs"))
		}},
		{name: "image FINALIZE 204 without body", step: mediatest.StepFinalize, reshape: func(dialectCase) func(*mediatest.Answer) {
			return mediatest.ReplaceAnswer(204, "")
		}},
		{name: "APPEND 204 without body", step: mediatest.StepAppend, reshape: func(dialectCase) func(*mediatest.Answer) {
			return mediatest.ReplaceAnswer(204, "")
		}},
		{name: "APPEND 200 with an empty object", step: mediatest.StepAppend, reshape: func(dialectCase) func(*mediatest.Answer) {
			return mediatest.ReplaceAnswer(200, "{}")
		}},
		{name: "STATUS 200 with only errors", step: mediatest.StepStatus, video: true, wantMsg: "Media processing is unavailable",
			reshape: func(dialectCase) func(*mediatest.Answer) {
				return mediatest.ReplaceAnswer(200, `{"errors":[{"title":"Service Unavailable","detail":"Media processing is unavailable.","type":"about:blank"}]}`)
			}},
		{name: "INIT 200 with only errors", step: mediatest.StepInit, wantMsg: "Not allowed",
			reshape: func(dialectCase) func(*mediatest.Answer) {
				return mediatest.ReplaceAnswer(200, `{"errors":[{"code":324,"message":"Not allowed."}]}`)
			}},
		{name: "INIT without a body", step: mediatest.StepInit, wantErr: ErrBadAnswer, wantMsg: "holds no media",
			reshape: func(dialectCase) func(*mediatest.Answer) { return mediatest.ReplaceAnswer(200, "") }},
	}
	for _, dc := range dialectCases[:2] {
		for _, sh := range shapes {
			t.Run(dc.name+"/"+sh.name, func(t *testing.T) {
				t.Parallel()
				srv, c, _ := newDialectFake(t, dc, []mediatest.Option{mediatest.WithCheckAfter(0)}, WithChunkSize(1000))
				srv.InjectFault(mediatest.Fault{Step: sh.step, Segment: mediatest.AnySegment, Times: 100, Reshape: sh.reshape(dc)})
				data := append(append([]byte{}, pngHead...), randomBytes(t, 2500)...)
				if sh.video {
					data = append(append([]byte{}, mp4Head...), randomBytes(t, 2500)...)
				}
				m, err := c.Upload(t.Context(), bytes.NewReader(data))
				if sh.wantErr == nil && sh.wantMsg == "" {
					require.NoError(t, err)
					assertUploaded(t, srv, m, data)
					if m.Processing != nil {
						assert.Nil(t, m.Processing.Error)
					}
					return
				}
				require.Error(t, err)
				if sh.wantErr != nil {
					assert.ErrorIs(t, err, sh.wantErr)
				}
				assert.Contains(t, err.Error(), sh.wantMsg)
				var ue *UploadError
				require.True(t, errors.As(err, &ue))
				if sh.step != mediatest.StepInit {
					assert.Equal(t, srv.AllMedia()[0].ID, ue.MediaID, "the id is the one INIT gave")
					assert.NotEqual(t, "999", m.ID)
				}
			})
		}
	}
}

func TestLenientHints(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		body       string
		checkAfter time.Duration
		percent    int
		expires    time.Time
	}{
		{`{"media_id_string":"1","expires_after_secs":60,"processing_info":{"state":"pending","check_after_secs":5,"progress_percent":8}}`, 5 * time.Second, 8, now.Add(time.Minute)},
		{`{"media_id_string":"1","expires_after_secs":"60","processing_info":{"state":"pending","check_after_secs":"5","progress_percent":"8"}}`, 5 * time.Second, 8, now.Add(time.Minute)},
		{`{"media_id_string":"1","expires_after_secs":60.7,"processing_info":{"state":"pending","check_after_secs":1.5,"progress_percent":42.5}}`, time.Second, 42, now.Add(time.Minute)},
		{`{"media_id_string":"1","expires_after_secs":true,"processing_info":{"state":"pending","check_after_secs":null,"progress_percent":{}}}`, -1, 0, time.Time{}},
		{`{"media_id_string":"1","processing_info":{"state":"pending","check_after_secs":-3,"progress_percent":700}}`, 0, 100, time.Time{}},
		{`{"media_id_string":"1","processing_info":{"state":"pending","check_after_secs":1e300}}`, wire.MaxHint * time.Second, 0, time.Time{}},
	}
	for _, tc := range tests {
		w, err := wire.V1(nil).ParseMedia([]byte(tc.body))
		require.NoError(t, err, tc.body)
		m, err := mediaOf(w, now, "1")
		require.NoError(t, err, tc.body)
		assert.Equal(t, tc.checkAfter, m.Processing.CheckAfter, tc.body)
		assert.Equal(t, tc.percent, m.Processing.ProgressPercent, tc.body)
		assert.Equal(t, tc.expires, m.ExpiresAt, tc.body)
	}
	for _, strict := range []string{`{"media_id_string":1}`, `{"media_id_string":"1","size":"10"}`, `{"media_id_string":"1","processing_info":{"state":3}}`} {
		_, err := wire.V1(nil).ParseMedia([]byte(strict))
		assert.Error(t, err, "ids, sizes and states are strict: %s", strict)
	}
}
