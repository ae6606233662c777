package wire

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Withheld replaces an error text that echoes credentials.
const Withheld = "(answer withheld: it echoes credentials)"

// ParseError returns the message of an error answer ({"errors":[…]}, {"error":"…"}, RFC 7807, any
// body), handing each "errors" entry to detail; texts echoing credentials are withheld.
func ParseError(body []byte, secret string, detail func(code int, msg string)) string {
	var b struct {
		Errors, Error json.RawMessage
		Title, Detail string
	}
	var items []struct {
		Code                   int
		Message, Title, Detail string
	}
	var msgs, texts []string
	err := json.Unmarshal(body, &b)
	if err == nil {
		var errs, text string // each kept only if a string
		if json.Unmarshal(b.Errors, &errs) != nil && json.Unmarshal(b.Errors, &items) != nil {
			items = nil // drop what a mixed array filled in
		}
		for i, it := range items {
			items[i].Message = cmp.Or(it.Message, strings.Trim(strings.TrimSpace(it.Title+": "+it.Detail), ": "))
			texts = append(texts, items[i].Message)
		}
		json.Unmarshal(b.Error, &text)
		for _, s := range slices.Concat(texts, []string{errs, text, strings.Trim(b.Title+": "+b.Detail, ": ")}) {
			msgs = append(msgs, strings.TrimSpace(s))
		}
	}
	msg := strings.Join(slices.DeleteFunc(msgs, func(s string) bool { return s == "" }), "; ")
	if msg == "" {
		msg = excerpt(body)
	}
	if (err == nil && echoesCredentials(msg)) || echoesSecret(secret, append(texts, string(body), msg)...) {
		msg = Withheld
		for i := range items {
			items[i].Message = Withheld
		}
	}
	for _, it := range items {
		detail(it.Code, it.Message)
	}
	return msg
}

// HoldsErrors reports whether body has an "errors" or "error" member (as X's 2xx answers may).
func HoldsErrors(body []byte) bool {
	var b struct{ Errors, Error json.RawMessage }
	isSet := func(r json.RawMessage) bool { return !slices.Contains([]string{"", "null", "[]"}, string(r)) }
	return json.Unmarshal(body, &b) == nil && (isSet(b.Errors) || isSet(b.Error))
}

// echoesSecret reports whether any of texts quotes secret, or secret unescaped (app-only bearer
// tokens are percent-encoded), even under two layers of JSON or percent escapes, each layer decoded
// one kind alone as well as both: "%00\u002B0" holds "00+" only when its JSON escape alone is.
func echoesSecret(secret string, texts ...string) bool {
	plain := unescape(secret, true, true)
	var echoes func(t string, depth int) bool
	echoes = func(t string, depth int) bool {
		if strings.Contains(t, secret) || strings.Contains(t, plain) {
			return true
		}
		return depth > 0 && slices.ContainsFunc([][2]bool{{true, true}, {true, false}, {false, true}}, func(k [2]bool) bool {
			u := unescape(t, k[0], k[1]) // only where a layer is left to look under
			return u != t && echoes(u, depth-1)
		})
	}
	return secret != "" && slices.ContainsFunc(texts, func(t string) bool { return echoes(t, 2) })
}

// unescape decodes \uXXXX and \x escapes if backslash, %XX if percent; what is not an escape stays.
func unescape(s string, backslash, percent bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case percent && c == '%' && i+2 < len(s):
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		case backslash && c == '\\' && i+5 < len(s) && s[i+1] == 'u':
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(v))
				i += 5
				continue
			}
		}
		if backslash && s[i] == '\\' && i+1 < len(s) {
			i++ // \/ → /, \" → "
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// echoesCredentials reports whether s seems to quote OAuth parameters or an Authorization header.
func echoesCredentials(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "oauth_") || strings.Contains(s, "authorization") || strings.Contains(s, "bearer ")
}

// excerpt returns the start of a body as one line of valid UTF-8, or [Withheld].
func excerpt(body []byte) string {
	if echoesCredentials(string(body)) {
		return Withheld
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	s = strings.ToValidUTF8(cmp.Or(htmlSummary(s, len(body)), s), "?")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…" // without a rune cut in two
	}
	return s
}

// htmlSummary names an HTML page (a proxy's error page) by its title, else its text; "" if not one.
func htmlSummary(s string, size int) string {
	lower := []byte(s) // ASCII-lowercased: strings.ToLower can change the length, and so offsets
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	if !bytes.HasPrefix(lower, []byte("<!doctype html")) && !bytes.HasPrefix(lower, []byte("<html")) {
		return ""
	}
	var text string
	if i := bytes.Index(lower, []byte("<title>")) + len("<title>"); i >= len("<title>") {
		if n := bytes.Index(lower[i:], []byte("</title>")); n >= 0 {
			text = strings.TrimSpace(s[i : i+n])
		}
	}
	if text == "" { // the text outside tags: what follows a '<' is a tag up to its first '>'
		parts := strings.Split(string([]rune(s)), "<")
		for i := 1; i < len(parts); i++ {
			_, parts[i], _ = strings.Cut(parts[i], ">")
		}
		text = strings.Join(strings.Fields(strings.ReplaceAll(strings.Join(parts, " "), ">", "")), " ")
	}
	if text != "" {
		return "an HTML page: " + text
	}
	return fmt.Sprintf("an HTML page of %d bytes", size)
}

// ResetAt is when to come back: the later of Retry-After (seconds or HTTP date) and, if the limit
// failed (429, none remaining: X always sends it), x-rate-limit-reset; zero if none or past.
func ResetAt(status int, h http.Header, now time.Time) time.Time {
	var at time.Time
	v := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
		at = now.Add(time.Duration(min(secs, math.MaxInt64/int64(time.Second))) * time.Second)
	} else if t, err := http.ParseTime(v); err == nil {
		at = t.In(now.Location())
	}
	limited := status == http.StatusTooManyRequests || strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")) == "0"
	secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	if err == nil && limited && time.Unix(secs, 0).After(at) {
		at = time.Unix(secs, 0).In(now.Location())
	}
	if !at.After(now) {
		return time.Time{}
	}
	return at
}

// ClockSkew is how far now is ahead of the answer's Date (negative: behind), to the second; zero
// when there is no Date or within 30 s (above Date's rounding and transit, below X's minutes).
func ClockSkew(h http.Header, now time.Time) time.Duration {
	date, err := http.ParseTime(h.Get("Date"))
	if d := now.Sub(date).Round(time.Second); err == nil && d.Abs() > 30*time.Second {
		return d
	}
	return 0
}
