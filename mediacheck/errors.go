package mediacheck

import (
	"errors"
	"strconv"
	"strings"
)

// ErrRefused is matched by errors.Is for every [*RuleError].
var ErrRefused = errors.New("media breaks X's rules")

// RuleError is media that breaks X's rules, as given by [Findings.Err].
type RuleError struct {
	// Category is the media category the rules were applied for.
	Category string
	// Findings are the refusals, at least one.
	Findings Findings
}

// Error is the first refusal's message, and how many more there are:
// "frame rate 120 fps is over X's limit of 60 fps for tweet_video (and 1
// more)". It names neither the package nor the file, so that the caller
// can prefix the file's name.
func (e *RuleError) Error() string {
	if e == nil || len(e.Findings) == 0 {
		return ErrRefused.Error()
	}
	var b strings.Builder
	b.WriteString(e.Findings[0].Message)
	switch n := len(e.Findings) - 1; n {
	case 0:
	case 1:
		b.WriteString(" (and 1 more: ")
		b.WriteString(e.Findings[1].Message)
		b.WriteString(")")
	default:
		b.WriteString(" (and ")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(" more)")
	}
	return b.String()
}

// Is reports whether target is [ErrRefused].
func (e *RuleError) Is(target error) bool { return target == ErrRefused }
