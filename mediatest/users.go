package mediatest

import (
	"slices"
	"strings"
)

// This file models the users behind credentials: a media belongs to the
// user whose credentials sent its INIT (and to its additional owners), and
// only they may attach it to a post.

// defaultUserID is the user of credentials whose access token does not
// name one.
const defaultUserID = "1000000001"

// UserID returns the id of the user the credentials act for: the digits
// before the first "-" of AccessToken, as in X's access tokens
// ("1000000001-…"), or "1000000001" when AccessToken does not start so.
func (c Credentials) UserID() string {
	id, _, ok := strings.Cut(c.AccessToken, "-")
	if !ok || !isUserID(id) {
		return defaultUserID
	}
	return id
}

// isUserID reports whether s is a user id: ^[0-9]{1,19}$.
func isUserID(s string) bool {
	return s != "" && len(s) <= 19 && strings.Trim(s, "0123456789") == ""
}

// UserID returns the id of the server's user: the user of
// [Server.Credentials] (see [Credentials.UserID]), whom the OAuth 2.0
// tokens of [WithOAuth2Token] also act for.
func (s *Server) UserID() string { return s.cfg.creds.UserID() }

// WithOAuth2User makes the server also accept token as an OAuth 2.0 user
// token of another user, userID (^[0-9]{1,19}$), granted exactly the given
// scopes as with [WithOAuth2Token]: media uploaded with it belong to
// userID, and posts made with it may attach only media that userID
// uploaded or is an additional owner of. It does not replace the default
// token.
func WithOAuth2User(userID, token string, scopes ...string) Option {
	if !isUserID(userID) {
		panic("mediatest: WithOAuth2User user id " + userID + " does not match ^[0-9]{1,19}$")
	}
	t := newOAuth2Token(token, scopes)
	t.user = userID
	return func(cfg *config) {
		cfg.others = slices.DeleteFunc(cfg.others, func(o oauth2Token) bool { return o.token == token })
		cfg.others = append(cfg.others, t)
	}
}

// userOr returns the id of the user a token acts for, server for the
// server's user.
func (t oauth2Token) userOr(server string) string {
	if t.user == "" {
		return server
	}
	return t.user
}
