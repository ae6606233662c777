package mediaupload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/mediaupload/mediaupload/internal/segments"
)

// resumeState is what a later process needs to finish an interrupted
// upload: the media id, the input's size and fingerprint, the segments
// planned (offset and size) and those acknowledged (with their SHA-256),
// whether FINALIZE was done, and when the media expires. A [ResumeStore]
// keeps it as JSON.
type resumeState struct {
	Version     int            `json:"version"`
	API         string         `json:"api"`
	Endpoint    string         `json:"endpoint"`
	MediaID     string         `json:"media_id,omitempty"`
	TotalBytes  int64          `json:"total_bytes"`
	MediaType   string         `json:"media_type"`
	Category    string         `json:"media_category"`
	ChunkSize   int64          `json:"chunk_size"`
	Fingerprint string         `json:"fingerprint"`
	Segments    []segmentState `json:"segments"`
	Finalized   bool           `json:"finalized"`
	// Processing says FINALIZE announced processing (processing_info), so
	// that a finalized upload resumes by awaiting it; without it the media
	// is ready, and resuming sends no request.
	Processing bool      `json:"processing,omitempty"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

// segmentState is one planned segment of a resumeState; SHA256 is set
// once the service has acknowledged it.
type segmentState struct {
	Index  int    `json:"index"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}

// resumeVersion is the format of resumeState this package writes. Version
// 1 had no Processing: its finalized uploads resume by asking STATUS.
const resumeVersion = 2

// ResumeStore keeps the saved state of one upload: a small JSON document
// that this package writes and reads, and the store keeps as bytes.
// [FileStore] keeps it in a file; a database or a cache works through this
// interface just as well.
type ResumeStore interface {
	// Load returns the saved state, or nil and no error when there is none.
	Load(ctx context.Context) ([]byte, error)
	// Save replaces the saved state, atomically: a crash leaves the old
	// one or the new one.
	Save(ctx context.Context, state []byte) error
	// Remove deletes the saved state; removing none is not an error.
	Remove(ctx context.Context) error
}

// FileStore is a [ResumeStore] in one JSON file. Save writes a temporary
// file beside it, syncs it and renames it over the old one, so a crash
// leaves the old state or the new one, never a mix.
type FileStore struct {
	Path string
}

// Load reads the file; a missing file is no state.
func (f FileStore) Load(context.Context) ([]byte, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mediaupload: reading resume file: %w", err)
	}
	return b, nil
}

// Save writes b atomically (temporary file, fsync, rename, fsync of the
// directory).
func (f FileStore) Save(_ context.Context, b []byte) error {
	dir := filepath.Dir(f.Path)
	tmp, err := os.CreateTemp(dir, filepath.Base(f.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("mediaupload: saving resume state: %w", err)
	}
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("mediaupload: saving resume state: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("mediaupload: saving resume state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Remove deletes the file.
func (f FileStore) Remove(context.Context) error {
	if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mediaupload: removing resume file: %w", err)
	}
	return nil
}

// fingerprintLen is how much of the input's head the fingerprint covers;
// acknowledged segments are checked whole by their SHA-256.
const fingerprintLen = 64 << 10

// fingerprint identifies an input by its size and first bytes.
func fingerprint(size int64, head []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d:", size)
	h.Write(head)
	return hex.EncodeToString(h.Sum(nil))
}

func segmentSHA(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// expiryMargin is how long before the media's expiry a saved state is
// already treated as expired: the rest of the upload needs some time too.
const expiryMargin = time.Minute

// staleReason says why a saved state cannot continue the upload described
// by fresh (empty when it can).
func (st *resumeState) staleReason(fresh *resumeState, now time.Time, maxChunk int64) string {
	switch {
	case st.Version != resumeVersion && st.Version != 1:
		return fmt.Sprintf("it has format version %d, not %d", st.Version, resumeVersion)
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
	if next > st.TotalBytes || len(st.Segments) > MaxSegments {
		return "its segment layout is inconsistent"
	}
	if left := MaxSegments - len(st.Segments); segments.CeilDiv(st.TotalBytes-next, maxChunk) > int64(left) {
		return fmt.Sprintf("the rest of the input does not fit in the %d segments left", left)
	}
	return ""
}
