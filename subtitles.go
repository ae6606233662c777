package mediaupload

import (
	"fmt"
	"strings"
)

// Subtitle links an uploaded subtitle file (category "subtitles") to a
// video.
type Subtitle struct {
	MediaID       string // the subtitle file's media id
	LanguageCode  string // two letters, e.g. "EN"
	DisplayName   string // what viewers see, e.g. "English"; empty means the language code
	VideoCategory string // the video's category; empty means tweet_video
}

// normalize checks the language code, writes it in capitals and fills in
// the display name.
func (s *Subtitle) normalize() error {
	if len(s.LanguageCode) != 2 || strings.Trim(s.LanguageCode, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
		return fmt.Errorf("mediaupload: subtitle language %q: want a two-letter code such as EN", s.LanguageCode)
	}
	s.LanguageCode = strings.ToUpper(s.LanguageCode)
	if s.DisplayName == "" {
		s.DisplayName = s.LanguageCode
	}
	return nil
}
