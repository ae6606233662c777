package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediacheck"
	"github.com/mediaupload/mediaupload/mediatest"
)

// serveAbout is the text of the serve command's usage.
const serveAbout = `Runs the mediatest fake of the X upload API (v1.1 and v2) until interrupted,
for programs in any language. It accepts the credentials of the TWITTER_*
variables when they are set, else built-in test credentials, which it prints.
With --media-rules it processes like X: a video or GIF that breaks X's media
rules ends processing "failed" (InvalidMedia, the rule in the message), and an
image's FINALIZE is refused.`

// setupServe is the serve command: it runs the mediatest fake until ctx
// ends.
func setupServe(fs *flag.FlagSet, sio stdio) func(context.Context, []string) error {
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	certFile := fs.String("tls-cert", "", "serve TLS with this certificate `FILE` (PEM)")
	keyFile := fs.String("tls-key", "", "the certificate's private key `FILE` (PEM)")
	checkAfter := fs.Int("check-after", 1, "`SECONDS` of check_after_secs in processing answers")
	steps := fs.Int("processing-steps", 2, "answer `N` STATUS polls in_progress before succeeded")
	mediaRules := fs.Bool("media-rules", false, "process like X: fail the media that break X's media rules (see 'mediaupload check')")
	verbose := fs.Bool("verbose", false, "log every request on stderr")
	alias(fs, "v", "verbose")
	return func(ctx context.Context, args []string) error {
		if len(args) > 0 {
			return usagef("mediaupload: serve takes no arguments, got %q; run 'mediaupload help serve'", args[0])
		}
		return runServe(ctx, serveConfig{*addr, *certFile, *keyFile, *checkAfter, *steps, *mediaRules, *verbose}, sio.stdout, sio.stderr, sio.getenv)
	}
}

// serveConfig is what the flags of serve say.
type serveConfig struct {
	addr, certFile, keyFile string
	checkAfter, steps       int
	mediaRules              bool
	verbose                 bool
}

// runServe runs the mediatest fake until ctx ends.
func runServe(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer, getenv func(string) string) error {
	if (cfg.certFile == "") != (cfg.keyFile == "") {
		return usagef("mediaupload: --tls-cert and --tls-key go together")
	}
	if cfg.checkAfter < 0 || cfg.steps < 0 {
		return usagef("mediaupload: --check-after and --processing-steps must not be negative")
	}

	opts := []mediatest.Option{mediatest.WithAddr(cfg.addr), mediatest.WithCheckAfter(cfg.checkAfter), mediatest.WithProcessingSteps(cfg.steps)}
	creds, fromEnv, err := serveCredentials(getenv)
	if err != nil {
		return err
	}
	opts = append(opts, mediatest.WithCredentials(creds))
	if cfg.mediaRules {
		opts = append(opts, mediatest.WithMediaRules(mediacheck.DefaultLimits()))
	}
	if cfg.verbose {
		opts = append(opts, mediatest.WithLogf(func(format string, args ...any) {
			fmt.Fprintf(stderr, format+"\n", args...)
		}))
	}
	useTLS := cfg.certFile != ""
	if useTLS {
		cert, err := tls.LoadX509KeyPair(cfg.certFile, cfg.keyFile)
		if err != nil {
			return usagef("mediaupload: loading the TLS key pair: %v", err)
		}
		opts = append(opts, mediatest.WithTLSCertificate(cert))
	}
	srv, err := newServer(useTLS, opts)
	if err != nil {
		return err
	}
	defer srv.Close()

	base, loopback := reachableURL(srv.URL)
	if !loopback {
		fmt.Fprintln(stderr, "mediaupload: warning: serving beyond loopback with test credentials; clients must use https there")
	}
	fmt.Fprintf(stdout, "upload URL: %s/1.1/media/upload.json\n", base)
	fmt.Fprintf(stdout, "v2 URL: %s/2/media/upload\n", base)
	fmt.Fprintf(stdout, "post URL: %s/2/tweets\n", base)
	fmt.Fprintf(stdout, "inspect: %s/mediatest/media, %s/mediatest/requests, %s/mediatest/posts, POST %s/mediatest/faults\n", base, base, base, base)
	if fromEnv {
		fmt.Fprintln(stdout, "accepting the credentials of the TWITTER_* environment variables")
	} else {
		fmt.Fprintln(stdout, "accepting these test credentials:")
		fmt.Fprintf(stdout, "%s=%s\n%s=%s\n%s=%s\n%s=%s\n",
			mediaupload.EnvConsumerKey, creds.ConsumerKey, mediaupload.EnvConsumerSecret, creds.ConsumerSecret,
			mediaupload.EnvAccessToken, creds.AccessToken, mediaupload.EnvAccessTokenSecret, creds.AccessTokenSecret)
	}
	fmt.Fprintf(stdout, "%s=%s\n", envOAuth2Token, srv.OAuth2Token())
	<-ctx.Done()
	return nil
}

// newServer starts the fake, turning a listen failure (it panics, as
// httptest does) into an error.
func newServer(useTLS bool, opts []mediatest.Option) (srv *mediatest.Server, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = usagef("mediaupload: cannot serve: %v", p)
		}
	}()
	if useTLS {
		return mediatest.NewTLSServer(opts...), nil
	}
	return mediatest.NewServer(opts...), nil
}

// reachableURL turns a base URL on an unspecified address (0.0.0.0, ::)
// into one on 127.0.0.1 that clients can use, and says whether the server
// listens on loopback only.
func reachableURL(base string) (string, bool) {
	u, err := url.Parse(base)
	if err != nil {
		return base, false
	}
	ip := net.ParseIP(u.Hostname())
	if ip != nil && ip.IsUnspecified() {
		u.Host = net.JoinHostPort("127.0.0.1", u.Port())
		return u.String(), false
	}
	return u.String(), ip != nil && ip.IsLoopback() || u.Hostname() == "localhost"
}

// serveCredentials returns the credentials of the environment when all four
// are set, the built-in test credentials when none is, and an error naming
// the missing one otherwise.
func serveCredentials(getenv func(string) string) (mediatest.Credentials, bool, error) {
	c, err := mediaupload.CredentialsFromEnv(getenv)
	if err == nil {
		return mediatest.Credentials(c), true, nil
	}
	if c == (mediaupload.Credentials{}) {
		return mediatest.DefaultCredentials(), false, nil
	}
	return mediatest.Credentials{}, false, err
}

// envOAuth2Token names the OAuth 2.0 user token used with --api v2.
const envOAuth2Token = "TWITTER_OAUTH2_TOKEN"
