package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"

	"github.com/mediaupload/mediaupload"
	"github.com/mediaupload/mediaupload/mediatest"
)

// runServe runs the mediatest fake until ctx ends.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `HOST:PORT`")
	certFile := fs.String("tls-cert", "", "serve TLS with this certificate `FILE` (PEM)")
	keyFile := fs.String("tls-key", "", "the certificate's private key `FILE` (PEM)")
	checkAfter := fs.Int("check-after", 1, "check_after_secs in processing answers")
	steps := fs.Int("processing-steps", 2, "STATUS polls answered in_progress before succeeded")
	verbose := fs.Bool("v", false, "log every request on stderr")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return usagef("mediaupload: --tls-cert and --tls-key go together")
	}

	opts := []mediatest.Option{mediatest.WithAddr(*addr), mediatest.WithCheckAfter(*checkAfter), mediatest.WithProcessingSteps(*steps)}
	creds, fromEnv, err := serveCredentials(getenv)
	if err != nil {
		return err
	}
	opts = append(opts, mediatest.WithCredentials(creds))
	if *verbose {
		opts = append(opts, mediatest.WithLogf(func(format string, args ...any) {
			fmt.Fprintf(stderr, format+"\n", args...)
		}))
	}
	var srv *mediatest.Server
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return usagef("mediaupload: loading the TLS key pair: %v", err)
		}
		srv = newServer(true, append(opts, mediatest.WithTLSCertificate(cert)))
	} else {
		srv = newServer(false, opts)
	}
	defer srv.Close()

	fmt.Fprintf(stdout, "upload URL: %s\n", srv.UploadURL())
	if fromEnv {
		fmt.Fprintln(stdout, "accepting the credentials of the TWITTER_* environment variables")
	} else {
		fmt.Fprintln(stdout, "accepting these test credentials:")
		fmt.Fprintf(stdout, "%s=%s\n%s=%s\n%s=%s\n%s=%s\n",
			mediaupload.EnvConsumerKey, creds.ConsumerKey, mediaupload.EnvConsumerSecret, creds.ConsumerSecret,
			mediaupload.EnvAccessToken, creds.AccessToken, mediaupload.EnvAccessTokenSecret, creds.AccessTokenSecret)
	}
	<-ctx.Done()
	return nil
}

// newServer starts the fake, turning a listen failure (it panics, as
// httptest does) into an error.
func newServer(useTLS bool, opts []mediatest.Option) *mediatest.Server {
	if useTLS {
		return mediatest.NewTLSServer(opts...)
	}
	return mediatest.NewServer(opts...)
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
