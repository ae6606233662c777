package mediaupload

import (
	"fmt"
	"regexp"
	"strings"
)

// Subtitle links an uploaded subtitle file (category "subtitles") to a
// video.
type Subtitle struct {
	// MediaID is the subtitle file's media id.
	MediaID string
	// LanguageCode is the subtitles' language as two letters, e.g. "EN".
	LanguageCode string
	// DisplayName is the name viewers see, e.g. "English"; empty means the
	// language code.
	DisplayName string
	// VideoCategory is the video's category; empty means tweet_video.
	VideoCategory string
}

// videoCategory is the video's category in the spelling the subtitles
// endpoints take: TweetVideo or AmplifyVideo.
func (s Subtitle) videoCategory() string {
	if s.VideoCategory == "amplify_video" {
		return "AmplifyVideo"
	}
	return "TweetVideo"
}

var languageCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

// normalize checks the language code, writes it in capitals and fills in
// the display name.
func (s *Subtitle) normalize() error {
	if !languageCode.MatchString(s.LanguageCode) {
		return fmt.Errorf("mediaupload: subtitle language %q: want a two-letter code such as EN", s.LanguageCode)
	}
	s.LanguageCode = strings.ToUpper(s.LanguageCode)
	if s.DisplayName == "" {
		s.DisplayName = s.LanguageCode
	}
	return nil
}
