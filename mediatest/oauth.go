package mediatest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file verifies OAuth 1.0a (RFC 5849) HMAC-SHA1 signatures on the
// server side, with its own code: a client library's bug must not be
// mirrored by the server that tests it.

// timestampWindow is how far oauth_timestamp may be from the server clock.
const timestampWindow = 5 * time.Minute

func errAuth() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: codeAuth, message: "Could not authenticate you."}
}

func errTimestamp() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: codeTimestamp, message: "Timestamp out of bounds."}
}

// verifier checks the OAuth 1.0a signature of requests made with one set of
// credentials and remembers the nonces it accepted. It is safe for
// concurrent use.
type verifier struct {
	creds Credentials
	now   func() time.Time

	mu     sync.Mutex
	nonces map[string]int64 // accepted nonce -> its oauth_timestamp
}

func newVerifier(creds Credentials, now func() time.Time) *verifier {
	return &verifier{creds: creds, now: now, nonces: map[string]int64{}}
}

// oauthRequest is what the signature covers, as the server received it.
type oauthRequest struct {
	method string
	scheme string // "http" or "https"
	host   string // Host header, with port if any
	path   string // escaped path, no query
	query  url.Values
	form   url.Values // urlencoded body parameters; nil for other bodies
	header string     // Authorization header
}

// protocolParams gathers the oauth_* parameters (RFC 5849 §3.5) from the
// Authorization header, the query and the form body, and every parameter
// that goes into the signature base string (§3.4.1.3.1): query, form body
// and header oauth_* parameters, without realm and oauth_signature.
func (o oauthRequest) protocolParams() (oauth, signed url.Values, err error) {
	header, err := parseAuthorization(o.header)
	if err != nil {
		return nil, nil, err
	}
	oauth, signed = url.Values{}, url.Values{}
	sources := []struct {
		params url.Values
		header bool
	}{{o.query, false}, {o.form, false}, {header, true}}
	for _, src := range sources {
		for k, vs := range src.params {
			if strings.HasPrefix(k, "oauth_") {
				oauth[k] = append(oauth[k], vs...)
			}
			if k == "oauth_signature" || src.header && k == "realm" {
				continue
			}
			signed[k] = append(signed[k], vs...)
		}
	}
	return oauth, signed, nil
}

// parseAuthorization parses an "OAuth k="v", …" header (RFC 5849 §3.5.1).
// An empty header or another scheme gives no parameters.
func parseAuthorization(h string) (url.Values, error) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "OAuth") {
		return nil, nil
	}
	params := url.Values{}
	for item := range strings.SplitSeq(rest, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, errors.New("malformed Authorization parameter")
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		key, err1 := url.PathUnescape(strings.TrimSpace(k))
		val, err2 := url.PathUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errors.New("malformed Authorization encoding")
		}
		params.Add(key, val)
	}
	return params, nil
}

// oauthValue returns the single value of an oauth_* parameter; ok is false
// when it is absent or given more than once.
func oauthValue(oauth url.Values, name string) (string, bool) {
	vs := oauth[name]
	if len(vs) != 1 {
		return "", false
	}
	return vs[0], true
}

// nonceAndTimestamp returns oauth_nonce and oauth_timestamp for the request
// log, without verifying anything.
func (o oauthRequest) nonceAndTimestamp() (nonce, timestamp string) {
	oauth, _, err := o.protocolParams()
	if err != nil {
		return "", ""
	}
	nonce, _ = oauthValue(oauth, "oauth_nonce")
	timestamp, _ = oauthValue(oauth, "oauth_timestamp")
	return nonce, timestamp
}

// verify checks the request's credentials, timestamp, nonce and signature.
// On success it records the nonce, so a replay fails.
func (v *verifier) verify(o oauthRequest) *apiError {
	oauth, signed, err := o.protocolParams()
	if err != nil {
		return errAuth()
	}
	get := func(name string) string { s, _ := oauthValue(oauth, name); return s }
	for _, name := range []string{"oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_timestamp", "oauth_nonce", "oauth_signature"} {
		if _, ok := oauthValue(oauth, name); !ok {
			return errAuth()
		}
	}
	if vs, ok := oauth["oauth_version"]; ok && (len(vs) != 1 || vs[0] != "1.0") {
		return errAuth()
	}
	if get("oauth_signature_method") != "HMAC-SHA1" ||
		subtle.ConstantTimeCompare([]byte(get("oauth_consumer_key")), []byte(v.creds.ConsumerKey)) != 1 ||
		subtle.ConstantTimeCompare([]byte(get("oauth_token")), []byte(v.creds.AccessToken)) != 1 {
		return errAuth()
	}
	ts, err := strconv.ParseInt(get("oauth_timestamp"), 10, 64)
	now := v.now()
	if err != nil || time.Unix(ts, 0).Sub(now).Abs() > timestampWindow {
		return errTimestamp()
	}
	got, err := base64.StdEncoding.DecodeString(get("oauth_signature"))
	if err != nil {
		return errAuth()
	}
	base := signatureBase(o.method, baseStringURI(o.scheme, o.host, o.path), signed)
	if !hmac.Equal(got, hmacSHA1(v.creds.ConsumerSecret, v.creds.AccessTokenSecret, base)) {
		return errAuth()
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	nonce := get("oauth_nonce")
	if _, used := v.nonces[nonce]; used {
		return errAuth()
	}
	if len(v.nonces) >= 4096 {
		oldest := now.Add(-2 * timestampWindow).Unix()
		for n, t := range v.nonces {
			if t < oldest {
				delete(v.nonces, n)
			}
		}
	}
	v.nonces[nonce] = ts
	return nil
}

// baseStringURI returns the base string URI of RFC 5849 §3.4.1.2: lower-case
// scheme and host, the port only when it is not the scheme's default, and
// the path.
func baseStringURI(scheme, host, path string) string {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			}
		}
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// signatureBase returns the signature base string of RFC 5849 §3.4.1.1:
// the upper-case method, the encoded base string URI and the encoded
// normalized parameters (§3.4.1.3.2: each name and value encoded, sorted by
// name then value, joined with "=" and "&").
func signatureBase(method, baseURI string, params url.Values) string {
	pairs := make([]string, 0, len(params))
	for k, vs := range params {
		for _, v := range vs {
			pairs = append(pairs, percentEncode(k)+"="+percentEncode(v))
		}
	}
	slices.SortFunc(pairs, func(a, b string) int {
		an, av, _ := strings.Cut(a, "=")
		bn, bv, _ := strings.Cut(b, "=")
		if c := strings.Compare(an, bn); c != 0 {
			return c
		}
		return strings.Compare(av, bv)
	})
	return strings.ToUpper(method) + "&" + percentEncode(baseURI) + "&" + percentEncode(strings.Join(pairs, "&"))
}

// hmacSHA1 signs the base string with the key consumerSecret&tokenSecret
// (RFC 5849 §3.4.2).
func hmacSHA1(consumerSecret, tokenSecret, base string) []byte {
	mac := hmac.New(sha1.New, []byte(percentEncode(consumerSecret)+"&"+percentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return mac.Sum(nil)
}

// percentEncode encodes every byte outside the RFC 3986 unreserved set
// (RFC 5849 §3.6), with upper-case hex digits.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
