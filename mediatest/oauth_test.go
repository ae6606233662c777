package mediatest

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Twitter's documented example ("Creating a signature").
var twitterExample = struct {
	consumerSecret, tokenSecret string
	params                      url.Values
}{
	consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
	tokenSecret:    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
	params: url.Values{
		"status":                 {"Hello Ladies + Gentlemen, a signed OAuth request!"},
		"include_entities":       {"true"},
		"oauth_consumer_key":     {"xvz1evFS4wEEPTGEFPHBog"},
		"oauth_nonce":            {"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"1318622958"},
		"oauth_token":            {"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"},
		"oauth_version":          {"1.0"},
	},
}

func TestSignature_knownAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, uri, wantBase, wantSig string
	}{
		{
			name:    "developer.twitter.com example (1.1)",
			uri:     "https://api.twitter.com/1.1/statuses/update.json",
			wantSig: "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
		},
		{
			name:     "original dev.twitter.com example (1), as in dghubble/oauth1's reference_test.go",
			uri:      "https://api.twitter.com/1/statuses/update.json",
			wantBase: "POST&https%3A%2F%2Fapi.twitter.com%2F1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521",
			wantSig:  "tnnArxj06cWHq44gCs1OSKk/jLY=",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := signatureBase("post", tc.uri, twitterExample.params)
			if tc.wantBase != "" {
				assert.Equal(t, tc.wantBase, base)
			}
			sig := hmacSHA1(twitterExample.consumerSecret, twitterExample.tokenSecret, base)
			assert.Equal(t, tc.wantSig, base64.StdEncoding.EncodeToString(sig))
		})
	}
}

func TestSignatureBase_sortsByNameThenValue(t *testing.T) {
	t.Parallel()
	// RFC 5849 §3.4.1.3.2's example parameters.
	params := url.Values{
		"b5":                     {"=%3D"},
		"a3":                     {"a", "2 q"},
		"c@":                     {""},
		"a2":                     {"r b"},
		"oauth_consumer_key":     {"9djdj82h48djs9d2"},
		"oauth_token":            {"kkk9d7dh3k39sjv7"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"137131201"},
		"oauth_nonce":            {"7d8f3e4a"},
		"c2":                     {""},
	}
	want := "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
	base := signatureBase("POST", "http://example.com/request", params)
	assert.Equal(t, "POST&http%3A%2F%2Fexample.com%2Frequest&"+percentEncode(want), base)
}

func TestBaseStringURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ scheme, host, path, want string }{
		{"http", "EXAMPLE.COM:80", "/r%20v/X", "http://example.com/r%20v/X"},
		{"https", "www.example.net:8080", "/", "https://www.example.net:8080/"},
		{"https", "upload.twitter.com:443", "/1.1/media/upload.json", "https://upload.twitter.com/1.1/media/upload.json"},
		{"http", "127.0.0.1:443", "/a", "http://127.0.0.1:443/a"},
		{"https", "127.0.0.1:80", "/a", "https://127.0.0.1:80/a"},
		{"HTTP", "[::1]:80", "", "http://[::1]/"},
		{"http", "localhost", "/a", "http://localhost/a"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, baseStringURI(tc.scheme, tc.host, tc.path))
		})
	}
}

func TestPercentEncode(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen",
		"An encoded string!": "An%20encoded%20string%21",
		"Dogs, Cats & Mice":  "Dogs%2C%20Cats%20%26%20Mice",
		"☃":                  "%E2%98%83",
		"-._~azAZ09":         "-._~azAZ09",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, want, percentEncode(in))
			assert.Equal(t, oauth1.PercentEncode(in), percentEncode(in))
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	got, err := parseAuthorization(`OAuth realm="Example", oauth_consumer_key="0685bd9184jfhq22", oauth_signature="wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D",oauth_nonce="4572616e48616d6d65724c61686176"`)
	require.NoError(t, err)
	assert.Equal(t, url.Values{
		"realm":              {"Example"},
		"oauth_consumer_key": {"0685bd9184jfhq22"},
		"oauth_signature":    {"wOJIO9A2W5mFwDgiDvZbTSMK/PY="},
		"oauth_nonce":        {"4572616e48616d6d65724c61686176"},
	}, got)

	got, err = parseAuthorization("Bearer abc")
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = parseAuthorization(`OAuth oauth_nonce`)
	assert.Error(t, err)
}

// fixedNoncer always returns the same nonce.
type fixedNoncer string

func (n fixedNoncer) Nonce() string { return string(n) }

// moveOAuth is a transport that moves the OAuth parameters dghubble/oauth1
// put in the Authorization header into the query or the urlencoded body,
// as RFC 5849 §3.5.2 and §3.5.3 allow.
type moveOAuth struct {
	toBody bool
	base   http.RoundTripper
}

func (m moveOAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	params, err := parseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Del("Authorization")
	if m.toBody {
		b, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		raw, err := io.ReadAll(b)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, err
		}
		for k, v := range params {
			form[k] = v
		}
		enc := form.Encode()
		req.ContentLength = int64(len(enc))
		req.Body = io.NopCloser(strings.NewReader(enc))
	} else {
		q := req.URL.Query()
		for k, v := range params {
			q[k] = v
		}
		req.URL.RawQuery = q.Encode()
	}
	return m.base.RoundTrip(req)
}

// signedClient returns a dghubble/oauth1 client with the given credentials,
// noncer (nil for random) and transport under the signer.
func signedClient(s *Server, c Credentials, noncer oauth1.Noncer, base http.RoundTripper) *http.Client {
	if base == nil {
		base = s.ts.Client().Transport
	}
	cfg := &oauth1.Config{ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret, Noncer: noncer}
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: base})
	return cfg.Client(ctx, oauth1.NewToken(c.AccessToken, c.AccessTokenSecret))
}

func TestAuth(t *testing.T) {
	t.Parallel()
	good := DefaultCredentials()
	with := func(f func(*Credentials)) Credentials { c := good; f(&c); return c }
	initBody := []byte("command=INIT&total_bytes=10&media_type=image%2Fpng")

	tests := []struct {
		name        string
		client      func(s *Server) *http.Client
		contentType string
		clock       time.Duration // server clock offset from the real time
		wantStatus  int
		wantCode    int
	}{
		{name: "valid", client: func(s *Server) *http.Client { return s.Client() }, wantStatus: 202},
		{name: "oauth params in query", client: func(s *Server) *http.Client {
			return signedClient(s, good, nil, moveOAuth{base: s.ts.Client().Transport})
		}, wantStatus: 202},
		{name: "oauth params in form body", client: func(s *Server) *http.Client {
			return signedClient(s, good, nil, moveOAuth{toBody: true, base: s.ts.Client().Transport})
		}, wantStatus: 202},
		{name: "unsigned", client: func(s *Server) *http.Client { return s.ts.Client() }, wantStatus: 401, wantCode: codeAuth},
		{name: "wrong consumer key", client: func(s *Server) *http.Client {
			return signedClient(s, with(func(c *Credentials) { c.ConsumerKey = "other" }), nil, nil)
		}, wantStatus: 401, wantCode: codeAuth},
		{name: "wrong consumer secret", client: func(s *Server) *http.Client {
			return signedClient(s, with(func(c *Credentials) { c.ConsumerSecret = "other" }), nil, nil)
		}, wantStatus: 401, wantCode: codeAuth},
		{name: "wrong token", client: func(s *Server) *http.Client {
			return signedClient(s, with(func(c *Credentials) { c.AccessToken = "other" }), nil, nil)
		}, wantStatus: 401, wantCode: codeAuth},
		{name: "wrong token secret", client: func(s *Server) *http.Client {
			return signedClient(s, with(func(c *Credentials) { c.AccessTokenSecret = "other" }), nil, nil)
		}, wantStatus: 401, wantCode: codeAuth},
		{name: "HMAC-SHA256", client: func(s *Server) *http.Client {
			cfg := &oauth1.Config{ConsumerKey: good.ConsumerKey, ConsumerSecret: good.ConsumerSecret,
				Signer: &oauth1.HMAC256Signer{ConsumerSecret: good.ConsumerSecret}}
			ctx := context.WithValue(context.Background(), oauth1.HTTPClient, s.ts.Client())
			return cfg.Client(ctx, oauth1.NewToken(good.AccessToken, good.AccessTokenSecret))
		}, wantStatus: 401, wantCode: codeAuth},
		{name: "timestamp 10 minutes behind the server", clock: 10 * time.Minute,
			client: func(s *Server) *http.Client { return s.Client() }, wantStatus: 401, wantCode: codeTimestamp},
		{name: "timestamp 10 minutes ahead of the server", clock: -10 * time.Minute,
			client: func(s *Server) *http.Client { return s.Client() }, wantStatus: 401, wantCode: codeTimestamp},
		{name: "timestamp 4 minutes off", clock: 4 * time.Minute,
			client: func(s *Server) *http.Client { return s.Client() }, wantStatus: 202},
		// dghubble/oauth1 signs the body only when Content-Type is exactly
		// application/x-www-form-urlencoded; the server reads it anyway.
		{name: "urlencoded with charset, body unsigned", contentType: formType + "; charset=utf-8",
			client: func(s *Server) *http.Client { return s.Client() }, wantStatus: 401, wantCode: codeAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, WithClock(func() time.Time { return time.Now().Add(tc.clock) }))
			ct := tc.contentType
			if ct == "" {
				ct = formType
			}
			r := send(t, tc.client(s), http.MethodPost, s.UploadURL(), ct, initBody)
			require.Equal(t, tc.wantStatus, r.status, "%s", r.body)
			if tc.wantCode != 0 {
				assert.Equal(t, tc.wantCode, r.errCode(t))
				assert.Empty(t, s.AllMedia())
			} else {
				assert.Len(t, s.AllMedia(), 1)
			}
		})
	}
}

func TestAuth_reusedNonce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := signedClient(s, s.Credentials(), fixedNoncer("same-nonce"), nil)
	body := []byte("command=INIT&total_bytes=10&media_type=image%2Fpng")
	first := send(t, c, http.MethodPost, s.UploadURL(), formType, body)
	require.Equal(t, http.StatusAccepted, first.status, "%s", first.body)
	second := send(t, c, http.MethodPost, s.UploadURL(), formType, body)
	assert.Equal(t, http.StatusUnauthorized, second.status)
	assert.Equal(t, codeAuth, second.errCode(t))
	assert.JSONEq(t, `{"errors":[{"code":32,"message":"Could not authenticate you."}]}`, string(second.body))
	assert.Len(t, s.AllMedia(), 1)

	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "same-nonce", reqs[1].Nonce)
}

func TestAuth_failedRequestKeepsNonce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	body := []byte("command=INIT&total_bytes=10&media_type=image%2Fpng")
	bad := signedClient(s, Credentials{ConsumerKey: s.Credentials().ConsumerKey, ConsumerSecret: "x",
		AccessToken: s.Credentials().AccessToken}, fixedNoncer("n1"), nil)
	require.Equal(t, http.StatusUnauthorized, send(t, bad, http.MethodPost, s.UploadURL(), formType, body).status)
	good := signedClient(s, s.Credentials(), fixedNoncer("n1"), nil)
	assert.Equal(t, http.StatusAccepted, send(t, good, http.MethodPost, s.UploadURL(), formType, body).status)
}
