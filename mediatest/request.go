package mediatest

import (
	"strconv"
	"strings"
)

// String returns the request on one readable line, for t.Log: step,
// dialect, method, path, then media id, segment and bytes when set, the
// status answered, "fault" when a fault applied and the error answered,
// for example
//
//	APPEND v1.1 POST /1.1/media/upload.json media=1880028106020515841 segment=1 bytes=65536 status=503 fault error="Service Unavailable"
//
// A step or dialect that is not known is "-"; status=0 is a dropped
// connection or a request still in flight. Credentials (nonce and
// timestamp included) are left out.
func (r Request) String() string {
	var b strings.Builder
	word := func(s string) {
		if s == "" {
			s = "-"
		}
		b.WriteString(s)
		b.WriteByte(' ')
	}
	word(string(r.Step))
	if r.Dialect != "" {
		r.Dialect = "v" + r.Dialect
	}
	word(r.Dialect)
	word(r.Method)
	word(r.Path)
	if r.MediaID != "" {
		b.WriteString("media=" + r.MediaID + " ")
	}
	if r.Segment >= 0 {
		b.WriteString("segment=" + strconv.Itoa(r.Segment) + " ")
	}
	if r.Bytes > 0 {
		b.WriteString("bytes=" + strconv.Itoa(r.Bytes) + " ")
	}
	if r.Base64 {
		b.WriteString("base64 ")
	}
	b.WriteString("status=" + strconv.Itoa(r.Status))
	if r.Fault {
		b.WriteString(" fault")
	}
	if r.Err != "" {
		b.WriteString(" error=" + strconv.Quote(r.Err))
	}
	return b.String()
}
