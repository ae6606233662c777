package mediacheck

import (
	"strconv"
	"strings"
	"time"
)

// mb is X's megabyte: X's "5 MB" is 5,242,880 bytes ("Image file size must
// be <= 5242880 bytes").
const mb = 1 << 20

// trimFloat formats f with at most prec decimals and no trailing zeros.
func trimFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatBytes gives sizes in X's megabytes: "5 MB", "9.7 kB", "512 B".
func formatBytes(n int64) string {
	switch {
	case n >= mb:
		return trimFloat(float64(n)/mb, 1) + " MB"
	case n >= 1<<10:
		return trimFloat(float64(n)/(1<<10), 1) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// formatBytesExact adds the exact count where the rounded one hides it:
// "5.2 MB (5452595 bytes)".
func formatBytesExact(n int64) string {
	s := formatBytes(n)
	if n >= 1<<10 && n%mb != 0 {
		s += " (" + strconv.FormatInt(n, 10) + " bytes)"
	}
	return s
}

// formatDuration gives seconds to the millisecond: "0.3 s", "150 s".
func formatDuration(d time.Duration) string {
	return trimFloat(d.Seconds(), 3) + " s"
}

// formatFPS gives a frame rate to two decimals: "29.97", "120".
func formatFPS(f float64) string { return trimFloat(f, 2) }
