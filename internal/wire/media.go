package wire

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Media is the media object of an answer, in either dialect. Ids, sizes and states are read
// strictly; hints (waits, progress, lifetime) leniently, as a [Hint].
type Media struct {
	MediaIDString string      `json:"media_id_string"`
	MediaID       json.Number `json:"media_id"`
	ID            string      `json:"id"`
	MediaKey      string      `json:"media_key"`
	Size          int64       `json:"size"`
	ExpiresAfter  Hint        `json:"expires_after_secs"`
	Processing    *Processing `json:"processing_info"`
}

// Processing is an answer's processing_info.
type Processing struct {
	State           string `json:"state"`
	CheckAfterSecs  Hint   `json:"check_after_secs"`
	ProgressPercent Hint   `json:"progress_percent"`
	Error           *struct {
		Code          Hint
		Name, Message string
	} `json:"error"`
}

// Hint is an informational number of an answer: a JSON number or a string holding one.
// Anything else reads as absent, so that an odd hint never fails an upload that went well.
type Hint struct {
	N  int64 // the value, truncated to an integer and bounded by MaxHint
	OK bool  // whether the answer gave one
}

// MaxHint bounds a Hint (136 years in seconds), so that a time.Duration of it cannot overflow.
const MaxHint = 1 << 32

// UnmarshalJSON reads a number or a numeric string, and anything else as absent.
func (h *Hint) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.Trim(string(b), `"`)), 64)
	if err == nil && !math.IsNaN(f) {
		h.N, h.OK = int64(max(min(f, MaxHint), -MaxHint)), true
	}
	return nil
}

// IDOf returns the media id an answer names, read only from its string forms (ids exceed
// 2^53 and do not survive a float64); "" when none.
func (w *Media) IDOf() string {
	for _, id := range []string{w.MediaIDString, w.ID, w.MediaID.String()} {
		if id != "" {
			return id
		}
	}
	return ""
}
