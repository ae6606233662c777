package mediaupload

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrAPIMismatch is returned by [NewClient] when [WithAPI] names one
// dialect and the [WithEndpoint] path is the other's (/1.1/media/… or
// /2/media/…), or when a bearer token meets v1.1.
var ErrAPIMismatch = errors.New("mediaupload: API and endpoint do not match")

// endpointAPI is the dialect an endpoint's path names: v2 for a path
// with /2/media/, v1.1 for one with /1.1/media/, else "".
func endpointAPI(u *url.URL) API {
	switch p := u.Path + "/"; {
	case strings.Contains(p, "/2/media/"):
		return APIv2
	case strings.Contains(p, "/1.1/media/"):
		return APIv1
	}
	return ""
}

// resolveAPI settles the dialect once every option has run: an explicit
// [WithAPI] wins; else the endpoint's path; else v2 for a bearer token
// (v1.1 takes none); else v1.1. It refuses a WithAPI that contradicts the
// endpoint's path, and a bearer token with v1.1, before any request. It
// then sets the default endpoint of the dialect when none was given.
func (c *Client) resolveAPI() error {
	var byPath API
	if c.endpointSet {
		byPath = endpointAPI(c.endpoint)
	}
	switch {
	case c.apiSet && byPath != "" && byPath != c.api:
		fix := "drop WithAPI, or use a …/2/media/upload endpoint such as " + DefaultV2Endpoint
		if c.api == APIv1 {
			fix = "drop WithAPI, or use a …/1.1/media/upload.json endpoint such as " + DefaultEndpoint
		}
		return fmt.Errorf("%w: WithAPI(%s) with endpoint %s, whose path is v%s's: %s",
			ErrAPIMismatch, apiName(c.api), c.endpoint.Redacted(), byPath, fix)
	case c.apiSet:
	case byPath != "":
		c.api = byPath
	case c.bearer != "":
		c.api = APIv2
	default:
		c.api = APIv1
	}
	if c.bearer != "" && c.api == APIv1 {
		why := "WithAPI(APIv1)"
		if !c.apiSet {
			why = "endpoint " + c.endpoint.Redacted() + ", a v1.1 path,"
		}
		return fmt.Errorf("%w: WithBearerToken with %s: v1.1 takes OAuth 1.0a only and refuses bearer tokens with 403; use v2 (WithAPI(APIv2), or a …/2/media/upload endpoint), or OAuth 1.0a credentials",
			ErrAPIMismatch, why)
	}
	if !c.endpointSet {
		def := DefaultEndpoint
		if c.api == APIv2 {
			def = DefaultV2Endpoint
		}
		c.endpoint, _ = parseEndpoint(def)
	}
	return nil
}

// apiName is the Go name of api's constant, for messages about options.
func apiName(api API) string {
	if api == APIv2 {
		return "APIv2"
	}
	return "APIv1"
}
