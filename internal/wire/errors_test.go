package wire

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func ignore(int, string) {} // a ParseError detail that keeps none

func FuzzEchoesSecret(f *testing.F) {
	f.Add("AAAA/bearer+tok=en", "Invalid token ", " (code 89)")
	f.Add("a/b", `\`, "%")
	f.Add("00+", "%", "0") // {"error":"%00\u002B0"}: decoding %00 too eats the secret
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		if secret == "" || strings.Trim(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.~-") != "" {
			return // tokens are base64 or base64url
		}
		text := before + secret + after
		js, err := json.Marshal(map[string]string{"error": text})
		require.NoError(t, err)
		forms := map[string]string{
			"as is":                 text,
			"JSON":                  string(js),
			"JSON with \\/":         strings.ReplaceAll(string(js), "/", `\/`),
			"JSON with \\u002f":     strings.NewReplacer("/", `\u002f`, "+", `\u002B`, "=", `\u003d`).Replace(string(js)),
			"query-escaped":         url.QueryEscape(text),
			"path-escaped":          url.PathEscape(text),
			"query-escaped in JSON": `{"error":"` + url.QueryEscape(text) + `"}`,
		}
		for name, body := range forms {
			if !echoesSecret(secret, body) {
				t.Fatalf("%s: %q not found in %q", name, secret, body)
			}
		}
	})
}

func TestHTMLTitleWhoseLowercaseIsLonger(t *testing.T) {
	t.Parallel()
	// ToLower turns each invalid byte into U+FFFD (3 bytes): offsets into the lowercased page
	// once went before its start and panicked.
	for body, want := range map[string]string{
		"<html><title>\xff\xff\xff\xff\xff\xff\xff\xff</title>": "an HTML page: ?",
		"<HTML><TİTLE>x</TİTLE><TITLE>Bad Gateway</TITLE>":      "an HTML page: Bad Gateway",
	} {
		require.Equal(t, want, ParseError([]byte(body), "", ignore), "%q", body)
	}
}

func TestHTMLPageShorterThanATitleTag(t *testing.T) {
	t.Parallel()
	// With no <title>, its end was sought from offset 6, past the end of "<html" (5 bytes).
	for _, body := range []string{"<html", " <HTML\n"} {
		require.Equal(t, "an HTML page of "+strconv.Itoa(len(body))+" bytes", ParseError([]byte(body), "", ignore), "%q", body)
	}
}

func TestExcerptOfALongBinaryBody(t *testing.T) {
	t.Parallel()
	// Cut at 200 bytes, the text was once shortened until valid: an invalid byte near its start left "…".
	body := "\x1f\x8b" + strings.Repeat("a", 300) // gzip's magic number, then more
	require.Equal(t, "\x1f?"+strings.Repeat("a", 198)+"…", ParseError([]byte(body), "", ignore))
}
