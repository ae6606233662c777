package mediaupload

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCredentialsNeverFormatSecrets(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(format, testCreds)
		assertNoSecret(t, out)
		assert.NotContains(t, out, testCreds.AccessToken)
	}
	assertNoSecret(t, fmt.Sprintf("%+v", struct{ C Credentials }{testCreds}))
}

func TestCredentialsFromEnvNamesTheMissingVariable(t *testing.T) {
	t.Parallel()
	full := map[string]string{
		EnvConsumerKey: "k", EnvConsumerSecret: "s", EnvAccessToken: "t", EnvAccessTokenSecret: "ts",
	}
	for _, missing := range []string{EnvConsumerKey, EnvConsumerSecret, EnvAccessToken, EnvAccessTokenSecret} {
		t.Run(missing, func(t *testing.T) {
			t.Parallel()
			_, err := CredentialsFromEnv(func(k string) string {
				if k == missing {
					return ""
				}
				return full[k]
			})
			require.ErrorIs(t, err, ErrMissingCredentials)
			assert.Contains(t, err.Error(), missing)
		})
	}
	c, err := CredentialsFromEnv(func(k string) string { return full[k] })
	require.NoError(t, err)
	assert.Equal(t, Credentials{"k", "s", "t", "ts"}, c)
	_, err = NewOAuth1Client(Credentials{}, nil)
	require.ErrorIs(t, err, ErrMissingCredentials)
}

func TestOAuth1ClientSigns(t *testing.T) {
	t.Parallel()
	var header atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header.Store(r.Header.Get("Authorization"))
		w.Write([]byte(`{"media_id_string":"1"}`))
	}))
	t.Cleanup(srv.Close)
	c, _ := newSignedClient(t, srv.URL+"/u")
	_, err := c.Status(t.Context(), "1")
	require.NoError(t, err)
	auth := header.Load().(string)
	assert.Equal(t, testCreds.ConsumerKey, oauthParam(auth, "oauth_consumer_key"))
	assert.Equal(t, testCreds.AccessToken, oauthParam(auth, "oauth_token"))
	assert.Equal(t, "HMAC-SHA1", oauthParam(auth, "oauth_signature_method"))
	assert.NotEmpty(t, oauthParam(auth, "oauth_signature"))
}

func TestEndpointMustBeSecure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint string
		wantErr  error
	}{
		{"https://upload.twitter.com/1.1/media/upload.json", nil},
		{"http://127.0.0.1:8080/1.1/media/upload.json", nil},
		{"http://localhost:8080/u", nil},
		{"http://[::1]:8080/u", nil},
		{"http://upload.twitter.com/1.1/media/upload.json", ErrInsecureEndpoint},
		{"http://10.0.0.1/u", ErrInsecureEndpoint},
		{"ftp://x/u", nil},
		{"upload.json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.endpoint, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(http.DefaultClient, WithEndpoint(tc.endpoint))
			switch {
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
			case tc.endpoint[:4] == "http":
				require.NoError(t, err)
			default:
				require.Error(t, err)
			}
		})
	}
}

func TestEndpointErrorsNeverShowUserinfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, endpoint, wantShown string
	}{
		{"ftp", "ftp://alice:hunter2@host/u", "ftp://xxxxx@host/u"},
		{"bad port", "https://alice:hunter2@host:badport/u", "https://xxxxx@host:badport/u"},
		{"https", "https://alice:hunter2@host/u", "https://xxxxx@host/u"},
		{"no password", "https://hunter2@host/u", "https://xxxxx@host/u"},
		{"at sign in the password", "https://alice:hun@ter2@host/u", "https://xxxxx@host/u"},
		{"slash in the password", "https://alice:hun/ter2@host/u", "https://xxxxx@host/u"},
		{"bad escape in the password", "https://alice:hunter2%zz@host/u", "https://xxxxx@host/u"},
		{"no scheme", "alice:hunter2@host/u", "xxxxx@host/u"},
		{"control character", "https://alice:hunter2@host/u\x7f", "https://xxxxx@host/u"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(http.DefaultClient, WithEndpoint(tc.endpoint))
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "hunter2")
			assert.NotContains(t, err.Error(), "hun")
			assert.NotContains(t, err.Error(), "alice")
			assert.Contains(t, err.Error(), tc.wantShown)
		})
	}
	t.Run("a parse error without user info keeps its cause", func(t *testing.T) {
		t.Parallel()
		_, err := NewClient(http.DefaultClient, WithEndpoint("https://host:badport/u"))
		require.Error(t, err)
		assert.Equal(t, `mediaupload: endpoint "https://host:badport/u" is not an absolute http(s) URL: invalid port ":badport" after host`, err.Error())
	})
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			var foreignHits atomic.Int32
			foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				foreignHits.Add(1)
			}))
			t.Cleanup(foreign.Close)
			origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, foreign.URL+"/steal", status)
			}))
			t.Cleanup(origin.Close)
			c, rec := newSignedClient(t, origin.URL+"/u")
			_, err := c.Status(t.Context(), "1")
			require.Error(t, err)
			if status == http.StatusFound {
				require.ErrorIs(t, err, ErrInsecureEndpoint)
			}
			assert.Zero(t, foreignHits.Load(), "no signed request may reach another host")
			assert.Empty(t, rec.recorded(), "a refused redirect is not retried")
		})
	}
}
