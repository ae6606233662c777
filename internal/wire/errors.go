package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Detail is one entry of an error answer: X's numeric code (0 when none)
// and message.
type Detail struct {
	Code    int
	Message string
}

// ErrorAnswer is what an error answer says: its entries, and one message
// for them all.
type ErrorAnswer struct {
	Details []Detail
	Message string
}

// ParseError reads an error answer. It understands
// {"errors":[{code,message}]}, {"error":"…"}, RFC 7807 problem objects and
// plain-string "errors", and survives any other body. Texts that quote
// OAuth parameters, an Authorization header or secret (in any escaped
// form) are withheld.
func ParseError(body []byte, secret string) ErrorAnswer {
	e := ErrorAnswer{}
	var b struct {
		Errors json.RawMessage `json:"errors"`
		Error  json.RawMessage `json:"error"`
		Title  string          `json:"title"`
		Detail string          `json:"detail"`
	}
	if json.Unmarshal(body, &b) != nil {
		e.Message = excerpt(body)
		e.withholdEchoes(body, secret)
		return e
	}
	var msgs []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			msgs = append(msgs, s)
		}
	}
	var items []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Title   string `json:"title"`
		Detail  string `json:"detail"`
	}
	var text string
	switch {
	case json.Unmarshal(b.Errors, &items) == nil:
		for _, it := range items {
			m := it.Message
			if m == "" {
				m = strings.TrimSpace(it.Title + ": " + it.Detail)
				m = strings.Trim(m, ": ")
			}
			e.Details = append(e.Details, Detail{Code: it.Code, Message: m})
			add(m)
		}
	case json.Unmarshal(b.Errors, &text) == nil:
		add(text)
	}
	if json.Unmarshal(b.Error, &text) == nil {
		add(text)
	}
	if b.Title != "" || b.Detail != "" {
		add(strings.Trim(b.Title+": "+b.Detail, ": "))
	}
	e.Message = strings.Join(msgs, "; ")
	if e.Message == "" {
		e.Message = excerpt(body)
	}
	if echoesCredentials(e.Message) {
		e.withhold()
	}
	e.withholdEchoes(body, secret)
	return e
}

// HoldsErrors reports whether an answer body carries an "errors" or
// "error" member, as error answers do (and as X's 2xx answers may, with no
// data).
func HoldsErrors(body []byte) bool {
	var b struct {
		Errors json.RawMessage `json:"errors"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil {
		return false
	}
	isSet := func(r json.RawMessage) bool { s := string(r); return s != "" && s != "null" && s != "[]" }
	return isSet(b.Errors) || isSet(b.Error)
}

// withhold drops the texts of the answer, which echo credentials.
func (e *ErrorAnswer) withhold() {
	e.Message = Withheld
	for i := range e.Details {
		e.Details[i].Message = Withheld
	}
}

// withholdEchoes withholds the answer's texts if body, or the texts taken
// from it, quote secret in any form (see [echoesSecret]).
func (e *ErrorAnswer) withholdEchoes(body []byte, secret string) {
	texts := []string{string(body), e.Message}
	for _, d := range e.Details {
		texts = append(texts, d.Message)
	}
	if echoesSecret(secret, texts...) {
		e.withhold()
	}
}

// echoesSecret reports whether any of texts quotes secret as is or escaped
// the ways a server writes it: JSON escapes (\/ for /, \u002f, \u002B) and
// percent-encoding (%2F, %2b), even one inside the other. A secret that is
// itself percent-encoded (as app-only bearer tokens are) is also looked for
// decoded.
func echoesSecret(secret string, texts ...string) bool {
	if secret == "" {
		return false
	}
	forms := []string{secret, unescape(secret)}
	for _, t := range texts {
		for range 3 { // as is, unescaped once, twice
			for _, f := range forms {
				if strings.Contains(t, f) {
					return true
				}
			}
			u := unescape(t)
			if u == t {
				break
			}
			t = u
		}
	}
	return false
}

// unescape decodes percent-encoding (%2F), JSON's \uXXXX and any other
// backslash escape (\/ is /), leniently: what is not a valid escape stays.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+2 < len(s):
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		case c == '\\' && i+5 < len(s) && s[i+1] == 'u':
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(v))
				i += 5
				continue
			}
		}
		if s[i] == '\\' && i+1 < len(s) {
			i++ // \/ → /, \" → "
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Withheld replaces an error text that echoes credentials.
const Withheld = "(answer withheld: it echoes credentials)"

// echoesCredentials reports whether s seems to quote OAuth parameters or an
// Authorization header.
func echoesCredentials(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "oauth_") || strings.Contains(s, "authorization") || strings.Contains(s, "bearer ")
}

// excerpt returns the start of a body as one line of valid UTF-8; a body
// that echoes OAuth parameters is withheld.
func excerpt(body []byte) string {
	const max = 200
	if echoesCredentials(string(body)) {
		return Withheld
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if page, ok := htmlSummary(s, len(body)); ok {
		s = page
	}
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// htmlSummary says what an HTML page is (a proxy's or a firewall's error
// page) in place of its markup: its title, else its text.
func htmlSummary(s string, size int) (string, bool) {
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "<!doctype html") && !strings.HasPrefix(lower, "<html") {
		return "", false
	}
	if _, rest, ok := strings.Cut(lower, "<title>"); ok {
		if title, _, ok := strings.Cut(rest, "</title>"); ok && strings.TrimSpace(title) != "" {
			start := len(s) - len(rest)
			return "an HTML page: " + strings.TrimSpace(s[start:start+len(title)]), true
		}
	}
	var text strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
			text.WriteByte(' ')
		case r == '>':
			inTag = false
		case !inTag:
			text.WriteRune(r)
		}
	}
	if t := strings.Join(strings.Fields(text.String()), " "); t != "" {
		return "an HTML page: " + t, true
	}
	return fmt.Sprintf("an HTML page of %d bytes", size), true
}

// ResetAt reads when the service asked the client to come back:
// Retry-After (seconds or an HTTP date) or x-rate-limit-reset (epoch
// seconds), the later of the two; zero when neither is present or both are
// past. The reset counts only when the limit is what failed (429, or nothing
// remaining): X sends the rate-limit headers on every answer.
func ResetAt(status int, h http.Header, now time.Time) time.Time {
	var at time.Time
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
			at = now.Add(time.Duration(min(secs, math.MaxInt64/int64(time.Second))) * time.Second)
		} else if t, err := http.ParseTime(v); err == nil {
			at = t.In(now.Location())
		}
	}
	limited := status == http.StatusTooManyRequests || strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")) == "0"
	if v := strings.TrimSpace(h.Get("X-Rate-Limit-Reset")); v != "" && limited {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			if r := time.Unix(secs, 0).In(now.Location()); r.After(at) {
				at = r
			}
		}
	}
	if !at.After(now) {
		return time.Time{}
	}
	return at
}

// clockSkewShown is the least difference between the local clock and the
// service's that a 401 names. Date counts whole seconds and an answer takes
// a while to arrive, so a few seconds mean nothing; X is said to accept
// OAuth timestamps within minutes of its clock, so 30 s shows a clock that
// is wrong before it is wrong enough to fail every request.
const clockSkewShown = 30 * time.Second

// ClockSkew is how far now is ahead of the answer's Date (negative:
// behind), to the second; zero when there is no Date or the difference is
// within [clockSkewShown].
func ClockSkew(h http.Header, now time.Time) time.Duration {
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0
	}
	if d := now.Sub(date).Round(time.Second); d.Abs() > clockSkewShown {
		return d
	}
	return 0
}
