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

	authOAuth1 = "oauth1"
	authOAuth2 = "oauth2"
)

// oauth2Token is an OAuth 2.0 user token a Server accepts, with its scopes.
type oauth2Token struct {
	token  string
	scopes []string
}

// WithOAuth2Token makes the server accept token as an OAuth 2.0 user
// token (Authorization: Bearer token) on the v2 endpoints, granted exactly
// the given scopes: a token without "media.write" is answered 403, as X
// does. The first WithOAuth2Token replaces the default token, a fixed,
// obviously fake token with the scope media.write; later ones add tokens.
// [Server.OAuth2Token] and [Server.OAuth2Client] use the first token. The
// v1.1 endpoints refuse every bearer token.
func WithOAuth2Token(token string, scopes ...string) Option {
	if token == "" || strings.ContainsAny(token, " \t\r\n,\"") {
		panic("mediatest: WithOAuth2Token needs a token without spaces, commas or quotes")
	}
	for _, sc := range scopes {
		if sc == "" || strings.ContainsAny(sc, " \t\r\n") {
			panic("mediatest: WithOAuth2Token scope " + sc + " is empty or has spaces")
		}
	}
	t := oauth2Token{token: token, scopes: slices.Clone(scopes)}
	return func(cfg *config) {
		i := slices.IndexFunc(cfg.tokens, func(o oauth2Token) bool { return o.token == token })
		if i >= 0 {
			cfg.tokens[i] = t
			return
		}
		cfg.tokens = append(cfg.tokens, t)
	}
}

// oauth2Tokens returns the accepted bearer tokens, the default one when
// none was configured.
func (c *config) oauth2Tokens() []oauth2Token {
	if len(c.tokens) == 0 {
		return []oauth2Token{{token: defaultOAuth2Token, scopes: []string{scopeMediaWrite}}}
	}
	return c.tokens
}

// OAuth2Token returns the OAuth 2.0 user token the server accepts (the
// first one given with [WithOAuth2Token], or the default token, which has
// the scope media.write).
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
// the OAuth 1.0a signature. x.rec.Auth and x.rec.Dialect must be set.
func (x *exchange) authenticate(o oauthRequest) *apiError {
	if x.rec.Auth != authOAuth2 {
		return x.s.auth.verify(o)
	}
	if x.rec.Dialect != dialectV2 {
		return errUserContextRequired()
	}
	token, _ := bearerToken(o.header)
	for _, t := range x.s.cfg.oauth2Tokens() {
		if subtle.ConstantTimeCompare([]byte(token), []byte(t.token)) != 1 {
			continue
		}
		if !slices.Contains(t.scopes, scopeMediaWrite) {
			granted := strings.Join(t.scopes, " ")
			if granted == "" {
				granted = "none"
			}
			return &apiError{status: http.StatusForbidden, message: "This endpoint requires the " + scopeMediaWrite +
				" scope; the token was granted: " + granted + "."}
		}
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
