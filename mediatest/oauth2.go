package mediatest

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
)

// This file handles OAuth 2.0 user tokens (RFC 6750 bearer tokens), which
// the v2 endpoints accept besides OAuth 1.0a and v1.1 refuses.

const (
	// defaultOAuth2Token is the bearer token a Server accepts unless
	// WithOAuth2Token is given; it is obviously fake.
	defaultOAuth2Token = "mediatest-oauth2-user-token"
	// scopeMediaWrite is the scope the v2 media endpoints require.
	scopeMediaWrite = "media.write"
	// POST /2/tweets requires these three.
	scopeTweetRead  = "tweet.read"
	scopeTweetWrite = "tweet.write"
	scopeUsersRead  = "users.read"

	authOAuth1 = "oauth1"
	authOAuth2 = "oauth2"
)

// oauth2Token is an OAuth 2.0 user token a Server accepts, with its scopes
// and the user it acts for ("" for the server's user).
type oauth2Token struct {
	token  string
	scopes []string
	user   string
}

// WithOAuth2Token makes the server accept token as an OAuth 2.0 user
// token (Authorization: Bearer token) of the server's user on the v2
// endpoints, granted exactly the given scopes: a token without
// "media.write" is answered 403 on the media endpoints, one without
// "tweet.read", "tweet.write" and "users.read" 403 on POST /2/tweets, as X
// does. The first WithOAuth2Token replaces the default token, a fixed,
// obviously fake token with all four scopes; later ones add tokens.
// [Server.OAuth2Token] and [Server.OAuth2Client] use the first token. The
// v1.1 endpoints refuse every bearer token. See [WithOAuth2User] for the
// tokens of other users.
func WithOAuth2Token(token string, scopes ...string) Option {
	t := newOAuth2Token(token, scopes)
	return func(cfg *config) {
		i := slices.IndexFunc(cfg.tokens, func(o oauth2Token) bool { return o.token == token })
		if i >= 0 {
			cfg.tokens[i] = t
			return
		}
		cfg.tokens = append(cfg.tokens, t)
	}
}

// newOAuth2Token checks a token and its scopes; it panics on misuse.
func newOAuth2Token(token string, scopes []string) oauth2Token {
	if token == "" || strings.ContainsAny(token, " \t\r\n,\"") {
		panic("mediatest: WithOAuth2Token needs a token without spaces, commas or quotes")
	}
	for _, sc := range scopes {
		if sc == "" || strings.ContainsAny(sc, " \t\r\n") {
			panic("mediatest: WithOAuth2Token scope " + sc + " is empty or has spaces")
		}
	}
	return oauth2Token{token: token, scopes: slices.Clone(scopes)}
}

// oauth2Tokens returns the bearer tokens of the server's user, the default
// one when none was configured.
func (c *config) oauth2Tokens() []oauth2Token {
	if len(c.tokens) == 0 {
		return []oauth2Token{{token: defaultOAuth2Token, scopes: []string{scopeMediaWrite, scopeTweetRead, scopeTweetWrite, scopeUsersRead}}}
	}
	return c.tokens
}

// OAuth2Token returns the OAuth 2.0 user token the server accepts (the
// first one given with [WithOAuth2Token], or the default token, which has
// the scopes media.write, tweet.read, tweet.write and users.read).
func (s *Server) OAuth2Token() string { return s.cfg.oauth2Tokens()[0].token }

// OAuth2Client returns a new *http.Client that sends every request with
// "Authorization: Bearer " + [Server.OAuth2Token] and trusts the server's
// TLS certificate. Only the v2 endpoints accept it. Close closes its idle
// connections.
func (s *Server) OAuth2Client() *http.Client {
	return &http.Client{Transport: &bearerTransport{token: s.OAuth2Token(), base: s.ts.Client().Transport}}
}

// bearerTransport adds a bearer token to a copy of each request.
type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r)
}

// bearerToken returns the token of an "Authorization: Bearer …" header.
func bearerToken(header string) (string, bool) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// authKind names the kind of credentials a request carries, without
// checking them: authOAuth2 for a bearer token, authOAuth1 for an OAuth
// header or oauth_* parameters, else "".
func authKind(o oauthRequest) string {
	if _, ok := bearerToken(o.header); ok {
		return authOAuth2
	}
	scheme, _, _ := strings.Cut(strings.TrimSpace(o.header), " ")
	if strings.EqualFold(scheme, "OAuth") || o.query.Has("oauth_signature") || o.form.Has("oauth_signature") {
		return authOAuth1
	}
	return ""
}

// authenticate checks a request's credentials: a bearer token on v2, else
// the OAuth 1.0a signature, and sets x.user to the user they act for.
// x.rec.Auth, x.rec.Dialect and x.rec.Step must be set.
func (x *exchange) authenticate(o oauthRequest) *apiError {
	if x.rec.Auth != authOAuth2 {
		if err := x.s.auth.verify(o); err != nil {
			return err
		}
		x.user = x.s.UserID()
		return nil
	}
	if x.rec.Dialect != dialectV2 {
		return errUserContextRequired()
	}
	token, _ := bearerToken(o.header)
	need := []string{scopeMediaWrite}
	if x.rec.Step == StepTweet {
		need = []string{scopeTweetRead, scopeTweetWrite, scopeUsersRead}
	}
	for _, t := range append(slices.Clone(x.s.cfg.oauth2Tokens()), x.s.cfg.others...) {
		if subtle.ConstantTimeCompare([]byte(token), []byte(t.token)) != 1 {
			continue
		}
		for _, sc := range need {
			if slices.Contains(t.scopes, sc) {
				continue
			}
			granted := strings.Join(t.scopes, " ")
			if granted == "" {
				granted = "none"
			}
			return &apiError{status: http.StatusForbidden, message: "This endpoint requires the " + sc +
				" scope; the token was granted: " + granted + "."}
		}
		x.user = t.userOr(x.s.UserID())
		return nil
	}
	return &apiError{status: http.StatusUnauthorized, code: codeAuth, message: "Unauthorized"}
}

// codeForbiddenCredentials is X's v1.1 code for credentials that are valid
// but may not use the endpoint (an app-only or OAuth 2.0 token where user
// context is required).
const codeForbiddenCredentials = 220

func errUserContextRequired() *apiError {
	return &apiError{status: http.StatusForbidden, code: codeForbiddenCredentials,
		message: "Your credentials do not allow access to this resource."}
}
