package mediaupload

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/mediaupload/mediaupload/internal/source"
	"github.com/mediaupload/mediaupload/mediacheck"
)

// normalizeCategory accepts tweet_video, TWEET_VIDEO and TweetVideo, and returns tweet_video.
func normalizeCategory(cat string) (string, error) {
	norm := mediacheck.NormalizeCategory(cat)
	if mediacheck.CategoryKind(norm) == "" {
		return "", fmt.Errorf("%w: %q; use one of tweet_image, tweet_gif, tweet_video, dm_image, dm_gif, dm_video, amplify_video, subtitles",
			ErrUnknownCategory, cat)
	}
	return norm, nil
}

func validMediaType(t string) bool {
	mt, _, err := mime.ParseMediaType(t)
	return err == nil && strings.Count(mt, "/") == 1 && !strings.HasSuffix(mt, "/")
}

const sniffLen = source.HeadLen // how many leading bytes sniffing looks at

// resolveType sniffs the type and derives the category unless given, and checks them and the size.
func (c *uploadConfig) resolveType(head []byte, size int64) error {
	sniffed := c.mediaType == ""
	if head = head[:min(len(head), sniffLen)]; sniffed {
		if c.mediaType = mediacheck.SniffType(head); c.mediaType == "" { // none X takes: name it
			// DetectContentType names other content, but takes some M4A boxes for video/mp4.
			c.mediaType = "application/octet-stream"
			if mediacheck.Sniff(head) == mediacheck.FormatUnknown {
				c.mediaType, _, _ = mime.ParseMediaType(http.DetectContentType(head))
			}
		}
	}
	kind := mediacheck.TypeKind(c.mediaType)
	switch {
	case sniffed && kind == "":
		return fmt.Errorf("%w: content looks like %s, not an image, GIF, video or subtitles; set the media type", ErrMediaType, c.mediaType)
	case c.category != "":
	case kind == "":
		return fmt.Errorf("%w: cannot derive a category from %s; set one", ErrMediaType, c.mediaType)
	case kind == "subtitles":
		c.category = "subtitles"
	case c.dm:
		c.category = "dm_" + kind
	default:
		c.category = "tweet_" + kind
	}
	catKind := mediacheck.CategoryKind(c.category)
	switch limit := c.sizeLimit(); {
	case kind != "" && !mediacheck.KindFits(kind, catKind):
		return fmt.Errorf("%w: %s does not fit category %s", ErrMediaType, c.mediaType, c.category)
	case limit > 0 && size > limit:
		return &LimitError{Category: c.category, Limit: limit, Size: size}
	case c.subtitles != nil && catKind != "video":
		return fmt.Errorf("%w: subtitles go with videos, not %s", ErrMediaType, c.category)
	}
	return nil
}

const maxUploadBytes = MaxSegments * MaxChunkSize // the most one upload can carry

// limitFor is the [source.Limit] of a spooled input: the category's, or what one upload can carry.
func (c uploadConfig) limitFor(head []byte) (int64, error, error) {
	if err := c.resolveType(head, int64(len(head))); err != nil {
		return 0, nil, err
	}
	if limit := c.sizeLimit(); limit > 0 {
		return limit, &LimitError{Category: c.category, Limit: limit, Size: -1}, nil
	}
	return maxUploadBytes, fmt.Errorf("%w: the input is over %d bytes, the most one upload can carry", ErrTooLarge, int64(maxUploadBytes)), nil
}

// sizeLimit is the category's size limit under the account's limits; none with [NoCheck].
func (c *uploadConfig) sizeLimit() int64 {
	if c.noCheck {
		return 0
	}
	return c.limits.Bytes(c.category)
}

// subtitleType is the media type of a subtitle file: WebVTT, else SubRip.
func subtitleType(head []byte) string {
	if mediacheck.SniffType(head[:min(len(head), sniffLen)]) == "text/vtt" {
		return "text/vtt"
	}
	return "text/srt"
}

// checkMediaID refuses ids that are not 1–19 decimal digits: not X's, and v2 puts ids in paths.
func checkMediaID(id string) error {
	if len(id) == 0 || len(id) > 19 || strings.Trim(id, "0123456789") != "" {
		return fmt.Errorf("mediaupload: media id %q is not 1 to 19 decimal digits", id)
	}
	return nil
}
