package mediaupload

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/dghubble/oauth1"
)

// Environment variables read by [CredentialsFromEnv].
const (
	EnvConsumerKey       = "TWITTER_CONSUMER_KEY"
	EnvConsumerSecret    = "TWITTER_CONSUMER_SECRET"
	EnvAccessToken       = "TWITTER_ACCESS_TOKEN"
	EnvAccessTokenSecret = "TWITTER_ACCESS_TOKEN_SECRET"
)

// Credentials are the four OAuth 1.0a user-context values; fmt never shows the secrets.
type Credentials struct {
	ConsumerKey       string // the app's key (TWITTER_CONSUMER_KEY)
	ConsumerSecret    string // the app's secret (TWITTER_CONSUMER_SECRET)
	AccessToken       string // the user's token (TWITTER_ACCESS_TOKEN)
	AccessTokenSecret string // the user's token secret (TWITTER_ACCESS_TOKEN_SECRET)
}

// String names the consumer key and hides everything else.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{ConsumerKey: %q, secrets: redacted}", c.ConsumerKey)
}

// GoString is String, so that %#v hides the secrets too.
func (c Credentials) GoString() string { return c.String() }

// Validate names the first empty value by its variable ([ErrMissingCredentials]).
func (c Credentials) Validate() error {
	names := [...]string{EnvConsumerKey, EnvConsumerSecret, EnvAccessToken, EnvAccessTokenSecret}
	for i, v := range [...]string{c.ConsumerKey, c.ConsumerSecret, c.AccessToken, c.AccessTokenSecret} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%w: %s is not set", ErrMissingCredentials, names[i])
		}
	}
	return nil
}

// CredentialsFromEnv reads the four TWITTER_* variables through getenv (e.g. [os.Getenv]).
func CredentialsFromEnv(getenv func(string) string) (Credentials, error) {
	c := Credentials{getenv(EnvConsumerKey), getenv(EnvConsumerSecret), getenv(EnvAccessToken), getenv(EnvAccessTokenSecret)}
	return c, c.Validate()
}

// NewOAuth1Client returns a client signing each attempt (OAuth 1.0a) via base, nil: [NewTransport].
func NewOAuth1Client(creds Credentials, base http.RoundTripper) (*http.Client, error) {
	if err := creds.Validate(); err != nil {
		return nil, err
	}
	if base == nil {
		base = NewTransport()
	}
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: base})
	cfg := oauth1.NewConfig(creds.ConsumerKey, creds.ConsumerSecret)
	return cfg.Client(ctx, oauth1.NewToken(creds.AccessToken, creds.AccessTokenSecret)), nil
}

// NewTransport is [NewOAuth1Client]'s default: TLS ≥ 1.2, HTTP/1.1 (a connection per segment).
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	t.ForceAttemptHTTP2, t.MaxIdleConnsPerHost = false, 64
	return t
}

// refuseForeignRedirect stops a redirect to another scheme or host, which the transport would sign.
func refuseForeignRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		switch first := via[0].URL; {
		case req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host):
			return fmt.Errorf("%w: refused redirect from %s to %s://%s", ErrInsecureEndpoint, first.Host, req.URL.Scheme, req.URL.Host)
		case next != nil:
			return next(req, via)
		case len(via) >= 10:
			return errors.New("mediaupload: stopped after 10 redirects")
		}
		return nil
	}
}

func isLoopback(host string) bool {
	return strings.EqualFold(host, "localhost") || net.ParseIP(host).IsLoopback()
}
