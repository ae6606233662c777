// Package resume is an interrupted upload's saved state: its JSON, its checks, its atomic write.
package resume

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mediaupload/mediaupload/internal/segments"
)

// State is what a later process needs to finish an interrupted upload.
type State struct {
	Version     int       `json:"version"`
	API         string    `json:"api"`
	Endpoint    string    `json:"endpoint"`
	MediaID     string    `json:"media_id,omitempty"`
	TotalBytes  int64     `json:"total_bytes"`
	MediaType   string    `json:"media_type"`
	Category    string    `json:"media_category"`
	ChunkSize   int64     `json:"chunk_size"`
	Fingerprint string    `json:"fingerprint"`
	Segments    []Segment `json:"segments"`
	Finalized   bool      `json:"finalized"`
	Processing  bool      `json:"processing,omitempty"` // FINALIZE announced processing: await it
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

// Segment is one planned segment; SHA256 is set once the service has acknowledged it.
type Segment struct {
	Index  int    `json:"index"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}

const (
	// Version is the format written. Version 1 had no Processing: its finalized uploads ask STATUS.
	Version = 2
	// HeadLen is how much of the input's head the fingerprint covers.
	HeadLen      = 64 << 10
	expiryMargin = time.Minute // before expiry a state counts as expired: the rest takes time too
)

// Fingerprint identifies an input by its size and first bytes, hashed as they are (a copy of the
// 64 KiB head for each of a thousand uploads at once is garbage the collector must keep up with).
func Fingerprint(size int64, head []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d:", size)
	h.Write(head)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// SHA is the hex SHA-256 of data.
func SHA(data []byte) string { return fmt.Sprintf("%x", sha256.Sum256(data)) }

// StaleReason says why st cannot continue the upload fresh, or ""; a non-nil ra re-checks segments.
func (st *State) StaleReason(fresh *State, now time.Time, maxChunk int64, ra io.ReaderAt) string {
	switch {
	case st.Version != Version && st.Version != 1:
		return fmt.Sprintf("it has format version %d, not %d", st.Version, Version)
	case st.API != fresh.API || st.Endpoint != fresh.Endpoint:
		return fmt.Sprintf("it was for %s (API %s), not %s (API %s)", st.Endpoint, st.API, fresh.Endpoint, fresh.API)
	case st.TotalBytes != fresh.TotalBytes:
		return fmt.Sprintf("the input has %d bytes, not %d as before", fresh.TotalBytes, st.TotalBytes)
	case st.Fingerprint != fresh.Fingerprint:
		return "the input's content changed"
	case st.MediaType != fresh.MediaType || st.Category != fresh.Category:
		return fmt.Sprintf("it was for %s as %s, not %s as %s", st.MediaType, st.Category, fresh.MediaType, fresh.Category)
	case st.MediaID == "":
		return "INIT had not been answered"
	case !st.ExpiresAt.IsZero() && now.After(st.ExpiresAt.Add(-expiryMargin)):
		return fmt.Sprintf("media %s expired at %s", st.MediaID, st.ExpiresAt.Format(time.RFC3339))
	}
	var next int64
	for i, s := range st.Segments {
		if s.Index != i || s.Offset != next || s.Size <= 0 {
			return "its segment layout is inconsistent"
		}
		if s.Size > maxChunk {
			return fmt.Sprintf("its segment %d has %d bytes, over the %d allowed now", i, s.Size, maxChunk)
		}
		next += s.Size
	}
	if next > st.TotalBytes || len(st.Segments) > segments.Max {
		return "its segment layout is inconsistent"
	}
	if left := segments.Max - len(st.Segments); segments.CeilDiv(st.TotalBytes-next, maxChunk) > int64(left) {
		return fmt.Sprintf("the rest of the input does not fit in the %d segments left", left)
	}
	if ra == nil || st.Finalized {
		return ""
	}
	buf := make([]byte, 64<<10) // one for all the segments
	for _, s := range st.Segments {
		if s.SHA256 == "" {
			continue
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, io.NewSectionReader(ra, s.Offset, s.Size), buf); err != nil || hex.EncodeToString(h.Sum(nil)) != s.SHA256 {
			return fmt.Sprintf("segment %d of the input changed", s.Index)
		}
	}
	return ""
}

// WriteFile replaces path with b atomically: temporary file, sync, rename, sync of the directory.
func WriteFile(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err == nil {
		_, err = tmp.Write(b)
		if err = errors.Join(err, tmp.Sync(), tmp.Close()); err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		return fmt.Errorf("mediaupload: saving resume state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
